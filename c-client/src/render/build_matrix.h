/* render/build_matrix.h - "Results". */
#ifndef H2C_RENDER_BUILD_MATRIX_H
#define H2C_RENDER_BUILD_MATRIX_H

#include "build.h"

/* The targets × scenarios grid and its legend. */
void build_matrix(doc *d, const r_model *m, const build_opts *op);

#endif
