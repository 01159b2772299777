/* render_md.c - report.md: GitHub-flavoured Markdown that can be pasted as
 * is into a bug report (a GitHub issue body holds at most 65,536 chars).
 *
 * Order: summary, environment, matrix + legend, the proposed fix (when a
 * target runs one), a paragraph on security-relevant findings, one section
 * per cell that is not accepted (reason, answers, reproducer, transcript in
 * <details>), then the scenario definitions. A public issue must not carry
 * security-relevant cells: they show as "withheld" and only their number is
 * given; security.md (render_security.c) has them. To fit the limit, the
 * document is rendered again with shorter transcripts, then without them,
 * then compacted; the report says when that happened. Validity whatever a
 * server sends: inline text is Markdown-escaped on one line (a `|` cannot
 * split a cell), code fences are longer than any backtick run inside, and
 * transcripts are HTML-escaped inside <pre> (raw HTML blocks take no
 * Markdown). */
#include "render_util.h"

#include <stdio.h>
#include <string.h>

#define MD_LIMIT 65536u          /* GitHub issue body limit */
#define MD_MARGIN 1024u
#define TX_FULL 6000u            /* transcript bytes per cell at best */
#define TX_MIN 400u              /* below this a transcript says nothing */
#define REPRO_CAP 3000u
#define DIFF_FULL 20000u         /* bytes of a proposed fix's diff */
#define DIFF_COMPACT 6000u

typedef struct md_opts {
  size_t tx_budget;              /* 0: no transcripts */
  int shortened;                 /* tell the reader transcripts were cut */
  int compact;                   /* last resort: shorter everything */
} md_opts;

static void md_text(out *o, const char *s, size_t cap) { esc_md(o, s, cap); }

/* Clean text built by a render_facts function, escaped for Markdown. */
static void md_clean(out *o, const out *clean, size_t cap) {
  md_text(o, clean->b.data ? clean->b.data : "", cap);
  o->failed |= clean->failed;
}

static void md_summary(out *o, const r_model *m, const md_opts *op) {
  out t;
  out_init(&t);
  summary_text(&t, m, "security.md");
  out_adds(o, "# h2c interop lab report\n\n");
  md_clean(o, &t, 16000);
  out_adds(o, "\n\n");
  out_free(&t);
  if (op->shortened && op->tx_budget)
    out_printf(o, "*Transcripts are cut to about %zu bytes per cell to keep "
                  "this report under GitHub's 65,536-character limit; "
                  "report.html has longer excerpts, results.json every "
                  "byte.*\n\n", op->tx_budget);
  else if (op->shortened)
    out_adds(o, "*Transcripts are left out to keep this report under "
                "GitHub's 65,536-character limit; report.html and "
                "results.json have them.*\n\n");
}

static void md_env(out *o, const r_model *m) {
  out t;
  out_init(&t);
  probe_text(&t, m);
  out_adds(o, "## Environment\n\nProbe: ");
  md_clean(o, &t, 1000);
  out_free(&t);
  out_adds(o, "\n\n| Target | Version | Server header | Base image | "
              "How started |\n|---|---|---|---|---|\n");
  for (int i = 0; i < m->nt; i++) {
    const r_target *tg = &m->t[i];
    const char *cols[] = {tg->name, tg->version ? tg->version : "unknown",
                          tg->server_header ? tg->server_header : "-",
                          tg->base_image ? tg->base_image : "-",
                          tg->started ? tg->started : "-"};
    out_adds(o, "|");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
      out_adds(o, " ");
      md_text(o, cols[c], 120);
      out_adds(o, " |");
    }
    out_adds(o, "\n");
  }
  out_adds(o, "\n");
}

