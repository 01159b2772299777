/* render/build_summary.c - the top of a report: its headline, the summary
 * paragraph (facts_summary) and what a reader must know first: on the page,
 * a banner when it holds security-relevant findings and the cell counts;
 * in report.md, whether transcripts were cut to fit. */
#include "build_summary.h"
#include "facts.h"
#include "verdicts.h"

static void page_banner(doc *d, const r_model *m) {
  if (m->security_count <= 0)
    return;
  doc_node *p = doc_para(d, NULL);
  doc_set_id(d, p, "security-banner");
  doc_set_cls(d, p, "security-banner");
  doc_wordsf(d, p, "This page holds %ld security-relevant finding%s: do not "
                   "paste it publicly. ", m->security_count,
             m->security_count == 1 ? "" : "s");
  doc_span_add(d, p, DOC_LINK, "Security-relevant findings", DOC_OWN,
               "security");
  doc_words(d, p, " says how to report them.");
}

static void md_cut_note(doc *d, const build_opts *op) {
  out w;
  out_init(&w);
  if (op->shortened && op->tx_budget)
    out_printf(&w, "Transcripts are cut to about %zu bytes per cell to keep "
                   "this report under GitHub's 65,536-character limit; "
                   "report.html has longer excerpts, results.json every "
                   "byte.", op->tx_budget);
  else if (op->shortened)
    out_adds(&w, "Transcripts are left out to keep this report under "
                 "GitHub's 65,536-character limit; report.html and "
                 "results.json have them.");
  if (w.b.len)
    doc_span_add(d, doc_para(d, NULL), DOC_EM, w.b.data, DOC_OWN, NULL);
  d->failed |= w.failed;
  out_free(&w);
}

void build_summary(doc *d, const r_model *m, const build_opts *op) {
  out t;
  out_init(&t);
  facts_summary(&t, m, op->page ? "the section \xe2\x80\x9cSecurity-relevant "
                                  "findings\xe2\x80\x9d below"
                                : "security.md");
  doc_words(d, doc_heading(d, NULL, 1), "h2c interop lab report");
  if (op->page)
    page_banner(d, m);
  doc_node *p = doc_para(d, NULL);
  doc_set_id(d, p, "summary");
  doc_text_out(d, p, &t, 16000);
  out_free(&t);
  if (op->page) {
    p = doc_para(d, NULL);
    doc_set_id(d, p, "counts");
    doc_wordsf(d, p, "%d cells: %d accepted, %d not accepted, %d %s, %d not "
                     "run.", m->nt * m->ns, m->npass, m->nfail, m->nna,
               verdicts_name(V_NA), m->nmissing);
  } else {
    md_cut_note(d, op);
  }
}
