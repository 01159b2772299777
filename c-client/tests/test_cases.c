/* test_cases.c - runs every tests/cases/NAME.json (tests/cases/README.md):
 * a scenario, a scripted loopback server and the expected verdict.
 *
 * Each case runs the way the probe runs one target x scenario cell:
 * runner_run_cell (skipped requests, calibration, the engine, the loss
 * measurement, the backend log, the verdict), against a script_server
 * playing the case's connections, with the target loaded from a targets
 * file by the real loader. So a case checks the engine and the verdict
 * together on real bytes, and adding one needs no C.
 *
 * Every case runs in a child process of its own (up to CASE_JOBS at once):
 * a case that hangs past CASE_DEADLINE_MS is killed and fails, a crash or a
 * sanitizer report fails that case, and the suite goes on. The last test
 * checks that every catalogue scenario (../scenarios) has a case with an
 * accepted verdict and one with a failing verdict. */
#include <dirent.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "escape.h"
#include "json_file.h"
#include "runner.h"
#include "script_server.h"
#include "transcript.h"

#define CASES_DIR "cases"
#define CATALOGUE_DIR "../scenarios"
#define CASE_MAX_FILE (1024u * 1024u)
#define CASE_MAX_CASES 512
#define CASE_MAX_STEPS 256
#define CASE_JOBS 4
#ifndef CASE_DEADLINE_MS
#define CASE_DEADLINE_MS 10000     /* a case still running then is killed */
#endif
#define CASE_TIMEOUT_MS 500        /* the probe's --timeout unless the case says */
#define CASE_LINE_MAX 4096
#define RUN_MS 1767225600000ULL    /* a fixed run start: the tag is known */
/* Reasons must never name the target (verdicts come from bytes, not names). */
#define TARGET_NAME "secret-target-name"

/* ---- failures ----------------------------------------------------------- */

/* What is wrong with one case, "; "-separated; empty when it passed. */
typedef struct case_msg { char text[CASE_LINE_MAX]; } case_msg;

static void wrong(case_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wrong(case_msg *m, const char *fmt, ...) {
  size_t n = strlen(m->text);
  if (n + 4 >= sizeof m->text)
    return;
  if (n)
    n += (size_t)snprintf(m->text + n, sizeof m->text - n, "; ");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->text + n, sizeof m->text - n, fmt, ap);
  va_end(ap);
}

static const cJSON *get(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Every member of obj is one of keys (a case file is as strict as a
 * scenario file: a misspelt expectation must not pass unchecked). */
static int known_keys(const cJSON *obj, const char *where, const char *const *keys,
                      case_msg *m) {
  int ok = 1;
  for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
    int found = 0;
    for (int k = 0; keys[k] && !found; k++)
      found = strcmp(it->string, keys[k]) == 0;
    if (!found) {
      wrong(m, "case file: %s%s: unknown field", where, it->string);
      ok = 0;
    }
  }
  return ok;
}

/* ---- text with placeholders ---------------------------------------------- */

/* The placeholders of a case file: the cell's tag, its calibration tag (k +
 * the tag's last 11 bytes), the target's host:port and the scripted
 * server's port. */
enum { VAR_CELL, VAR_CAL, VAR_AUTHORITY, VAR_PORT, VAR__COUNT };
static const char *const var_names[VAR__COUNT] = {"{cell}", "{cal}", "{authority}", "{port}"};
typedef struct case_vars { char v[VAR__COUNT][64]; } case_vars;

/* s with every placeholder replaced (caller frees). */
static char *subst(const char *s, const case_vars *vars) {
  buf b;
  buf_init(&b, 1u << 20);
  while (*s) {
    int k = 0;
    while (k < VAR__COUNT && strncmp(s, var_names[k], strlen(var_names[k])) != 0)
      k++;
    int rc = k < VAR__COUNT ? buf_adds(&b, vars->v[k]) : buf_add(&b, s, 1);
    s += k < VAR__COUNT ? strlen(var_names[k]) : 1;
    if (rc != BUF_OK)
      break;
  }
  return b.data ? buf_steal(&b) : strdup("");
}

/* Escaped bytes (placeholders replaced) into out; -1 on a bad escape. */
static int bytes_of(const char *escaped, const case_vars *vars, buf *out) {
  char *s = subst(escaped, vars);
  const char *msg = NULL;
  int rc = s ? escape_decode(out, s, &msg) : -1;
  free(s);
  return rc;
}

/* ---- one case: the parts ------------------------------------------------- */

