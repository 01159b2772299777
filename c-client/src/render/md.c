/* render/md.c - the Markdown writer: a document (doc.h) as GitHub-flavoured
 * Markdown, and report.md, which must fit in a GitHub issue body (at most
 * 65,536 characters).
 *
 * To fit, report.md is built again with shorter transcripts, then without
 * them, then compacted (and as many failure sections as fit); the document
 * says when that happened. Validity whatever a server sends: inline text is
 * Markdown-escaped on one line (a `|` cannot split a table cell, code spans
 * stay escaped text), code fences are longer than any backtick run inside,
 * and a collapsible block is raw HTML (<details>, its code in an
 * HTML-escaped <pre>; raw HTML blocks take no Markdown). */
#include "md.h"
#include "build.h"
#include "build_cells.h"
#include "esc.h"

#include <string.h>

#define MD_LIMIT 65536u          /* GitHub issue body limit */
#define MD_MARGIN 1024u
#define TX_FULL 6000u            /* transcript bytes per cell at best */
#define TX_MIN 400u              /* below this a transcript says nothing */

/* Own words escape as data does: Markdown has no trusted text. */
static void md_spans(out *o, const doc_span *sp, int html) {
  for (; sp; sp = sp->next) {
    if (html) {                  /* inside a raw HTML block */
      esc_html_clean(o, sp->text, sp->len);
      continue;
    }
    const char *mark = sp->kind == DOC_STRONG ? "**"
                       : sp->kind == DOC_EM   ? "*"
                                              : "";
    out_adds(o, mark);
    esc_md(o, sp->text, DOC_NOCAP);
    out_adds(o, mark);
  }
}

static void md_table(out *o, const doc_node *t) {
  int cols = 0;
  for (const doc_node *row = t->child; row; row = row->next) {
    out_adds(o, "|");
    for (const doc_node *c = row->child; c; c = c->next) {
      out_adds(o, " ");
      md_spans(o, c->spans, 0);
      out_adds(o, " |");
      cols += row == t->child;
    }
    out_adds(o, "\n");
    if (row != t->child)
      continue;
    out_adds(o, "|");            /* level 1: the first column left, others centred */
    for (int i = 0; i < cols; i++)
      out_adds(o, t->level && i ? ":---:|" : "---|");
    out_adds(o, "\n");
  }
  out_adds(o, "\n");
}

static void md_node(out *o, const doc_node *n, int html);

static void md_children(out *o, const doc_node *n, int html) {
  for (const doc_node *c = n->child; c; c = c->next)
    md_node(o, c, html);
}

static void md_node(out *o, const doc_node *n, int html) {
  int i = 0;
  switch (n->kind) {
  case DOC_HEADING:
    for (int k = 0; k < n->level; k++)
      out_adds(o, "#");
    out_adds(o, " ");
    md_spans(o, n->spans, 0);
    out_adds(o, "\n\n");
    break;
  case DOC_PARA:
    md_spans(o, n->spans, html);
    out_adds(o, "\n\n");
    break;
  case DOC_LIST:
    for (const doc_node *it = n->child; it; it = it->next) {
      if (n->level)
        out_printf(o, "%d. ", ++i);
      else
        out_adds(o, "- ");
      md_spans(o, it->spans, 0);
      out_adds(o, "\n");
    }
    out_adds(o, "\n");
    break;
  case DOC_TABLE:
    md_table(o, n);
    break;
  case DOC_CODE_BLOCK:
    if (html) {
      out_adds(o, "<pre>\n");
      esc_html_clean(o, n->code ? n->code : "", n->code_len);
      out_adds(o, "</pre>\n\n");
    } else {
      esc_md_fence(o, n->code ? n->code : "", n->code_len,
                   n->lang ? n->lang : "");
    }
    break;
  case DOC_DETAILS:
    out_adds(o, "<details><summary>");
    md_spans(o, n->spans, 1);
    out_adds(o, "</summary>\n\n");
    md_children(o, n, 1);
    out_adds(o, "</details>\n\n");
    break;
  case DOC_FIELD:
    out_adds(o, "**");
    esc_md(o, n->label ? n->label : "", DOC_NOCAP);
    out_adds(o, ":** ");
    md_spans(o, n->spans, 0);
    out_adds(o, "\n\n");
    break;
  case DOC_FILTER:                /* an interactive control: none here */
  case DOC_ITEM:
  case DOC_ROW:
  case DOC_CELL:
    break;
  case DOC_ROOT:
  case DOC_SECTION:
  case DOC_BOX:
    md_children(o, n, html);
    break;
  }
}

void md_emit(out *o, const doc *d) {
  if (d->failed)
    o->failed = 1;
  md_children(o, &d->root, 0);
}

/* Renders report.md with op into o (emptied first). */
static void md_render(out *o, const r_model *m, const build_opts *op) {
  doc d;
  doc_init(&d);
  build_report_md(&d, m, op);
  out_free(o);
  out_init(o);
  md_emit(o, &d);
  doc_free(&d);
}

static int md_fits(const out *o) { return o->b.len < MD_LIMIT; }

/* The last resort: compact, with as many failure sections as fit. */
static void md_render_compact(out *o, const r_model *m) {
  build_opts op = {0, 0, 1, 1, -1};
  md_render(o, m, &op);
  if (md_fits(o) || o->failed)
    return;
  int lo = 0, hi = build_cells_public_failures(m);   /* lo fits or nothing does */
  while (lo + 1 < hi) {
    op.max_failures = lo + (hi - lo) / 2;
    md_render(o, m, &op);
    if (md_fits(o))
      lo = op.max_failures;
    else
      hi = op.max_failures;
  }
  op.max_failures = lo;
  md_render(o, m, &op);
}

/* Renders into o the fullest report that fits GitHub's limit. */
static void md_render_fitting(out *o, const r_model *m) {
  build_opts op = {0, TX_FULL, 0, 0, -1};
  md_render(o, m, &op);
  if (md_fits(o) || o->failed)
    return;
  /* Measure everything but the transcripts, then share what is left. */
  op = (build_opts){0, 0, 1, 0, -1};
  md_render(o, m, &op);
  size_t room = o->b.len + MD_MARGIN < MD_LIMIT
                    ? MD_LIMIT - MD_MARGIN - o->b.len : 0;
  size_t per = m->nfail ? room / (size_t)m->nfail : 0;
  for (per = per > TX_FULL ? TX_FULL : per; per >= TX_MIN; per = per * 3 / 4) {
    op = (build_opts){0, per, 1, 0, -1};
    md_render(o, m, &op);
    if (md_fits(o))
      return;
  }
  op = (build_opts){0, 0, 1, 0, -1};
  md_render(o, m, &op);
  if (!md_fits(o))
    md_render_compact(o, m);
}

void md_report(out *o, const r_model *m) { md_render_fitting(o, m); }
