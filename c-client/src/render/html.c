/* render/html.c - the HTML writer: a document (doc.h) as HTML, and
 * report.html as one self-contained page around it (inline <style> and one
 * small inline <script>, nothing fetched): the script runs the "only
 * failing cells" filter and opens the <details> named in the URL fragment
 * (#cell-<target>-<scenario>). What the page shows, and in which order, is
 * the document's (build_report_page); the verdict colours come from
 * vinfo.c.
 *
 * Safety: every string from results.json arrives cleaned in the document
 * and is escaped here (& < > " ', also in attributes; the report's own
 * words keep their apostrophes); the script carries no data at all, and
 * the Content-Security-Policy allows only that script (by its hash) and no
 * network, so even an escaping mistake could not run a server's <script>
 * or make the page load anything. */
#include "html.h"
#include "esc.h"
#include "vinfo.h"

#include <stdio.h>
#include <string.h>

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

/* Data escapes all of & < > " ' (valid in text and attributes); the
 * report's own words keep their apostrophes. */
static void html_esc(out *o, const char *s, size_t n, int own) {
  if (!own) {
    esc_html_clean(o, s, n);
    return;
  }
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\'')
      continue;
    esc_html_clean(o, s + start, i - start);
    out_add(o, "'", 1);
    start = i + 1;
  }
  esc_html_clean(o, s + start, n - start);
}

static void html_attr(out *o, const char *name, const char *v) {
  if (!v)
    return;
  out_printf(o, " %s=\"", name);
  esc_html_clean(o, v, strlen(v));
  out_adds(o, "\"");
}

/* id, class and title, in that order. */
static void html_attrs(out *o, const doc_node *n) {
  html_attr(o, "id", n->id);
  html_attr(o, "class", n->cls);
  html_attr(o, "title", n->hint);
}

static void html_spans(out *o, const doc_span *sp) {
  for (; sp; sp = sp->next) {
    const char *tag = sp->kind == DOC_STRONG ? "b"
                      : sp->kind == DOC_EM   ? "i"
                      : sp->kind == DOC_CODE ? "code"
                      : sp->kind == DOC_TAG  ? "span"
                      : sp->kind == DOC_NOTE ? "small"
                      : sp->kind == DOC_LINK ? "a"
                                             : NULL;
    if (tag) {
      out_printf(o, "<%s", tag);
      html_attr(o, "class", sp->cls);
      if (sp->href) {
        out_adds(o, " href=\"#");
        esc_html_clean(o, sp->href, strlen(sp->href));
        out_adds(o, "\"");
      }
      out_adds(o, ">");
    }
    html_esc(o, sp->text, sp->len, sp->own);
    if (tag)
      out_printf(o, "</%s>", tag);
  }
}

static void html_cell(out *o, const doc_node *c) {
  const char *tag = c->level ? "th" : "td";
  out_printf(o, "<%s", tag);
  html_attrs(o, c);
  out_adds(o, ">");
  if (c->href) {
    out_adds(o, "<a href=\"#");
    esc_html_clean(o, c->href, strlen(c->href));
    out_adds(o, "\">");
  }
  html_spans(o, c->spans);
  if (c->href)
    out_adds(o, "</a>");
  out_printf(o, "</%s>", tag);
}

static void html_row(out *o, const doc_node *row) {
  out_adds(o, "<tr");
  html_attrs(o, row);
  out_adds(o, ">");
  for (const doc_node *c = row->child; c; c = c->next)
    html_cell(o, c);
  out_adds(o, "</tr>");
}

/* level 1: the first row is the head (<thead>), the others the <tbody>. */
static void html_table(out *o, const doc_node *t) {
  out_adds(o, "<table");
  html_attrs(o, t);
  out_adds(o, ">\n");
  for (const doc_node *row = t->child; row; row = row->next) {
    if (t->level && row == t->child) {
      out_adds(o, "<thead>");
      html_row(o, row);
      out_adds(o, "</thead>\n<tbody>\n");
      continue;
    }
    html_row(o, row);
    out_adds(o, "\n");
  }
  out_adds(o, t->level ? "</tbody>\n</table>\n" : "</table>\n");
}

