/* render.c - the reports' common ground: results.json read into plain arrays
 * (targets × scenarios grid of cells), the verdicts' render-only
 * pseudo-states (the table itself is verdicts.c), and render_all.
 *
 * The model only points into the cJSON tree (no copies), so it lives as long
 * as the tree. Whether a cell passed is decided here, once, from the
 * scenario's accept list (n/a is neither), and whether it is security-
 * relevant from its "security" flag, so the reports always agree. */
#include "render.h"
#include "render_util.h"
#include "atomic_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Report buffers never get near this: every excerpt is capped far below. */
#define OUT_MAX (256u * 1024u * 1024u)

void out_init(out *o) {
  buf_init(&o->b, OUT_MAX);
  o->failed = 0;
}

void out_free(out *o) { buf_free(&o->b); }

void out_add(out *o, const char *s, size_t n) {
  if (!o->failed && buf_add(&o->b, s, n) != BUF_OK)
    o->failed = 1;
}

void out_adds(out *o, const char *s) { out_add(o, s, strlen(s)); }

void out_printf(out *o, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) {
    o->failed = 1;
  } else if ((size_t)n < sizeof tmp) {
    out_add(o, tmp, (size_t)n);
  } else {                           /* rare: never cut a formatted piece */
    char *big = malloc((size_t)n + 1);
    if (!big) {
      o->failed = 1;
      return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    out_add(o, big, (size_t)n);
    free(big);
  }
}

int out_write_file(const out *o, const char *dir, const char *name, char *err,
                   size_t errlen) {
  char path[4096];
  if (o->failed) {
    snprintf(err, errlen, "%s: out of memory while rendering", name);
    return -1;
  }
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
    snprintf(err, errlen, "%s: output directory path too long", name);
    return -1;
  }
  return atomic_file_write(path, o->b.data ? o->b.data : "", o->b.len, err,
                           errlen);
}

/* ---- verdicts ---------------------------------------------------------- */

const verdict_info VERDICT_MISSING = {"not run", "missing",
                                      "no result for this cell", "Not run",
                                      "#eeeeee", "#000", 0, 0};
static const verdict_info verdict_unknown = {
    "other", "other", "a verdict this report does not know",
    "Other verdicts", "#9e9e9e", "#000", 0, 0};

const verdict_info *verdict_lookup(const char *name) {
  const verdict_info *vi = verdicts_lookup(name);
  return vi ? vi : &verdict_unknown;
}

const verdict_info *verdict_at(int i) {
  return i < 0 ? NULL : verdicts_info((verdict)i);
}

/* ---- JSON access ------------------------------------------------------- */

const char *json_str(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

double json_num(const cJSON *obj, const char *key, double dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

long json_long(const cJSON *obj, const char *key, long dflt) {
  double d = json_num(obj, key, (double)dflt);
  if (d > 1e15)
    d = 1e15;
  if (d < -1e15)
    d = -1e15;
  return (long)d;
}

static const cJSON *json_arr(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsArray(v) ? v : NULL;
}

/* ---- the model --------------------------------------------------------- */

/* host, port and host:port from "http://host:port[/...]" (IPv6 in []). */
static void split_url(r_target *t) {
  const char *u = t->url ? t->url : "";
  if (strncmp(u, "http://", 7) == 0)
    u += 7;
  size_t n = strcspn(u, "/?#");
  if (n >= sizeof t->host)
    n = sizeof t->host - 1;
  char hp[sizeof t->host];
  memcpy(hp, u, n);
  hp[n] = '\0';
  snprintf(t->authority, sizeof t->authority, "%s", hp);
  char *colon = strrchr(hp, ':');
  char *bracket = strrchr(hp, ']');
  if (colon && (!bracket || colon > bracket)) {
    *colon = '\0';
    snprintf(t->port, sizeof t->port, "%s", colon + 1);
  } else {
    snprintf(t->port, sizeof t->port, "80");
  }
  if (hp[0] == '[' && bracket) {   /* [::1] -> ::1 for nc and /dev/tcp */
    *strrchr(hp, ']') = '\0';
    memmove(hp, hp + 1, strlen(hp));
  }
  snprintf(t->host, sizeof t->host, "%s", hp);
}

static void load_target(r_target *t, const cJSON *j) {
  memset(t, 0, sizeof *t);
  t->name = json_str(j, "name");
  t->url = json_str(j, "url");
  t->version = json_str(j, "version");
  t->server_header = json_str(j, "server_header");
  const cJSON *info = cJSON_GetObjectItemCaseSensitive(j, "info");
  t->software = json_str(info, "software");
  t->base_image = json_str(info, "base_image");
  t->started = json_str(info, "started");
  t->family = json_str(info, "family");
  t->fix_of = json_str(info, "fix_of");
  t->upstream_note = json_str(info, "upstream_note");
  t->info = cJSON_IsObject(info) ? info : NULL;
  t->patch = json_str(j, "patch");
  t->patch_truncated =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "patch_truncated"));
  if (!t->name)
    t->name = "?";
  split_url(t);
}

