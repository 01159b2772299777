/* render/build_fix.c - "Proposed fix": for each target that runs a patch,
 * its lineage, the diff, what the change repairs and keeps, the regression
 * window and the upstream note (all from fix.c), then the upstream-style
 * unittest. Written to be pasted below the matrix in the upstream issue. */
#include "build_fix.h"
#include "fix.h"

#include <string.h>

#define DIFF_FULL 20000u         /* a paste's diff */
#define DIFF_COMPACT 6000u
#define DIFF_PAGE (128u * 1024u) /* results.json keeps at most 64 KiB */

static void diff_notes(doc *d, doc_node *sec, const r_target *t, int cut,
                       const build_opts *op) {
  if (op->page) {
    if (cut || t->patch_truncated)
      doc_span_add(d, doc_para(d, sec), DOC_EM, "The diff is longer than "
                   "shown; results.json has what the probe kept (at most "
                   "64 KiB).", DOC_OWN, NULL);
    return;
  }
  if (cut)
    doc_span_add(d, doc_para(d, sec), DOC_EM, "The diff is cut at a line end "
                 "to keep this report under GitHub's 65,536-character limit; "
                 "report.html and results.json have all of it.", DOC_OWN,
                 NULL);
  if (t->patch_truncated)
    doc_span_add(d, doc_para(d, sec), DOC_EM, "The target served a longer "
                 "diff than the probe keeps (64 KiB); this is its beginning.",
                 DOC_OWN, NULL);
}

static void fix_target(doc *d, doc_node *sec, const r_model *m, int t,
                       int heading, const build_opts *op) {
  int by_name, base = fix_base(m, t, &by_name);
  out x;
  if (heading)
    doc_text(d, doc_heading(d, sec, 3), m->t[t].name, 80);
  out_init(&x);
  fix_lineage_text(&x, m, t, base, by_name);
  doc_text_out(d, doc_para(d, sec), &x, 2000);
  out_free(&x);
  out_init(&x);
  int cut = fix_diff_text(&x, &m->t[t], op->page      ? DIFF_PAGE
                                        : op->compact ? DIFF_COMPACT
                                                      : DIFF_FULL);
  doc_code_out(d, sec, &x, "diff", "diff");
  out_free(&x);
  diff_notes(d, sec, &m->t[t], cut, op);
  static const char *const labels[] = {"Effect:", "Regression guard:",
                                       "Regression window:", "Upstream:"};
  static const size_t caps[] = {4000, 2000, 3000, 2000};
  for (int k = 0; k < 4; k++) {
    out_init(&x);
    if (k == 0)
      fix_effect_text(&x, m, t, base);
    else if (k == 1)
      fix_guard_text(&x, m, t, base);
    else if (k == 2)
      fix_window_text(&x, m, t, base);
    else
      fix_upstream_note(&x, m, t, base);
    doc_labelled(d, sec, labels[k], &x, caps[k]);
    out_free(&x);
  }
}

/* The upstream-style test: a sentence, then one list item per image. */
static void upstream_test(doc *d, doc_node *sec, const r_model *m) {
  out x;
  out_init(&x);
  if (fix_upstream_test(&x, m)) {
    const char *line = x.b.data, *end;
    doc_node *list = NULL;
    for (int i = 0; line; i++, line = end ? end + 1 : NULL) {
      end = strchr(line, '\n');
      out one;
      out_init(&one);
      out_add(&one, line, end ? (size_t)(end - line) : strlen(line));
      doc_node *n;
      if (i == 0) {
        n = doc_para(d, sec);
        doc_set_id(d, n, "upstream-test");
        doc_label(d, n, "Upstream-style test:");
      } else {
        if (!list) {
          list = doc_add(d, sec, DOC_LIST);
          doc_set_cls(d, list, "upstream");
        }
        n = doc_add(d, list, DOC_ITEM);
      }
      doc_text_out(d, n, &one, 2000);
      out_free(&one);
    }
  }
  d->failed |= x.failed;
  out_free(&x);
}

void build_fix(doc *d, const r_model *m, const build_opts *op) {
  if (!fix_section_wanted(m))
    return;
  int npatched = 0;
  for (int t = 0; t < m->nt; t++)
    npatched += m->t[t].patch != NULL;
  doc_node *sec = doc_add(d, NULL, DOC_SECTION);
  doc_set_id(d, sec, "proposed-fix");
  doc_set_cls(d, sec, "fix");
  doc_words(d, doc_heading(d, sec, 2), "Proposed fix");
  for (int t = 0; t < m->nt; t++)
    if (m->t[t].patch)
      fix_target(d, sec, m, t, npatched > 1, op);
  upstream_test(d, sec, m);
}
