/* render/build.h - the document builders: the model (results.json) made
 * into the doc (doc.h) of one report, part by part. Every fact a report
 * states is put into the document here, once; the writers only emit it.
 *
 * Each part has its file and header (build_summary, build_env,
 * build_matrix, build_fix, build_cells, build_scenarios; build_security
 * and build_junit for security.md and junit.xml). One builder serves every
 * report that shows a part; build_opts says
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

/* build.c: the documents of report.md and report.html, part by part. */
void build_report_md(doc *d, const r_model *m, const build_opts *op);
void build_report_page(doc *d, const r_model *m, const build_opts *op);
/* build.c: "cell-<target>-<scenario>", id-safe: the anchor of a cell's
 * details; and the cell's state as a class: fail, pass, na or missing. */
void build_cell_id(out *o, const r_model *m, int t, int s);
const char *build_state_class(const r_cell *c);

#endif
