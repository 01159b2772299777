/* render/junit.h - the test-report writer (junit.xml). */
#ifndef H2C_RENDER_JUNIT_H
#define H2C_RENDER_JUNIT_H

#include "doc.h"
#include "out.h"

/* A test report's document (build_junit) as junit.xml. */
void junit_emit(out *o, const doc *d);

#endif