/* The suite's temporary directory: each case writes its files in a
 * directory of its own under it; the suite removes it all at the end, also
 * what a killed case left. */
static char suite_dir[64];

typedef struct case_run {
  const char *name;
  char dir[256];              /* temporary: targets file, inline scenario */
  cJSON *root;
  scenario sc;
  int have_sc;
  target *targets;
  int ntargets;
  ss_step steps[CASE_MAX_STEPS + 1];
  buf data[CASE_MAX_STEPS];   /* the steps' bytes */
  int nsteps;
  script_server srv;
  int have_srv;
  int timeout_ms, refuse;
  case_vars vars;
  cell c;
  int have_cell;
} case_run;

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  int ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* "scenario": a catalogue id, or a scenario object (written to a file named
 * after its id and loaded like any scenario file). */
static int load_scenario(case_run *r, case_msg *m) {
  const cJSON *v = get(r->root, "scenario");
  char path[512], err[512];
  if (cJSON_IsString(v)) {
    snprintf(path, sizeof path, "%s/%s.json", CATALOGUE_DIR, v->valuestring);
  } else if (cJSON_IsObject(v)) {
    const cJSON *id = get(v, "id");
    char *text = cJSON_Print(v);
    snprintf(path, sizeof path, "%s/%s.json", r->dir,
             cJSON_IsString(id) ? id->valuestring : "inline");
    int rc = text ? write_text(path, text) : -1;
    free(text);
    if (rc != 0) {
      wrong(m, "cannot write %s", path);
      return -1;
    }
  } else {
    wrong(m, "case file: scenario: expected a catalogue id or a scenario object");
    return -1;
  }
  if (scenario_load_file(path, &r->sc, err, sizeof err) != 0) {
    wrong(m, "scenario: %s", err);
    return -1;
  }
  r->have_sc = 1;
  return 0;
}

/* One step: "close", "reset", "wait_eof", "echo", or {"read_until": bytes},
 * {"read_n": n}, {"write": bytes}, {"sleep": ms}. */
static int add_step(case_run *r, const cJSON *st, int conn, int k, case_msg *m) {
  if (r->nsteps >= CASE_MAX_STEPS) {
    wrong(m, "case file: server: more than %d steps", CASE_MAX_STEPS);
    return -1;
  }
  ss_step *s = &r->steps[r->nsteps];
  buf *b = &r->data[r->nsteps++];
  buf_init(b, 1u << 20);
  if (cJSON_IsString(st)) {
    const char *w = st->valuestring;
    s->kind = strcmp(w, "close") == 0 ? SS_CLOSE : strcmp(w, "reset") == 0 ? SS_RESET
              : strcmp(w, "wait_eof") == 0 ? SS_WAIT_EOF : strcmp(w, "echo") == 0 ? SS_ECHO
              : SS_END;
    if (s->kind != SS_END)
      return 0;
  } else if (cJSON_IsObject(st) && st->child && !st->child->next) {
    const cJSON *v = st->child;
    const char *key = v->string;
    if (cJSON_IsString(v) && (strcmp(key, "read_until") == 0 || strcmp(key, "write") == 0)) {
      s->kind = key[0] == 'r' ? SS_READ_UNTIL : SS_WRITE;
      if (bytes_of(v->valuestring, &r->vars, b) != 0) {
        wrong(m, "case file: server[%d][%d].%s: bad escape", conn, k, key);
        return -1;
      }
      s->s = b->data ? b->data : "";
      s->n = b->len;
      return 0;
    }
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 100000 &&
        (strcmp(key, "read_n") == 0 || strcmp(key, "sleep") == 0)) {
      s->kind = key[1] == 'e' ? SS_READ_N : SS_SLEEP;
      s->n = (size_t)v->valuedouble;
      return 0;
    }
  }
  wrong(m, "case file: server[%d][%d]: expected \"close\", \"reset\", \"wait_eof\", "
        "\"echo\" or one "
        "of {\"read_until\": bytes}, {\"read_n\": n}, {\"write\": bytes}, {\"sleep\": ms}",
        conn, k);
  return -1;
}

/* "server": one list of steps per connection, in the order the probe
 * opens them; each begins with the accept. */