static void md_legend(out *o, const r_model *m) {
  out_printf(o, "\nEach cell is the verdict for that target and scenario. "
                "**Bold**: not a result the scenario accepts; each one is "
                "explained under Failures%s.\n\n",
             m->nsecurity ? " (a withheld one in security.md)" : "");
  for (int v = -1; v < 0 || verdict_at(v); v++) {
    const verdict_info *vi = v < 0 ? &VERDICT_MISSING : verdict_at(v);
    int seen = 0;
    for (size_t i = 0; i < (size_t)m->nt * (size_t)m->ns && !seen; i++) {
      const r_cell *c = &m->cells[i];
      seen = c->json ? !c->security && verdict_lookup(c->verdict) == vi
                     : vi == &VERDICT_MISSING;
    }
    if (seen)
      out_printf(o, "- %s: %s\n", vi->name, vi->meaning);
  }
  if (m->nsecurity)
    out_adds(o, "- withheld: security-relevant finding, see security.md\n");
  for (size_t i = 0; i < (size_t)m->nt * (size_t)m->ns; i++)
    if (m->cells[i].json && !m->cells[i].security &&
        verdict_lookup(m->cells[i].verdict) == verdict_lookup(NULL)) {
      out_printf(o, "- other: %s\n", verdict_lookup(NULL)->meaning);
      break;
    }
  out_adds(o, "\n");
}

static void md_matrix(out *o, const r_model *m) {
  out_adds(o, "## Results\n\n| Target |");
  for (int s = 0; s < m->ns; s++) {
    out_adds(o, " ");
    md_text(o, m->s[s].id, 60);
    out_adds(o, " |");
  }
  out_adds(o, "\n|---|");
  for (int s = 0; s < m->ns; s++)
    out_adds(o, ":---:|");
  out_adds(o, "\n");
  for (int t = 0; t < m->nt; t++) {
    out_adds(o, "| ");
    md_text(o, m->t[t].name, 60);
    out_adds(o, " |");
    for (int s = 0; s < m->ns; s++) {
      const r_cell *c = model_cell(m, t, s);
      const char *em = c->state == CELL_FAIL || c->security ? "**" : "";
      out_printf(o, " %s", em);
      md_text(o, c->security ? "withheld"
                 : c->json   ? c->verdict
                             : VERDICT_MISSING.name, 30);
      out_printf(o, "%s |", em);
    }
    out_adds(o, "\n");
  }
  md_legend(o, m);
}

/* ---- proposed fix -------------------------------------------------------- */

/* A paragraph "**label** text" from clean text built by fill; skipped when
 * fill wrote nothing. */
static void md_para(out *o, const char *label, const out *clean, size_t cap) {
  if (clean->b.len == 0)
    return;
  out_printf(o, "**%s** ", label);
  md_clean(o, clean, cap);
  out_adds(o, "\n\n");
}

static void md_fix_target(out *o, const r_model *m, int t, int heading,
                          const md_opts *op) {
  int by_name, base = fix_base(m, t, &by_name);
  out x;
  if (heading) {
    out_adds(o, "### ");
    md_text(o, m->t[t].name, 80);
    out_adds(o, "\n\n");
  }
  out_init(&x);
  fix_lineage_text(&x, m, t, base, by_name);
  md_clean(o, &x, 2000);
  out_adds(o, "\n\n");
  out_free(&x);
  out_init(&x);
  int cut = fix_diff_text(&x, &m->t[t], op->compact ? DIFF_COMPACT : DIFF_FULL);
  md_fence(o, x.b.data ? x.b.data : "", x.b.len, "diff");
  o->failed |= x.failed;
  out_free(&x);
  if (cut)
    out_adds(o, "*The diff is cut at a line end to keep this report under "
                "GitHub's 65,536-character limit; report.html and "
                "results.json have all of it.*\n\n");
  if (m->t[t].patch_truncated)
    out_adds(o, "*The target served a longer diff than the probe keeps "
                "(64 KiB); this is its beginning.*\n\n");
  out_init(&x);
  fix_effect_text(&x, m, t, base);
  md_para(o, "Effect:", &x, 4000);
  out_free(&x);
  out_init(&x);
  fix_guard_text(&x, m, t, base);
  md_para(o, "Regression guard:", &x, 2000);
  out_free(&x);
  out_init(&x);
  fix_window_text(&x, m, t, base);
  md_para(o, "Regression window:", &x, 3000);
  out_free(&x);
  out_init(&x);
  fix_upstream_note(&x, m, t, base);
  md_para(o, "Upstream:", &x, 2000);
  out_free(&x);
}

