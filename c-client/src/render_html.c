/* render_html.c - report.html: one self-contained page (inline <style> and
 * one small inline <script>, nothing fetched) with the matrix as a coloured
 * grid, a filter "only failing cells", the proposed fix (when a target runs
 * one), and every cell's reason, reproducer and transcript in a <details>
 * element (#cell-<target>-<scenario>; the script opens the one named in the
 * URL fragment). Security-relevant cells sit in their own section, framed
 * in red and headed "do not paste publicly", announced by a banner on top.
 *
 * Safety: every string from results.json goes through esc_html (clean, then
 * & < > " ' escaped), in text and in attributes alike; the script carries no
 * data at all, and the Content-Security-Policy allows only that script (by
 * its hash) and no network, so even an escaping mistake could not run a
 * server's <script> or make the page load anything. */
#include "render_util.h"

#include <stdio.h>
#include <string.h>

#define TX_HTML 16384u           /* transcript bytes per cell */
#define REPRO_HTML (64u * 1024u)
#define LOG_HTML 16384u          /* backend log bytes per cell */
#define DIFF_HTML (128u * 1024u) /* results.json keeps at most 64 KiB */

/* The page's only script. Its SHA-256 is in SCRIPT_HASH: change both
 * together (tests/html-screenshot.sh checks that the browser runs it). */
static const char SCRIPT[] =
    "\n(function () {\n"
    "  var box = document.getElementById('only-failing');\n"
    "  function filter() {\n"
    "    document.body.classList.toggle('only-failing', box.checked);\n"
    "  }\n"
    "  box.addEventListener('change', filter);\n"
    "  filter();\n"
    "  function openFromHash() {\n"
    "    var d = null;\n"
    "    try {\n"
    "      d = document.getElementById(decodeURIComponent(location.hash.slice(1)));\n"
    "    } catch (e) {}\n"
    "    if (d && d.tagName === 'DETAILS') {\n"
    "      d.open = true;\n"
    "      d.scrollIntoView();\n"
    "    }\n"
    "  }\n"
    "  window.addEventListener('hashchange', openFromHash);\n"
    "  openFromHash();\n"
    "})();\n";
#define SCRIPT_HASH "sha256-G44oSzgaa+DYKXIzbJke0bbHvjEYoNxpPLojPbqdG68="