static int build_script(case_run *r, case_msg *m) {
  const cJSON *srv = get(r->root, "server");
  if (!cJSON_IsArray(srv)) {
    wrong(m, "case file: server: expected a list of connections (lists of steps)");
    return -1;
  }
  int conn = 0;
  for (const cJSON *c = srv->child; c; c = c->next, conn++) {
    if (!cJSON_IsArray(c) || r->nsteps >= CASE_MAX_STEPS) {
      wrong(m, "case file: server[%d]: expected a list of steps", conn);
      return -1;
    }
    r->steps[r->nsteps].kind = SS_ACCEPT;
    buf_init(&r->data[r->nsteps++], 0);
    int k = 0;
    for (const cJSON *st = c->child; st; st = st->next, k++)
      if (add_step(r, st, conn, k, m) != 0)
        return -1;
  }
  r->steps[r->nsteps].kind = SS_END;
  return 0;
}

/* "target": {"timeout_ms", "refuse", "info"}. */
static int target_settings(case_run *r, case_msg *m) {
  static const char *const keys[] = {"timeout_ms", "refuse", "info", NULL};
  const cJSON *t = get(r->root, "target"), *to = get(t, "timeout_ms");
  if (t && (!cJSON_IsObject(t) || !known_keys(t, "target.", keys, m)))
    return -1;
  if (to && (!cJSON_IsNumber(to) || to->valueint < 1)) {
    wrong(m, "case file: target.timeout_ms: expected a number of milliseconds");
    return -1;
  }
  r->timeout_ms = to ? to->valueint : CASE_TIMEOUT_MS;
  r->refuse = cJSON_IsTrue(get(t, "refuse"));
  return 0;
}

/* The target, written to a targets file (its info with placeholders
 * replaced) and loaded by the real loader. */
static int load_target(case_run *r, case_msg *m) {
  const cJSON *info = get(get(r->root, "target"), "info");
  char *itext = info ? cJSON_PrintUnformatted(info) : NULL;
  char *sinfo = subst(itext ? itext : "{}", &r->vars);
  char path[512], err[512];
  buf doc;
  buf_init(&doc, 1u << 20);
  int rc = sinfo ? buf_printf(&doc, "{\"targets\":[{\"name\":\"%s\",\"url\":\"http://%s\","
                              "\"info\":%s}]}", TARGET_NAME, r->vars.v[VAR_AUTHORITY], sinfo)
                 : BUF_NOMEM;
  free(itext);
  free(sinfo);
  snprintf(path, sizeof path, "%s/targets.json", r->dir);
  if (rc != BUF_OK || write_text(path, doc.data) != 0) {
    buf_free(&doc);
    wrong(m, "cannot write %s", path);
    return -1;
  }
  buf_free(&doc);
  if (target_load_file(path, &r->targets, &r->ntargets, err, sizeof err) != 0) {
    wrong(m, "target: %s", err);
    return -1;
  }
  return 0;
}

/* The placeholders' values, once the server listens. */
static void set_vars(case_run *r) {
  int port = r->refuse ? script_server_dead_port() : r->srv.port;
  case_vars *v = &r->vars;
  cell_make_tag(v->v[VAR_CELL], 'c', RUN_MS, 0);
  cell_make_tag(v->v[VAR_CAL], 'k', RUN_MS, 0);
  snprintf(v->v[VAR_AUTHORITY], sizeof v->v[VAR_AUTHORITY], "127.0.0.1:%d", port);
  snprintf(v->v[VAR_PORT], sizeof v->v[VAR_PORT], "%d", r->srv.port);
}

/* ---- one case: the expectations ------------------------------------------ */

static const char *body_text(const exchange *e) { return e->body.data ? e->body.data : ""; }

static int has_note(const cell *c, const char *text) {
  for (size_t i = 0; i < c->tx.count; i++)
    if (c->tx.events[i].dir == TX_NOTE && c->tx.events[i].data &&
        strstr(c->tx.events[i].data, text))
      return 1;
  return 0;
}

/* The reason is one line of valid UTF-8, short, and never names the target. */
static void check_reason_clean(const cell *c, case_msg *m) {
  const unsigned char *p = (const unsigned char *)c->reason;
  size_t n = strlen(c->reason);
  if (n == 0 || n >= 500)
    wrong(m, "reason is %zu bytes long (1-499 expected)", n);
  if (strstr(c->reason, TARGET_NAME))
    wrong(m, "reason names the target");
  while (*p) {
    int len = *p < 0x20 ? 0 : *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2
              : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
    for (int k = 1; k < len; k++)
      if ((p[k] & 0xc0) != 0x80)
        len = 0;
    if (len == 0) {
      wrong(m, "reason has a control byte or invalid UTF-8 at byte %zu",
            (size_t)(p - (const unsigned char *)c->reason));
      return;
    }
    p += len;
  }
}

