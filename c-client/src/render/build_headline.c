/* render/build_headline.c - "The finding": the block report.md and
 * report.html open with, so that the first screen says what breaks.
 *
 * Everything comes from results.json: the subject is every target whose
 * info.roles holds "subject" (the lab's gevent images with the raw-input
 * branch; the matrix lists them first, newest first); the lead cell is the
 * newest subject's first failure that curl can reproduce; the versions are
 * the subject's family as measured (targets with the role "fix" or a patch
 * apart); history and the upstream issue are the targets' own
 * info.upstream_note and info.upstream_issue; the trigger conditions are
 * the Connection and Upgrade headers of every scenario that sends them,
 * with the newest subject's verdict. No fact about any server is written
 * here. The block stays short (about 1,500 characters before its table). */
#include "build_headline.h"
#include "debver.h"
#include "esc.h"
#include "jget.h"
#include "repro.h"
#include "vinfo.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TITLE_CAP 160
#define NOTE_CAP 600
#define LIST_MAX 6               /* versions named per sentence */

/* "name (version)" as data spans; the version without its first word when
 * that is the target's info.software ("python3-gevent 22.10.2-3" of
 * python3-gevent: "22.10.2-3"), to keep the block short. */
static void target_words(doc *d, doc_node *p, const r_target *t) {
  doc_text(d, p, t->name, 80);
  if (!t->version)
    return;
  const char *v = t->version;
  size_t n = t->software ? strlen(t->software) : 0;
  if (n && strncmp(v, t->software, n) == 0 && v[n] == ' ' && v[n + 1])
    v += n + 1;
  doc_words(d, p, " (");
  doc_text(d, p, v, 80);
  doc_words(d, p, ")");
}

static int fails(const r_model *m, int t) {
  for (int s = 0; s < m->ns; s++)
    if (model_cell(m, t, s)->state == CELL_FAIL)
      return 1;
  return 0;
}

/* The newest subject that fails a scenario (targets are in matrix order:
 * subjects first, newest first); -1 when none does. */
static int lead_target(const r_model *m) {
  for (int t = 0; t < m->nt; t++)
    if (m->t[t].subject && fails(m, t))
      return t;
  return -1;
}

/* Of the finding's scenarios (trig), the failure with the shortest curl
 * reproducer among those whose lost bytes were measured, else the shortest
 * curl one, else the first failure. */
static int lead_scenario(const r_model *m, int t, const char *trig) {
  int first = -1, best = -1, best_lost = 0;
  size_t best_len = 0;
  for (int s = 0; s < m->ns; s++) {
    const r_cell *c = model_cell(m, t, s);
    if (c->state != CELL_FAIL || !trig[s])
      continue;
    if (first < 0)
      first = s;
    out r;
    out_init(&r);
    repro_kind k = repro_build(&r, m, t, s, c->upgraded);
    size_t len = r.b.len;
    out_free(&r);
    int lost = c->lost_bytes > 0;
    if (k == REPRO_CURL &&
        (best < 0 || lost > best_lost || (lost == best_lost && len < best_len))) {
      best = s;
      best_lost = lost;
      best_len = len;
    }
  }
  return best >= 0 ? best : first;
}

static void what_breaks(doc *d, doc_node *sec, const r_model *m, int t,
                        int s) {
  const r_cell *c = model_cell(m, t, s);
  doc_node *p = doc_para(d, sec);
  doc_label(d, p, "What breaks:");
  target_words(d, p, &m->t[t]);
  doc_words(d, p, ", on \xe2\x80\x9c");
  doc_text(d, p, m->s[s].title ? m->s[s].title : m->s[s].id, TITLE_CAP);
  doc_words(d, p, "\xe2\x80\x9d (");
  doc_text(d, p, m->s[s].id, 80);
  doc_words(d, p, "): ");
  doc_text(d, p, vinfo_lookup(c->verdict)->meaning, 200);
  if (c->lost_bytes > 0)
    doc_wordsf(d, p, " (%ld bytes of the next request lost)", c->lost_bytes);
  doc_words(d, p, ".");
  for (int i = 0; i < m->nt; i++)
    if (m->t[i].upstream_issue) {
      doc_words(d, p, " Upstream issue: ");
      doc_text(d, p, m->t[i].upstream_issue, 200);
      break;
    }
}

static void reproducer(doc *d, doc_node *sec, const r_model *m, int t, int s) {
  out r;
  out_init(&r);
  repro_kind k = repro_build(&r, m, t, s, model_cell(m, t, s)->upgraded);
  doc_node *p = doc_para(d, sec);
  doc_label(d, p, "Reproduce");
  doc_wordsf(d, p, "(%s; put your server's address in place of the lab's):",
             k == REPRO_CURL ? "curl" : "exact bytes");
  doc_code_out(d, sec, &r, "sh", "repro");
  out_free(&r);
}

