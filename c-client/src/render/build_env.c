/* render/build_env.c - "Environment": the probe line (facts_probe) and one
 * row per target with what results.json says about it. report.md and
 * report.html show the same columns. */
#include "build_env.h"
#include "facts.h"

#define ENV_CELL_CAP 200

static const char *const ENV_HEAD[] = {"Target", "URL", "Version",
                                       "Server header", "Software",
                                       "Base image", "How started"};
#define ENV_COLS (sizeof ENV_HEAD / sizeof ENV_HEAD[0])

static void env_row(doc *d, doc_node *table, const r_target *tg) {
  const char *cols[ENV_COLS] = {tg->name, tg->url ? tg->url : "-",
                                tg->version ? tg->version : "unknown",
                                tg->server_header ? tg->server_header : "-",
                                tg->software ? tg->software : "-",
                                tg->base_image ? tg->base_image : "-",
                                tg->started ? tg->started : "-"};
  doc_node *row = doc_add(d, table, DOC_ROW);
  for (size_t c = 0; c < ENV_COLS; c++)
    doc_text(d, doc_add(d, row, DOC_CELL), cols[c], ENV_CELL_CAP);
}

void build_env(doc *d, const r_model *m) {
  out t;
  out_init(&t);
  facts_probe(&t, m);
  doc_node *h = doc_heading(d, NULL, 2);
  doc_set_id(d, h, "environment");
  doc_words(d, h, "Environment");
  doc_node *p = doc_para(d, NULL);
  doc_set_id(d, p, "probe");
  doc_words(d, p, "Probe: ");
  doc_text_out(d, p, &t, 1000);
  out_free(&t);
  doc_node *table = doc_add(d, NULL, DOC_TABLE);
  doc_set_id(d, table, "targets");
  doc_node *head = doc_add(d, table, DOC_ROW);
  for (size_t c = 0; c < ENV_COLS; c++) {
    doc_node *cell = doc_add(d, head, DOC_CELL);
    cell->level = 1;
    doc_words(d, cell, ENV_HEAD[c]);
  }
  for (int i = 0; i < m->nt; i++)
    env_row(d, table, &m->t[i]);
}
