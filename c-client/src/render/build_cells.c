/* render/build_cells.c - what each cell shows: the reason, the answers,
 * the bytes lost, the security facts (tag, calibration, backend log), a
 * reproducer and the transcript.
 *
 * report.md (public) has a section per failing cell that is not security-
 * relevant and only counts the security-relevant ones; report.html has a
 * collapsible details element for every cell, the security-relevant ones
 * in their own section; security.md (build_security.c) takes one
 * security-relevant cell at a time from build_cells_security. */
#include "build_cells.h"
#include "esc.h"
#include "facts.h"
#include "repro.h"
#include "vinfo.h"

#include <stdio.h>

#define REPRO_CAP 3000u          /* report.md */
#define REPRO_PAGE (64u * 1024u) /* report.html */
#define REPRO_SEC 16000u         /* security.md */
#define TX_PAGE 16384u           /* transcript bytes per cell */
#define LOG_PAGE 16384u          /* backend log bytes per cell */
#define TX_SEC 8000u
#define LOG_SEC 12000u

/* "target: scenario — verdict" */
static void cell_heading(doc *d, doc_node *parent, const r_model *m, int t,
                         int s, int level) {
  doc_node *h = doc_heading(d, parent, level);
  doc_text(d, h, m->t[t].name, 80);
  doc_words(d, h, ": ");
  doc_text(d, h, m->s[s].id, 80);
  doc_words(d, h, " \xe2\x80\x94 ");
  doc_text(d, h, model_cell(m, t, s)->verdict, 40);
}

static const char *repro_words(repro_kind k) {
  return k == REPRO_CURL ? "curl"
         : k == REPRO_NC ? "exact bytes, nc"
                         : "exact bytes, bash";
}

/* The reproducer, or a note when it is longer than max. */
static void cell_repro(doc *d, doc_node *parent, const r_model *m, int t,
                       int s, size_t max, int say_kind, const char *where) {
  out r;
  out_init(&r);
  repro_kind k = repro_build(&r, m, t, s, model_cell(m, t, s)->upgraded);
  doc_node *p = doc_para(d, parent);
  if (r.b.len > max && where) {
    doc_label(d, p, "Reproduce:");
    doc_wordsf(d, p, "the command is %zu bytes long%s; %s.", r.b.len,
               say_kind ? " (a large request)" : "", where);
  } else {
    doc_span_add(d, p, DOC_STRONG, "Reproduce", DOC_OWN, NULL);
    if (say_kind)
      doc_wordsf(d, p, " (%s; the host is the lab's, put your server's "
                       "address):", repro_words(k));
    else
      doc_words(d, p, " (the host is the lab's, put your server's "
                      "address):");
    if (r.b.len > max)
      doc_wordsf(d, doc_para(d, parent), "The command is %zu bytes long; the "
                 "scenario's requests are in results.json.", r.b.len);
    else
      doc_code_out(d, parent, &r, "sh", "repro");
  }
  out_free(&r);
}

static void transcript_details(doc *d, doc_node *parent, const r_cell *c,
                               size_t budget, const char *what) {
  out t;
  out_init(&t);
  facts_transcript(&t, c, budget, 0);
  doc_node *det = doc_add(d, parent, DOC_DETAILS);
  doc_wordsf(d, det, "%s (%d events; --> sent, <-- received, # probe notes)",
             what, cJSON_GetArraySize(c->events));
  doc_code_out(d, det, &t, NULL, NULL);
  out_free(&t);
}

/* "Answers:" and "Bytes lost:" paragraphs. */
static void answers(doc *d, doc_node *parent, const r_cell *c, size_t cap,
                    int classes) {
  out a;
  out_init(&a);
  facts_answers(&a, c);
  doc_node *p = doc_para(d, parent);
  if (classes)
    doc_set_cls(d, p, "answers");
  doc_label(d, p, "Answers:");
  doc_text_out(d, p, &a, cap);
  out_free(&a);
  if (c->lost_bytes < 0)
    return;
  out_init(&a);
  facts_loss(&a, c);
  p = doc_para(d, parent);
  if (classes)
    doc_set_cls(d, p, "lost");
  doc_label(d, p, "Bytes lost:");
  doc_text_out(d, p, &a, classes ? DOC_NOCAP : 600);
  out_free(&a);
}