/* The lead target's family (its info.family; without one, itself). */
static int same_family(const r_target *a, const r_target *lead) {
  if (!lead->family)
    return a == lead;
  return a->family && strcmp(a->family, lead->family) == 0 &&
         a->group == MODEL_GROUP_SUBJECT;
}

/* 1 in sync on every scenario that fails on a subject, 0 out of sync on
 * one, -1 not known (a cell missing, n/a or not spoken). */
static int sync_state(const r_model *m, int t, const char *trig) {
  int known = 1;
  for (int s = 0; s < m->ns; s++) {
    if (!trig[s])
      continue;
    cell_state st = model_cell(m, t, s)->state;
    if (st == CELL_FAIL)
      return 0;
    known &= st == CELL_PASS;
  }
  return known ? 1 : -1;
}

/* The targets of the subject's group in one state: "a (v), b (v)". */
static int version_list(doc *d, doc_node *p, const r_model *m,
                        const char *trig, int lead, int patched, int state) {
  int n = 0;
  for (int t = 0; t < m->nt; t++) {
    const r_target *tg = &m->t[t];
    if (!same_family(tg, &m->t[lead]) ||
        (tg->fix || tg->patch) != patched || sync_state(m, t, trig) != state)
      continue;
    if (d && n < LIST_MAX) {
      doc_words(d, p, n ? ", " : "");
      target_words(d, p, tg);
    } else if (d && n == LIST_MAX) {
      doc_words(d, p, " \xe2\x80\xa6");
    }
    n++;
  }
  return n;
}

static const char *history_note(const r_model *m) {
  for (int t = 0; t < m->nt; t++)   /* the fix's note first, then any */
    if (m->t[t].fix && m->t[t].upstream_note)
      return m->t[t].upstream_note;
  for (int t = 0; t < m->nt; t++)
    if (m->t[t].group == MODEL_GROUP_SUBJECT && m->t[t].upstream_note)
      return m->t[t].upstream_note;
  return NULL;
}

/* "It came after A and by B; no version between them was measured." from
 * the unpatched targets of the subject's group in Debian's version order. */
static void window(doc *d, doc_node *p, const r_model *m, const char *trig,
                   int lead) {
  int *idx = calloc((size_t)m->nt + 1, sizeof *idx), n = 0;
  if (!idx) {
    d->failed = 1;
    return;
  }
  for (int t = 0; t < m->nt; t++)
    if (same_family(&m->t[t], &m->t[lead]) && !m->t[t].fix &&
        !m->t[t].patch && m->t[t].version && sync_state(m, t, trig) >= 0)
      idx[n++] = t;
  for (int i = 1; i < n; i++)        /* insertion sort, oldest first */
    for (int j = i; j > 0 && debver_cmp_labelled(m->t[idx[j - 1]].version,
                                                 m->t[idx[j]].version) > 0;
         j--) {
      int tmp = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = tmp;
    }
  for (int i = 1; i < n; i++)
    if (sync_state(m, idx[i - 1], trig) == 1 &&
        sync_state(m, idx[i], trig) == 0) {
      doc_words(d, p, " It came after ");
      doc_text(d, p, m->t[idx[i - 1]].name, 80);
      doc_words(d, p, " and by ");
      doc_text(d, p, m->t[idx[i]].name, 80);
      doc_words(d, p, "; no version between them was measured.");
      break;
    }
  free(idx);
}

static void versions(doc *d, doc_node *sec, const r_model *m,
                     const char *trig, int lead) {
  static const struct { int patched, state; const char *words; } kinds[] = {
      {0, 0, "out of sync: "}, {0, 1, "in sync: "},
      {1, 1, "with the proposed fix, in sync: "},
      {1, 0, "with the proposed fix, still out of sync: "}};
  doc_node *p = doc_para(d, sec);
  doc_label(d, p, "Versions, as measured:");
  int k = 0;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if (!version_list(NULL, p, m, trig, lead, kinds[i].patched,
                      kinds[i].state))
      continue;
    doc_words(d, p, k++ ? "; " : "");
    doc_words(d, p, kinds[i].words);
    version_list(d, p, m, trig, lead, kinds[i].patched, kinds[i].state);
  }
  doc_words(d, p, ".");
  window(d, p, m, trig, lead);
}

/* After the trigger table: the block's first screen stays short. */
static void history(doc *d, doc_node *sec, const r_model *m) {
  const char *note = history_note(m);
  if (!note)
    return;
  doc_node *p = doc_para(d, sec);
  doc_label(d, p, "History:");
  doc_text(d, p, note, NOTE_CAP);
}

