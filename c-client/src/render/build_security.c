/* render/build_security.c - security.md: the security-relevant cells (an
 * answer that reached another client, a request smuggled past a proxy)
 * that report.md withholds, because report.md is meant for public issues
 * and these belong in a private report to the project (GitHub private
 * vulnerability reporting, or its security policy).
 *
 * First the cells the public files leave out (private scenarios, proxied
 * targets) with their verdicts, then an overview: every target behind a
 * proxy against every scenario
 * with more than one client connection, findings or not, so the file
 * answers "does it cross clients or smuggle?" for each proxy and backend.
 * Then each cell (build_cells_security). The file is always written,
 * saying so when there are no such cells, so CI and readers can rely on
 * it. */
#include "build_security.h"
#include "build_cells.h"
#include "facts.h"
#include "jget.h"
#include "verdicts.h"

#include <string.h>

static void sec_header(doc *d, const r_model *m) {
  doc_words(d, doc_heading(d, NULL, 1), "Security-relevant findings "
            "\xe2\x80\x94 do not paste publicly");
  doc_wordsf(d, doc_para(d, NULL), "This file holds what the public files "
             "(report.md, report.html, junit.xml) leave out: the cells of "
             "scenarios that can serve as an exploitation recipe, of targets "
             "behind a reverse proxy, and the security-relevant findings: an "
             "answer that reached another client's connection (%s), another "
             "client's answer handed to a client (%s), or a "
             "request smuggled past a proxy (%s). Report them privately "
            "\xe2\x80\x94 through GitHub private vulnerability reporting (the "
            "affected repository's Security tab, \"Report a vulnerability\") "
             "or the contact in the project's security policy \xe2\x80\x94 "
             "not in a public issue.", verdicts_name(V_CROSS_CLIENT),
             verdicts_name(V_POISONED), verdicts_name(V_SMUGGLED));
  out p;
  out_init(&p);
  facts_probe(&p, m);
  doc_node *para = doc_para(d, NULL);
  doc_words(d, para, "Probe: ");
  doc_text_out(d, para, &p, 1000);
  out_free(&p);
  if (m->nsecurity == 0)
    doc_wordsf(d, doc_para(d, NULL), "No security-relevant findings: no cell "
               "of this run (%d targets, %d scenarios) is marked "
               "security-relevant.%s", m->nt, m->ns,
               m->security_count > 0 ? " (results.json's summary counts some, "
                                       "but no cell carries them.)" : "");
  else
    doc_wordsf(d, doc_para(d, NULL), "%d finding%s.", m->nsecurity,
               m->nsecurity == 1 ? "" : "s");
}

/* A scenario whose requests use more than one client connection. */
static int multi_client(const r_scenario *s) {
  for (int i = 1; i < s->nreq; i++)
    if (strcmp(s->req[i].connection, s->req[0].connection) != 0)
      return 1;
  return 0;
}

static const char *proxy_of(const r_target *t) {
  return jget_str(t->info, "proxy");
}

static void overview_row(doc *d, doc_node *table, const r_model *m, int t) {
  const char *backend = jget_str(m->t[t].info, "backend");
  doc_node *row = doc_add(d, table, DOC_ROW);
  doc_text(d, doc_add(d, row, DOC_CELL), m->t[t].name, 80);
  doc_text(d, doc_add(d, row, DOC_CELL), proxy_of(&m->t[t]), 80);
  doc_text(d, doc_add(d, row, DOC_CELL), backend ? backend : "-", 80);
  for (int s = 0; s < m->ns; s++) {
    if (!multi_client(&m->s[s]))
      continue;
    const r_cell *c = model_cell(m, t, s);
    doc_span_add(d, doc_add(d, row, DOC_CELL),
                 c->security ? DOC_STRONG : DOC_TEXT,
                 c->json ? c->verdict : "not run", 40, NULL);
  }
}

/* The question the proxies are in the lab for, answered for every row
 * (not only the findings): did one client's request cross to another, or
 * smuggle a request in, behind this proxy and backend? */