static const char STYLE[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:20px 28px;color:#1d1d1d;background:#fff}\n"
    "h1{font-size:24px;margin:0 0 10px}\n"
    "h2{font-size:18px;margin:30px 0 10px;border-bottom:1px solid #ddd}\n"
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "#summary{max-width:1100px}\n"
    "table{border-collapse:collapse}\n"
    "#targets th,#targets td{border:1px solid #ccc;padding:3px 8px;"
    "text-align:left;vertical-align:top}\n"
    "#targets th{background:#f3f3f3}\n"
    "#matrix th,#matrix td{border:2px solid #fff;padding:0}\n"
    "#matrix thead th{font-size:12px;font-weight:600;max-width:120px;"
    "padding:4px;vertical-align:bottom;overflow-wrap:anywhere}\n"
    "#matrix thead th a{color:#1d1d1d;text-decoration:none}\n"
    "#matrix tbody th{text-align:left;padding:4px 12px 4px 4px;"
    "white-space:nowrap}\n"
    "#matrix tbody th small{display:block;color:#666;font-weight:400}\n"
    "td.cell a{display:block;min-width:92px;padding:11px 6px;"
    "text-align:center;text-decoration:none;color:inherit;font-size:13px}\n"
    "td.cell.fail a{font-weight:700;box-shadow:inset 0 0 0 3px "
    "rgba(0,0,0,.45)}\n"
    "td.cell a:hover{outline:2px solid #000}\n"
    ".filter{display:inline-block;margin:6px 0 10px;padding:4px 10px;"
    "background:#f3f3f3;border-radius:4px;cursor:pointer}\n"
    ".only-failing tr.all-pass{display:none}\n"
    ".only-failing td.cell.pass{opacity:.12}\n"
    ".only-failing details.celldetail.pass{display:none}\n"
    ".legend{margin:10px 0;padding:0;list-style:none}\n"
    ".legend li{margin:3px 0}\n"
    ".tag{display:inline-block;min-width:80px;text-align:center;"
    "padding:1px 8px;margin-right:8px;border-radius:3px;font-weight:600}\n"
    "details.celldetail{border:1px solid #ccc;border-left-width:8px;"
    "margin:6px 0;padding:4px 10px;border-radius:3px}\n"
    "details.celldetail[open]{background:#fafafa}\n"
    "details.celldetail summary{cursor:pointer}\n"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;"
    "border:1px solid #ddd;padding:8px;font:12px/1.35 ui-monospace,"
    "'DejaVu Sans Mono',monospace;max-height:520px;overflow:auto}\n"
    ".scenario{border-top:1px solid #eee;padding-top:4px}\n"
    "td.cell.na a{font-style:italic}\n"
    ".only-failing td.cell.na{opacity:.12}\n"
    ".only-failing details.celldetail.na{display:none}\n"
    "td.cell small.secmark{display:block;font-size:10px;letter-spacing:.5px;"
    "text-transform:uppercase}\n"
    ".security-banner{border:3px solid #b71c1c;background:#ffebee;"
    "color:#b71c1c;padding:8px 12px;font-weight:700;max-width:1100px}\n"
    ".security-banner a{color:#b71c1c}\n"
    "section.security{border:3px solid #b71c1c;background:#fff5f5;"
    "padding:2px 16px 12px;margin:26px 0}\n"
    "section.security h2{color:#b71c1c;border-bottom-color:#b71c1c}\n"
    "section.security.none{border-color:#ccc;background:#fafafa}\n"
    "section.security.none h2{color:#1d1d1d;border-bottom-color:#ddd}\n"
    "section.fix{border-left:6px solid #1565c0;background:#f3f8fd;"
    "padding:2px 16px 10px;margin:26px 0}\n"
    "section.fix h2{border-bottom-color:#1565c0}\n"
    "pre.diff{max-height:none;background:#fff}\n";

static void h(out *o, const char *s, size_t cap) {
  esc_html(o, s, cap, TEXT_ONE_LINE);
}

static void h_clean(out *o, const out *clean) {
  esc_html_clean(o, clean->b.data ? clean->b.data : "", clean->b.len);
  o->failed |= clean->failed;
}

static void cell_id(out *o, const r_model *m, int t, int s) {
  out_adds(o, "cell-");
  slug(o, m->t[t].name);
  out_adds(o, "-");
  slug(o, m->s[s].id);
}

static const verdict_info *cell_info(const r_cell *c) {
  return c->json ? verdict_lookup(c->verdict) : &VERDICT_MISSING;
}

static const char *state_class(const r_cell *c) {
  return c->state == CELL_FAIL   ? "fail"
         : c->state == CELL_PASS ? "pass"
         : c->state == CELL_NA   ? "na"
                                 : "missing";
}

static void html_head(out *o) {
  out_adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
              "<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width\">\n"
              "<meta http-equiv=\"Content-Security-Policy\" content=\""
              "default-src 'none'; style-src 'unsafe-inline'; script-src '"
              SCRIPT_HASH "'\">\n"
              "<title>h2c interop lab report</title>\n<style>\n");
  out_adds(o, STYLE);
  const verdict_info *all[] = {&VERDICT_MISSING, verdict_lookup(NULL)};
  for (int v = -2; v < 0 || verdict_at(v); v++) {
    const verdict_info *vi = v < 0 ? all[v + 2] : verdict_at(v);
    out_printf(o, "td.verdict-%s,.tag.verdict-%s{background:%s;color:%s}\n"
                  "details.celldetail.verdict-%s{border-left-color:%s}\n",
               vi->cls, vi->cls, vi->bg, vi->fg, vi->cls, vi->bg);
  }
  out_adds(o, "</style>\n</head>\n<body>\n");
}

static void html_summary(out *o, const r_model *m) {
  out t;
  out_init(&t);
  summary_text(&t, m, "the section \xe2\x80\x9cSecurity-relevant "
                      "findings\xe2\x80\x9d below");
  out_adds(o, "<h1>h2c interop lab report</h1>\n");
  if (m->security_count > 0)
    out_printf(o, "<p class=\"security-banner\" id=\"security-banner\">This "
                  "page holds %ld security-relevant finding%s: do not paste "
                  "it publicly. <a href=\"#security\">Security-relevant "
                  "findings</a> says how to report them.</p>\n",
               m->security_count, m->security_count == 1 ? "" : "s");
  out_adds(o, "<p id=\"summary\">");
  h_clean(o, &t);
  out_free(&t);
  out_printf(o, "</p>\n<p id=\"counts\">%d cells: %d accepted, %d not "
                "accepted, %d %s, %d not run.</p>\n",
             m->nt * m->ns, m->npass, m->nfail, m->nna, verdicts_name(V_NA), m->nmissing);
}

