/* render/build.h - the document builders: the model (results.json) made
 * into the doc (doc.h) of one report, part by part. Every fact a report
 * states is put into the document here, once; the writers only emit it.
 *
 * One builder serves every report that shows a part; build_opts says
 * which report it is for (a public paste or the private page) and how much
 * room there is. report.md is built again with smaller budgets until it
 * fits GitHub's limit (md.c). */
#ifndef H2C_RENDER_BUILD_H
#define H2C_RENDER_BUILD_H

#include <stddef.h>
#include "doc.h"
#include "model.h"

typedef struct build_opts {
  int page;          /* 1: report.html (private: every cell, the security
                      * section, anchors); 0: a Markdown paste */
  size_t tx_budget;  /* transcript bytes per cell; 0: none */
  int shortened;     /* report.md: say that transcripts were cut */
  int compact;       /* report.md's last resort: shorter everything */
  int max_failures;  /* report.md: failure sections at most (-1: all) */
} build_opts;

/* A cap for data text: md for a paste (smaller when compact), page for
 * report.html. */
#define BUILD_CAP(op, md_cap, page_cap) ((op)->page ? (page_cap) : (md_cap))

/* The documents: report.md, report.html, security.md (build_security.c). */
void build_report_md(doc *d, const r_model *m, const build_opts *op);
void build_report_page(doc *d, const r_model *m, const build_opts *op);
void build_security_md(doc *d, const r_model *m);
/* build_junit.c: the test report (junit.xml): see doc.h for its shape. */
void build_junit(doc *d, const r_model *m);

/* Public failure sections report.md would hold (not accepted, not
 * security-relevant). */
int build_public_failures(const r_model *m);

/* ---- the parts (build_*.c) -------------------------------------------- */

/* build_summary.c: the headline, the summary and (page) the counts. */
void build_summary(doc *d, const r_model *m, const build_opts *op);
/* build_summary.c: the probe line and the targets table. */
void build_env(doc *d, const r_model *m, const build_opts *op);
/* build_matrix.c: the targets × scenarios grid and its legend. */
void build_matrix(doc *d, const r_model *m, const build_opts *op);
/* build_fix.c: "Proposed fix", when a target runs one. */
void build_fix(doc *d, const r_model *m, const build_opts *op);
/* build_scenarios.c: every scenario's definition. */
void build_scenarios(doc *d, const r_model *m, const build_opts *op);
/* build_cells.c: report.md's "Security-relevant findings" paragraph and
 * its failure sections; report.html's security section and cells. */
void build_cells_md(doc *d, const r_model *m, const build_opts *op);
void build_cells_page(doc *d, const r_model *m, const build_opts *op);
/* build_cells.c: one security-relevant cell as security.md shows it. */
void build_cells_security(doc *d, doc_node *parent, const r_model *m, int t,
                          int s);
/* build.c: "cell-<target>-<scenario>", id-safe: the anchor of a cell's
 * details; and the cell's state as a class: fail, pass, na or missing. */
void build_cell_id(out *o, const r_model *m, int t, int s);
const char *build_state_class(const r_cell *c);

#endif