static void html_node(out *o, const doc_node *n);

static void html_children(out *o, const doc_node *n) {
  for (const doc_node *c = n->child; c; c = c->next)
    html_node(o, c);
}

/* <tag attrs>, the spans, </tag> and a line break. */
static void html_inline_block(out *o, const char *tag, const doc_node *n) {
  out_printf(o, "<%s", tag);
  html_attrs(o, n);
  out_adds(o, ">");
  html_spans(o, n->spans);
  out_printf(o, "</%s>\n", tag);
}

/* <tag attrs>, a line break, the children, </tag>. */
static void html_container(out *o, const char *tag, const doc_node *n) {
  out_printf(o, "<%s", tag);
  html_attrs(o, n);
  out_adds(o, ">\n");
  if (n->kind == DOC_DETAILS) {
    out_adds(o, "<summary>");
    html_spans(o, n->spans);
    out_adds(o, "</summary>\n");
  }
  html_children(o, n);
  out_printf(o, "</%s>\n", tag);
}

static void html_node(out *o, const doc_node *n) {
  char h[3] = {'h', '1', 0};
  switch (n->kind) {
  case DOC_HEADING:
    h[1] = (char)('0' + (n->level >= 1 && n->level <= 6 ? n->level : 6));
    html_inline_block(o, h, n);
    break;
  case DOC_PARA:
    html_inline_block(o, "p", n);
    break;
  case DOC_LIST:
    out_adds(o, n->level ? "<ol" : "<ul");
    html_attrs(o, n);
    out_adds(o, ">\n");
    for (const doc_node *it = n->child; it; it = it->next)
      html_inline_block(o, "li", it);
    out_adds(o, n->level ? "</ol>\n" : "</ul>\n");
    break;
  case DOC_TABLE:
    html_table(o, n);
    break;
  case DOC_CODE_BLOCK:
    out_adds(o, "<pre");
    html_attrs(o, n);
    out_adds(o, ">");
    esc_html_clean(o, n->code ? n->code : "", n->code_len);
    out_adds(o, "</pre>\n");
    break;
  case DOC_DETAILS:
    html_container(o, "details", n);
    break;
  case DOC_SECTION:
    html_container(o, "section", n);
    break;
  case DOC_BOX:
    html_container(o, "div", n);
    break;
  case DOC_FIELD:
    out_adds(o, "<p><b>");
    html_esc(o, n->label ? n->label : "", n->label ? strlen(n->label) : 0, 1);
    out_adds(o, ":</b> ");
    html_spans(o, n->spans);
    out_adds(o, "</p>\n");
    break;
  case DOC_FILTER:
    out_adds(o, "<label class=\"filter\"><input type=\"checkbox\" "
                "id=\"only-failing\"> only failing cells</label>\n");
    break;
  case DOC_ROOT:
    html_children(o, n);
    break;
  case DOC_ITEM:
  case DOC_ROW:
  case DOC_CELL:
    break;
  }
}

void html_emit(out *o, const doc *d) {
  if (d->failed)
    o->failed = 1;
  html_children(o, &d->root);
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
  const vinfo *const all[] = {&VINFO_MISSING, vinfo_lookup(NULL)};
  for (int v = -2; v < 0 || vinfo_at(v); v++) {
    const vinfo *vi = v < 0 ? all[v + 2] : vinfo_at(v);
    out_printf(o, "td.verdict-%s,.tag.verdict-%s{background:%s;color:%s}\n"
                  "details.celldetail.verdict-%s{border-left-color:%s}\n",
               vi->cls, vi->cls, vi->bg, vi->fg, vi->cls, vi->bg);
  }
  out_adds(o, "</style>\n</head>\n<body>\n");
}

void html_page(out *o, const doc *d) {
  html_head(o);
  html_emit(o, d);
  out_adds(o, "<script>");
  out_adds(o, SCRIPT);
  out_adds(o, "</script>\n</body>\n</html>\n");
}
