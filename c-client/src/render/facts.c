/* render/facts.c - the sentences and excerpts every report shows, written
 * once as clean plain text (see esc_clean) for the builders to put into
 * the documents (build_*.c): the summary paragraph, the probe line, the answers of a cell
 * (with what came back after a 101), its transcript excerpt and the
 * backend's log. Server-sent strings are capped here. */
#include "facts.h"
#include "esc.h"
#include "jget.h"
#include "vinfo.h"

#include <stdlib.h>
#include <string.h>

/* ---- cell facts -------------------------------------------------------- */

void facts_after_101(out *o, const r_cell *c, const cJSON *e) {
  long req = jget_long(e, "request", -1);
  if (!c->sc || req < 0 || req >= c->sc->nreq || jget_long(e, "status", 0) != 101)
    return;
  const char *sent = c->sc->req[req].after_101;
  if (!sent)
    return;
  out_adds(o, "; after the 101 the probe sent `");
  esc_clean(o, sent, 200, ESC_ONE_LINE);
  out_adds(o, "` and read back `");
  esc_clean(o, jget_str(e, "body") ? jget_str(e, "body") : "", 200,
             ESC_ONE_LINE);
  out_adds(o, "`");
}

static void exchange_text(out *o, const r_cell *c, const cJSON *e) {
  long req = jget_long(e, "request", -1);
  const char *outcome = jget_str(e, "outcome");
  long status = jget_long(e, "status", 0);
  out_printf(o, "request %ld: ", req + 1);
  if (status > 0) {
    out_printf(o, "%ld", status);
    const char *phrase = jget_str(e, "reason_phrase");
    if (phrase && *phrase) {
      out_adds(o, " ");
      esc_clean(o, phrase, 60, ESC_ONE_LINE);
    }
    out_adds(o, " (");
    const char *ver = jget_str(e, "http_version");
    if (ver) {
      out_adds(o, "HTTP/");
      esc_clean(o, ver, 8, ESC_ONE_LINE);
      out_adds(o, ", ");
    }
    out_printf(o, "%ld-byte body", jget_long(e, "body_len", 0));
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "conn_close")))
      out_adds(o, ", Connection: close");
    out_adds(o, ")");
    if (outcome && strcmp(outcome, "answered") != 0) {
      out_adds(o, ", then ");
      esc_clean(o, outcome, 20, ESC_ONE_LINE);
    }
    facts_after_101(o, c, e);
  } else {
    esc_clean(o, outcome ? outcome : "no answer", 20, ESC_ONE_LINE);
  }
  const char *detail = jget_str(e, "detail");
  if (detail && *detail) {
    out_adds(o, " (");
    esc_clean(o, detail, 160, ESC_ONE_LINE);
    out_adds(o, ")");
  }
}

void facts_answers(out *o, const r_cell *c) {
  const cJSON *e;
  int i = 0, n = cJSON_GetArraySize(c->exchanges);
  cJSON_ArrayForEach(e, c->exchanges) {
    if (i == 16) {                   /* scenarios have at most 16 requests */
      out_printf(o, "; \xe2\x80\xa6 %d more", n - i);
      break;
    }
    if (i++)
      out_adds(o, "; ");
    exchange_text(o, c, e);
  }
  if (i == 0)
    out_adds(o, "no answers recorded");
}

void facts_loss(out *o, const r_cell *c) {
  out_printf(o, "%ld bytes of the following request were consumed by the "
                "server", c->lost_bytes);
  if (c->loss_evidence) {
    out_adds(o, " (");
    esc_clean(o, c->loss_evidence, 300, ESC_ONE_LINE);
    out_adds(o, ")");
  }
}

/* Consecutive reads (or writes) of one connection are one message to a
 * reader: the curl engine, for one, records a response line by line. */
static int continues(const cJSON *prev, const cJSON *ev) {
  const char *d1 = jget_str(prev, "dir"), *d2 = jget_str(ev, "dir");
  const char *c1 = jget_str(prev, "conn"), *c2 = jget_str(ev, "conn");
  return d1 && d2 && c1 && c2 && strcmp(d1, "note") != 0 &&
         strcmp(d1, d2) == 0 && strcmp(c1, c2) == 0 &&
         jget_long(ev, "offset", -1) ==
             jget_long(prev, "offset", 0) + jget_long(prev, "len", 0);
}

static int count_groups(const cJSON *events) {
  int n = 0;
  const cJSON *prev = NULL, *ev;
  cJSON_ArrayForEach(ev, events) {
    n += !prev || !continues(prev, ev);
    prev = ev;
  }
  return n;
}

