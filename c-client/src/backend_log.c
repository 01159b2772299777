/* backend_log.c - fetch and sanitise a backend's request log (backend_log.h).
 *
 * The idea: copy, never trust. Only fields the probe knows are kept, each
 * with its type checked (a string where a string belongs, an integer where a
 * count belongs); strings stay in the escaped-bytes form the backend already
 * uses when they are plain printable ASCII, and are escaped again otherwise,
 * so results.json stays valid, readable and bounded whatever the backend
 * (or something pretending to be it) sends. */
#include "backend_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "clock.h"
#include "escape.h"
#include "http_once.h"
#include "transcript.h"

#ifndef H2C_VERSION
#define H2C_VERSION "0.0.0"
#endif

/* Fields kept, by type (docs/formats.md, "cells[].backend_log"). */
static const char *const string_fields[] = {
    "kind", "server", "peer", "method", "path", "cell", "transfer_encoding",
    "connection", "upgrade", "head", "overread", NULL};
static const char *const int_fields[] = {
    "seq", "conn_seq", "content_length", "head_len", "status", "body_consumed",
    "overread_len", NULL};
static const char *const float_fields[] = {"t_mono", "t_wall", NULL};

/* A JSON number that is a whole count (no libm: |v| < 2^53 first). */
static int is_whole(double v) {
  return isfinite(v) && v > -9007199254740992.0 && v < 9007199254740992.0 &&
         (double)(long long)v == v;
}

static int printable_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
      return 0;
  return 1;
}

/* Length of the escaped-bytes token at s ("\\x41" is 4, "a" is 1). */
static size_t token_len(const char *s) {
  if (s[0] != '\\' || !s[1])
    return 1;
  return s[1] == 'x' && s[2] && s[3] ? 4 : 2;
}

/* A copy of s cut to at most cap bytes, never inside an escape token. */
static char *cut_escaped(const char *s, size_t cap) {
  size_t n = 0;
  while (s[n]) {
    size_t t = token_len(s + n);
    if (n + t > cap)
      break;
    n += t;
  }
  return strndup(s, n);
}

/* The string as the log's escaped bytes: as is when it is plain printable
 * ASCII (the backend's own form), else its bytes escaped; capped. */
static cJSON *string_item(const char *s) {
  buf b;
  buf_init(&b, 4u * BACKEND_LOG_MAX_STRING + 16u);
  const char *src = s;
  if (!printable_ascii(s)) {
    size_t n = strnlen(s, BACKEND_LOG_MAX_STRING);
    escape_bytes(&b, s, n);
    src = b.data ? b.data : "";
  }
  char *cut = cut_escaped(src, BACKEND_LOG_MAX_STRING);
  cJSON *item = cJSON_CreateString(cut ? cut : "");
  free(cut);
  buf_free(&b);
  return item;
}

static int in_list(const char *const *list, const char *key) {
  for (; *list; list++)
    if (strcmp(*list, key) == 0)
      return 1;
  return 0;
}

/* The sanitised value of one known field, or NULL to leave it out. */
static cJSON *field_item(const cJSON *v) {
  const char *key = v->string;
  if (cJSON_IsNull(v))
    return in_list(string_fields, key) || in_list(int_fields, key) ||
                   in_list(float_fields, key)
               ? cJSON_CreateNull()
               : NULL;
  if (in_list(string_fields, key))
    return cJSON_IsString(v) && v->valuestring ? string_item(v->valuestring) : NULL;
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
    return NULL;
  if (in_list(int_fields, key))
    return is_whole(v->valuedouble) ? cJSON_CreateNumber(v->valuedouble) : NULL;
  return in_list(float_fields, key) ? cJSON_CreateNumber(v->valuedouble) : NULL;
}

static cJSON *entry_item(const cJSON *e) {
  cJSON *out = cJSON_CreateObject();
  for (const cJSON *v = e->child; v && out; v = v->next) {
    if (!v->string || cJSON_GetObjectItemCaseSensitive(out, v->string))
      continue;                       /* a repeated key: the first one counts */
    cJSON *item = field_item(v);
    if (item)
      cJSON_AddItemToObject(out, v->string, item);
  }
  return out;
}

cJSON *backend_log_parse(const char *body, size_t n, int *dropped, char *err,
                         size_t errlen) {
  if (dropped)
    *dropped = 0;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(body, n, &end, 0);
  if (!root) {
    snprintf(err, errlen, "not JSON");
    return NULL;
  }
  while (end && end < body + n && strchr(" \t\r\n", *end) && *end)
    end++;
  if (!end || end != body + n) {
    snprintf(err, errlen, "bytes after the JSON document");
    cJSON_Delete(root);
    return NULL;
  }
  const cJSON *list = cJSON_IsArray(root) ? root
                                          : cJSON_GetObjectItemCaseSensitive(root, "entries");
  if (!cJSON_IsArray(list)) {
    snprintf(err, errlen, "neither a list nor an object with an \"entries\" list");
    cJSON_Delete(root);
    return NULL;
  }
  cJSON *out = cJSON_CreateArray();
  int kept = 0;
  for (const cJSON *e = list->child; e && out; e = e->next) {
    if (!cJSON_IsObject(e))
      continue;
    if (kept == BACKEND_LOG_MAX_ENTRIES) {
      if (dropped)
        (*dropped)++;
      continue;
    }
    cJSON_AddItemToArray(out, entry_item(e));
    kept++;
  }
  cJSON_Delete(root);
  if (!out)
    snprintf(err, errlen, "out of memory");
  return out;
}

