/* render/build.c - the order of the parts in report.md and report.html
 * (and security.html, the same page over the whole run). Both open with
 * the finding (build_headline) and the matrix, so the first screen says
 * what breaks; then the summary, the fix, the failures (report.md) or every
 * cell (the page), the environment and the scenarios. */
#include "build.h"
#include "build_blast.h"
#include "build_cells.h"
#include "build_env.h"
#include "build_fix.h"
#include "build_headline.h"
#include "build_matrix.h"
#include "build_scenarios.h"
#include "build_summary.h"
#include "esc.h"

void build_report_md(doc *d, const r_model *m, const build_opts *op) {
  build_title(d, m, op);
  build_headline(d, m, op);
  build_matrix(d, m, op);
  build_summary(d, m, op);
  build_fix(d, m, op);
  build_cells_md(d, m, op);
  build_env(d, m);
  build_scenarios(d, m, op);
}

void build_report_page(doc *d, const r_model *m, const build_opts *op) {
  build_title(d, m, op);
  build_headline(d, m, op);
  build_matrix(d, m, op);
  build_summary(d, m, op);
  if (op->private_)
    build_blast(d, m);             /* security.html only */
  build_fix(d, m, op);
  build_env(d, m);
  build_cells_page(d, m, op);
  build_scenarios(d, m, op);
}

void build_cell_id(out *o, const r_model *m, int t, int s) {
  out_adds(o, "cell-");
  esc_slug(o, m->t[t].name);
  out_adds(o, "-");
  esc_slug(o, m->s[s].id);
}

const char *build_state_class(const r_cell *c) {
  return c->state == CELL_FAIL       ? "fail"
         : c->state == CELL_PASS     ? "pass"
         : c->state == CELL_NA       ? "na"
         : c->state == CELL_UNSPOKEN ? "unspoken"
                                     : "missing";
}