static void note_line(out *o, const cJSON *ev, size_t cap) {
  out_adds(o, " #  ");
  esc_clean(o, jget_str(ev, "conn"), 16, ESC_ONE_LINE);
  out_printf(o, " +%ld ms: ", jget_long(ev, "t_ms", 0));
  esc_clean(o, jget_str(ev, "text"), cap < 300 ? cap : 300, ESC_ONE_LINE);
  out_adds(o, "\n");
}

/* Shows the bytes of ev and the events continuing it; returns the last. */
static const cJSON *bytes_group(out *o, const cJSON *ev, size_t cap) {
  const char *dir = jget_str(ev, "dir");
  const cJSON *last = ev;
  long len = jget_long(ev, "len", 0);
  while (last->next && continues(last, last->next)) {
    last = last->next;
    len += jget_long(last, "len", 0);
  }
  out_printf(o, "%s ", strcmp(dir, "out") == 0 ? "-->" : "<--");
  esc_clean(o, jget_str(ev, "conn"), 16, ESC_ONE_LINE);
  out_printf(o, " +%ld ms, %ld bytes at offset %ld\n", jget_long(ev, "t_ms", 0),
             len, jget_long(ev, "offset", 0));
  /* Keep at most cap raw bytes (each shows as at least one character). */
  buf raw;
  buf_init(&raw, cap);
  size_t extra = 0;
  for (const cJSON *e = ev;; e = e->next) {
    buf piece;
    esc_decode(&piece, jget_str(e, "data"));
    size_t room = raw.max - raw.len, take = piece.len < room ? piece.len : room;
    buf_add(&raw, piece.data ? piece.data : "", take);
    extra += piece.len - take;
    buf_free(&piece);
    if (e == last)
      break;
  }
  esc_bytes(o, raw.data ? raw.data : "", raw.len, cap, extra);
  buf_free(&raw);
  if (o->b.len && o->b.data[o->b.len - 1] != '\n')
    out_adds(o, "\n");
  return last;
}

void facts_transcript(out *o, const r_cell *c, size_t budget,
                     size_t per_event) {
  size_t start = o->b.len;
  int n = count_groups(c->events), i = 0;
  for (const cJSON *ev = c->events ? c->events->child : NULL; ev;
       ev = ev->next, i++) {
    size_t used = o->b.len - start;
    if (used >= budget) {
      out_printf(o, "\xe2\x80\xa6 [%d more events cut]\n", n - i);
      break;
    }
    /* per_event 0: a fair share of what is left, so one huge event cannot
     * crowd out the answers after it */
    size_t left = budget - used;
    size_t cap = per_event ? per_event : left / (size_t)(n - i);
    if (cap < 120)
      cap = 120;
    if (cap > left)
      cap = left;
    const char *dir = jget_str(ev, "dir");
    if (!dir || strcmp(dir, "note") == 0)
      note_line(o, ev, cap);
    else
      ev = bytes_group(o, ev, cap);
  }
  if (n == 0)
    out_adds(o, "(no transcript recorded)\n");
  if (c->truncated)
    out_adds(o, "[the probe's own transcript cap cut this transcript]\n");
}

void facts_calibration(out *o, const r_cell *c) {
  const cJSON *cal = c->calibration;
  long req = jget_long(cal, "request", -1), into = jget_long(cal, "into", -1);
  long len = jget_long(cal, "head_len", -1);
  const char *source = jget_str(cal, "source");
  if (!cal) {
    out_adds(o, "none");
  } else if (req < 0 || into < 0 || len < 0 || !source) {
    esc_json_fields(o, cal, 200, "; ");
  } else {
    out_printf(o, "request %ld's head is %ld bytes as the server parses it "
                  "(source ", req + 1, len);
    esc_clean(o, source, 40, ESC_ONE_LINE);
    out_printf(o, "); request %ld's body was sized to that", into + 1);
  }
}

void facts_calibrate(out *o, const cJSON *cal) {
  long req = jget_long(cal, "request", -1), into = jget_long(cal, "into", -1);
  if (req < 0 || into < 0) {
    esc_json_fields(o, cal, 200, ", ");
    return;
  }
  out_printf(o, "request %ld's body is sized to request %ld's head as the "
                "server parses it (measured per cell)", into + 1, req + 1);
}