cJSON *backend_log_fetch(const target *t, const char *tag, int timeout_ms,
                         int64_t deadline_ms,
                         int *dropped, char *err, size_t errlen) {
  if (!t->backend_log_url) {
    snprintf(err, errlen, "the target has no backend_log_url");
    return NULL;
  }
  char req[2048];
  int n = snprintf(req, sizeof req, "GET %s?cell=%s HTTP/1.1\r\nHost: %s\r\n"
                   "User-Agent: h2c-probe/%s\r\nAccept: application/json\r\n"
                   "Connection: close\r\n\r\n", t->log_path, tag, t->log_authority,
                   H2C_VERSION);
  if (n <= 0 || (size_t)n >= sizeof req) {
    snprintf(err, errlen, "the log URL is too long");
    return NULL;
  }
  int64_t until = clock_now_ms() + 2 * (int64_t)timeout_ms;
  http_once h = {t->log_host, t->log_port, timeout_ms,
                 deadline_ms < until ? deadline_ms : until, BACKEND_LOG_MAX_BYTES,
                 NULL, NULL, NULL};
  h1_parser p;
  char why[256];
  cJSON *out = NULL;
  if (!http_once_exchange(&h, req, (size_t)n, &p, why, sizeof why))
    snprintf(err, errlen, "GET %s: %s", t->backend_log_url, why);
  else if (p.resp.status != 200)
    snprintf(err, errlen, "GET %s: answered %d, not 200", t->backend_log_url,
             p.resp.status);
  else if (!(out = backend_log_parse(p.resp.body.data ? p.resp.body.data : "",
                                     p.resp.body.len, dropped, why, sizeof why)))
    snprintf(err, errlen, "GET %s: not a request log: %s", t->backend_log_url, why);
  http1_parse_free(&p);
  return out;
}

/* "closed" of a reset answer ({"closed": N, ...}): 0 when the backend says
 * it closes nothing ("supported": false, lab_backend.py under waitress),
 * -1 when it does not say (absent, not a plain count, not JSON). */
static long reset_closed(const char *body, size_t n) {
  cJSON *root = cJSON_ParseWithLength(body, n);
  long closed = -1;
  if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(root, "supported")))
    closed = 0;
  else if (cJSON_IsObject(root) &&
           !backend_log_entry_int(root, "closed" /* not the verdict */, &closed))
    closed = -1;
  cJSON_Delete(root);
  return closed < 0 ? -1 : closed;
}

int backend_log_reset(const target *t, int timeout_ms, long *closed, char *err,
                  size_t errlen) {
  *closed = -1;
  if (!t->reset_url) {
    snprintf(err, errlen, "the target has no backend_reset_url");
    return -1;
  }
  char req[1536];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
                   "h2c-probe/%s\r\nConnection: close\r\n\r\n", t->reset_path,
                   t->reset_authority, H2C_VERSION);
  if (n <= 0 || (size_t)n >= sizeof req) {
    snprintf(err, errlen, "the reset URL is too long");
    return -1;
  }
  http_once h = {t->reset_host, t->reset_port, timeout_ms,
                 clock_now_ms() + 2 * (int64_t)timeout_ms, BACKEND_RESET_MAX_BYTES, NULL, NULL,
                 NULL};
  h1_parser p;
  char why[256];
  int rc = -1;
  if (!http_once_exchange(&h, req, (size_t)n, &p, why, sizeof why)) {
    snprintf(err, errlen, "GET %s: %s", t->reset_url, why);
  } else if (p.resp.status != 200) {
    snprintf(err, errlen, "GET %s: answered %d, not 200", t->reset_url, p.resp.status);
  } else {
    *closed = reset_closed(p.resp.body.data ? p.resp.body.data : "", p.resp.body.len);
    rc = 0;
  }
  http1_parse_free(&p);
  return rc;
}

const char *backend_log_entry_str(const cJSON *e, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

int backend_log_entry_int(const cJSON *e, const char *key, long *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
  if (!cJSON_IsNumber(v) || !is_whole(v->valuedouble) || v->valuedouble > 1e15 ||
      v->valuedouble < -1e15)
    return 0;
  *out = (long)v->valuedouble;
  return 1;
}

int backend_log_entry_is(const cJSON *e, const char *key, const char *raw) {
  const char *v = backend_log_entry_str(e, key);
  if (!v || !raw)
    return 0;
  buf b;
  buf_init(&b, 4u * strlen(raw) + 16u);
  escape_bytes(&b, raw, strlen(raw));
  int same = strcmp(v, b.data ? b.data : "") == 0;
  buf_free(&b);
  return same;
}

int backend_log_entry_is_request(const cJSON *e) {
  const char *kind = backend_log_entry_str(e, "kind");
  return !kind || strcmp(kind, "request") == 0;
}

void backend_log_entry_port(const cJSON *e, char *out, size_t outlen) {
  const char *peer = backend_log_entry_str(e, "peer");
  const char *colon = peer ? strrchr(peer, ':') : NULL;
  const char *port = colon && colon[1] ? colon + 1 : "?";
  size_t n = strspn(port, "0123456789");
  snprintf(out, outlen, "%.*s", n ? (int)(n > 8 ? 8 : n) : 1, n ? port : "?");
}