static void sec_overview(doc *d, const r_model *m) {
  int cols = 0, rows = 0;
  for (int s = 0; s < m->ns; s++)
    cols += multi_client(&m->s[s]);
  for (int t = 0; t < m->nt; t++)
    rows += proxy_of(&m->t[t]) != NULL;
  if (!cols || !rows)
    return;
  doc_wordsf(d, doc_heading(d, NULL, 2), "Overview: %d multi-client "
             "scenario%s behind %d proxied target%s", cols,
             cols == 1 ? "" : "s", rows, rows == 1 ? "" : "s");
  doc_node *p = doc_para(d, NULL);
  doc_words(d, p, "One row per target behind a reverse proxy (its "
            "info.proxy), one column per scenario whose requests use more "
            "than one client connection. ");
  doc_span_add(d, p, DOC_STRONG, "Bold", DOC_OWN, NULL);
  doc_words(d, p, ": a finding, described below. Any other verdict: in that "
            "scenario no request crossed to another client and none was "
            "smuggled.");
  doc_node *table = doc_add(d, NULL, DOC_TABLE);
  doc_node *head = doc_add(d, table, DOC_ROW);
  static const char *const first[] = {"Target", "Proxy", "Backend"};
  for (int i = 0; i < 3; i++)
    doc_words(d, doc_add(d, head, DOC_CELL), first[i]);
  for (int s = 0; s < m->ns; s++)
    if (multi_client(&m->s[s]))
      doc_text(d, doc_add(d, head, DOC_CELL), m->s[s].id, 80);
  for (int t = 0; t < m->nt; t++)
    if (proxy_of(&m->t[t]))
      overview_row(d, table, m, t);
}

static int private_cell(const r_model *m, int t, int s) {
  return m->t[t].private_ || m->s[s].private_;
}

static int row_private(const r_model *m, int t) {
  for (int s = 0; s < m->ns; s++)
    if (private_cell(m, t, s) && model_cell(m, t, s)->json)
      return 1;
  return 0;
}

static int col_private(const r_model *m, int s) {
  for (int t = 0; t < m->nt; t++)
    if (private_cell(m, t, s) && model_cell(m, t, s)->json)
      return 1;
  return 0;
}

/* Every cell the public files leave out (a private scenario's, a proxied
 * target's), with its verdict; a middle dot marks a cell the public report shows. */
static void sec_withheld(doc *d, const r_model *m) {
  int rows = 0, cols = 0;
  for (int t = 0; t < m->nt; t++)
    rows += row_private(m, t);
  for (int s = 0; s < m->ns; s++)
    cols += col_private(m, s);
  if (!rows || !cols)
    return;
  doc_words(d, doc_heading(d, NULL, 2), "Cells left out of the public reports");
  doc_node *p = doc_para(d, NULL);
  doc_words(d, p, "The cells of scenarios marked private by their data (an "
            "exploitation recipe: \"audience\": \"private\", or a request "
            "hidden in a body) and of targets behind a reverse proxy. ");
  doc_span_add(d, p, DOC_STRONG, "Bold", DOC_OWN, NULL);
  doc_words(d, p, ": not a result the scenario accepts. \xc2\xb7: shown in "
            "the public report. Each cell's reason, reproducer and transcript "
            "are in security.html.");
  doc_node *table = doc_add(d, NULL, DOC_TABLE);
  doc_node *head = doc_add(d, table, DOC_ROW);
  doc_words(d, doc_add(d, head, DOC_CELL), "Target");
  for (int s = 0; s < m->ns; s++)
    if (col_private(m, s))
      doc_text(d, doc_add(d, head, DOC_CELL), m->s[s].id, 80);
  for (int t = 0; t < m->nt; t++) {
    if (!row_private(m, t))
      continue;
    doc_node *row = doc_add(d, table, DOC_ROW);
    doc_text(d, doc_add(d, row, DOC_CELL), m->t[t].name, 80);
    for (int s = 0; s < m->ns; s++) {
      if (!col_private(m, s))
        continue;
      const r_cell *c = model_cell(m, t, s);
      doc_node *cell = doc_add(d, row, DOC_CELL);
      if (!private_cell(m, t, s))
        doc_words(d, cell, "\xc2\xb7");
      else
        doc_span_add(d, cell, c->state == CELL_FAIL ? DOC_STRONG : DOC_TEXT,
                     c->json ? c->verdict : "not run", 40, NULL);
    }
  }
}

void build_security_md(doc *d, const r_model *m) {
  sec_header(d, m);
  sec_withheld(d, m);
  sec_overview(d, m);
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++)
      if (model_cell(m, t, s)->security)
        build_cells_security(d, NULL, m, t, s);
}