void facts_embedded(out *o, const cJSON *emb) {
  const cJSON *e;
  int i = 0;
  if (!cJSON_IsArray(emb)) {
    esc_json_fields(o, emb, 200, ", ");
    return;
  }
  cJSON_ArrayForEach(e, emb) {
    if (i == 8) {
      out_adds(o, "; \xe2\x80\xa6");
      break;
    }
    out_adds(o, i++ ? "; " : "");
    if (!jget_str(e, "method") || !jget_str(e, "path")) {
      esc_json_fields(o, e, 200, ", ");
      continue;
    }
    esc_clean(o, jget_str(e, "method"), 40, ESC_ONE_LINE);
    out_adds(o, " ");
    esc_clean(o, jget_str(e, "path"), 200, ESC_ONE_LINE);
    if (jget_str(e, "marker")) {
      out_adds(o, " (its answer carries `");
      esc_clean(o, jget_str(e, "marker"), 100, ESC_ONE_LINE);
      out_adds(o, "`)");
    }
  }
}

void facts_backend_log(out *o, const r_cell *c, size_t budget) {
  size_t start = o->b.len;
  int n = cJSON_GetArraySize(c->backend_log), i = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, c->backend_log) {
    if (o->b.len - start >= budget || i == 64) {
      out_printf(o, "\xe2\x80\xa6 [%d more entries cut]\n", n - i);
      return;
    }
    out_printf(o, "[%d] ", ++i);
    esc_json_fields(o, entry, 600, "  ");
    out_adds(o, "\n");
  }
  if (n == 0)
    out_adds(o, "(no backend log recorded)\n");
}

/* ---- summary ----------------------------------------------------------- */

static void target_mention(out *o, const r_model *m, int t, char *mentioned) {
  esc_clean(o, m->t[t].name, 80, ESC_ONE_LINE);
  if (!mentioned[t] && m->t[t].version) {
    out_adds(o, " (");
    esc_clean(o, m->t[t].version, 80, ESC_ONE_LINE);
    out_adds(o, ")");
  }
  mentioned[t] = 1;
}

/* "a", "a and b", "a, b and c" */
static void list_sep(out *o, int i, int n) {
  if (i > 0)
    out_adds(o, i == n - 1 ? " and " : ", ");
}

/* Failing cells of target t that fall into summary group vi. */
static int group_cells(const r_model *m, int t, const vinfo *vi,
                       int *idx) {
  int n = 0;
  for (int s = 0; s < m->ns; s++) {
    const r_cell *c = model_cell(m, t, s);
    if (c->state == CELL_FAIL && !c->security &&
        vinfo_lookup(c->verdict) == vi)
      idx[n++] = s;
  }
  return n;
}

static void group_sentence(out *o, const r_model *m, const vinfo *vi,
                           char *mentioned, int *idx) {
  int first = 1;
  for (int t = 0; t < m->nt; t++) {
    int n = group_cells(m, t, vi, idx);
    if (n == 0)
      continue;
    if (first)
      out_printf(o, "%s: ", vi->group);
    else
      out_adds(o, "; ");
    first = 0;
    target_mention(o, m, t, mentioned);
    out_adds(o, " on ");
    for (int k = 0; k < n; k++) {
      const r_cell *c = model_cell(m, t, idx[k]);
      list_sep(o, k, n);
      esc_clean(o, m->s[idx[k]].id, 80, ESC_ONE_LINE);
      if (c->lost_bytes > 0)
        out_printf(o, " (%ld bytes of the next request lost)", c->lost_bytes);
      if (strcmp(vi->cls, "other") == 0) {
        out_adds(o, " (");
        esc_clean(o, c->verdict, 40, ESC_ONE_LINE);
        out_adds(o, ")");
      }
    }
  }
  if (!first)
    out_adds(o, ". ");
}

static int target_failures(const r_model *m, int t, int *missing) {
  int fails = 0;
  *missing = 0;
  for (int s = 0; s < m->ns; s++) {
    cell_state st = model_cell(m, t, s)->state;
    fails += st == CELL_FAIL;
    *missing += model_cell(m, t, s)->json == NULL;
  }
  return fails;
}

static void correct_sentence(out *o, const r_model *m, char *mentioned) {
  int n = 0, k = 0, missing;
  for (int t = 0; t < m->nt; t++)
    n += target_failures(m, t, &missing) == 0 && missing == 0;
  if (n == 0)
    return;
  out_adds(o, "Correct on every scenario: ");
  for (int t = 0; t < m->nt; t++) {
    if (target_failures(m, t, &missing) != 0 || missing != 0)
      continue;
    list_sep(o, k++, n);
    target_mention(o, m, t, mentioned);
  }
  out_adds(o, ".");
}

