/* results.c - the whole run as results.json (docs/formats.md), the one input
 * of every report.
 *
 * Every byte that came from or goes to the wire is written in the escaped
 * form (escape.h), so the file is valid UTF-8 JSON whatever a server sent and
 * a reader can still see each CR and LF. Written atomically: a reader never
 * sees half a file. */
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <nghttp2/nghttp2.h>

#include "atomic_file.h"
#include "escape.h"
#include "results_check.h"

#ifndef H2C_VERSION
#define H2C_VERSION "0.0.0"
#endif

/* ---- small builders --------------------------------------------------- */

/* An escaped-bytes string item. */
static cJSON *bytes_item(const void *data, size_t n) {
  buf b;
  buf_init(&b, 16u * n + 16u);
  escape_bytes(&b, data, n);
  cJSON *item = cJSON_CreateString(b.data ? b.data : "");
  buf_free(&b);
  return item;
}

static void add_bytes(cJSON *o, const char *key, const void *data, size_t n) {
  cJSON_AddItemToObject(o, key, bytes_item(data, n));
}

/* Text we did not write ourselves (engine words, notes): escaped unless it
 * is plain printable text, so the JSON stays valid UTF-8. */
static int is_plain_text(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    if (*p < 0x20 || *p == 0x7f)
      return 0;
    if (*p < 0x80) {
      p++;
      continue;
    }
    int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
    if (n < 0)
      return 0;
    for (int k = 1; k <= n; k++)
      if ((p[k] & 0xc0) != 0x80)
        return 0;
    p += n + 1;
  }
  return 1;
}

static cJSON *text_item(const char *s) {
  if (!s)
    return cJSON_CreateNull();
  if (is_plain_text(s))
    return cJSON_CreateString(s);
  return bytes_item(s, strlen(s));
}

static void add_text(cJSON *o, const char *key, const char *s) {
  cJSON_AddItemToObject(o, key, text_item(s));
}

static void add_int_or_null(cJSON *o, const char *key, long long v, int present) {
  if (present)
    cJSON_AddNumberToObject(o, key, (double)v);
  else
    cJSON_AddNullToObject(o, key);
}

static cJSON *string_array(char *const *list, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < n; i++)
    cJSON_AddItemToArray(a, text_item(list[i]));
  return a;
}

/* ---- sections ----------------------------------------------------------- */

static cJSON *tool_json(void) {
  cJSON *t = cJSON_CreateObject();
  const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
  const nghttp2_info *nv = nghttp2_version(0);
  cJSON_AddStringToObject(t, "name", "h2c-probe");
  cJSON_AddStringToObject(t, "version", H2C_VERSION);
  add_text(t, "libcurl", cv ? cv->version : NULL);
  add_text(t, "nghttp2", nv ? nv->version_str : NULL);
  add_text(t, "cjson", cJSON_Version());
  return t;
}

static cJSON *run_json(const run *r) {
  cJSON *o = cJSON_CreateObject();
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  cJSON_AddStringToObject(o, "started", r->started);
  cJSON_AddStringToObject(o, "finished", r->finished);
  cJSON_AddNumberToObject(o, "duration_ms", (double)r->duration_ms);
  cJSON_AddNumberToObject(o, "timeout_ms", r->timeout_ms);
  cJSON_AddNumberToObject(o, "jobs", r->jobs);
  add_text(o, "host", host[0] ? host : NULL);
  return o;
}

/* Appends U+FFFD, the stand-in for a byte that is not text. */
static int add_replacement(buf *b) { return buf_adds(b, "\xef\xbf\xbd"); }

/* Length of the well-formed UTF-8 sequence at p[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static int utf8_seq_len(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  int len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
          : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len == 0 || (size_t)len > n)
    return 0;
  for (int k = 1; k < len; k++)
    if ((p[k] & 0xc0) != 0x80)
      return 0;
  if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
      (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
    return 0;
  return len;
}

/* A diff is text a person reads, so it is kept as text (newlines as
 * newlines), not escaped bytes: well-formed UTF-8, LF, CR and TAB pass; any
 * other control byte or ill-formed UTF-8 becomes U+FFFD (docs/formats.md). */