static void check_bool(const cJSON *e, const char *key, int got, case_msg *m) {
  const cJSON *v = get(e, key);
  if (v && !cJSON_IsBool(v))
    wrong(m, "case file: %s: expected true or false", key);
  else if (v && cJSON_IsTrue(v) != !!got)
    wrong(m, "expected %s %s, got %s", key, cJSON_IsTrue(v) ? "true" : "false",
          got ? "true" : "false");
}

static void check_int(const cJSON *e, const char *key, long long got, case_msg *m) {
  const cJSON *v = get(e, key);
  if (v && !cJSON_IsNumber(v))
    wrong(m, "case file: %s: expected a number", key);
  else if (v && (long long)v->valuedouble != got)
    wrong(m, "expected %s %lld, got %lld", key, (long long)v->valuedouble, got);
}

/* A string expectation: exact or a fragment of what was seen. Bodies are
 * escaped bytes (docs/formats.md); reasons, details and notes are text,
 * matched as written ({cell} and {authority} replaced). */
enum { TEXT_FRAGMENT = 0, TEXT_EXACT = 1, TEXT_BYTES = 2 };

static void check_text(const cJSON *v, const char *what, const char *got, size_t got_len,
                       int how, const case_run *r, case_msg *m) {
  if (!v)
    return;
  buf want;
  buf_init(&want, 1u << 20);
  char *plain = cJSON_IsString(v) ? subst(v->valuestring, &r->vars) : NULL;
  int bad = !plain || ((how & TEXT_BYTES) ? bytes_of(v->valuestring, &r->vars, &want) != 0
                                          : buf_adds(&want, plain) != BUF_OK);
  if (bad) {
    wrong(m, "case file: %s: expected a string%s", what,
          (how & TEXT_BYTES) ? " of escaped bytes" : "");
  } else {
    int ok = (how & TEXT_EXACT) ? want.len == got_len &&
                                  (!want.len || !memcmp(want.data, got, got_len))
                                : !want.len || memmem(got, got_len, want.data, want.len);
    if (!ok) {
      buf seen;
      buf_init(&seen, 1u << 16);
      if ((how & TEXT_BYTES) ? escape_bytes(&seen, got, got_len > 400 ? 400 : got_len)
                             : buf_adds(&seen, got) != BUF_OK)
        buf_reset(&seen);
      wrong(m, "expected %s %s`%s`, got `%s`", what, (how & TEXT_EXACT) ? "" : "containing ",
            v->valuestring, seen.data ? seen.data : "");
      buf_free(&seen);
    }
  }
  free(plain);
  buf_free(&want);
}

static void check_exchange(const case_run *r, int i, const cJSON *e, case_msg *m) {
  static const char *const keys[] = {"outcome", "status", "reason_phrase", "body", "detail",
                                     "http_version", "conn_close", "new_connection", NULL};
  char where[48];
  snprintf(where, sizeof where, "expect.exchanges[%d].", i);
  if (cJSON_IsNull(e) || !known_keys(e, where, keys, m))
    return;
  const exchange *x = &r->c.ex[i];
  case_msg sub = {""};
  const cJSON *o = get(e, "outcome");
  if (o && (!cJSON_IsString(o) || strcmp(o->valuestring, exchange_outcome_name(x->outcome)) != 0))
    wrong(&sub, "expected outcome %s, got %s", cJSON_IsString(o) ? o->valuestring : "?",
          exchange_outcome_name(x->outcome));
  check_int(e, "status", x->status, &sub);
  check_bool(e, "conn_close", x->conn_close, &sub);
  check_bool(e, "new_connection", x->new_connection, &sub);
  check_text(get(e, "reason_phrase"), "reason_phrase",
             x->reason_phrase, strlen(x->reason_phrase), TEXT_EXACT, r, &sub);
  check_text(get(e, "body"), "body", body_text(x), x->body.len,
             TEXT_EXACT | TEXT_BYTES, r, &sub);
  check_text(get(e, "detail"), "detail", x->detail,
             strlen(x->detail), TEXT_FRAGMENT, r, &sub);
  check_text(get(e, "http_version"), "http_version",
             x->http_version, strlen(x->http_version), TEXT_EXACT, r, &sub);
  if (sub.text[0])
    wrong(m, "request %d: %s", i + 1, sub.text);
}

/* The lists of expect: notes, reason_lacks (text), received and
 * not_received (escaped bytes). */
typedef enum { LIST_NOTES, LIST_REASON_LACKS, LIST_RECEIVED, LIST_NOT_RECEIVED } list_kind;