/* "desync on a, b (13 bytes of the next request lost); hang on …":
 * the lead target's failures on the finding's scenarios, by verdict. */
static void effect(doc *d, doc_node *sec, const r_model *m, int t,
                   const char *trig) {
  doc_node *p = doc_para(d, sec);
  doc_label(d, p, "Effect");
  doc_words(d, p, "(on ");
  doc_text(d, p, m->t[t].name, 80);
  doc_words(d, p, "): ");
  int groups = 0;
  for (int v = -1; v < 0 || vinfo_at(v); v++) {
    const vinfo *vi = v < 0 ? vinfo_lookup(NULL) : vinfo_at(v);
    int k = 0;
    for (int s = 0; s < m->ns; s++) {
      const r_cell *c = model_cell(m, t, s);
      if (c->state != CELL_FAIL || !trig[s] || vinfo_lookup(c->verdict) != vi)
        continue;
      if (k++ == 0) {
        doc_words(d, p, groups++ ? "; " : "");
        doc_text(d, p, c->verdict, 30);
        doc_words(d, p, " on ");
      } else {
        doc_words(d, p, ", ");
      }
      doc_text(d, p, m->s[s].id, 80);
      if (c->lost_bytes > 0)
        doc_wordsf(d, p, " (%ld bytes of the next request lost)",
                   c->lost_bytes);
    }
  }
  doc_words(d, p, ". The verdicts are explained under the matrix.");
}

/* ---- trigger conditions ------------------------------------------------ */

static int is_trigger_header(const char *name) {
  return name && (strcasecmp(name, "Connection") == 0 ||
                  strcasecmp(name, "Upgrade") == 0);
}

/* The first request that sends Connection or Upgrade; -1 when none. */
static int trigger_request(const r_scenario *s) {
  for (int r = 0; r < s->nreq; r++) {
    const cJSON *h;
    cJSON_ArrayForEach(h, s->req[r].headers) {
      const cJSON *n = cJSON_GetArrayItem(h, 0);
      if (cJSON_IsString(n) && is_trigger_header(n->valuestring))
        return r;
    }
  }
  return -1;
}

/* "POST, Connection: Upgrade, Upgrade: h2c, 13-byte body" as clean text. */
static void request_form(out *o, const r_req *r) {
  esc_clean(o, r->method, 20, ESC_ONE_LINE);
  const cJSON *h;
  cJSON_ArrayForEach(h, r->headers) {
    const cJSON *n = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
    if (!cJSON_IsString(n) || !cJSON_IsString(v) ||
        !is_trigger_header(n->valuestring))
      continue;
    out_adds(o, ", ");
    esc_clean(o, n->valuestring, 40, ESC_ONE_LINE);
    out_adds(o, ": ");
    esc_clean(o, v->valuestring, 80, ESC_ONE_LINE);
  }
  if (r->chunks) {
    out_adds(o, ", chunked body");
  } else if (r->body) {
    buf b;
    esc_decode(&b, r->body);
    out_printf(o, ", %zu-byte body", b.len);
    buf_free(&b);
  } else {
    out_adds(o, ", no body");
  }
}

/* Scenario s's trigger row key: its form, and the lead's verdict. */
static void row_key(out *o, const r_model *m, int t, int s) {
  request_form(o, &m->s[s].req[trigger_request(&m->s[s])]);
  out_adds(o, "\n");
  esc_clean(o, model_cell(m, t, s)->verdict, 30, ESC_ONE_LINE);
}

static int same_row(const r_model *m, int t, int a, int b) {
  out x, y;
  out_init(&x);
  out_init(&y);
  row_key(&x, m, t, a);
  row_key(&y, m, t, b);
  int same = !x.failed && !y.failed && x.b.len == y.b.len &&
             memcmp(x.b.data, y.b.data, x.b.len) == 0;
  out_free(&x);
  out_free(&y);
  return same;
}

static int trigger_candidate(const r_model *m, int t, int s, int pass) {
  return trigger_request(&m->s[s]) >= 0 &&
         model_cell(m, t, s)->state == (pass ? CELL_PASS : CELL_FAIL);
}

/* One row per request form and verdict: the scenarios that send that form
 * (k is the first of them; those before it with the same key are done). */
