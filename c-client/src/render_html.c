/* render_html.c - report.html: one self-contained page (inline <style> and
 * one small inline <script>, nothing fetched) with the matrix as a coloured
 * grid, a filter "only failing cells", and every cell's reason, reproducer
 * and transcript in a <details> element (#cell-<target>-<scenario>; the
 * script opens the one named in the URL fragment).
 *
 * Safety: every string from results.json goes through esc_html (clean, then
 * & < > " ' escaped), in text and in attributes alike; the script carries no
 * data at all, and the Content-Security-Policy allows only that script (by
 * its hash) and no network, so even an escaping mistake could not run a
 * server's <script> or make the page load anything. */
#include "render.h"
#include "render_util.h"

#include <stdio.h>
#include <string.h>

#define TX_HTML 16384u           /* transcript bytes per cell */
#define REPRO_HTML (64u * 1024u)

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
    ".scenario{border-top:1px solid #eee;padding-top:4px}\n";

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
  return c->state == CELL_FAIL ? "fail"
         : c->state == CELL_PASS ? "pass" : "missing";
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
  summary_text(&t, m);
  out_adds(o, "<h1>h2c interop lab report</h1>\n<p id=\"summary\">");
  h_clean(o, &t);
  out_free(&t);
  out_printf(o, "</p>\n<p id=\"counts\">%d cells: %d accepted, %d not "
                "accepted, %d not run.</p>\n",
             m->nt * m->ns, m->npass, m->nfail, m->nmissing);
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
    out_printf(o, "<td class=\"cell verdict-%s %s\" title=\"",
               cell_info(c)->cls, state_class(c));
    h(o, c->reason ? c->reason : cell_info(c)->meaning, 300);
    out_adds(o, "\"><a href=\"#");
    cell_id(o, m, t, s);
    out_adds(o, "\">");
    h(o, c->json ? c->verdict : VERDICT_MISSING.name, 30);
    out_adds(o, "</a></td>");
  }
  out_adds(o, "</tr>\n");
}

static void html_legend(out *o) {
  out_adds(o, "<ul class=\"legend\" id=\"legend\">\n");
  for (int v = 0; verdict_at(v); v++)
    out_printf(o, "<li><span class=\"tag verdict-%s\">%s</span>%s</li>\n",
               verdict_at(v)->cls, verdict_at(v)->name, verdict_at(v)->meaning);
  out_printf(o, "<li><span class=\"tag verdict-%s\">%s</span>%s</li>\n"
                "<li>A heavy frame and bold word: not a result the scenario "
                "accepts. Click a cell for its reason, reproducer and "
                "transcript.</li>\n</ul>\n",
             VERDICT_MISSING.cls, VERDICT_MISSING.name,
             VERDICT_MISSING.meaning);
}

static void html_matrix(out *o, const r_model *m) {
  out_adds(o, "<h2 id=\"results\">Results</h2>\n<label class=\"filter\">"
              "<input type=\"checkbox\" id=\"only-failing\"> only failing "
              "cells</label>\n");
  html_matrix_head(o, m);
  for (int t = 0; t < m->nt; t++)
    html_matrix_row(o, m, t);
  out_adds(o, "</tbody>\n</table>\n");
  html_legend(o);
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
      html_cell(o, m, t, s);
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
    else
      out_adds(o, "ok-h1; ok-h2");
    out_adds(o, ". <b>Engine:</b> ");
    h(o, s->engine, 20);
    out_adds(o, ", ");
    h(o, s->send, 20);
    out_adds(o, ".</p>\n<ol>\n");
    for (int r = 0; r < s->nreq && r < 16; r++)
      html_request(o, &s->req[r]);
    out_adds(o, "</ol>\n</div>\n");
  }
}

int render_html(const cJSON *results, const char *dir, char *err,
                size_t errlen) {
  r_model m;
  if (model_load(&m, results, err, errlen) != 0)
    return -1;
  out o;
  out_init(&o);
  html_head(&o);
  html_summary(&o, &m);
  html_matrix(&o, &m);               /* the grid first: seen at a glance */
  html_env(&o, &m);
  html_cells(&o, &m);
  html_scenarios(&o, &m);
  out_adds(&o, "<script>");
  out_adds(&o, SCRIPT);
  out_adds(&o, "</script>\n</body>\n</html>\n");
  int rc = out_write_file(&o, dir, "report.html", err, errlen);
  out_free(&o);
  model_free(&m);
  return rc;
}