static void check_one(list_kind kind, const char *want, const cJSON *v, const case_run *r,
                      case_msg *m) {
  if (kind == LIST_NOTES && !has_note(&r->c, want))
    wrong(m, "expected a transcript note containing `%s`", want);
  if (kind == LIST_REASON_LACKS && strstr(r->c.reason, want))
    wrong(m, "expected a reason without `%s`, got `%s`", want, r->c.reason);
  if (kind != LIST_RECEIVED && kind != LIST_NOT_RECEIVED)
    return;
  buf b;
  buf_init(&b, 1u << 20);
  const char *msg;
  if (escape_decode(&b, want, &msg) != 0 || b.len == 0) {
    wrong(m, "case file: %s: expected non-empty escaped bytes", v->valuestring);
  } else {
    int seen = memmem(r->srv.got, r->srv.got_len, b.data, b.len) != NULL;
    if (seen != (kind == LIST_RECEIVED))
      wrong(m, "expected the server %s `%s`", seen ? "never to receive" : "to receive",
            v->valuestring);
  }
  buf_free(&b);
}

static void check_list(const cJSON *e, const char *key, list_kind kind, const case_run *r,
                       case_msg *m) {
  const cJSON *list = get(e, key);
  if (list && !cJSON_IsArray(list))
    wrong(m, "case file: expect.%s: expected a list of strings", key);
  int k = 0;
  for (const cJSON *v = cJSON_IsArray(list) ? list->child : NULL; v; v = v->next, k++) {
    char *want = cJSON_IsString(v) ? subst(v->valuestring, &r->vars) : NULL;
    if (!want)
      wrong(m, "case file: expect.%s[%d]: expected a string", key, k);
    else
      check_one(kind, want, v, r, m);
    free(want);
  }
}

/* verdict, reason (a fragment or a list), reason_exact, reason_lacks, and
 * the clean-reason rule every case gets. */
static void check_verdict_and_reason(const cJSON *e, const case_run *r, case_msg *m) {
  const cell *c = &r->c;
  const cJSON *v = get(e, "verdict"), *reason = get(e, "reason");
  if (strcmp(v->valuestring, verdicts_name(c->verdict)) != 0)
    wrong(m, "expected verdict %s, got %s", v->valuestring, verdicts_name(c->verdict));
  for (const cJSON *f = cJSON_IsArray(reason) ? reason->child : reason; f;
       f = cJSON_IsArray(reason) ? f->next : NULL)
    check_text(f, "reason", c->reason, strlen(c->reason), TEXT_FRAGMENT, r, m);
  check_text(get(e, "reason_exact"), "reason", c->reason, strlen(c->reason), TEXT_EXACT, r, m);
  check_list(e, "reason_lacks", LIST_REASON_LACKS, r, m);
  check_reason_clean(c, m);
}

static void check_lost(const cJSON *lost, const cell *c, case_msg *m) {
  long want = cJSON_IsNull(lost) ? -1 : (long)lost->valuedouble;
  if (want == c->lost_bytes)
    return;
  char w[24] = "null", g[24] = "null";
  if (want >= 0)
    snprintf(w, sizeof w, "%ld", want);
  if (c->lost_bytes >= 0)
    snprintf(g, sizeof g, "%ld", c->lost_bytes);
  wrong(m, "expected lost_bytes %s, got %s", w, g);
}

static void check_calibration(const cJSON *cal, const case_run *r, case_msg *m) {
  static const char *const keys[] = {"source", "head_len", NULL};
  const cell *c = &r->c;
  if (!cal)
    return;
  if (cJSON_IsNull(cal) != !c->cal.done)
    wrong(m, "expected %s calibration", c->cal.done ? "no" : "a");
  else if (!cJSON_IsNull(cal) && known_keys(cal, "expect.calibration.", keys, m)) {
    check_int(cal, "head_len", c->cal.head_len, m);
    check_text(get(cal, "source"), "calibration source", c->cal.source,
               strlen(c->cal.source), TEXT_EXACT, r, m);
  }
}

static void check_time(const cJSON *e, const cell *c, case_msg *m) {
  const cJSON *lo = get(e, "min_ms"), *hi = get(e, "max_ms");
  if (lo && c->total_ms < (int64_t)lo->valuedouble)
    wrong(m, "expected the cell to take at least %d ms, it took %lld", lo->valueint,
          (long long)c->total_ms);
  if (hi && c->total_ms > (int64_t)hi->valuedouble)
    wrong(m, "expected the cell to take at most %d ms, it took %lld", hi->valueint,
          (long long)c->total_ms);
}

