/* render_junit.c - junit.xml for CI dashboards: one <testsuite> per target,
 * one <testcase> per scenario (classname = target, name = scenario id).
 *
 * A cell the scenario does not accept is a <failure> (message = the reason,
 * text = reason, answers and reproducer); verdict "error" (could not
 * connect) is an <error>, "n/a" and cells without a result are <skipped>,
 * so a dashboard tells "the server is wrong" from "the lab could not ask".
 * The transcript excerpt goes to <system-out>. A security-relevant cell is
 * a <failure> that says only that (CI logs are often public): no verdict,
 * reason or transcript; security.md has them. All text is cleaned (no
 * control bytes, valid UTF-8, so valid XML 1.0) and XML-escaped. */
#include "render_util.h"

#include <stdio.h>
#include <string.h>

#define TX_FAIL 8192u            /* <system-out> bytes for a failing cell */
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
  if (verdict_lookup(c->verdict) == verdicts_info(V_ERROR))
    return JU_ERROR;
  return JU_FAILURE;
}

static void x(out *o, const char *s, size_t cap) {
  esc_html(o, s, cap, TEXT_ONE_LINE);
}

typedef struct counts {
  int tests, failures, errors, skipped;
  double ms;
} counts;

static counts target_counts(const r_model *m, int t) {
  counts k = {0, 0, 0, 0, 0};
  for (int s = 0; s < m->ns; s++) {
    const r_cell *c = model_cell(m, t, s);
    ju_kind kind = cell_kind(c);
    k.tests++;
    k.failures += kind == JU_FAILURE;
    k.errors += kind == JU_ERROR;
    k.skipped += kind == JU_SKIPPED;
    if (c->total_ms > 0)
      k.ms += c->total_ms;
  }
  return k;
}

static void property(out *o, const char *name, const char *value) {
  if (!value)
    return;
  out_printf(o, "      <property name=\"%s\" value=\"", name);
  x(o, value, 300);
  out_adds(o, "\"/>\n");
}

/* Body of a <failure>/<error>: what a person needs to act on it. */
static void problem_text(out *o, const r_model *m, int t, int s,
                         const r_cell *c) {
  out txt;
  out_init(&txt);
  out_adds(&txt, "verdict: ");
  text_clean(&txt, c->verdict, 40, TEXT_ONE_LINE);
  out_adds(&txt, "\nreason: ");
  text_clean(&txt, c->reason ? c->reason : "-", 2000, TEXT_ONE_LINE);
  out_adds(&txt, "\nanswers: ");
  cell_answers_text(&txt, c);
  if (c->lost_bytes >= 0) {
    out_adds(&txt, "\nbytes lost: ");
    cell_loss_text(&txt, c);
  }
  out_adds(&txt, "\nreproduce:\n");
  out r;
  out_init(&r);
  repro_build(&r, m, t, s, c->upgraded);
  text_clean(&txt, r.b.data, 16384, TEXT_KEEP_NL);
  out_free(&r);
  esc_html_clean(o, txt.b.data ? txt.b.data : "", txt.b.len);
  o->failed |= txt.failed;
  out_free(&txt);
}

static void testcase(out *o, const r_model *m, int t, int s) {
  const r_cell *c = model_cell(m, t, s);
  ju_kind kind = cell_kind(c);
  out_adds(o, "    <testcase classname=\"");
  x(o, m->t[t].name, 200);
  out_adds(o, "\" name=\"");
  x(o, m->s[s].id, 200);
  out_printf(o, "\" time=\"%.3f\">\n",
             c->total_ms > 0 ? c->total_ms / 1000 : 0.0);
  if (c->json && c->security) {
    out_adds(o, "      <failure type=\"security\" message=\"" WITHHELD "\">"
                WITHHELD "</failure>\n    </testcase>\n");
    return;
  }
  if (kind == JU_FAILURE || kind == JU_ERROR) {
    out_printf(o, "      <%s type=\"",
               kind == JU_ERROR ? "error" /* not the verdict */ : "failure");
    x(o, c->verdict, 40);
    out_adds(o, "\" message=\"");
    x(o, c->reason ? c->reason : c->verdict, 1000);
    out_adds(o, "\">");
    problem_text(o, m, t, s, c);
    out_printf(o, "</%s>\n",
               kind == JU_ERROR ? "error" /* not the verdict */ : "failure");
  } else if (kind == JU_SKIPPED) {
    out_adds(o, "      <skipped message=\"");
    x(o, c->json ? (c->reason ? c->reason : c->verdict) : "no result", 1000);
    out_adds(o, "\"/>\n");
  }
  if (c->json) {
    out tx;
    out_init(&tx);
    transcript_text(&tx, c, kind == JU_PASS ? TX_PASS : TX_FAIL, 0);
    out_adds(o, "      <system-out>");
    esc_html_clean(o, tx.b.data ? tx.b.data : "", tx.b.len);
    out_adds(o, "</system-out>\n");
    o->failed |= tx.failed;
    out_free(&tx);
  }
  out_adds(o, "    </testcase>\n");
}

static void testsuite(out *o, const r_model *m, int t) {
  const r_target *tg = &m->t[t];
  counts k = target_counts(m, t);
  out_adds(o, "  <testsuite name=\"");
  x(o, tg->name, 200);
  out_printf(o, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
                "time=\"%.3f\"", k.tests, k.failures, k.errors, k.skipped,
             k.ms / 1000);
  const char *started = json_str(m->run, "started");
  if (started) {
    out_adds(o, " timestamp=\"");
    x(o, started, 40);
    out_adds(o, "\"");
  }
  out_adds(o, ">\n    <properties>\n");
  property(o, "url", tg->url);
  property(o, "version", tg->version);
  property(o, "server_header", tg->server_header);
  property(o, "software", tg->software);
  property(o, "base_image", tg->base_image);
  property(o, "started", tg->started);
  out_adds(o, "    </properties>\n");
  for (int s = 0; s < m->ns; s++)
    testcase(o, m, t, s);
  out_adds(o, "  </testsuite>\n");
}

int render_junit(const r_model *m, const char *dir, char *err, size_t errlen) {
  counts all = {0, 0, 0, 0, 0};
  for (int t = 0; t < m->nt; t++) {
    counts k = target_counts(m, t);
    all.tests += k.tests;
    all.failures += k.failures;
    all.errors += k.errors;
    all.skipped += k.skipped;
    all.ms += k.ms;
  }
  out o;
  out_init(&o);
  out_printf(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<testsuites name=\"h2c-probe\" tests=\"%d\" failures=\"%d\" "
                 "errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
             all.tests, all.failures, all.errors, all.skipped,
             (double)json_long(m->run, "duration_ms", (long)all.ms) / 1000);
  for (int t = 0; t < m->nt; t++)
    testsuite(&o, m, t);
  out_adds(&o, "</testsuites>\n");
  int rc = out_write_file(&o, dir, "junit.xml", err, errlen);
  out_free(&o);
  return rc;
}