/* ---- report.md ---------------------------------------------------------- */

static void md_failure(doc *d, const r_model *m, int t, int s,
                       const build_opts *op) {
  const r_cell *c = model_cell(m, t, s);
  cell_heading(d, NULL, m, t, s, 3);
  doc_node *p = doc_para(d, NULL);
  doc_label(d, p, "Reason:");
  doc_text(d, p, c->reason ? c->reason : "(none given)",
           op->compact ? 300 : 1000);
  answers(d, NULL, c, op->compact ? 300 : 1200, 0);
  cell_repro(d, NULL, m, t, s, op->compact ? REPRO_CAP / 3 : REPRO_CAP, 1,
             "it is in report.html");
  if (op->tx_budget)
    transcript_details(d, NULL, c, op->tx_budget, "Transcript");
}

static int public_failure(const r_cell *c) {
  return c->state == CELL_FAIL && !c->security;
}

int build_cells_public_failures(const r_model *m) {
  int n = 0;
  for (size_t i = 0; i < (size_t)m->nt * (size_t)m->ns; i++)
    n += public_failure(&m->cells[i]);
  return n;
}

/* The public files only say that private findings exist and how to report
 * them: no scenario, target, verdict or byte of them (the public model holds
 * none). */
static void public_security_note(doc *d, doc_node *parent, const r_model *m) {
  doc_words(d, doc_heading(d, parent, 2), "Security-relevant findings");
  doc_node *p = doc_para(d, parent);
  if (m->security_count <= 0 && m->withheld_cells == 0) {
    doc_wordsf(d, p, "None were found in this run: no cell is marked "
                     "security-relevant (%s, %s, %s).", verdicts_name(V_POISONED),
               verdicts_name(V_CROSS_CLIENT), verdicts_name(V_SMUGGLED));
    return;
  }
  doc_words(d, p, "This run has security-relevant results: ");
  if (m->security_count > 0)
    doc_wordsf(d, p, "%ld finding%s (a request smuggled past a proxy, an "
                     "answer that reached another client, or another client's answer "
                     "handed to a client), ",
               m->security_count, m->security_count == 1 ? "" : "s");
  doc_wordsf(d, p, "%d cell%s in all, of scenarios that can serve as an "
                   "exploitation recipe and of targets behind a reverse "
                   "proxy. These files are meant for public issues and CI "
                   "logs, so they leave all of them out; security.md and "
                   "security.html next to this file hold them \xe2\x80\x94 "
                   "do not paste or attach those publicly. Please report "
                   "them privately: through GitHub private vulnerability "
                   "reporting (the affected repository's Security tab, "
                   "\"Report a vulnerability\") or the maintainers' "
                   "security contact (a SECURITY.md, when the project has "
                   "one), not in a public issue.",
             m->withheld_cells, m->withheld_cells == 1 ? "" : "s");
}

void build_cells_md(doc *d, const r_model *m, const build_opts *op) {
  public_security_note(d, NULL, m);
  int left = build_cells_public_failures(m), shown = 0;
  if (left == 0)
    return;
  doc_wordsf(d, doc_heading(d, NULL, 2), "Failures (%d)", left);
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++) {
      if (!public_failure(model_cell(m, t, s)))
        continue;
      if (op->max_failures >= 0 && shown == op->max_failures) {
        doc_node *p = doc_para(d, NULL);
        out w;
        out_init(&w);
        out_printf(&w, "%d more failures are left out to stay under "
                       "GitHub's limit; report.html lists every cell.", left);
        doc_span_add(d, p, DOC_EM, w.b.data ? w.b.data : "", DOC_OWN, NULL);
        d->failed |= w.failed;
        out_free(&w);
        return;
      }
      md_failure(d, m, t, s, op);
      shown++;
      left--;
    }
}

/* ---- report.html ------------------------------------------------------- */

static doc_node *classed_para(doc *d, doc_node *parent, const char *cls,
                              const char *label) {
  doc_node *p = doc_para(d, parent);
  doc_set_cls(d, p, cls);
  if (label)
    doc_label(d, p, label);
  return p;
}

