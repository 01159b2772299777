/* render/model.c - results.json read into plain arrays (a targets ×
 * scenarios grid of cells) for the document builders.
 *
 * The model only points into the cJSON tree (no copies), so it lives as long
 * as the tree. Whether a cell passed is decided here, once, from the
 * scenario's accept list (n/a is neither), and whether it is security-
 * relevant from its "security" flag, so the reports always agree.
 *
 * Which reports may show what is decided here too, from data only: a
 * scenario is private when results.json says "audience": "private", when a
 * request hides another in its body ("embedded") or when one of its cells
 * is security-relevant; a target is private when its info.proxy names a
 * proxy configuration. The public model (report.md, report.html,
 * junit.xml) holds none of them, so no builder can show them there. */
#include "model.h"
#include "jget.h"
#include "vinfo.h"
#include "debver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  t->name = jget_str(j, "name");
  t->url = jget_str(j, "url");
  t->version = jget_str(j, "version");
  t->server_header = jget_str(j, "server_header");
  const cJSON *info = cJSON_GetObjectItemCaseSensitive(j, "info");
  t->software = jget_str(info, "software");
  t->base_image = jget_str(info, "base_image");
  t->started = jget_str(info, "started");
  t->family = jget_str(info, "family");
  t->fix_of = jget_str(info, "fix_of");
  t->upstream_note = jget_str(info, "upstream_note");
  t->upstream_issue = jget_str(info, "upstream_issue");
  const cJSON *role;
  cJSON_ArrayForEach(role, jget_arr(info, "roles")) {
    t->subject |= cJSON_IsString(role) && strcmp(role->valuestring, "subject") == 0;
    t->fix |= cJSON_IsString(role) && strcmp(role->valuestring, "fix") == 0;
  }
  const char *proxy = jget_str(info, "proxy");
  t->private_ = proxy && *proxy;
  t->info = cJSON_IsObject(info) ? info : NULL;
  t->patch = jget_str(j, "patch");
  t->patch_truncated =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "patch_truncated"));
  if (!t->name)
    t->name = "?";
  split_url(t);
}

static void load_request(r_req *r, const cJSON *j) {
  memset(r, 0, sizeof *r);
  r->connection = jget_str(j, "connection");
  if (!r->connection)
    r->connection = "a";
  r->method = jget_str(j, "method");
  if (!r->method)
    r->method = "GET";
  r->path = jget_str(j, "path");
  if (!r->path)
    r->path = "/";
  r->headers = jget_arr(j, "headers");
  r->body = jget_str(j, "body");
  r->chunks = jget_arr(j, "chunks");
  r->wire = jget_str(j, "wire");
  const cJSON *ex = cJSON_GetObjectItemCaseSensitive(j, "expect");
  r->expect_status = (int)jget_long(ex, "status", 0);
  r->expect_body = jget_str(ex, "body");
  r->expect_echo = cJSON_IsTrue(
      cJSON_GetObjectItemCaseSensitive(ex, "body_is_request_body"));
  r->after_101 =
      jget_str(cJSON_GetObjectItemCaseSensitive(j, "after_101"), "send");
  const cJSON *emb = cJSON_GetObjectItemCaseSensitive(j, "embedded");
  r->embedded = emb && !cJSON_IsNull(emb) ? emb : NULL;
  r->requires = jget_str(j, "requires");
}

/* "regression_guard": true marks a scenario that guards what a fix must
 * keep working (the scenario file says so; see docs/formats.md). */
static int is_regression_guard(const cJSON *j) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "regression_guard"));
}