static cJSON *patch_item(const char *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  buf b;
  buf_init(&b, 3u * n + 16u);
  int rc = BUF_OK;   /* 3n + 16 holds any n bytes: only out of memory fails */
  for (size_t i = 0; i < n && rc == BUF_OK;) {
    int len = utf8_seq_len(p + i, n - i);
    unsigned char ch = p[i];
    if (len == 1 && ((ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') || ch == 0x7f))
      len = 0;
    if (len == 0) {
      rc = add_replacement(&b);
      i++;
    } else {
      rc = buf_add(&b, p + i, (size_t)len);
      i += (size_t)len;
    }
  }
  /* A patch that could not be copied whole is not shown in part. */
  cJSON *item = rc == BUF_OK ? cJSON_CreateString(b.data ? b.data : "") : cJSON_CreateNull();
  buf_free(&b);
  return item;
}

static cJSON *target_json(const target *t) {
  cJSON *o = cJSON_CreateObject();
  add_text(o, "name", t->name);
  add_text(o, "url", t->url);
  add_text(o, "version", t->version);
  add_text(o, "server_header", t->server_header);
  if (t->patch)
    cJSON_AddItemToObject(o, "patch", patch_item(t->patch, t->patch_len));
  else
    cJSON_AddNullToObject(o, "patch");
  cJSON_AddBoolToObject(o, "patch_truncated", t->patch && t->patch_truncated);
  cJSON *info = t->info_json ? cJSON_Parse(t->info_json) : NULL;
  cJSON_AddItemToObject(o, "info", info ? info : cJSON_CreateObject());
  return o;
}

static cJSON *headers_json(const sc_request *q) {
  cJSON *a = cJSON_CreateArray();
  for (int h = 0; h < q->nheaders; h++) {
    cJSON *pair = cJSON_CreateArray();
    cJSON_AddItemToArray(pair, text_item(q->headers[h].name));
    cJSON_AddItemToArray(pair, text_item(q->headers[h].value));
    cJSON_AddItemToArray(a, pair);
  }
  return a;
}

/* A request's "embedded" list as given ({cell} kept), or null. */
static cJSON *embedded_json(const sc_request *q) {
  if (q->nembedded == 0)
    return cJSON_CreateNull();
  cJSON *a = cJSON_CreateArray();
  for (int k = 0; k < q->nembedded; k++) {
    const sc_embedded *e = &q->embedded[k];
    cJSON *o = cJSON_CreateObject();
    add_text(o, "method", e->method);
    add_text(o, "path", e->path);
    if (e->has_marker)
      add_bytes(o, "marker", e->marker.data, e->marker.len);
    else
      cJSON_AddNullToObject(o, "marker");
    cJSON_AddItemToArray(a, o);
  }
  return a;
}

static cJSON *request_json(const scenario *sc, int i) {
  const sc_request *q = &sc->requests[i];
  cJSON *o = cJSON_CreateObject();
  add_text(o, "connection", q->connection);
  add_text(o, "method", q->method);
  add_text(o, "path", q->path);
  cJSON_AddItemToObject(o, "headers", headers_json(q));
  if (q->has_body)
    add_bytes(o, "body", q->body.data, q->body.len);
  else
    cJSON_AddNullToObject(o, "body");
  if (q->nchunks > 0) {
    cJSON *ch = cJSON_AddArrayToObject(o, "chunks");
    for (int k = 0; k < q->nchunks; k++)
      cJSON_AddItemToArray(ch, bytes_item(q->chunks[k].data, q->chunks[k].len));
  } else {
    cJSON_AddNullToObject(o, "chunks");
  }
  cJSON *ex = cJSON_AddObjectToObject(o, "expect");
  cJSON_AddNumberToObject(ex, "status", q->expect_status);
  if (q->has_expect_body)
    add_bytes(ex, "body", q->expect_body.data, q->expect_body.len);
  else
    cJSON_AddNullToObject(ex, "body");
  cJSON_AddBoolToObject(ex, "body_is_request_body", q->expect_echo);
  if (q->has_after_101) {
    cJSON *a = cJSON_AddObjectToObject(o, "after_101");
    add_bytes(a, "send", q->after_101.data, q->after_101.len);
  } else {
    cJSON_AddNullToObject(o, "after_101");
  }
  cJSON_AddItemToObject(o, "embedded", embedded_json(q));
  add_text(o, "requires", scenario_requires_name(q->requires));
  cJSON_AddNumberToObject(o, "delay_ms", q->delay_ms);
  /* Only the raw engine writes these bytes itself; curl and nghttp2 frame the
   * request their own way (the transcript shows what they sent). */
  buf wire;
  buf_init(&wire, 4u * 1024u * 1024u);
  if (sc->engine == ENGINE_RAW && scenario_request_wire(sc, i, NULL, &wire) == BUF_OK)
    add_bytes(o, "wire", wire.data, wire.len);
  else
    cJSON_AddNullToObject(o, "wire");
  buf_free(&wire);
  return o;
}

static cJSON *scenario_json(const scenario *sc) {
  cJSON *o = cJSON_CreateObject();
  add_text(o, "id", sc->id);
  add_text(o, "title", sc->title);
  add_text(o, "explanation", sc->explanation);
  add_text(o, "correct", sc->correct);
  cJSON_AddItemToObject(o, "rfc", string_array(sc->rfc, sc->nrfc));
  cJSON_AddStringToObject(o, "engine", scenario_engine_name(sc->engine));
  cJSON_AddStringToObject(o, "send", scenario_send_mode_name(sc->send));
  cJSON_AddItemToObject(o, "accept", string_array(sc->accept, sc->naccept));
  cJSON_AddBoolToObject(o, "measure_loss", sc->measure_loss);
  cJSON_AddBoolToObject(o, "regression_guard", sc->regression_guard);
  cJSON_AddStringToObject(o, "audience", sc->private_ ? "private" : "public");
  cJSON_AddItemToObject(o, "unsupported",
                        string_array(sc->unsupported, sc->nunsupported));
  if (sc->control)
    cJSON_AddStringToObject(o, "control", sc->control);
  else
    cJSON_AddNullToObject(o, "control");
  cJSON *na = cJSON_AddArrayToObject(o, "na_status");
  for (int i = 0; i < sc->nna_status; i++)
    cJSON_AddItemToArray(na, cJSON_CreateNumber(sc->na_status[i]));
  if (sc->curl_http_version) {
    cJSON *cu = cJSON_AddObjectToObject(o, "curl");
    add_text(cu, "http_version", sc->curl_http_version);
  } else {
    cJSON_AddNullToObject(o, "curl");
  }
  if (sc->has_calibrate) {
    cJSON *cal = cJSON_AddObjectToObject(o, "calibrate");
    cJSON_AddNumberToObject(cal, "request", sc->cal_request);
    cJSON_AddNumberToObject(cal, "into", sc->cal_into);
  } else {
    cJSON_AddNullToObject(o, "calibrate");
  }
  cJSON *reqs = cJSON_AddArrayToObject(o, "requests");
  for (int i = 0; i < sc->nrequests; i++)
    cJSON_AddItemToArray(reqs, request_json(sc, i));
  return o;
}

static cJSON *exchange_json(const cell *c, int i) {
  const exchange *e = &c->ex[i];
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "request", i);
  add_text(o, "connection", c->sc->requests[i].connection);
  cJSON_AddStringToObject(o, "outcome", exchange_outcome_name(e->outcome));
  int has_status = e->status > 0;
  add_int_or_null(o, "status", e->status, has_status);
  if (has_status)
    add_bytes(o, "reason_phrase", e->reason_phrase, strlen(e->reason_phrase));
  else
    cJSON_AddNullToObject(o, "reason_phrase");
  add_text(o, "http_version", e->http_version[0] ? e->http_version : NULL);
  add_int_or_null(o, "stream_id", e->stream_id, e->stream_id > 0);
  cJSON *hs = cJSON_AddArrayToObject(o, "headers");
  for (int h = 0; h < e->nheaders; h++) {
    cJSON *pair = cJSON_CreateArray();
    const char *n = e->headers[2 * h], *v = e->headers[2 * h + 1];
    cJSON_AddItemToArray(pair, bytes_item(n, strlen(n)));
    cJSON_AddItemToArray(pair, bytes_item(v, strlen(v)));
    cJSON_AddItemToArray(hs, pair);
  }
  add_bytes(o, "body", e->body.data, e->body.len);
  cJSON_AddNumberToObject(o, "body_len", (double)e->body.len);
  cJSON_AddBoolToObject(o, "conn_close", e->conn_close);
  cJSON_AddBoolToObject(o, "new_connection", e->new_connection);
  cJSON_AddNumberToObject(o, "elapsed_ms", (double)e->elapsed_ms);
  add_text(o, "detail", e->detail[0] ? e->detail : NULL);
  return o;
}

static const char *dir_name(tx_dir d) {
  return d == TX_OUT ? "out" : d == TX_IN ? "in" : "note";
}

static cJSON *transcript_json(const transcript *t) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "truncated", t->truncated);
  cJSON *events = cJSON_AddArrayToObject(o, "events");
  for (size_t i = 0; i < t->count; i++) {
    const tx_event *ev = &t->events[i];
    cJSON *e = cJSON_CreateObject();
    add_text(e, "conn", ev->conn);
    cJSON_AddStringToObject(e, "dir", dir_name(ev->dir));
    cJSON_AddNumberToObject(e, "t_ms", (double)ev->t_ms);
    if (ev->dir == TX_NOTE) {
      add_text(e, "text", ev->data ? ev->data : "");
    } else {
      cJSON_AddNumberToObject(e, "offset", (double)ev->offset);
      cJSON_AddNumberToObject(e, "len", (double)ev->len);
      add_bytes(e, "data", ev->data, ev->len);
    }
    cJSON_AddItemToArray(events, e);
  }
  return o;
}

