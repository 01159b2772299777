/* render/build_junit.h - the test report's document. */
#ifndef H2C_RENDER_BUILD_JUNIT_H
#define H2C_RENDER_BUILD_JUNIT_H

#include "build.h"

/* junit.xml's document: see doc.h for its shape. */
void build_junit(doc *d, const r_model *m);

#endif