/* The upstream-style test: a sentence, then one list item per image. */
static void md_upstream_test(out *o, const r_model *m) {
  out x;
  out_init(&x);
  if (upstream_test_text(&x, m)) {
    const char *line = x.b.data, *end;
    out_adds(o, "**Upstream-style test:** ");
    for (int i = 0; line; i++, line = end ? end + 1 : NULL) {
      end = strchr(line, '\n');
      out one;
      out_init(&one);
      out_add(&one, line, end ? (size_t)(end - line) : strlen(line));
      out_adds(o, i ? "- " : "");
      md_clean(o, &one, 2000);
      out_adds(o, i ? "\n" : "\n\n");
      out_free(&one);
    }
    out_adds(o, "\n");
  }
  o->failed |= x.failed;
  out_free(&x);
}

static void md_fix(out *o, const r_model *m, const md_opts *op) {
  if (!fix_section_wanted(m))
    return;
  int npatched = 0;
  for (int t = 0; t < m->nt; t++)
    npatched += m->t[t].patch != NULL;
  out_adds(o, "## Proposed fix\n\n");
  for (int t = 0; t < m->nt; t++)
    if (m->t[t].patch)
      md_fix_target(o, m, t, npatched > 1, op);
  md_upstream_test(o, m);
}

/* Public reports only say that such findings exist and where they go. */
static void md_security(out *o, const r_model *m) {
  out_adds(o, "## Security-relevant findings\n\n");
  if (m->security_count <= 0) {
    out_printf(o, "None were found in this run: no cell is marked "
                  "security-relevant (%s, %s).\n\n",
               verdicts_name(V_CROSS_CLIENT), verdicts_name(V_SMUGGLED));
    return;
  }
  out_printf(o, "This run found %ld security-relevant finding%s (an answer "
                "that reached another client, or a request smuggled past a "
                "proxy). This report is meant for public issues, so their "
                "details are withheld: the matrix shows them as withheld, and "
                "security.md next to this file has the reasons, transcripts, "
                "backend logs and reproducers. Please report them privately "
                "\xe2\x80\x94 through GitHub private vulnerability reporting "
                "(the affected repository's Security tab, \"Report a "
                "vulnerability\") or the contact in the project's security "
                "policy \xe2\x80\x94 not in a public issue.\n\n",
             m->security_count, m->security_count == 1 ? "" : "s");
}

static void md_repro(out *o, const r_model *m, int t, int s, const r_cell *c,
                     const md_opts *op) {
  out r;
  out_init(&r);
  repro_kind k = repro_build(&r, m, t, s, c->upgraded);
  size_t cap = op->compact ? REPRO_CAP / 3 : REPRO_CAP;
  if (r.b.len > cap) {
    out_printf(o, "**Reproduce:** the command is %zu bytes long (a large "
                  "request); it is in report.html.\n\n", r.b.len);
  } else {
    out_printf(o, "**Reproduce** (%s; the host is the lab's, put your "
                  "server's address):\n\n",
               k == REPRO_CURL ? "curl" : k == REPRO_NC ? "exact bytes, nc"
                                                      : "exact bytes, bash");
    md_fence(o, r.b.data, r.b.len, "sh");
  }
  o->failed |= r.failed;
  out_free(&r);
}

static void md_transcript(out *o, const r_cell *c, const md_opts *op) {
  out t;
  out_init(&t);
  transcript_text(&t, c, op->tx_budget, 0);
  out_printf(o, "<details><summary>Transcript (%d events; --&gt; sent, "
                "&lt;-- received, # probe notes)</summary>\n\n<pre>\n",
             cJSON_GetArraySize(c->events));
  esc_html_clean(o, t.b.data ? t.b.data : "", t.b.len);
  out_adds(o, "</pre>\n\n</details>\n\n");
  o->failed |= t.failed;
  out_free(&t);
}