/* How a calibrated scenario was sized for this cell, or null. */
static cJSON *calibration_json(const cell *c) {
  if (!c->cal.done)
    return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "request", c->cal.request);
  cJSON_AddNumberToObject(o, "into", c->cal.into);
  cJSON_AddNumberToObject(o, "head_len", (double)c->cal.head_len);
  add_text(o, "source", c->cal.source);
  return o;
}

static cJSON *cell_json(const cell *c) {
  cJSON *o = cJSON_CreateObject();
  add_text(o, "target", c->tg ? c->tg->name : NULL);
  add_text(o, "scenario", c->sc->id);
  cJSON_AddStringToObject(o, "verdict", verdicts_name(c->verdict));
  if (c->verdict == V_NA)            /* nothing was judged: neither way */
    cJSON_AddNullToObject(o, "ok");
  else
    cJSON_AddBoolToObject(o, "ok", cell_accepted(c));
  add_text(o, "reason", c->reason);
  add_int_or_null(o, "lost_bytes", c->lost_bytes, c->lost_bytes >= 0);
  add_text(o, "loss_evidence", c->lost_bytes >= 0 ? c->loss_evidence : NULL);
  cJSON_AddBoolToObject(o, "upgraded", c->upgraded);
  add_text(o, "tag", c->tag);
  cJSON_AddBoolToObject(o, "security", c->security);
  cJSON *log = c->backend_log ? cJSON_Duplicate(c->backend_log, 1) : NULL;
  cJSON_AddItemToObject(o, "backend_log", log ? log : cJSON_CreateNull());
  cJSON_AddItemToObject(o, "calibration", calibration_json(c));
  cJSON *tm = cJSON_AddObjectToObject(o, "timings");
  cJSON_AddNumberToObject(tm, "start_ms", (double)c->start_ms);
  cJSON_AddNumberToObject(tm, "total_ms", (double)c->total_ms);
  cJSON *ex = cJSON_AddArrayToObject(o, "exchanges");
  for (int i = 0; i < c->sc->nrequests; i++)
    if (c->ex[i].outcome != OUT_PENDING)
      cJSON_AddItemToArray(ex, exchange_json(c, i));
  cJSON_AddItemToObject(o, "transcript", transcript_json(&c->tx));
  return o;
}

