/* render/build_blast.c - "Blast radius": how much damage one attacker does
 * to a busy site, from results.json's load section (h2c-probe load). One row
 * per load run: the proxy configuration and the backend behind it, the
 * victims' request rate and latency, their requests by class, and how many
 * of them failed or were crossed after an attacker request. A backend whose
 * target is no subject of the report (its info.roles: the fixed gevent,
 * waitress) is marked a control: zero affected requests expected. Only the
 * private reports show it (m->load is NULL in the public model). */
#include "build_blast.h"
#include "jget.h"

#include <stdio.h>
#include <string.h>

static const cJSON *classes(const cJSON *o, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

static long affected(const cJSON *c) {
  /* load classes (docs/formats.md, the load section), not verdicts: */
  return jget_long(c, "error" /* not the verdict */, 0) + jget_long(c, "crossed", 0) +
         jget_long(c, "no_answer", 0);
}

/* "control" when the backend's target is no subject of the report,
 * "subject" when it is one (the run's backend_subject, from the targets
 * file, else the target in results.json); "" when neither says. */
static const char *role_of(const r_model *m, const cJSON *run, const char *backend) {
  const cJSON *subject = cJSON_GetObjectItemCaseSensitive(run, "backend_subject");
  if (cJSON_IsBool(subject))
    return cJSON_IsTrue(subject) ? "subject" : "control";
  for (int t = 0; backend && t < m->nt; t++)
    if (strcmp(m->t[t].name, backend) == 0)
      return m->t[t].subject ? "subject" : "control";
  return "";
}

static void text_cell(doc *d, doc_node *row, const char *s, int strong) {
  doc_span_add(d, doc_add(d, row, DOC_CELL), strong ? DOC_STRONG : DOC_TEXT, s ? s : "-", 80,
               NULL);
}

/* A cell of n numbers joined by " / ", with `decimals` decimals; strong: a finding. */
static void nums_cell(doc *d, doc_node *row, int strong, int decimals, int n, double a,
                      double b, double c) {
  char text[128];
  const double v[3] = {a, b, c};
  size_t len = 0;
  for (int i = 0; i < n && len < sizeof text; i++)
    len += (size_t)snprintf(text + len, sizeof text - len, "%s%.*f", i ? " / " : "", decimals,
                            v[i]);
  text_cell(d, row, text, strong);
}

static void blast_row(doc *d, doc_node *table, const r_model *m, const cJSON *run) {
  const char *backend = jget_str(run, "backend"), *role = role_of(m, run, backend);
  const cJSON *cl = classes(run, "classes"), *lat = classes(run, "latency_ms");
  const cJSON *att = classes(run, "attacks");
  long after = affected(classes(att, "after"));
  doc_node *row = doc_add(d, table, DOC_ROW);
  text_cell(d, row, jget_str(run, "proxy") ? jget_str(run, "proxy") : jget_str(run, "target"), 0);
  text_cell(d, row, backend, 0);
  text_cell(d, row, *role ? role : "-", 0);
  nums_cell(d, row, 0, 0, 1, jget_num(run, "requests_per_s", 0), 0, 0);
  nums_cell(d, row, 0, 1, 3, jget_num(lat, "p50", 0), jget_num(lat, "p99", 0),
        jget_num(lat, "max", 0));
  nums_cell(d, row, 0, 0, 1, jget_num(run, "sent", 0), 0, 0);
  nums_cell(d, row, 0, 0, 1, jget_num(cl, "ok", 0), 0, 0);
  nums_cell(d, row, jget_num(cl, "crossed", 0) > 0, 0, 3,
            jget_num(cl, "error" /* not the verdict */, 0), jget_num(cl, "crossed", 0),
            jget_num(cl, "no_answer", 0));
  nums_cell(d, row, 0, 0, 1, jget_num(cl, "closed" /* not the verdict */, 0), 0, 0);
  nums_cell(d, row, 0, 0, 1, jget_num(att, "sent", 0), 0, 0);
  nums_cell(d, row, after > 0, 0, 1, (double)after, 0, 0);
  nums_cell(d, row, 0, 0, 1, jget_num(att, "max_affected", 0), 0, 0);
}

void build_blast(doc *d, const r_model *m) {
  const cJSON *runs = m->load ? jget_arr(m->load, "runs") : NULL;
  if (!runs || !runs->child)
    return;
  const cJSON *op = cJSON_GetObjectItemCaseSensitive(m->load, "options");
  const cJSON *trig = cJSON_GetObjectItemCaseSensitive(op, "trigger");
  doc_words(d, doc_heading(d, NULL, 2), "Blast radius");
  doc_wordsf(d, doc_para(d, NULL),
             "h2c-probe load: %ld victim connections send keep-alive POST /echo requests, "
             "each with a token of its own that the echo app returns, for %ld ms per row; "
             "%ld attacker connection(s) send request %ld of scenario %s, %.1f per second, "
             "from %ld ms on. Each victim request is classified from the bytes it got back: "
             "ok, error (an error status, a body that is nobody's), crossed (another "
             "client's token, or the attacker's answer: a confidentiality breach), no answer "
             "(within %ld ms, or closed in the middle of the answer), closed (the connection "
             "closed before any byte of the answer: the keep-alive race a client may retry, "
             "RFC 9112 \xc2\xa7" "9.3.1; not counted as damage). \"Affected after an attack\": "
             "victim requests sent after an attacker request that were error, crossed or no "
             "answer. A backend marked control is "
             "no subject of this report (the fixed gevent, waitress): zero affected expected.",
             jget_long(op, "victims", 0), jget_long(op, "duration_ms", 0),
             jget_long(op, "attackers", 0), jget_long(trig, "request", 0),
             jget_str(trig, "scenario") ? jget_str(trig, "scenario") : "(none)",
             jget_num(op, "attack_rate", 0), jget_long(op, "attack_delay_ms", 0),
             jget_long(op, "deadline_ms", 0));
  doc_node *table = doc_add(d, NULL, DOC_TABLE);
  doc_node *head = doc_add(d, table, DOC_ROW);
  static const char *const cols[] = {"Proxy configuration", "Backend", "Role", "Victim req/s",
                                     "Latency p50 / p99 / max (ms)", "Victim requests", "ok",
                                     "error / crossed / no answer",
                                     "closed (keep-alive race)", "Attacks",
                                     "Affected after an attack", "Worst attack"};
  for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
    doc_words(d, doc_add(d, head, DOC_CELL), cols[i]);
  for (const cJSON *run = runs->child; run; run = run->next)
    blast_row(d, table, m, run);
}
