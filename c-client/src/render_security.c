/* render_security.c - security.md: the security-relevant cells (an answer
 * that reached another client, a request smuggled past a proxy) that
 * report.md withholds, because report.md is meant for public issues and
 * these belong in a private report to the project (GitHub private
 * vulnerability reporting, or its security policy).
 *
 * First an overview: every target behind a proxy against every scenario
 * with more than one client connection, findings or not, so the file
 * answers "does it cross clients or smuggle?" for each proxy and backend.
 * Per cell: the target (and what its info says, e.g. proxy and backend), the
 * scenario, tag, reason and answers, the calibration, a reproducer, the
 * client-side transcript and the backend's log lines (their strings are
 * escaped bytes and stay so). The file is always written, saying so when
 * there are no such cells, so CI and readers can rely on it. It follows
 * report.md's rules (it may be pasted into a private advisory): inline text
 * Markdown-escaped on one line, fences longer than any backtick run, bytes
 * HTML-escaped inside <pre>; every piece is capped. */
#include "render_util.h"

#include <stdio.h>
#include <string.h>

#define SEC_TX 8000u             /* client transcript bytes per cell */
#define SEC_LOG 12000u           /* backend log bytes per cell */
#define SEC_REPRO 16000u

static void md_clean(out *o, const out *clean, size_t cap) {
  esc_md(o, clean->b.data ? clean->b.data : "", cap);
  o->failed |= clean->failed;
}

static void sec_header(out *o, const r_model *m) {
  out p;
  out_init(&p);
  probe_text(&p, m);
  out_printf(o, "# Security-relevant findings \xe2\x80\x94 do not paste "
                "publicly\n\n"
                "This file holds the cells that report.md withholds because "
                "they may be security-relevant: an answer that reached another "
                "client's connection (%s), or a request smuggled past "
                "a proxy (%s). ",
             verdicts_name(V_CROSS_CLIENT), verdicts_name(V_SMUGGLED));
  out_adds(o, "Report them privately \xe2\x80\x94 through "
              "GitHub private vulnerability reporting (the affected "
              "repository's Security tab, \"Report a vulnerability\") or the "
              "contact in the project's security policy \xe2\x80\x94 not in "
              "a public issue.\n\nProbe: ");
  md_clean(o, &p, 1000);
  out_adds(o, "\n\n");
  out_free(&p);
}

static void sec_target(out *o, const r_target *t) {
  out_adds(o, "**Target:** ");
  esc_md(o, t->name, 80);
  if (t->version) {
    out_adds(o, " (");
    esc_md(o, t->version, 120);
    out_adds(o, ")");
  }
  out_adds(o, ", ");
  esc_md(o, t->url ? t->url : "-", 200);
  if (t->info && cJSON_GetArraySize(t->info) > 0) {
    out x;
    out_init(&x);
    json_fields_text(&x, t->info, 200, "; ");
    out_adds(o, "; info: ");
    md_clean(o, &x, 2000);
    out_free(&x);
  }
  out_adds(o, "\n\n");
}

static void sec_pre(out *o, const char *summary, const out *clean) {
  out_printf(o, "<details><summary>%s</summary>\n\n<pre>\n", summary);
  esc_html_clean(o, clean->b.data ? clean->b.data : "", clean->b.len);
  out_adds(o, "</pre>\n\n</details>\n\n");
  o->failed |= clean->failed;
}

static void sec_repro(out *o, const r_model *m, int t, int s,
                      const r_cell *c) {
  out r;
  out_init(&r);
  repro_build(&r, m, t, s, c->upgraded);
  if (r.b.len > SEC_REPRO) {
    out_printf(o, "**Reproduce:** the command is %zu bytes long; report.html "
                  "has it.\n\n", r.b.len);
  } else {
    out_adds(o, "**Reproduce** (the host is the lab's, put your server's "
                "address):\n\n");
    md_fence(o, r.b.data ? r.b.data : "", r.b.len, "sh");
  }
  o->failed |= r.failed;
  out_free(&r);
}

/* ---- overview: every multi-client cell behind a proxy ------------------- */

/* A scenario whose requests use more than one client connection (a missing
 * label is the first connection, "a"). */
static int multi_client(const r_scenario *s) {
  const char *first = s->nreq > 0 && s->req[0].connection ? s->req[0].connection : "a";
  for (int i = 1; i < s->nreq; i++)
    if (strcmp(s->req[i].connection ? s->req[i].connection : "a", first) != 0)
      return 1;
  return 0;
}

static const char *proxy_of(const r_target *t) {
  return json_str(t->info, "proxy");
}