static void load_request(r_req *r, const cJSON *j) {
  memset(r, 0, sizeof *r);
  r->connection = json_str(j, "connection");
  if (!r->connection)
    r->connection = "a";
  r->method = json_str(j, "method");
  if (!r->method)
    r->method = "GET";
  r->path = json_str(j, "path");
  if (!r->path)
    r->path = "/";
  r->headers = json_arr(j, "headers");
  r->body = json_str(j, "body");
  r->chunks = json_arr(j, "chunks");
  r->wire = json_str(j, "wire");
  const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "expect");
  r->expect_status = (int)json_long(ex, "status", 0);
  r->expect_body = json_str(ex, "body");
  r->expect_echo = cJSON_IsTrue(
      cJSON_GetObjectItemCaseSensitive(ex, "body_is_request_body"));
  r->after_101 =
      json_str(cJSON_GetObjectItemCaseSensitive(j, "after_101"), "send");
  const cJSON *emb = cJSON_GetObjectItemCaseSensitive(j, "embedded");
  r->embedded = emb && !cJSON_IsNull(emb) ? emb : NULL;
  r->requires = json_str(j, "requires");
}

/* "regression_guard": true marks a scenario that guards what a fix must
 * keep working (the scenario file says so; see docs/formats.md). */
static int is_regression_guard(const cJSON *j) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "regression_guard"));
}

static int load_scenario(r_scenario *s, const cJSON *j) {
  memset(s, 0, sizeof *s);
  s->id = json_str(j, "id");
  if (!s->id)
    s->id = "?";
  s->title = json_str(j, "title");
  s->explanation = json_str(j, "explanation");
  s->correct = json_str(j, "correct");
  s->engine = json_str(j, "engine");
  if (!s->engine)
    s->engine = "raw";
  s->send = json_str(j, "send");
  if (!s->send)
    s->send = "sequential";
  s->curl_http_version =
      json_str(cJSON_GetObjectItemCaseSensitive(j, "curl"), "http_version");
  s->rfc = json_arr(j, "rfc");
  s->accept = json_arr(j, "accept");
  s->regression_guard = is_regression_guard(j);
  const cJSON *cal = cJSON_GetObjectItemCaseSensitive(j, "calibrate");
  s->calibrate = cal && !cJSON_IsNull(cal) && !cJSON_IsFalse(cal) ? cal : NULL;
  const cJSON *reqs = json_arr(j, "requests");
  int n = cJSON_GetArraySize(reqs);
  if (n > 0) {
    s->req = calloc((size_t)n, sizeof *s->req);
    if (!s->req)
      return -1;
  }
  const cJSON *r;
  cJSON_ArrayForEach(r, reqs) load_request(&s->req[s->nreq++], r);
  return 0;
}

static int accepted(const r_scenario *s, const char *name) {
  if (!name)
    return 0;
  if (!s->accept)
    return verdict_lookup(name)->ok;
  const cJSON *a;
  cJSON_ArrayForEach(a, s->accept) if (cJSON_IsString(a) &&
                                       strcmp(a->valuestring, name) == 0)
      return 1;
  return 0;
}

static int find_target(const r_model *m, const char *name) {
  for (int i = 0; name && i < m->nt; i++)
    if (strcmp(m->t[i].name, name) == 0)
      return i;
  return -1;
}

static int find_scenario(const r_model *m, const char *id) {
  for (int i = 0; id && i < m->ns; i++)
    if (strcmp(m->s[i].id, id) == 0)
      return i;
  return -1;
}