static void check_expect(case_run *r, case_msg *m) {
  static const char *const keys[] = {"verdict", "reason", "reason_exact", "reason_lacks",
                                     "lost_bytes", "upgraded", "extra_bytes", "security",
                                     "calibration", "exchanges", "notes", "received",
                                     "not_received", "min_ms", "max_ms", NULL};
  const cJSON *e = get(r->root, "expect");
  const cell *c = &r->c;
  if (!cJSON_IsObject(e)) {
    wrong(m, "case file: expect: expected an object");
    return;
  }
  const cJSON *reason = get(e, "reason"), *lost = get(e, "lost_bytes");
  if (!known_keys(e, "expect.", keys, m))
    return;
  if (!cJSON_IsString(get(e, "verdict")) || !(cJSON_IsString(reason) || cJSON_IsArray(reason)) ||
      !(cJSON_IsNull(lost) || cJSON_IsNumber(lost))) {
    wrong(m, "case file: expect needs verdict, reason (a fragment, or a list of them) and "
          "lost_bytes (a number or null)");
    return;
  }
  check_verdict_and_reason(e, r, m);
  check_lost(lost, c, m);
  check_bool(e, "upgraded", c->upgraded, m);
  check_bool(e, "security", c->security, m);
  check_int(e, "extra_bytes", (long long)c->extra_bytes, m);
  check_calibration(get(e, "calibration"), r, m);
  const cJSON *ex = get(e, "exchanges");
  int i = 0;
  for (const cJSON *x = cJSON_IsArray(ex) ? ex->child : NULL; x && i < SC_MAX_REQUESTS;
       x = x->next, i++)
    check_exchange(r, i, x, m);
  check_list(e, "notes", LIST_NOTES, r, m);
  check_list(e, "received", LIST_RECEIVED, r, m);
  check_list(e, "not_received", LIST_NOT_RECEIVED, r, m);
  check_time(e, c, m);
}

/* ---- one case: the run --------------------------------------------------- */

static void case_free(case_run *r) {
  if (r->have_srv)
    script_server_stop(&r->srv);
  if (r->have_cell)
    cell_free(&r->c);
  for (int i = 0; i < r->nsteps; i++)
    buf_free(&r->data[i]);
  if (r->have_sc)
    scenario_free(&r->sc);
  for (int i = 0; i < r->ntargets; i++)
    target_free(&r->targets[i]);
  free(r->targets);
  cJSON_Delete(r->root);
  char path[512];
  DIR *d = opendir(r->dir);
  for (struct dirent *de; d && (de = readdir(d));)
    if (de->d_name[0] != '.') {
      snprintf(path, sizeof path, "%s/%s", r->dir, de->d_name);
      unlink(path);
    }
  if (d)
    closedir(d);
  rmdir(r->dir);
}

/* When a case fails: its reason and notes, to see why. */
static void dump_cell(const case_run *r) {
  fprintf(stderr, "  %s: %s: %s\n", r->name, verdicts_name(r->c.verdict), r->c.reason);
  for (size_t i = 0; i < r->c.tx.count; i++)
    if (r->c.tx.events[i].dir == TX_NOTE)
      fprintf(stderr, "  %s:   [%s] %s\n", r->name, r->c.tx.events[i].conn,
              r->c.tx.events[i].data);
}

/* Runs the cell the case describes and checks what it expects. */
static void run_cell_of(case_run *r, case_msg *m) {
  cell_init(&r->c, &r->sc, &r->targets[0]);
  snprintf(r->c.tag, sizeof r->c.tag, "%s", r->vars.v[VAR_CELL]);
  r->have_cell = 1;
  runner_run_cell(&r->c, r->timeout_ms, clock_now_ms(), RUN_MS, 0);
  script_server_stop(&r->srv);
  r->have_srv = 0;
  const char *serr = script_server_error(&r->srv);
  if (serr)
    wrong(m, "server script: %s", serr);
  check_expect(r, m);
  if (m->text[0])
    dump_cell(r);
}