/* ok + not_ok + na = cells; n/a is counted apart, as neither. */
static cJSON *summary_json(const run *r) {
  int by[V__COUNT] = {0}, ok = 0, na = 0, security = 0;
  for (int i = 0; i < r->ncells; i++) {
    const cell *c = &r->cells[i];
    by[c->verdict]++;
    security += c->security;
    if (c->verdict == V_NA)
      na++;
    else
      ok += cell_accepted(c);
  }
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "cells", r->ncells);
  cJSON_AddNumberToObject(o, "ok", ok);
  cJSON_AddNumberToObject(o, "not_ok", r->ncells - ok - na);
  cJSON_AddNumberToObject(o, "na", na);
  cJSON_AddNumberToObject(o, "security", security);
  cJSON *bv = cJSON_AddObjectToObject(o, "by_verdict");
  for (int v = 0; v < V__COUNT; v++)
    if (by[v])
      cJSON_AddNumberToObject(bv, verdicts_name((verdict)v), by[v]);
  return o;
}

/* The text is malloc'd (cJSON's default allocator): free() it. */
char *results_to_json(const run *r) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "format", RESULTS_CHECK_FORMAT);
  cJSON_AddItemToObject(root, "tool", tool_json());
  cJSON_AddItemToObject(root, "run", run_json(r));
  cJSON *ts = cJSON_AddArrayToObject(root, "targets");
  for (int i = 0; i < r->ntargets; i++)
    cJSON_AddItemToArray(ts, target_json(&r->targets[i]));
  cJSON *ss = cJSON_AddArrayToObject(root, "scenarios");
  for (int i = 0; i < r->nscenarios; i++)
    cJSON_AddItemToArray(ss, scenario_json(&r->scenarios[i]));
  cJSON *cs = cJSON_AddArrayToObject(root, "cells");
  for (int i = 0; i < r->ncells; i++)
    cJSON_AddItemToArray(cs, cell_json(&r->cells[i]));
  cJSON_AddItemToObject(root, "summary", summary_json(r));
  /* run --attach documents, copied as given (main.c checked them) */
  cJSON *att = r->attachments ? cJSON_Duplicate(r->attachments, 1) : NULL;
  cJSON_AddItemToObject(root, "attachments", att ? att : cJSON_CreateObject());
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

char *results_text(const run *r, size_t *len) {
  char *text = results_to_json(r);
  if (!text)
    return NULL;
  size_t n = strlen(text);
  char *withnl = realloc(text, n + 2);   /* a text file ends with a newline */
  if (!withnl) {
    free(text);
    return NULL;
  }
  withnl[n] = '\n';
  withnl[n + 1] = '\0';
  *len = n + 1;
  return withnl;
}

int results_write(const run *r, const char *path, char *err, size_t errlen) {
  size_t n;
  char *text = results_text(r, &n);
  if (!text) {
    snprintf(err, errlen, "%s: out of memory building the JSON", path);
    return -1;
  }
  int rc = atomic_file_write(path, text, n, err, errlen);
  free(text);
  return rc;
}