/* Tag, calibration and backend log: shown wherever a cell carries them. */
static void page_security_facts(doc *d, doc_node *det, const r_cell *c) {
  if (c->tag)
    doc_span_add(d, classed_para(d, det, "tagline", "Tag:"), DOC_CODE, c->tag,
                 200, NULL);
  out x;
  if (c->calibration) {
    out_init(&x);
    facts_calibration(&x, c);
    doc_text_out(d, classed_para(d, det, "calibration", "Calibration:"), &x,
                 DOC_NOCAP);
    out_free(&x);
  }
  if (c->backend_log) {
    out_init(&x);
    facts_backend_log(&x, c, LOG_PAGE);
    doc_node *p = doc_para(d, det);
    doc_span_add(d, p, DOC_STRONG, "Backend log", DOC_OWN, NULL);
    doc_wordsf(d, p, " (%d entries, what the backend received; strings in "
                     "the escaped form):", cJSON_GetArraySize(c->backend_log));
    doc_code_out(d, det, &x, NULL, "backend-log");
    out_free(&x);
  }
}

static doc_node *page_cell_details(doc *d, doc_node *parent, const r_model *m,
                                   int t, int s) {
  const r_cell *c = model_cell(m, t, s);
  const vinfo *vi = c->json ? vinfo_lookup(c->verdict) : &VINFO_MISSING;
  doc_node *det = doc_add(d, parent, DOC_DETAILS);
  out x;
  out_init(&x);
  build_cell_id(&x, m, t, s);
  doc_set_id(d, det, x.b.data);
  out_free(&x);
  out_init(&x);
  out_printf(&x, "celldetail verdict-%s %s", vi->cls, build_state_class(c));
  doc_set_cls(d, det, x.b.data);
  out_free(&x);
  out_init(&x);
  out_printf(&x, "tag verdict-%s", vi->cls);
  doc_span_add(d, det, DOC_TAG, c->json ? c->verdict : vi->name, 30,
               x.b.data);
  d->failed |= x.failed;
  out_free(&x);
  doc_text(d, det, m->t[t].name, 80);
  doc_words(d, det, " \xc3\x97 ");
  doc_text(d, det, m->s[s].id, 80);
  doc_text(d, classed_para(d, det, "reason", "Reason:"),
           c->reason ? c->reason : vi->meaning, 2000);
  return det;
}

static void page_cell(doc *d, doc_node *parent, const r_model *m, int t,
                      int s) {
  const r_cell *c = model_cell(m, t, s);
  doc_node *det = page_cell_details(d, parent, m, t, s);
  page_security_facts(d, det, c);
  if (c->json)
    answers(d, det, c, DOC_NOCAP, 1);
  cell_repro(d, det, m, t, s, REPRO_PAGE, 1, NULL);
  if (!c->json)
    return;
  out tx;
  out_init(&tx);
  facts_transcript(&tx, c, TX_PAGE, 0);
  doc_node *p = doc_para(d, det);
  doc_span_add(d, p, DOC_STRONG, "Transcript", DOC_OWN, NULL);
  doc_words(d, p, " (--> sent, <-- received, # probe notes; bytes in the "
                  "escaped form of results.json):");
  doc_code_out(d, det, &tx, NULL, "transcript");
  out_free(&tx);
}

/* Always there, so a reader (or CI) can rely on it; red when not empty. */
static void page_security(doc *d, const r_model *m) {
  doc_node *sec = doc_add(d, NULL, DOC_SECTION);
  doc_set_id(d, sec, "security");
  if (m->security_count <= 0) {
    doc_set_cls(d, sec, "security none");
    doc_words(d, doc_heading(d, sec, 2), "Security-relevant findings");
    doc_wordsf(d, doc_para(d, sec), "None were found in this run: no cell is "
               "marked security-relevant (%s, %s, %s).", verdicts_name(V_POISONED),
               verdicts_name(V_CROSS_CLIENT), verdicts_name(V_SMUGGLED));
    return;
  }
  doc_set_cls(d, sec, "security");
  doc_words(d, doc_heading(d, sec, 2), "Security-relevant findings "
            "\xe2\x80\x94 do not paste publicly");
  doc_wordsf(d, classed_para(d, sec, "disclosure", NULL),
             "%ld security-relevant finding%s (an answer that reached another "
             "client, or a request smuggled past a proxy). Report them "
             "privately \xe2\x80\x94 through GitHub private vulnerability "
             "reporting (the affected repository's Security tab, \"Report a "
             "vulnerability\") or the contact in the project's security "
             "policy \xe2\x80\x94 not in a public issue. report.md leaves "
             "them out; security.md holds the same details.",
             m->security_count, m->security_count == 1 ? "" : "s");
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++)
      if (model_cell(m, t, s)->security)
        page_cell(d, sec, m, t, s);
}