static void run_case(const char *name, case_msg *m) {
  static const char *const keys[] = {"about", "scenario", "target", "server", "expect", NULL};
  case_run *r = calloc(1, sizeof *r);
  char path[256], err[512];
  if (!r) {
    wrong(m, "out of memory");
    return;
  }
  r->name = name;
  snprintf(r->dir, sizeof r->dir, "%s/%s", suite_dir, name);
  snprintf(path, sizeof path, "%s/%s.json", CASES_DIR, name);
  if (mkdir(r->dir, 0700) != 0) {
    free(r);
    wrong(m, "cannot make a temporary directory");
    return;
  }
  r->root = json_file_load(path, CASE_MAX_FILE, err, sizeof err);
  if (!r->root)
    wrong(m, "%s", err);
  else if (known_keys(r->root, "", keys, m) && target_settings(r, m) == 0 &&
           load_scenario(r, m) == 0) {
    r->have_srv = script_server_listen(&r->srv) == 0;
    if (!r->have_srv)
      wrong(m, "cannot listen on 127.0.0.1");
    set_vars(r);
    if (r->have_srv && build_script(r, m) == 0 && script_server_play(&r->srv, r->steps) != 0) {
      r->have_srv = 0;
      wrong(m, "cannot start the scripted server");
    }
    if (r->have_srv && !m->text[0] && load_target(r, m) == 0)
      run_cell_of(r, m);
  }
  case_free(r);
  free(r);
}

/* ---- the suite: children, deadlines, coverage ---------------------------- */

typedef struct child {
  char name[128];
  pid_t pid;
  int fd;                     /* the child's verdict line */
  int64_t started;
  char line[CASE_LINE_MAX];
  size_t len;
  int status, killed, done;
} child;

static int list_cases(child *list, int max) {
  char **names = NULL, err[512];
  int n = 0, kept = 0;
  if (scenario_list_dir(CASES_DIR, &names, &n, err, sizeof err) != 0)
    fprintf(stderr, "  %s\n", err);
  for (int i = 0; i < n; i++) {
    if (kept < max && strlen(names[i]) - 5 < sizeof list[kept].name) {
      memset(&list[kept], 0, sizeof list[kept]);
      snprintf(list[kept].name, sizeof list[kept].name, "%.*s", (int)strlen(names[i]) - 5,
               names[i]);
      kept++;
    }
    free(names[i]);
  }
  free(names);
  return kept;
}

/* In the child: the case's line goes up the pipe; the exit status says
 * whether it passed (a sanitizer report changes it too). */
static void start_child(child *ch) {
  int p[2];
  if (pipe(p) != 0) {
    ch->done = 1;
    ch->len = (size_t)snprintf(ch->line, sizeof ch->line, "cannot make a pipe");
    return;
  }
  fflush(NULL);
  ch->pid = fork();
  if (ch->pid == 0) {
    close(p[0]);
    case_msg m = {""};
    run_case(ch->name, &m);
    ssize_t w = write(p[1], m.text, strlen(m.text));
    close(p[1]);
    exit(m.text[0] || w < 0 ? 1 : 0);
  }
  close(p[1]);
  ch->fd = p[0];
  ch->started = clock_now_ms();
  if (ch->pid < 0) {
    close(p[0]);
    ch->done = 1;
    ch->len = (size_t)snprintf(ch->line, sizeof ch->line, "cannot fork");
  }
}

/* Reads what the child wrote, reaps it, or kills it past its deadline. */
static int poll_child(child *ch) {
  char tmp[512];
  struct pollfd p = {.fd = ch->fd, .events = POLLIN};
  while (poll(&p, 1, 0) == 1) {
    ssize_t n = read(ch->fd, tmp, sizeof tmp);
    if (n <= 0)
      break;
    size_t keep = sizeof ch->line - 1 - ch->len < (size_t)n ? sizeof ch->line - 1 - ch->len
                                                           : (size_t)n;
    memcpy(ch->line + ch->len, tmp, keep);
    ch->len += keep;
  }
  if (clock_now_ms() - ch->started > CASE_DEADLINE_MS && !ch->killed) {
    kill(ch->pid, SIGKILL);
    ch->killed = 1;
  }
  if (waitpid(ch->pid, &ch->status, WNOHANG) != ch->pid)
    return 0;
  ssize_t n;
  while (ch->len < sizeof ch->line - 1 &&
         (n = read(ch->fd, ch->line + ch->len, sizeof ch->line - 1 - ch->len)) > 0)
    ch->len += (size_t)n;
  close(ch->fd);
  ch->done = 1;
  return 1;
}

static void run_all(child *list, int n) {
  int next = 0, running = 0;
  while (next < n || running > 0) {
    while (running < CASE_JOBS && next < n) {
      start_child(&list[next]);
      running += !list[next++].done;
    }
    for (int i = 0; i < next; i++)
      if (!list[i].done && list[i].pid > 0)
        running -= poll_child(&list[i]);
    clock_sleep_ms(5);
  }
}