static void html_env(out *o, const r_model *m) {
  out t;
  out_init(&t);
  probe_text(&t, m);
  out_adds(o, "<h2 id=\"environment\">Environment</h2>\n<p id=\"probe\">"
              "Probe: ");
  h_clean(o, &t);
  out_free(&t);
  out_adds(o, "</p>\n<table id=\"targets\">\n<tr><th>Target</th><th>URL</th>"
              "<th>Version</th><th>Server header</th><th>Software</th>"
              "<th>Base image</th><th>How started</th></tr>\n");
  for (int i = 0; i < m->nt; i++) {
    const r_target *tg = &m->t[i];
    const char *cols[] = {tg->name, tg->url ? tg->url : "-",
                          tg->version ? tg->version : "unknown",
                          tg->server_header ? tg->server_header : "-",
                          tg->software ? tg->software : "-",
                          tg->base_image ? tg->base_image : "-",
                          tg->started ? tg->started : "-"};
    out_adds(o, "<tr>");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
      out_adds(o, "<td>");
      h(o, cols[c], 200);
      out_adds(o, "</td>");
    }
    out_adds(o, "</tr>\n");
  }
  out_adds(o, "</table>\n");
}

static void html_matrix_head(out *o, const r_model *m) {
  out_adds(o, "<table id=\"matrix\">\n<thead><tr><th>target</th>");
  for (int s = 0; s < m->ns; s++) {
    out_adds(o, "<th class=\"scenario-head\" title=\"");
    h(o, m->s[s].title, 300);
    out_adds(o, "\"><a href=\"#scenario-");
    slug(o, m->s[s].id);
    out_adds(o, "\">");
    h(o, m->s[s].id, 80);
    out_adds(o, "</a></th>");
  }
  out_adds(o, "</tr></thead>\n<tbody>\n");
}

static void html_matrix_row(out *o, const r_model *m, int t) {
  int fails = 0;
  for (int s = 0; s < m->ns; s++)
    fails += model_cell(m, t, s)->state == CELL_FAIL;
  out_printf(o, "<tr class=\"%s\"><th>", fails ? "has-fail" : "all-pass");
  h(o, m->t[t].name, 80);
  out_adds(o, "<small>");
  h(o, m->t[t].version ? m->t[t].version : "version unknown", 80);
  out_adds(o, "</small></th>");
  for (int s = 0; s < m->ns; s++) {
    const r_cell *c = model_cell(m, t, s);
    out_printf(o, "<td class=\"cell verdict-%s %s%s\" title=\"",
               cell_info(c)->cls, state_class(c),
               c->security ? " security" : "");
    h(o, c->reason ? c->reason : cell_info(c)->meaning, 300);
    out_adds(o, "\"><a href=\"#");
    cell_id(o, m, t, s);
    out_adds(o, "\">");
    h(o, c->json ? c->verdict : VERDICT_MISSING.name, 30);
    if (c->security)
      out_adds(o, "<small class=\"secmark\">security</small>");
    out_adds(o, "</a></td>");
  }
  out_adds(o, "</tr>\n");
}

static void html_legend(out *o, const r_model *m) {
  out_adds(o, "<ul class=\"legend\" id=\"legend\">\n");
  for (int v = 0; verdict_at(v); v++)
    out_printf(o, "<li><span class=\"tag verdict-%s\">%s</span>%s</li>\n",
               verdict_at(v)->cls, verdict_at(v)->name, verdict_at(v)->meaning);
  out_printf(o, "<li><span class=\"tag verdict-%s\">%s</span>%s</li>\n"
                "<li>A heavy frame and bold word: not a result the scenario "
                "accepts. Click a cell for its reason, reproducer and "
                "transcript.%s</li>\n</ul>\n",
             VERDICT_MISSING.cls, VERDICT_MISSING.name,
             VERDICT_MISSING.meaning,
             m->nsecurity ? " Cells marked SECURITY are security-relevant "
                            "findings: their details are under "
                            "Security-relevant findings, not for public "
                            "issues." : "");
}

static void html_matrix(out *o, const r_model *m) {
  out_adds(o, "<h2 id=\"results\">Results</h2>\n<label class=\"filter\">"
              "<input type=\"checkbox\" id=\"only-failing\"> only failing "
              "cells</label>\n");
  html_matrix_head(o, m);
  for (int t = 0; t < m->nt; t++)
    html_matrix_row(o, m, t);
  out_adds(o, "</tbody>\n</table>\n");
  html_legend(o, m);
}