static void load_cell(const r_model *m, const cJSON *j) {
  int t = find_target(m, json_str(j, "target"));
  int s = find_scenario(m, json_str(j, "scenario"));
  if (t < 0 || s < 0)
    return;
  r_cell *c = &m->cells[(size_t)t * (size_t)m->ns + (size_t)s];
  if (c->json)                       /* a duplicate: the first one counts */
    return;
  c->json = j;
  c->verdict = json_str(j, "verdict");
  if (!c->verdict)
    c->verdict = "?";
  c->reason = json_str(j, "reason");
  c->sc = &m->s[s];
  c->state = verdict_lookup(c->verdict) == verdicts_info(V_NA) ? CELL_NA
             : accepted(&m->s[s], c->verdict) ? CELL_PASS : CELL_FAIL;
  c->security = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "security"));
  c->tag = json_str(j, "tag");
  c->backend_log = json_arr(j, "backend_log");
  const cJSON *cal = cJSON_GetObjectItemCaseSensitive(j, "calibration");
  c->calibration = cJSON_IsObject(cal) ? cal : NULL;
  c->lost_bytes = json_long(j, "lost_bytes", -1);
  c->loss_evidence = json_str(j, "loss_evidence");
  c->upgraded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "upgraded"));
  c->total_ms = (double)json_long(
      cJSON_GetObjectItemCaseSensitive(j, "timings"), "total_ms", -1);
  c->exchanges = json_arr(j, "exchanges");
  const cJSON *tx = cJSON_GetObjectItemCaseSensitive(j, "transcript");
  c->events = json_arr(tx, "events");
  c->truncated =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tx, "truncated"));
}

static int model_fail(r_model *m, char *err, size_t errlen, const char *msg) {
  snprintf(err, errlen, "results.json: %s", msg);
  model_free(m);
  return -1;
}

int model_load(r_model *m, const cJSON *root, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  if (!cJSON_IsObject(root))
    return model_fail(m, err, errlen, "not a JSON object");
  m->tool = cJSON_GetObjectItemCaseSensitive(root, "tool");
  m->run = cJSON_GetObjectItemCaseSensitive(root, "run");
  const cJSON *targets = json_arr(root, "targets");
  const cJSON *scenarios = json_arr(root, "scenarios");
  int nt = cJSON_GetArraySize(targets), ns = cJSON_GetArraySize(scenarios);
  if (nt > MODEL_MAX_TARGETS || ns > MODEL_MAX_SCENARIOS)
    return model_fail(m, err, errlen, "too many targets or scenarios");
  m->t = calloc((size_t)nt + 1, sizeof *m->t);
  m->s = calloc((size_t)ns + 1, sizeof *m->s);
  m->cells = calloc((size_t)nt * (size_t)ns + 1, sizeof *m->cells);
  if (!m->t || !m->s || !m->cells)
    return model_fail(m, err, errlen, "out of memory");
  const cJSON *j;
  cJSON_ArrayForEach(j, targets) load_target(&m->t[m->nt++], j);
  cJSON_ArrayForEach(j, scenarios) {
    if (load_scenario(&m->s[m->ns++], j) != 0)
      return model_fail(m, err, errlen, "out of memory");
  }
  cJSON_ArrayForEach(j, json_arr(root, "cells")) load_cell(m, j);
  for (size_t i = 0; i < (size_t)m->nt * (size_t)m->ns; i++) {
    const r_cell *c = &m->cells[i];
    m->nmissing += c->state == CELL_MISSING;
    m->npass += c->state == CELL_PASS;
    m->nfail += c->state == CELL_FAIL;
    m->nna += c->state == CELL_NA;
    m->nsecurity += c->security;
  }
  m->security_count = json_long(
      cJSON_GetObjectItemCaseSensitive(root, "summary"), "security", -1);
  if (m->security_count < m->nsecurity)   /* a withheld cell is counted */
    m->security_count = m->nsecurity;
  const cJSON *up = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(root, "attachments"), "upstream");
  m->upstream = cJSON_IsObject(up) ? up : NULL;
  return 0;
}

void model_free(r_model *m) {
  for (int i = 0; m->s && i < m->ns; i++)
    free(m->s[i].req);
  free(m->t);
  free(m->s);
  free(m->cells);
  memset(m, 0, sizeof *m);
}

const r_cell *model_cell(const r_model *m, int t, int s) {
  return &m->cells[(size_t)t * (size_t)m->ns + (size_t)s];
}

/* ---- all four ---------------------------------------------------------- */

/* One model for all four: results.json is read into it once. */
int render_all(const cJSON *results, const char *dir, char *err,
               size_t errlen) {
  if (atomic_file_make_dirs(dir, err, errlen) != 0)
    return -1;
  r_model m;
  if (model_load(&m, results, err, errlen) != 0)
    return -1;
  int rc = render_md(&m, dir, err, errlen) != 0 ||
           render_security(&m, dir, err, errlen) != 0 ||
           render_html(&m, dir, err, errlen) != 0 ||
           render_junit(&m, dir, err, errlen) != 0 ? -1 : 0;
  model_free(&m);
  return rc;
}
