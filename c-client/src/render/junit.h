/* render/junit.h - the test-report writer and junit.xml. */
#ifndef H2C_RENDER_JUNIT_H
#define H2C_RENDER_JUNIT_H

#include <stddef.h>
#include "doc.h"
#include "model.h"
#include "out.h"

/* A test report's document (build_junit) as junit.xml. */
void junit_emit(out *o, const doc *d);
/* Writes junit.xml atomically into dir; 0 or -1 with err. */
int junit_write(const r_model *m, const char *dir, char *err, size_t errlen);

#endif