static void html_repro(out *o, const r_model *m, int t, int s,
                       const r_cell *c) {
  out r;
  out_init(&r);
  repro_kind k = repro_build(&r, m, t, s, c->upgraded);
  out_printf(o, "<p><b>Reproduce</b> (%s; the host is the lab's, put your "
                "server's address):</p>\n",
             k == REPRO_CURL ? "curl" : k == REPRO_NC ? "exact bytes, nc"
                                                    : "exact bytes, bash");
  if (r.b.len > REPRO_HTML)
    out_printf(o, "<p>The command is %zu bytes long; the scenario's requests "
                  "are in results.json.</p>\n", r.b.len);
  else {
    out_adds(o, "<pre class=\"repro\">");
    h_clean(o, &r);
    out_adds(o, "</pre>\n");
  }
  o->failed |= r.failed;
  out_free(&r);
}

/* Tag, calibration and backend log: shown wherever a cell carries them. */
static void html_security_facts(out *o, const r_cell *c) {
  if (c->tag) {
    out_adds(o, "<p class=\"tagline\"><b>Tag:</b> <code>");
    h(o, c->tag, 200);
    out_adds(o, "</code></p>\n");
  }
  if (c->calibration) {
    out x;
    out_init(&x);
    calibration_text(&x, c);
    out_adds(o, "<p class=\"calibration\"><b>Calibration:</b> ");
    h_clean(o, &x);
    out_adds(o, "</p>\n");
    out_free(&x);
  }
  if (c->backend_log) {
    out x;
    out_init(&x);
    backend_log_text(&x, c, LOG_HTML);
    out_printf(o, "<p><b>Backend log</b> (%d entries, what the backend "
                  "received; strings in the escaped form):</p>\n"
                  "<pre class=\"backend-log\">",
               cJSON_GetArraySize(c->backend_log));
    h_clean(o, &x);
    out_adds(o, "</pre>\n");
    out_free(&x);
  }
}

static void html_cell(out *o, const r_model *m, int t, int s) {
  const r_cell *c = model_cell(m, t, s);
  const verdict_info *vi = cell_info(c);
  out_adds(o, "<details id=\"");
  cell_id(o, m, t, s);
  out_printf(o, "\" class=\"celldetail verdict-%s %s\">\n<summary>"
                "<span class=\"tag verdict-%s\">",
             vi->cls, state_class(c), vi->cls);
  h(o, c->json ? c->verdict : vi->name, 30);
  out_adds(o, "</span>");
  h(o, m->t[t].name, 80);
  out_adds(o, " \xc3\x97 ");
  h(o, m->s[s].id, 80);
  out_adds(o, "</summary>\n<p class=\"reason\"><b>Reason:</b> ");
  h(o, c->reason ? c->reason : vi->meaning, 2000);
  out_adds(o, "</p>\n");
  html_security_facts(o, c);
  if (c->json) {
    out a;
    out_init(&a);
    cell_answers_text(&a, c);
    out_adds(o, "<p class=\"answers\"><b>Answers:</b> ");
    h_clean(o, &a);
    out_adds(o, "</p>\n");
    out_free(&a);
    if (c->lost_bytes >= 0) {
      out l;
      out_init(&l);
      cell_loss_text(&l, c);
      out_adds(o, "<p class=\"lost\"><b>Bytes lost:</b> ");
      h_clean(o, &l);
      out_adds(o, "</p>\n");
      out_free(&l);
    }
  }
  html_repro(o, m, t, s, c);
  if (c->json) {
    out tx;
    out_init(&tx);
    transcript_text(&tx, c, TX_HTML, 0);
    out_adds(o, "<p><b>Transcript</b> (--&gt; sent, &lt;-- received, # probe "
                "notes; bytes in the escaped form of results.json):</p>\n"
                "<pre class=\"transcript\">");
    h_clean(o, &tx);
    out_adds(o, "</pre>\n");
    out_free(&tx);
  }
  out_adds(o, "</details>\n");
}

static void html_cells(out *o, const r_model *m) {
  out_adds(o, "<h2 id=\"cells\">Cells</h2>\n");
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++)
      if (!model_cell(m, t, s)->security)
        html_cell(o, m, t, s);
}