/* Prints the case's line; returns 1 when it passed. */
static int report(const child *ch) {
  int ok = !ch->killed && ch->pid > 0 && WIFEXITED(ch->status) &&
           WEXITSTATUS(ch->status) == 0 && ch->len == 0;
  if (ok) {
    printf("ok - %s\n", ch->name);
  } else if (ch->killed) {
    printf("FAIL - %s: did not finish within %d ms (killed)\n", ch->name, CASE_DEADLINE_MS);
  } else if (ch->len) {
    printf("FAIL - %s: %.*s\n", ch->name, (int)ch->len, ch->line);
  } else if (ch->pid > 0 && WIFSIGNALED(ch->status)) {
    printf("FAIL - %s: the case crashed (signal %d), see above\n", ch->name,
           WTERMSIG(ch->status));
  } else {
    printf("FAIL - %s: the case exited with %d without a verdict line (a sanitizer "
           "report?), see above\n", ch->name, WIFEXITED(ch->status) ? WEXITSTATUS(ch->status)
                                                                      : -1);
  }
  return ok;
}

/* A case's catalogue scenario id and expected verdict ("" when none). */
typedef struct case_summary { char id[128], verdict[32]; } case_summary;

static void summarize(const char *name, case_summary *out) {
  char path[256], err[512];
  snprintf(path, sizeof path, "%s/%s.json", CASES_DIR, name);
  memset(out, 0, sizeof *out);
  cJSON *root = json_file_load(path, CASE_MAX_FILE, err, sizeof err);
  const cJSON *s = get(root, "scenario"), *v = get(get(root, "expect"), "verdict");
  if (cJSON_IsString(s))
    snprintf(out->id, sizeof out->id, "%s", s->valuestring);
  if (cJSON_IsString(v))
    snprintf(out->verdict, sizeof out->verdict, "%s", v->valuestring);
  cJSON_Delete(root);
}

static int accepts(const scenario *sc, const char *v) {
  for (int i = 0; i < sc->naccept; i++)
    if (strcmp(sc->accept[i], v) == 0)
      return 1;
  return 0;
}

/* Catalogue scenario sc's cases: how many expect an accepted verdict, how
 * many a failing one (n/a is neither: nothing was judged). */
static void count_cases(const scenario *sc, const case_summary *sum, int n, int *ok,
                        int *failing) {
  *ok = *failing = 0;
  for (int i = 0; i < n; i++) {
    if (strcmp(sum[i].id, sc->id) != 0 || !sum[i].verdict[0] ||
        strcmp(sum[i].verdict, "n/a") == 0)
      continue;
    if (accepts(sc, sum[i].verdict))
      (*ok)++;
    else
      (*failing)++;
  }
}

/* Every catalogue scenario has a case that expects one of its accepted
 * verdicts and one that expects a failing verdict. Returns 1 when so. */
static int coverage(const child *list, int n) {
  static case_summary sum[CASE_MAX_CASES];
  scenario *cat = NULL;
  char err[512];
  int ncat = scenario_load_dir(CATALOGUE_DIR, &cat, err, sizeof err);
  case_msg m = {""};
  if (ncat <= 0)
    wrong(&m, "cannot load the catalogue: %s", err);
  for (int i = 0; i < n; i++)
    summarize(list[i].name, &sum[i]);
  for (int s = 0; s < ncat; s++) {
    int ok, failing;
    count_cases(&cat[s], sum, n, &ok, &failing);
    if (!ok || !failing)
      wrong(&m, "%s has no case with %s verdict (add tests/cases/%s--WHAT.json)", cat[s].id,
            !ok && !failing ? "an accepted or a failing" : !ok ? "an accepted" : "a failing",
            cat[s].id);
  }
  scenario_free_all(cat, ncat > 0 ? ncat : 0);
  if (m.text[0])
    printf("FAIL - catalogue_coverage: %s\n", m.text);
  else
    printf("ok - catalogue_coverage (%d scenarios)\n", ncat);
  return !m.text[0];
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int main(void) {
  static child list[CASE_MAX_CASES];
  int n = list_cases(list, CASE_MAX_CASES), passed = 0, failed = 0;
  snprintf(suite_dir, sizeof suite_dir, "/tmp/h2c-test-cases-XXXXXX");
  if (!mkdtemp(suite_dir)) {
    printf("FAIL - cases: cannot make a temporary directory\n0 passed, 1 failed\n");
    return 1;
  }
  if (n == 0)
    printf("FAIL - cases: no case files in tests/%s\n", CASES_DIR);
  run_all(list, n);
  nftw(suite_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  for (int i = 0; i < n; i++)
    report(&list[i]) ? passed++ : failed++;
  coverage(list, n) && n > 0 ? passed++ : failed++;
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
