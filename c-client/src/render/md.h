/* render/md.h - the Markdown writer (report.md, security.md). */
#ifndef H2C_RENDER_MD_H
#define H2C_RENDER_MD_H

#include "doc.h"
#include "model.h"
#include "out.h"

/* The document as GitHub-flavoured Markdown (o->failed when d failed). */
void md_emit(out *o, const doc *d);
/* report.md: its document (build_report_md) written, and built again with
 * smaller budgets until it fits a GitHub issue body. */
void md_report(out *o, const r_model *m);

#endif