/* Always there, so a reader (or CI) can rely on it; red when not empty. */
static void html_security(out *o, const r_model *m) {
  if (m->security_count <= 0) {
    out_printf(o, "<section id=\"security\" class=\"security none\">\n"
                  "<h2>Security-relevant findings</h2>\n<p>None were found in "
                  "this run: no cell is marked security-relevant "
                  "(%s, %s).</p>\n</section>\n",
               verdicts_name(V_CROSS_CLIENT), verdicts_name(V_SMUGGLED));
    return;
  }
  out_printf(o, "<section id=\"security\" class=\"security\">\n"
                "<h2>Security-relevant findings \xe2\x80\x94 do not paste "
                "publicly</h2>\n<p class=\"disclosure\">%ld security-relevant "
                "finding%s (an answer that reached another client, or a "
                "request smuggled past a proxy). Report them privately "
                "\xe2\x80\x94 through GitHub private vulnerability reporting "
                "(the affected repository's Security tab, &quot;Report a "
                "vulnerability&quot;) or the contact in the project's security "
                "policy \xe2\x80\x94 not in a public issue. report.md leaves "
                "them out; security.md holds the same details.</p>\n",
             m->security_count, m->security_count == 1 ? "" : "s");
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++)
      if (model_cell(m, t, s)->security)
        html_cell(o, m, t, s);
  out_adds(o, "</section>\n");
}

/* ---- proposed fix -------------------------------------------------------- */

/* <p><b>label</b> text</p> from clean text; nothing when it is empty. */
static void html_para(out *o, const char *label, const out *clean) {
  if (clean->b.len == 0)
    return;
  if (label)
    out_printf(o, "<p><b>%s</b> ", label);
  else
    out_adds(o, "<p>");
  h_clean(o, clean);
  out_adds(o, "</p>\n");
}

static void html_fix_target(out *o, const r_model *m, int t, int heading) {
  int by_name, base = fix_base(m, t, &by_name);
  out x;
  if (heading) {
    out_adds(o, "<h3>");
    h(o, m->t[t].name, 80);
    out_adds(o, "</h3>\n");
  }
  out_init(&x);
  fix_lineage_text(&x, m, t, base, by_name);
  html_para(o, NULL, &x);
  out_free(&x);
  out_init(&x);
  int cut = fix_diff_text(&x, &m->t[t], DIFF_HTML);
  out_adds(o, "<pre class=\"diff\">");
  h_clean(o, &x);
  out_adds(o, "</pre>\n");
  out_free(&x);
  if (cut || m->t[t].patch_truncated)
    out_adds(o, "<p><i>The diff is longer than shown; results.json has what "
                "the probe kept (at most 64 KiB).</i></p>\n");
  static const char *const labels[] = {"Effect:", "Regression guard:",
                                       "Regression window:", "Upstream:"};
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
    html_para(o, labels[k], &x);
    out_free(&x);
  }
}

static void html_upstream_test(out *o, const r_model *m) {
  out x;
  out_init(&x);
  if (upstream_test_text(&x, m)) {
    const char *line = x.b.data, *end;
    int i = 0;
    for (; line; i++, line = end ? end + 1 : NULL) {
      end = strchr(line, '\n');
      size_t n = end ? (size_t)(end - line) : strlen(line);
      out_adds(o, i == 0 ? "<p id=\"upstream-test\"><b>Upstream-style "
                           "test:</b> " : i == 1 ? "<ul class=\"upstream\">"
                                                   "\n<li>" : "<li>");
      esc_html_clean(o, line, n);
      out_adds(o, i == 0 ? "</p>\n" : "</li>\n");
    }
    if (i > 1)
      out_adds(o, "</ul>\n");
  }
  o->failed |= x.failed;
  out_free(&x);
}

static void html_fix(out *o, const r_model *m) {
  if (!fix_section_wanted(m))
    return;
  int npatched = 0;
  for (int t = 0; t < m->nt; t++)
    npatched += m->t[t].patch != NULL;
  out_adds(o, "<section id=\"proposed-fix\" class=\"fix\">\n"
              "<h2>Proposed fix</h2>\n");
  for (int t = 0; t < m->nt; t++)
    if (m->t[t].patch)
      html_fix_target(o, m, t, npatched > 1);
  html_upstream_test(o, m);
  out_adds(o, "</section>\n");
}