void build_cells_page(doc *d, const r_model *m, const build_opts *op) {
  if (op->private_)
    page_security(d, m);
  else {
    doc_node *sec = doc_add(d, NULL, DOC_SECTION);
    doc_set_id(d, sec, "security");
    doc_set_cls(d, sec, "security none");
    public_security_note(d, sec, m);
  }
  doc_node *h = doc_heading(d, NULL, 2);
  doc_set_id(d, h, "cells");
  doc_words(d, h, "Cells");
  for (int t = 0; t < m->nt; t++)
    for (int s = 0; s < m->ns; s++)
      if (!model_cell(m, t, s)->security)
        page_cell(d, NULL, m, t, s);
}

/* ---- security.md ------------------------------------------------------- */

static void sec_target(doc *d, doc_node *parent, const r_target *t) {
  doc_node *p = doc_para(d, parent);
  doc_label(d, p, "Target:");
  doc_text(d, p, t->name, 80);
  if (t->version) {
    doc_words(d, p, " (");
    doc_text(d, p, t->version, 120);
    doc_words(d, p, ")");
  }
  doc_words(d, p, ", ");
  doc_text(d, p, t->url ? t->url : "-", 200);
  if (t->info && cJSON_GetArraySize(t->info) > 0) {
    out x;
    out_init(&x);
    esc_json_fields(&x, t->info, 200, "; ");
    doc_words(d, p, "; info: ");
    doc_text_out(d, p, &x, 2000);
    out_free(&x);
  }
}

static void sec_labelled_text(doc *d, doc_node *parent, const char *label,
                              const char *s, size_t cap) {
  doc_node *p = doc_para(d, parent);
  doc_label(d, p, label);
  doc_text(d, p, s, cap);
}

void build_cells_security(doc *d, doc_node *parent, const r_model *m, int t,
                          int s) {
  const r_cell *c = model_cell(m, t, s);
  cell_heading(d, parent, m, t, s, 2);
  sec_target(d, parent, &m->t[t]);
  doc_node *p = doc_para(d, parent);
  doc_label(d, p, "Scenario:");
  doc_text(d, p, m->s[s].id, 80);
  if (m->s[s].title) {
    doc_words(d, p, " \xe2\x80\x94 ");
    doc_text(d, p, m->s[s].title, 300);
  }
  sec_labelled_text(d, parent, "Tag:", c->tag ? c->tag : "-", 200);
  sec_labelled_text(d, parent, "Reason:",
                    c->reason ? c->reason : "(none given)", 2000);
  out x;
  out_init(&x);
  facts_answers(&x, c);
  doc_labelled(d, parent, "Answers:", &x, 2000);
  out_free(&x);
  out_init(&x);
  facts_calibration(&x, c);
  doc_labelled(d, parent, "Calibration:", &x, 1500);
  out_free(&x);
  cell_repro(d, parent, m, t, s, REPRO_SEC, 0, "report.html has it");
  transcript_details(d, parent, c, TX_SEC, "Client-side transcript");
  out_init(&x);
  facts_backend_log(&x, c, LOG_SEC);
  doc_node *det = doc_add(d, parent, DOC_DETAILS);
  doc_wordsf(d, det, "Backend log (%d entries; strings in the escaped form)",
             cJSON_GetArraySize(c->backend_log));
  doc_code_out(d, det, &x, NULL, NULL);
  out_free(&x);
}
