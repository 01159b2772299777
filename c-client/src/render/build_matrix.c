/* render/build_matrix.c - "Results": one row per target, one column per
 * scenario, each cell its verdict word (bold, or a heavy frame on the page,
 * when the scenario does not accept it; in italics, never framed, when the
 * target does not speak the scenario's protocol), then a legend. Rows come
 * in the model's groups (the subject's family, other servers, proxies:
 * only in the private page), each opened by a group row. The page links
 * every cell to its details and every scenario to its definition. */
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
                 c->state == CELL_FAIL       ? DOC_STRONG
                 : c->state == CELL_UNSPOKEN ? DOC_EM
                                             : DOC_TEXT,
                 c->json ? c->verdict : VINFO_MISSING.name, 30, NULL);
  }
}

/* The subject's family name when all its rows share one. */
static const char *subject_family(const r_model *m) {
  const char *f = NULL;
  for (int t = 0; t < m->nt; t++) {
    if (m->t[t].group != MODEL_GROUP_SUBJECT)
      continue;
    if (!m->t[t].family || (f && strcmp(f, m->t[t].family) != 0))
      return NULL;
    f = m->t[t].family;
  }
  return f;
}

/* A row naming the group the next rows belong to (empty cells after it,
 * so a Markdown table keeps its column count). */
static void group_row(doc *d, doc_node *table, const r_model *m, int group) {
  doc_node *row = doc_add(d, table, DOC_ROW);
  doc_set_cls(d, row, "group");
  doc_node *name = doc_add(d, row, DOC_CELL);
  name->level = 1;
  const char *family = subject_family(m);
  if (group == MODEL_GROUP_SUBJECT && family) {
    out w;
    out_init(&w);
    esc_clean(&w, family, 60, ESC_ONE_LINE);
    out_adds(&w, " (the subject, newest first)");
    doc_span_add(d, name, DOC_EM, w.b.data ? w.b.data : "", DOC_NOCAP, NULL);
    d->failed |= w.failed;
    out_free(&w);
  } else {
    doc_span_add(d, name, DOC_EM, group == MODEL_GROUP_SUBJECT
                 ? "the subject, newest first"
                 : group == MODEL_GROUP_OTHER ? "other servers"
                                              : "behind a reverse proxy",
                 DOC_OWN, NULL);
  }
  for (int s = 0; s < m->ns; s++)
    doc_add(d, row, DOC_CELL);
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
  doc_words(d, p, ": not a result the scenario accepts; each one is "
                  "explained under Failures.");
  doc_node *list = doc_add(d, NULL, DOC_LIST);
  for (int v = -1; v < 0 || vinfo_at(v); v++) {
    const vinfo *vi = v < 0 ? &VINFO_MISSING : vinfo_at(v);
    if (verdict_seen(m, vi))
      doc_wordsf(d, doc_add(d, list, DOC_ITEM), "%s: %s", vi->name,
                 vi->meaning);
  }
  if (m->nunspoken)
    doc_words(d, doc_add(d, list, DOC_ITEM),
              "in italics: the target does not speak the scenario's "
              "protocol (a verdict the scenario lists as unsupported): "
              "not a failure");
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
  if (m->nunspoken)
    doc_words(d, doc_add(d, list, DOC_ITEM), "In italics, without a frame: "
              "the target does not speak the scenario's protocol (a verdict "
              "the scenario lists as unsupported); not a failure.");
}

void build_matrix(doc *d, const r_model *m, const build_opts *op) {
  doc_node *h = doc_heading(d, NULL, 2);
  doc_set_id(d, h, "results");
  doc_words(d, h, "Results");
  if (m->nt == 0 || m->ns == 0) {
    doc_wordsf(d, doc_para(d, NULL), "No cell to show: %s.",
               m->withheld_cells ? "every cell of this run is kept out of "
               "the public reports (see Security-relevant findings)"
               : "the run has no targets or no scenarios");
    return;
  }
  if (op->page)
    doc_add(d, NULL, DOC_FILTER);
  doc_node *wrap = doc_add(d, NULL, DOC_BOX);  /* scrolls, not the page */
  doc_set_cls(d, wrap, "matrix-wrap");
  doc_node *table = doc_add(d, wrap, DOC_TABLE);
  table->level = 1;
  doc_set_id(d, table, "matrix");
  header_row(d, table, m, op);
  int grouped = m->nt > 0 && m->t[0].group == MODEL_GROUP_SUBJECT;
  for (int t = 0; t < m->nt; t++) {
    if (grouped && (t == 0 || m->t[t].group != m->t[t - 1].group))
      group_row(d, table, m, m->t[t].group);
    target_row(d, table, m, t, op);
  }
  if (op->page)
    page_legend(d, m);
  else
    md_legend(d, m);
}
