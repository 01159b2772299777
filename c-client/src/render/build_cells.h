/* render/build_cells.h - what each cell shows, per report. */
#ifndef H2C_RENDER_BUILD_CELLS_H
#define H2C_RENDER_BUILD_CELLS_H

#include "build.h"

/* report.md's "Security-relevant findings" paragraph and its failure
 * sections (op->max_failures of them at most, then a note). */
void build_cells_md(doc *d, const r_model *m, const build_opts *op);
/* report.html's security section and every other cell's details. */
void build_cells_page(doc *d, const r_model *m, const build_opts *op);
/* One security-relevant cell as security.md shows it. */
void build_cells_security(doc *d, doc_node *parent, const r_model *m, int t,
                          int s);
/* The failure sections report.md would hold (not accepted, not
 * security-relevant). */
int build_cells_public_failures(const r_model *m);

#endif