static int load_scenario(r_scenario *s, const cJSON *j) {
  memset(s, 0, sizeof *s);
  s->id = jget_str(j, "id");
  if (!s->id)
    s->id = "?";
  s->title = jget_str(j, "title");
  s->explanation = jget_str(j, "explanation");
  s->correct = jget_str(j, "correct");
  s->engine = jget_str(j, "engine");
  if (!s->engine)
    s->engine = "raw";
  s->send = jget_str(j, "send");
  if (!s->send)
    s->send = "sequential";
  s->curl_http_version =
      jget_str(cJSON_GetObjectItemCaseSensitive(j, "curl"), "http_version");
  s->rfc = jget_arr(j, "rfc");
  s->accept = jget_arr(j, "accept");
  s->regression_guard = is_regression_guard(j);
  const cJSON *cal = cJSON_GetObjectItemCaseSensitive(j, "calibrate");
  s->calibrate = cal && !cJSON_IsNull(cal) && !cJSON_IsFalse(cal) ? cal : NULL;
  const cJSON *reqs = jget_arr(j, "requests");
  int n = cJSON_GetArraySize(reqs);
  if (n > 0) {
    s->req = calloc((size_t)n, sizeof *s->req);
    if (!s->req)
      return -1;
  }
  const cJSON *r;
  cJSON_ArrayForEach(r, reqs) load_request(&s->req[s->nreq++], r);
  s->unsupported = jget_arr(j, "unsupported");
  const char *aud = jget_str(j, "audience");
  s->private_ = aud && strcmp(aud, "private") == 0;
  for (int i = 0; i < s->nreq; i++)
    s->private_ |= s->req[i].embedded != NULL;
  return 0;
}

static int listed(const cJSON *names, const char *name) {
  const cJSON *a;
  cJSON_ArrayForEach(a, names) if (cJSON_IsString(a) &&
                                   strcmp(a->valuestring, name) == 0)
      return 1;
  return 0;
}

static int accepted(const r_scenario *s, const char *name) {
  if (!name)
    return 0;
  if (!s->accept)
    return vinfo_lookup(name)->ok;
  return listed(s->accept, name);
}

static cell_state judge(const r_scenario *s, const char *name) {
  if (vinfo_lookup(name) == verdicts_info(V_NA))
    return CELL_NA;
  if (accepted(s, name))
    return CELL_PASS;
  return listed(s->unsupported, name) ? CELL_UNSPOKEN : CELL_FAIL;
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

static void load_cell(r_model *m, const cJSON *j) {
  int t = find_target(m, jget_str(j, "target"));
  int s = find_scenario(m, jget_str(j, "scenario"));
  if (t < 0 || s < 0)
    return;
  r_cell *c = &m->cells[(size_t)t * (size_t)m->ns + (size_t)s];
  if (c->json)                       /* a duplicate: the first one counts */
    return;
  c->json = j;
  c->verdict = jget_str(j, "verdict");
  if (!c->verdict)
    c->verdict = "?";
  c->reason = jget_str(j, "reason");
  c->sc = &m->s[s];
  c->state = judge(&m->s[s], c->verdict);
  c->security = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "security"));
  m->s[s].private_ |= c->security;  /* a finding's scenario is a recipe */
  c->tag = jget_str(j, "tag");
  c->backend_log = jget_arr(j, "backend_log");
  const cJSON *cal = cJSON_GetObjectItemCaseSensitive(j, "calibration");
  c->calibration = cJSON_IsObject(cal) ? cal : NULL;
  c->lost_bytes = jget_long(j, "lost_bytes", -1);
  c->loss_evidence = jget_str(j, "loss_evidence");
  c->upgraded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "upgraded"));
  c->total_ms = (double)jget_long(
      cJSON_GetObjectItemCaseSensitive(j, "timings"), "total_ms", -1);
  c->exchanges = jget_arr(j, "exchanges");
  const cJSON *tx = cJSON_GetObjectItemCaseSensitive(j, "transcript");
  c->events = jget_arr(tx, "events");
  c->truncated =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tx, "truncated"));
}

/* ---- order and audience ------------------------------------------------- */

static int subject_family(const r_model *m, const char *family) {
  for (int i = 0; family && i < m->nt; i++)
    if (m->t[i].subject && m->t[i].family &&
        strcmp(m->t[i].family, family) == 0)
      return 1;
  return 0;
}

/* The index of the first target of that family (a family's rank). */
static int family_rank(const r_model *m, const char *family) {
  for (int i = 0; family && i < m->nt; i++)
    if (m->t[i].family && strcmp(m->t[i].family, family) == 0)
      return i;
  return m->nt;
}

/* Before a, b: by group; in the subject's group the subjects first, then
 * by family (as results.json first names it), then newest first; otherwise
 * results.json's order (the sort is stable). */
static int row_before(const r_target *a, const r_target *b) {
  if (a->group != b->group)
    return a->group < b->group;
  if (a->group != MODEL_GROUP_SUBJECT)
    return 0;
  if (a->subject != b->subject)
    return a->subject;
  if (a->family_rank != b->family_rank)
    return a->family_rank < b->family_rank;
  return debver_cmp_labelled(a->version, b->version) > 0;
}