static void md_failure(out *o, const r_model *m, int t, int s,
                       const md_opts *op) {
  const r_cell *c = model_cell(m, t, s);
  out_adds(o, "### ");
  md_text(o, m->t[t].name, 80);
  out_adds(o, ": ");
  md_text(o, m->s[s].id, 80);
  out_adds(o, " \xe2\x80\x94 ");
  md_text(o, c->verdict, 40);
  out_adds(o, "\n\n**Reason:** ");
  md_text(o, c->reason ? c->reason : "(none given)", op->compact ? 300 : 1000);
  out_adds(o, "\n\n**Answers:** ");
  out a;
  out_init(&a);
  cell_answers_text(&a, c);
  md_clean(o, &a, op->compact ? 300 : 1200);
  out_free(&a);
  out_adds(o, "\n\n");
  if (c->lost_bytes >= 0) {
    out l;
    out_init(&l);
    cell_loss_text(&l, c);
    out_adds(o, "**Bytes lost:** ");
    md_clean(o, &l, 600);
    out_adds(o, "\n\n");
    out_free(&l);
  }
  md_repro(o, m, t, s, c, op);
  if (op->tx_budget)
    md_transcript(o, c, op);
}

/* reserve: bytes still to come after this section (compact mode stops
 * adding failures before they would push the report past the limit) */
static int public_failure(const r_cell *c) {
  return c->state == CELL_FAIL && !c->security;
}

static void md_failures(out *o, const r_model *m, const md_opts *op,
                        size_t reserve) {
  int left = 0;
  for (size_t i = 0; i < (size_t)m->nt * (size_t)m->ns; i++)
    left += public_failure(&m->cells[i]);
  if (left == 0)
    return;
  out_printf(o, "## Failures (%d)\n\n", left);
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++) {
      if (!public_failure(model_cell(m, t, s)))
        continue;
      if (op->compact && o->b.len + reserve + 2 * REPRO_CAP > MD_LIMIT) {
        out_printf(o, "*%d more failures are left out to stay under "
                      "GitHub's limit; report.html lists every cell.*\n\n",
                   left);
        return;
      }
      md_failure(o, m, t, s, op);
      left--;
    }
}

static void md_list(out *o, const cJSON *arr, size_t cap) {
  const cJSON *a;
  int i = 0;
  cJSON_ArrayForEach(a, arr) {
    if (!cJSON_IsString(a))
      continue;
    out_adds(o, i++ ? "; " : "");
    md_text(o, a->valuestring, cap);
  }
  if (i == 0)
    out_adds(o, "-");
}

static void md_request(out *o, const r_req *r, int i) {
  out_printf(o, "%d. connection ", i + 1);
  md_text(o, r->connection, 16);
  out_adds(o, ": ");
  md_text(o, r->method, 40);
  out_adds(o, " ");
  md_text(o, r->path, 200);
  const cJSON *h;
  int k = 0;
  cJSON_ArrayForEach(h, r->headers) {
    const cJSON *n = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
    if (!cJSON_IsString(n) || !cJSON_IsString(v))
      continue;
    out_adds(o, k++ ? ", " : "; headers ");
    md_text(o, n->valuestring, 80);
    out_adds(o, ": ");
    md_text(o, v->valuestring, 200);
  }
  if (r->body) {
    buf b;
    decode_escaped(&b, r->body);
    out_printf(o, "; body %zu bytes", b.len);
    buf_free(&b);
  }
  if (r->chunks)
    out_printf(o, "; chunked body, %d chunks", cJSON_GetArraySize(r->chunks));
  if (r->expect_status)
    out_printf(o, "; expects %d", r->expect_status);
  if (r->expect_echo)
    out_adds(o, " echoing the request body");
  else if (r->expect_body) {
    out_adds(o, " with body ");
    md_text(o, r->expect_body, 80);
  }
  if (r->after_101) {
    out_adds(o, "; after the 101 sends ");
    md_text(o, r->after_101, 200);
  }
  if (r->embedded) {
    out e;
    out_init(&e);
    embedded_text(&e, r->embedded);
    out_adds(o, "; hides in its body: ");
    md_clean(o, &e, 1000);
    out_free(&e);
  }
  if (r->requires) {
    out_adds(o, "; sent only when the target has: ");
    md_text(o, r->requires, 40);
  }
  out_adds(o, "\n");
}

