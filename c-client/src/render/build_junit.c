/* render/build_junit.c - the test report (junit.xml's document): one suite
 * per target, one case per scenario.
 *
 * A cell the scenario does not accept is a failure (message = the reason,
 * text = reason, answers and reproducer); verdict "error" (could not
 * connect) is an error, "n/a" and cells without a result are skipped, so a
 * dashboard tells "the server is wrong" from "the lab could not ask". The
 * transcript excerpt is the case's output. A security-relevant cell is a
 * failure that says only that (CI logs are often public): no verdict,
 * reason or transcript; security.md has them. */
#include "build_junit.h"
#include "esc.h"
#include "facts.h"
#include "jget.h"
#include "repro.h"
#include "vinfo.h"

#include <string.h>

#define TX_FAIL 8192u            /* output bytes for a failing cell */
#define TX_PASS 2048u
#define WITHHELD "security-relevant finding withheld; see security.md"

typedef enum { JU_PASS, JU_FAILURE, JU_ERROR, JU_SKIPPED } ju_kind;

static ju_kind cell_kind(const r_cell *c) {
  if (!c->json || c->state == CELL_NA)
    return JU_SKIPPED;
  if (c->security)
    return JU_FAILURE;
  if (c->state == CELL_PASS)
    return JU_PASS;
  if (vinfo_lookup(c->verdict) == verdicts_info(V_ERROR))
    return JU_ERROR;
  return JU_FAILURE;
}

/* What a person needs to act on a failure or error. */
static void problem_text(doc *d, doc_node *tc, const r_model *m, int t, int s,
                         const r_cell *c) {
  out txt;
  out_init(&txt);
  out_adds(&txt, "verdict: ");
  esc_clean(&txt, c->verdict, 40, ESC_ONE_LINE);
  out_adds(&txt, "\nreason: ");
  esc_clean(&txt, c->reason ? c->reason : "-", 2000, ESC_ONE_LINE);
  out_adds(&txt, "\nanswers: ");
  facts_answers(&txt, c);
  if (c->lost_bytes >= 0) {
    out_adds(&txt, "\nbytes lost: ");
    facts_loss(&txt, c);
  }
  out_adds(&txt, "\nreproduce:\n");
  out r;
  out_init(&r);
  repro_build(&r, m, t, s, c->upgraded);
  esc_clean(&txt, r.b.data, 16384, ESC_KEEP_NL);
  txt.failed |= r.failed;
  out_free(&r);
  doc_code_out(d, tc, &txt, NULL, "problem");
  out_free(&txt);
}

static void test_case(doc *d, doc_node *suite, const r_model *m, int t,
                      int s) {
  static const char *const outcome[] = {
      "pass", "failure", "error" /* not the verdict */, "skipped"};
  const r_cell *c = model_cell(m, t, s);
  ju_kind kind = cell_kind(c);
  doc_node *tc = doc_add(d, suite, DOC_DETAILS);
  doc_text(d, tc, m->s[s].id, 200);
  doc_set_cls(d, tc, outcome[kind]);
  tc->ms = c->total_ms > 0 ? c->total_ms : 0;
  if (c->json && c->security) {
    doc_set_type(d, tc, "security", 40);
    doc_set_hint(d, tc, WITHHELD, 1000);
    out w;
    out_init(&w);
    out_adds(&w, WITHHELD);
    doc_code_out(d, tc, &w, NULL, "problem");
    out_free(&w);
    return;
  }
  if (kind == JU_FAILURE || kind == JU_ERROR) {
    doc_set_type(d, tc, c->verdict, 40);
    doc_set_hint(d, tc, c->reason ? c->reason : c->verdict, 1000);
    problem_text(d, tc, m, t, s, c);
  } else if (kind == JU_SKIPPED) {
    doc_set_hint(d, tc, c->json ? (c->reason ? c->reason : c->verdict)
                                : "no result", 1000);
  }
  if (c->json) {
    out tx;
    out_init(&tx);
    facts_transcript(&tx, c, kind == JU_PASS ? TX_PASS : TX_FAIL, 0);
    doc_code_out(d, tc, &tx, NULL, "output");
    out_free(&tx);
  }
}

static void test_suite(doc *d, const r_model *m, int t) {
  const r_target *tg = &m->t[t];
  doc_node *suite = doc_add(d, NULL, DOC_SECTION);
  doc_set_cls(d, suite, "testsuite");
  doc_text(d, suite, tg->name, 200);
  const char *started = jget_str(m->run, "started");
  if (started)
    doc_set_hint(d, suite, started, 40);
  for (int s = 0; s < m->ns; s++)
    if (model_cell(m, t, s)->total_ms > 0)
      suite->ms += model_cell(m, t, s)->total_ms;
  static const char *const names[] = {"url", "version", "server_header",
                                      "software", "base_image", "started"};
  const char *values[] = {tg->url, tg->version, tg->server_header,
                          tg->software, tg->base_image, tg->started};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    doc_field(d, suite, names[i], values[i], 300);
  for (int s = 0; s < m->ns; s++)
    test_case(d, suite, m, t, s);
}

void build_junit(doc *d, const r_model *m) {
  double ms = 0;
  for (int t = 0; t < m->nt; t++) {
    test_suite(d, m, t);
    for (int s = 0; s < m->ns; s++)
      if (model_cell(m, t, s)->total_ms > 0)
        ms += model_cell(m, t, s)->total_ms;
  }
  d->root.ms = (double)jget_long(m->run, "duration_ms", (long)ms);
}