static void order_targets(r_model *m) {
  for (int i = 0; i < m->nt; i++) {
    r_target *t = &m->t[i];
    t->group = t->private_ ? MODEL_GROUP_PROXY
               : t->subject || subject_family(m, t->family)
                   ? MODEL_GROUP_SUBJECT
                   : MODEL_GROUP_OTHER;
  }
  for (int i = 0; i < m->nt; i++)    /* from results.json's order */
    m->t[i].family_rank = family_rank(m, m->t[i].family);
  for (int i = 1; i < m->nt; i++)   /* insertion sort: stable, few rows */
    for (int j = i; j > 0 && row_before(&m->t[j], &m->t[j - 1]); j--) {
      r_target tmp = m->t[j];
      m->t[j] = m->t[j - 1];
      m->t[j - 1] = tmp;
    }
}

/* Keeps the public targets and scenarios (and their cells) in place,
 * counting what goes. */
static void keep_public(r_model *m) {
  int nt = 0, ns = 0;
  int *smap = calloc((size_t)m->ns + 1, sizeof *smap);
  if (!smap)
    return;
  for (int s = 0; s < m->ns; s++) {
    smap[s] = m->s[s].private_ ? -1 : ns;
    if (m->s[s].private_)
      free(m->s[s].req);
    else
      m->s[ns++] = m->s[s];
  }
  r_cell *cells = m->cells;          /* compacted in place: never ahead */
  for (int t = 0; t < m->nt; t++) {
    for (int s = 0; s < m->ns; s++) {
      const r_cell *c = &cells[(size_t)t * (size_t)m->ns + (size_t)s];
      if (m->t[t].private_ || smap[s] < 0) {
        m->withheld_cells += c->json != NULL;
        continue;
      }
      r_cell *dst = &cells[(size_t)nt * (size_t)ns + (size_t)smap[s]];
      *dst = *c;
      if (dst->json)
        dst->sc = &m->s[smap[s]];
    }
    if (!m->t[t].private_)
      m->t[nt++] = m->t[t];
  }
  m->withheld_targets = m->nt - nt;
  m->withheld_scenarios = m->ns - ns;
  m->nt = nt;
  m->ns = ns;
  free(smap);
}

static int model_fail(r_model *m, char *err, size_t errlen, const char *msg) {
  snprintf(err, errlen, "results.json: %s", msg);
  model_free(m);
  return -1;
}

int model_load(r_model *m, const cJSON *root, model_audience audience,
               char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  m->audience = audience;
  if (!cJSON_IsObject(root))
    return model_fail(m, err, errlen, "not a JSON object");
  m->tool = cJSON_GetObjectItemCaseSensitive(root, "tool");
  m->run = cJSON_GetObjectItemCaseSensitive(root, "run");
  const cJSON *targets = jget_arr(root, "targets");
  const cJSON *scenarios = jget_arr(root, "scenarios");
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
  order_targets(m);
  cJSON_ArrayForEach(j, scenarios) {
    if (load_scenario(&m->s[m->ns++], j) != 0)
      return model_fail(m, err, errlen, "out of memory");
  }
  cJSON_ArrayForEach(j, jget_arr(root, "cells")) load_cell(m, j);
  if (audience == MODEL_PUBLIC)
    keep_public(m);
  for (size_t i = 0; i < (size_t)m->nt * (size_t)m->ns; i++) {
    const r_cell *c = &m->cells[i];
    m->nmissing += c->state == CELL_MISSING;
    m->npass += c->state == CELL_PASS;
    m->nfail += c->state == CELL_FAIL;
    m->nna += c->state == CELL_NA;
    m->nunspoken += c->state == CELL_UNSPOKEN;
    m->nsecurity += c->security;
  }
  m->security_count = jget_long(
      cJSON_GetObjectItemCaseSensitive(root, "summary"), "security", -1);
  if (m->security_count < m->nsecurity)   /* a withheld cell is counted */
    m->security_count = m->nsecurity;
  const cJSON *up = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(root, "attachments"), "upstream");
  m->upstream = cJSON_IsObject(up) ? up : NULL;
  const cJSON *load = cJSON_GetObjectItemCaseSensitive(root, "load");
  m->load = audience == MODEL_PRIVATE && cJSON_IsObject(load) ? load : NULL;
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
