/* render/build_fix.h - "Proposed fix". */
#ifndef H2C_RENDER_BUILD_FIX_H
#define H2C_RENDER_BUILD_FIX_H

#include "build.h"

/* "Proposed fix", when a target runs one or the run has the upstream
 * test. */
void build_fix(doc *d, const r_model *m, const build_opts *op);

#endif