static void trim_spaces(out *o) {
  while (o->b.len && o->b.data[o->b.len - 1] == ' ')
    o->b.data[--o->b.len] = '\0';
}

/* Counted, never described: their verdicts and targets stay out. */
static void security_sentence(out *o, const r_model *m, const char *where) {
  if (m->security_count <= 0)
    return;
  out_printf(o, "%ld security-relevant finding%s (an answer crossing to "
                "another client, a smuggled request) %s not described "
                "here: see %s. ",
             m->security_count, m->security_count == 1 ? "" : "s",
             m->security_count == 1 ? "is" : "are", where);
}

void facts_summary(out *o, const r_model *m, const char *security_where) {
  out_printf(o, "h2c-probe ran %d scenario%s against %d target%s", m->ns,
             m->ns == 1 ? "" : "s", m->nt, m->nt == 1 ? "" : "s");
  const char *started = jget_str(m->run, "started");
  if (started) {
    out_adds(o, " (run started ");
    esc_clean(o, started, 40, ESC_ONE_LINE);
    out_adds(o, ")");
  }
  out_adds(o, ". ");
  char *mentioned = calloc((size_t)m->nt + 1, 1);
  int *idx = calloc((size_t)m->ns + 1, sizeof *idx);
  if (!mentioned || !idx) {
    o->failed = 1;
  } else if (m->nfail == 0) {
    out_printf(o, "Every target answered every scenario%s as the scenario "
                  "accepts. ", m->nna ? " that applies to it" : "");
  } else {
    int bad = 0, missing;
    for (int t = 0; t < m->nt; t++)
      bad += target_failures(m, t, &missing) > 0;
    out_printf(o, "%d of %d targets answered at least one scenario in a way "
                  "the scenario does not accept. ", bad, m->nt);
    for (int v = 0; vinfo_at(v); v++)
      group_sentence(o, m, vinfo_at(v), mentioned, idx);
    group_sentence(o, m, vinfo_lookup(NULL), mentioned, idx);
  }
  security_sentence(o, m, security_where);
  if (mentioned && idx)
    correct_sentence(o, m, mentioned);
  trim_spaces(o);
  if (m->nna)
    out_printf(o, " %d cell%s %s: the target lacks what the scenario needs "
                  "(neither a pass nor a failure).", m->nna,
               m->nna == 1 ? " is" : "s are", verdicts_name(V_NA));
  if (m->nmissing)
    out_printf(o, " %d cell%s of the matrix %s no result.", m->nmissing,
               m->nmissing == 1 ? "" : "s", m->nmissing == 1 ? "has" : "have");
  free(mentioned);
  free(idx);
}

void facts_probe(out *o, const r_model *m) {
  static const char *const libs[] = {"libcurl", "nghttp2", "cjson"};
  esc_clean(o, jget_str(m->tool, "name") ? jget_str(m->tool, "name")
                                          : "h2c-probe", 40, ESC_ONE_LINE);
  if (jget_str(m->tool, "version")) {
    out_adds(o, " ");
    esc_clean(o, jget_str(m->tool, "version"), 40, ESC_ONE_LINE);
  }
  int k = 0;
  for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
    const char *v = jget_str(m->tool, libs[i]);
    if (!v)
      continue;
    out_printf(o, "%s%s ", k++ ? ", " : " (", libs[i]);
    esc_clean(o, v, 40, ESC_ONE_LINE);
  }
  if (k)
    out_adds(o, ")");
  static const char *const times[] = {"started", "finished"};
  for (size_t i = 0; i < 2; i++) {
    const char *v = jget_str(m->run, times[i]);
    if (!v)
      continue;
    out_printf(o, "; %s ", times[i]);
    esc_clean(o, v, 40, ESC_ONE_LINE);
  }
  long d = jget_long(m->run, "duration_ms", -1);
  long to = jget_long(m->run, "timeout_ms", -1);
  long jobs = jget_long(m->run, "jobs", -1);
  if (d >= 0)
    out_printf(o, "; took %ld ms", d);
  if (to >= 0)
    out_printf(o, "; timeout %ld ms per answer", to);
  if (jobs > 0)
    out_printf(o, "; %ld parallel jobs", jobs);
  if (jget_str(m->run, "host")) {
    out_adds(o, "; probe host ");
    esc_clean(o, jget_str(m->run, "host"), 60, ESC_ONE_LINE);
  }
}