static void html_list(out *o, const cJSON *arr, size_t cap) {
  const cJSON *a;
  int i = 0;
  cJSON_ArrayForEach(a, arr) {
    if (!cJSON_IsString(a))
      continue;
    out_adds(o, i++ ? "; " : "");
    h(o, a->valuestring, cap);
  }
  if (i == 0)
    out_adds(o, "-");
}

static void html_request(out *o, const r_req *r) {
  out_adds(o, "<li>connection ");
  h(o, r->connection, 16);
  out_adds(o, ": <code>");
  h(o, r->method, 40);
  out_adds(o, " ");
  h(o, r->path, 200);
  out_adds(o, "</code>");
  const cJSON *hd;
  int k = 0;
  cJSON_ArrayForEach(hd, r->headers) {
    const cJSON *n = cJSON_GetArrayItem(hd, 0), *v = cJSON_GetArrayItem(hd, 1);
    if (!cJSON_IsString(n) || !cJSON_IsString(v))
      continue;
    out_adds(o, k++ ? ", <code>" : "; headers <code>");
    h(o, n->valuestring, 80);
    out_adds(o, ": ");
    h(o, v->valuestring, 200);
    out_adds(o, "</code>");
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
    out_adds(o, " with body <code>");
    h(o, r->expect_body, 200);
    out_adds(o, "</code>");
  }
  if (r->after_101) {
    out_adds(o, "; after the 101 sends <code>");
    h(o, r->after_101, 400);
    out_adds(o, "</code>");
  }
  if (r->embedded) {
    out e;
    out_init(&e);
    embedded_text(&e, r->embedded);
    out_adds(o, "; hides in its body: <code>");
    h_clean(o, &e);
    out_adds(o, "</code>");
    out_free(&e);
  }
  if (r->requires) {
    out_adds(o, "; sent only when the target has: ");
    h(o, r->requires, 40);
  }
  out_adds(o, "</li>\n");
}

static void html_scenarios(out *o, const r_model *m) {
  out_adds(o, "<h2 id=\"scenarios\">Scenarios</h2>\n");
  for (int i = 0; i < m->ns; i++) {
    const r_scenario *s = &m->s[i];
    out_adds(o, "<div class=\"scenario\" id=\"scenario-");
    slug(o, s->id);
    out_adds(o, "\">\n<h3>");
    h(o, s->id, 80);
    if (s->title) {
      out_adds(o, " \xe2\x80\x94 ");
      h(o, s->title, 300);
    }
    out_adds(o, "</h3>\n<p>");
    h(o, s->explanation ? s->explanation : "", 4000);
    out_adds(o, "</p>\n<p><b>A correct server:</b> ");
    h(o, s->correct ? s->correct : "-", 4000);
    out_adds(o, "</p>\n<p><b>References:</b> ");
    html_list(o, s->rfc, 80);
    out_adds(o, ". <b>Accepted verdicts:</b> ");
    if (s->accept)
      html_list(o, s->accept, 40);
    else {
      char ok_names[64];
      verdicts_ok_names(ok_names, sizeof ok_names, "; ");
      out_adds(o, ok_names);
    }
    out_adds(o, ". <b>Engine:</b> ");
    h(o, s->engine, 20);
    out_adds(o, ", ");
    h(o, s->send, 20);
    out_adds(o, ".");
    if (s->regression_guard)
      out_adds(o, " <b>Regression guard:</b> a fix must keep this working.");
    if (s->calibrate) {
      out c;
      out_init(&c);
      calibrate_text(&c, s->calibrate);
      out_adds(o, " <b>Calibration:</b> ");
      h_clean(o, &c);
      out_adds(o, ".");
      out_free(&c);
    }
    out_adds(o, "</p>\n<ol>\n");
    for (int r = 0; r < s->nreq && r < 16; r++)
      html_request(o, &s->req[r]);
    out_adds(o, "</ol>\n</div>\n");
  }
}

int render_html(const r_model *m, const char *dir, char *err, size_t errlen) {
  out o;
  out_init(&o);
  html_head(&o);
  html_summary(&o, m);
  html_matrix(&o, m);               /* the grid first: seen at a glance */
  html_fix(&o, m);
  html_env(&o, m);
  html_security(&o, m);
  html_cells(&o, m);
  html_scenarios(&o, m);
  out_adds(&o, "<script>");
  out_adds(&o, SCRIPT);
  out_adds(&o, "</script>\n</body>\n</html>\n");
  int rc = out_write_file(&o, dir, "report.html", err, errlen);
  out_free(&o);
  return rc;
}