static void trigger_row(doc *d, doc_node *table, const r_model *m, int t,
                        int k, int pass) {
  out key;
  out_init(&key);
  row_key(&key, m, t, k);
  doc_node *row = doc_add(d, table, DOC_ROW);
  doc_node *form = doc_add(d, row, DOC_CELL);
  doc_node *ids = doc_add(d, row, DOC_CELL);
  int n = 0;
  for (int s = k; s < m->ns; s++) {
    if (!trigger_candidate(m, t, s, pass) || !same_row(m, t, k, s))
      continue;
    doc_words(d, ids, n++ ? ", " : "");
    doc_text(d, ids, m->s[s].id, 80);
  }
  const char *nl = key.b.data ? strchr(key.b.data, '\n') : NULL;
  if (nl) {
    out f;
    out_init(&f);
    out_add(&f, key.b.data, (size_t)(nl - key.b.data));
    doc_span_add(d, form, DOC_CODE, f.b.data ? f.b.data : "", DOC_NOCAP, NULL);
    out_free(&f);
    doc_span_add(d, doc_add(d, row, DOC_CELL), pass ? DOC_TEXT : DOC_STRONG,
                 pass ? "no" : "yes", DOC_OWN, NULL);
    doc_text(d, doc_add(d, row, DOC_CELL), nl + 1, 30);
  }
  d->failed |= key.failed;
  out_free(&key);
}

/* Whether an earlier candidate has the key of scenario k (its row is done). */
static int row_done(const r_model *m, int t, int k, int pass) {
  for (int s = 0; s < k; s++)
    if (trigger_candidate(m, t, s, pass) && same_row(m, t, s, k))
      return 1;
  return 0;
}

/* The scenarios sending Connection or Upgrade that the newest subject
 * answered (pass or fail), one row per request form and verdict: the
 * triggering ones first. */
static void triggers(doc *d, doc_node *sec, const r_model *m, int t) {
  doc_node *p = doc_para(d, sec);
  doc_label(d, p, "Trigger conditions");
  doc_words(d, p, "(on ");
  doc_text(d, p, m->t[t].name, 80);
  doc_words(d, p, "; each scenario's first request with Connection or "
                  "Upgrade):");
  doc_node *table = doc_add(d, sec, DOC_TABLE);
  doc_set_id(d, table, "triggers");
  doc_node *head = doc_add(d, table, DOC_ROW);
  static const char *const cols[] = {"Request", "Scenarios", "Triggers it",
                                     "Verdict"};
  for (int i = 0; i < 4; i++) {
    doc_node *c = doc_add(d, head, DOC_CELL);
    c->level = 1;
    doc_words(d, c, cols[i]);
  }
  for (int pass = 0; pass < 2; pass++)
    for (int s = 0; s < m->ns; s++)
      if (trigger_candidate(m, t, s, pass) && !row_done(m, t, s, pass))
        trigger_row(d, table, m, t, s, pass);
}

/* The scenarios the finding is about: those a subject fails and, when the
 * run has targets with the role "fix", that every one of them passes (what
 * the fix repairs); a scenario failing everywhere (a protocol no one here
 * speaks) is not the finding. */
static void finding_scenarios(const r_model *m, char *trig) {
  for (int s = 0; s < m->ns; s++) {
    int subject_fails = 0, fixes = 0, fixed = 1;
    for (int t = 0; t < m->nt; t++) {
      cell_state st = model_cell(m, t, s)->state;
      subject_fails |= m->t[t].subject && st == CELL_FAIL;
      fixes += m->t[t].fix;
      fixed &= !m->t[t].fix || st == CELL_PASS;
    }
    trig[s] = (char)(subject_fails && (!fixes || fixed));
  }
}

void build_headline(doc *d, const r_model *m, const build_opts *op) {
  (void)op;
  int subjects = 0;
  for (int t = 0; t < m->nt; t++)
    subjects += m->t[t].subject;
  if (!subjects)
    return;
  doc_node *sec = doc_add(d, NULL, DOC_SECTION);
  doc_set_id(d, sec, "finding");
  doc_set_cls(d, sec, "finding");
  doc_words(d, doc_heading(d, sec, 2), "The finding");
  int t = lead_target(m);
  if (t < 0) {
    doc_wordsf(d, doc_para(d, sec), "No target with the role \"subject\" "
               "(%d in this run) failed a scenario.", subjects);
    return;
  }
  char *trig = calloc((size_t)m->ns + 1, 1);
  if (!trig) {
    d->failed = 1;
    return;
  }
  finding_scenarios(m, trig);
  int s = lead_scenario(m, t, trig);
  what_breaks(d, sec, m, t, s);
  reproducer(d, sec, m, t, s);
  versions(d, sec, m, trig, t);
  effect(d, sec, m, t, trig);
  doc_node *cols = doc_add(d, sec, DOC_BOX);   /* side by side on a page */
  doc_set_cls(d, cols, "finding-cols");
  triggers(d, doc_add(d, cols, DOC_BOX), m, t);
  history(d, doc_add(d, cols, DOC_BOX), m);
  free(trig);
}