static void overview_row(out *o, const r_model *m, int t) {
  const char *backend = json_str(m->t[t].info, "backend");
  out_adds(o, "| ");
  esc_md(o, m->t[t].name, 80);
  out_adds(o, " | ");
  esc_md(o, proxy_of(&m->t[t]), 80);
  out_adds(o, " | ");
  esc_md(o, backend ? backend : "-", 80);
  for (int s = 0; s < m->ns; s++) {
    if (!multi_client(&m->s[s]))
      continue;
    const r_cell *c = model_cell(m, t, s);
    out_adds(o, c->security ? " | **" : " | ");
    esc_md(o, c->json ? c->verdict : "not run", 40);
    out_adds(o, c->security ? "**" : "");
  }
  out_adds(o, " |\n");
}

/* The question the proxies are in the lab for, answered for every row
 * (not only the findings): did one client's request cross to another, or
 * smuggle a request in, behind this proxy and backend? */
static void sec_overview(out *o, const r_model *m) {
  int cols = 0, rows = 0;
  for (int s = 0; s < m->ns; s++)
    cols += multi_client(&m->s[s]);
  for (int t = 0; t < m->nt; t++)
    rows += proxy_of(&m->t[t]) != NULL;
  if (!cols || !rows)
    return;
  out_printf(o, "## Overview: %d multi-client scenario%s behind %d proxied "
                "target%s\n\nOne row per target behind a reverse proxy (its "
                "info.proxy), one column per scenario whose requests use more "
                "than one client connection. **Bold**: a finding, described "
                "below. Any other verdict: in that scenario no request crossed "
                "to another client and none was smuggled.\n\n| Target | Proxy "
                "| Backend |", cols, cols == 1 ? "" : "s", rows,
             rows == 1 ? "" : "s");
  for (int s = 0; s < m->ns; s++)
    if (multi_client(&m->s[s])) {
      out_adds(o, " ");
      esc_md(o, m->s[s].id, 80);
      out_adds(o, " |");
    }
  out_adds(o, "\n|---|---|---|");
  for (int s = 0; s < cols; s++)
    out_adds(o, "---|");
  out_adds(o, "\n");
  for (int t = 0; t < m->nt; t++)
    if (proxy_of(&m->t[t]))
      overview_row(o, m, t);
  out_adds(o, "\n");
}

static void sec_cell(out *o, const r_model *m, int t, int s) {
  const r_cell *c = model_cell(m, t, s);
  out x;
  out_adds(o, "## ");
  esc_md(o, m->t[t].name, 80);
  out_adds(o, ": ");
  esc_md(o, m->s[s].id, 80);
  out_adds(o, " \xe2\x80\x94 ");
  esc_md(o, c->verdict, 40);
  out_adds(o, "\n\n");
  sec_target(o, &m->t[t]);
  out_adds(o, "**Scenario:** ");
  esc_md(o, m->s[s].id, 80);
  if (m->s[s].title) {
    out_adds(o, " \xe2\x80\x94 ");
    esc_md(o, m->s[s].title, 300);
  }
  out_adds(o, "\n\n**Tag:** ");
  esc_md(o, c->tag ? c->tag : "-", 200);
  out_adds(o, "\n\n**Reason:** ");
  esc_md(o, c->reason ? c->reason : "(none given)", 2000);
  out_adds(o, "\n\n**Answers:** ");
  out_init(&x);
  cell_answers_text(&x, c);
  md_clean(o, &x, 2000);
  out_free(&x);
  out_adds(o, "\n\n**Calibration:** ");
  out_init(&x);
  calibration_text(&x, c);
  md_clean(o, &x, 1500);
  out_free(&x);
  out_adds(o, "\n\n");
  sec_repro(o, m, t, s, c);
  out_init(&x);
  transcript_text(&x, c, SEC_TX, 0);
  char summary[128];
  snprintf(summary, sizeof summary, "Client-side transcript (%d events; "
           "--&gt; sent, &lt;-- received, # probe notes)",
           cJSON_GetArraySize(c->events));
  sec_pre(o, summary, &x);
  out_free(&x);
  out_init(&x);
  backend_log_text(&x, c, SEC_LOG);
  snprintf(summary, sizeof summary, "Backend log (%d entries; strings in "
           "the escaped form)", cJSON_GetArraySize(c->backend_log));
  sec_pre(o, summary, &x);
  out_free(&x);
}

int render_security(const r_model *m, const char *dir, char *err,
                    size_t errlen) {
  out o;
  out_init(&o);
  sec_header(&o, m);
  if (m->nsecurity == 0)
    out_printf(&o, "No security-relevant findings: no cell of this run "
                   "(%d targets, %d scenarios) is marked security-relevant."
                   "%s\n\n", m->nt, m->ns,
               m->security_count > 0 ? " (results.json's summary counts some, "
                                      "but no cell carries them.)" : "");
  else
    out_printf(&o, "%d finding%s.\n\n", m->nsecurity,
               m->nsecurity == 1 ? "" : "s");
  sec_overview(&o, m);
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++)
      if (model_cell(m, t, s)->security)
        sec_cell(&o, m, t, s);
  int rc = out_write_file(&o, dir, "security.md", err, errlen);
  out_free(&o);
  return rc;
}