static void md_scenarios(out *o, const r_model *m, const md_opts *op) {
  out_adds(o, "## Scenarios\n\n");
  for (int i = 0; i < m->ns; i++) {
    const r_scenario *s = &m->s[i];
    out_adds(o, "### ");
    md_text(o, s->id, 80);
    if (s->title) {
      out_adds(o, " \xe2\x80\x94 ");
      md_text(o, s->title, 200);
    }
    out_adds(o, "\n\n");
    if (s->explanation) {
      md_text(o, s->explanation, op->compact ? 400 : 2000);
      out_adds(o, "\n\n");
    }
    out_adds(o, "**A correct server:** ");
    md_text(o, s->correct ? s->correct : "-", op->compact ? 400 : 2000);
    out_adds(o, "\n\n**References:** ");
    md_list(o, s->rfc, 80);
    out_adds(o, ". **Accepted verdicts:** ");
    if (s->accept)
      md_list(o, s->accept, 40);
    else {
      char ok_names[64];
      verdicts_ok_names(ok_names, sizeof ok_names, "; ");
      out_adds(o, ok_names);
    }
    out_adds(o, ". **Engine:** ");
    md_text(o, s->engine, 20);
    out_adds(o, ", ");
    md_text(o, s->send, 20);
    out_adds(o, ".");
    if (s->regression_guard)
      out_adds(o, " **Regression guard:** a fix must keep this working.");
    if (s->calibrate) {
      out c;
      out_init(&c);
      calibrate_text(&c, s->calibrate);
      out_adds(o, " **Calibration:** ");
      md_clean(o, &c, 600);
      out_adds(o, ".");
      out_free(&c);
    }
    out_adds(o, "\n\n");
    if (op->compact)
      continue;
    for (int r = 0; r < s->nreq && r < 16; r++)
      md_request(o, &s->req[r], r);
    out_adds(o, "\n");
  }
}

static void md_build(out *o, const r_model *m, const md_opts *op) {
  out defs;
  out_init(&defs);
  md_scenarios(&defs, m, op);
  md_summary(o, m, op);
  md_env(o, m);
  md_matrix(o, m);
  md_fix(o, m, op);
  md_security(o, m);
  md_failures(o, m, op, defs.b.len);
  out_add(o, defs.b.data ? defs.b.data : "", defs.b.len);
  o->failed |= defs.failed;
  out_free(&defs);
}

static int md_fits(const out *o) { return o->b.len < MD_LIMIT; }

/* Renders into o the fullest report that fits GitHub's limit. */
static void md_render_fitting(out *o, const r_model *m) {
  md_opts op = {TX_FULL, 0, 0};
  md_build(o, m, &op);
  if (md_fits(o) || o->failed)
    return;
  /* Measure everything but the transcripts, then share what is left. */
  op = (md_opts){0, 1, 0};
  out_free(o);
  out_init(o);
  md_build(o, m, &op);
  size_t room = o->b.len + MD_MARGIN < MD_LIMIT
                    ? MD_LIMIT - MD_MARGIN - o->b.len : 0;
  size_t per = m->nfail ? room / (size_t)m->nfail : 0;
  for (per = per > TX_FULL ? TX_FULL : per; per >= TX_MIN; per = per * 3 / 4) {
    out_free(o);
    out_init(o);
    op = (md_opts){per, 1, 0};
    md_build(o, m, &op);
    if (md_fits(o))
      return;
  }
  out_free(o);
  out_init(o);
  op = (md_opts){0, 1, 0};
  md_build(o, m, &op);
  if (md_fits(o))
    return;
  out_free(o);
  out_init(o);
  op = (md_opts){0, 1, 1};
  md_build(o, m, &op);
}

int render_md(const r_model *m, const char *dir, char *err, size_t errlen) {
  out o;
  out_init(&o);
  md_render_fitting(&o, m);
  int rc = out_write_file(&o, dir, "report.md", err, errlen);
  out_free(&o);
  return rc;
}
