/* render/build_matrix.c - "Results": one row per target, one column per
 * scenario, each cell its verdict word (bold, or a heavy frame on the page,
 * when the scenario does not accept it), then a legend. A paste shows a
 * security-relevant cell as "withheld"; the page links every cell to its
 * details and every scenario to its definition. */
#include "build_matrix.h"
#include "esc.h"
#include "vinfo.h"

#include <string.h>

static const vinfo *cell_info(const r_cell *c) {
  return c->json ? vinfo_lookup(c->verdict) : &VINFO_MISSING;
}

static doc_node *head_cell(doc *d, doc_node *row, const char *words) {
  doc_node *c = doc_add(d, row, DOC_CELL);
  c->level = 1;
  if (words)
    doc_words(d, c, words);
  return c;
}

static void header_row(doc *d, doc_node *table, const r_model *m,
                       const build_opts *op) {
  doc_node *row = doc_add(d, table, DOC_ROW);
  head_cell(d, row, op->page ? "target" : "Target");
  for (int s = 0; s < m->ns; s++) {
    doc_node *c = head_cell(d, row, NULL);
    if (op->page) {
      out id;
      out_init(&id);
      out_adds(&id, "scenario-");
      esc_slug(&id, m->s[s].id);
      doc_set_cls(d, c, "scenario-head");
      doc_set_hint(d, c, m->s[s].title, 300);
      doc_set_href(d, c, id.b.data);
      d->failed |= id.failed;
      out_free(&id);
    }
    doc_text(d, c, m->s[s].id, 80);
  }
}

/* The page's cell: coloured by verdict, framed when not accepted, titled
 * with the reason, linked to the cell's details. */
static void page_cell(doc *d, doc_node *row, const r_model *m, int t, int s) {
  const r_cell *c = model_cell(m, t, s);
  doc_node *cell = doc_add(d, row, DOC_CELL);
  out x;
  out_init(&x);
  out_printf(&x, "cell verdict-%s %s%s", cell_info(c)->cls, build_state_class(c),
             c->security ? " security" : "");
  doc_set_cls(d, cell, x.b.data);
  out_free(&x);
  doc_set_hint(d, cell, c->reason ? c->reason : cell_info(c)->meaning, 300);
  out_init(&x);
  build_cell_id(&x, m, t, s);
  doc_set_href(d, cell, x.b.data);
  d->failed |= x.failed;
  out_free(&x);
  doc_text(d, cell, c->json ? c->verdict : VINFO_MISSING.name, 30);
  if (c->security)
    doc_span_add(d, cell, DOC_NOTE, "security", DOC_OWN, "secmark");
}

static void target_row(doc *d, doc_node *table, const r_model *m, int t,
                       const build_opts *op) {
  int fails = 0;
  for (int s = 0; s < m->ns; s++)
    fails += model_cell(m, t, s)->state == CELL_FAIL;
  doc_node *row = doc_add(d, table, DOC_ROW);
  doc_node *name = doc_add(d, row, DOC_CELL);
  name->level = op->page;
  doc_text(d, name, m->t[t].name, 80);
  if (op->page) {
    doc_set_cls(d, row, fails ? "has-fail" : "all-pass");
    doc_span_add(d, name, DOC_NOTE,
                 m->t[t].version ? m->t[t].version : "version unknown", 80,
                 NULL);
  }
  for (int s = 0; s < m->ns; s++) {
    const r_cell *c = model_cell(m, t, s);
    if (op->page) {
      page_cell(d, row, m, t, s);
      continue;
    }
    doc_span_add(d, doc_add(d, row, DOC_CELL),
                 c->state == CELL_FAIL || c->security ? DOC_STRONG : DOC_TEXT,
                 c->security ? "withheld"
                 : c->json   ? c->verdict
                             : VINFO_MISSING.name, 30, NULL);
  }
}

/* A paste explains the verdicts that appear in it. */
static int verdict_seen(const r_model *m, const vinfo *vi) {
  for (size_t i = 0; i < (size_t)m->nt * (size_t)m->ns; i++) {
    const r_cell *c = &m->cells[i];
    if (c->json ? !c->security && vinfo_lookup(c->verdict) == vi
                : vi == &VINFO_MISSING)
      return 1;
  }
  return 0;
}

static void md_legend(doc *d, const r_model *m) {
  doc_node *p = doc_para(d, NULL);
  doc_words(d, p, "Each cell is the verdict for that target and scenario. ");
  doc_span_add(d, p, DOC_STRONG, "Bold", DOC_OWN, NULL);
  doc_wordsf(d, p, ": not a result the scenario accepts; each one is "
                   "explained under Failures%s.",
             m->nsecurity ? " (a withheld one in security.md)" : "");
  doc_node *list = doc_add(d, NULL, DOC_LIST);
  for (int v = -1; v < 0 || vinfo_at(v); v++) {
    const vinfo *vi = v < 0 ? &VINFO_MISSING : vinfo_at(v);
    if (verdict_seen(m, vi))
      doc_wordsf(d, doc_add(d, list, DOC_ITEM), "%s: %s", vi->name,
                 vi->meaning);
  }
  if (m->nsecurity)
    doc_words(d, doc_add(d, list, DOC_ITEM),
              "withheld: security-relevant finding, see security.md");
  if (verdict_seen(m, vinfo_lookup(NULL)))
    doc_wordsf(d, doc_add(d, list, DOC_ITEM), "other: %s",
               vinfo_lookup(NULL)->meaning);
}

static void legend_item(doc *d, doc_node *list, const vinfo *vi) {
  doc_node *li = doc_add(d, list, DOC_ITEM);
  out cls;
  out_init(&cls);
  out_printf(&cls, "tag verdict-%s", vi->cls);
  doc_span_add(d, li, DOC_TAG, vi->name, DOC_OWN, cls.b.data);
  d->failed |= cls.failed;
  out_free(&cls);
  doc_words(d, li, vi->meaning);
}

static void page_legend(doc *d, const r_model *m) {
  doc_node *list = doc_add(d, NULL, DOC_LIST);
  doc_set_id(d, list, "legend");
  doc_set_cls(d, list, "legend");
  for (int v = 0; vinfo_at(v); v++)
    legend_item(d, list, vinfo_at(v));
  legend_item(d, list, &VINFO_MISSING);
  doc_wordsf(d, doc_add(d, list, DOC_ITEM),
             "A heavy frame and bold word: not a result the scenario "
             "accepts. Click a cell for its reason, reproducer and "
             "transcript.%s",
             m->nsecurity ? " Cells marked SECURITY are security-relevant "
                            "findings: their details are under "
                            "Security-relevant findings, not for public "
                            "issues." : "");
}

void build_matrix(doc *d, const r_model *m, const build_opts *op) {
  doc_node *h = doc_heading(d, NULL, 2);
  doc_set_id(d, h, "results");
  doc_words(d, h, "Results");
  if (op->page)
    doc_add(d, NULL, DOC_FILTER);
  doc_node *table = doc_add(d, NULL, DOC_TABLE);
  table->level = 1;
  doc_set_id(d, table, "matrix");
  header_row(d, table, m, op);
  for (int t = 0; t < m->nt; t++)
    target_row(d, table, m, t, op);
  if (op->page)
    page_legend(d, m);
  else
    md_legend(d, m);
}
