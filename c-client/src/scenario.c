/* scenario.c - loads scenario files (docs/formats.md) and turns a request into
 * the exact HTTP/1.1 bytes the raw engine writes.
 *
 * Validation is strict on purpose: a scenario is an experiment, and a typo
 * (an unknown key, an engine name misspelt, a header given as a string) must
 * stop the run with an error naming the file and the field, never silently
 * become a different experiment. */
#include "scenario.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "escape.h"
#include "json_file.h"
#include "verdicts.h"

#define SC_MAX_BODY (1024u * 1024u)
#define SC_MAX_FILE (1024u * 1024u)
#define SC_MAX_CONNECTIONS 8

/* Where we are while loading, so every error names the file and field. */
typedef struct loader {
  const char *file;
  char *err;
  size_t errlen;
} loader;

static int fail(const loader *L, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const loader *L, const char *field, const char *fmt, ...) {
  char msg[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (field && *field)
    snprintf(L->err, L->errlen, "%s: %s: %s", L->file, field, msg);
  else
    snprintf(L->err, L->errlen, "%s: %s", L->file, msg);
  return -1;
}

/* ---- small validators ------------------------------------------------ */

/* RFC 9110 §5.6.2 tchar: what a method or header name may be made of. */
static int is_tchar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!is_tchar((unsigned char)*s))
      return 0;
  return 1;
}

/* A header value may hold anything but CR, LF and other controls (tab is
 * fine): a value that splits the header line would be a different request. */
static int is_field_value(const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return 0;
  }
  return 1;
}

/* Request target: visible ASCII, no spaces (it sits between two spaces). */
static int is_request_target(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
      return 0;
  return 1;
}

static int is_id(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
      return 0;
  return 1;
}

static int is_label(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= SC_LABEL_LEN)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
      return 0;
  return 1;
}

static int has_header(const sc_request *r, const char *name) {
  for (int i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].name, name) == 0)
      return 1;
  return 0;
}

/* Rejects keys the format does not define: a misspelt key is a mistake. */
static int check_keys(const loader *L, const char *field, const cJSON *obj,
                      const char *const *allowed) {
  for (const cJSON *it = obj->child; it; it = it->next) {
    int known = 0;
    for (const char *const *a = allowed; *a; a++)
      if (strcmp(it->string, *a) == 0)
        known = 1;
    if (!known) {
      char where[160];
      if (field && *field)
        snprintf(where, sizeof where, "%s.%s", field, it->string);
      else
        snprintf(where, sizeof where, "%s", it->string);
      return fail(L, where, "unknown field (see docs/formats.md)");
    }
  }
  return 0;
}

/* Copies a required non-empty string member. */
static int get_string(const loader *L, const cJSON *obj, const char *key,
                      const char *field, int required, char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) {
    if (required)
      return fail(L, field, "missing (a string is required)");
    return 0;
  }
  if (!cJSON_IsString(v) || !v->valuestring)
    return fail(L, field, "expected a string");
  if (!*v->valuestring)
    return fail(L, field, "must not be empty");
  *out = strdup(v->valuestring);
  return *out ? 0 : fail(L, field, "out of memory");
}

static int get_bool(const loader *L, const cJSON *obj, const char *key,
                    const char *field, int *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v)
    return 0;
  if (!cJSON_IsBool(v))
    return fail(L, field, "expected true or false");
  *out = cJSON_IsTrue(v);
  return 0;
}

/* Decodes an escaped-bytes string into b. */
static int get_bytes(const loader *L, const cJSON *v, const char *field, buf *b) {
  if (!cJSON_IsString(v) || !v->valuestring)
    return fail(L, field, "expected a string (escaped bytes)");
  const char *msg = "bad escape";
  buf_init(b, SC_MAX_BODY);
  if (escape_decode(b, v->valuestring, &msg) != 0)
    return fail(L, field, "%s", msg);
  if (!b->data && buf_add(b, "", 0) != BUF_OK)
    return fail(L, field, "out of memory");
  return 0;
}

/* A list of strings, at most max, each passing check (may be NULL). */
static int get_string_list(const loader *L, const cJSON *v, const char *field,
                           char **out, int *n, int max,
                           int (*check)(const char *), const char *what) {
  if (!cJSON_IsArray(v))
    return fail(L, field, "expected a list of strings");
  int count = cJSON_GetArraySize(v);
  if (count > max)
    return fail(L, field, "at most %d entries", max);
  int i = 0;
  for (const cJSON *it = v->child; it; it = it->next, i++) {
    char where[96];
    snprintf(where, sizeof where, "%s[%d]", field, i);
    if (!cJSON_IsString(it) || !*it->valuestring)
      return fail(L, where, "expected a non-empty string");
    if (check && !check(it->valuestring))
      return fail(L, where, "\"%s\" is not %s", it->valuestring, what);
    out[i] = strdup(it->valuestring);
    if (!out[i])
      return fail(L, where, "out of memory");
    *n = i + 1;
  }
  return 0;
}

static int is_verdict_name(const char *s) { return verdicts_lookup(s) != NULL; }

/* No "accept" list: the verdicts that are ok by default (verdicts.c). */
static int accept_default(const loader *L, scenario *sc) {
  for (int v = 0; v < verdicts_count(); v++) {
    if (!verdicts_is_ok((verdict)v))
      continue;
    if (sc->naccept == (int)(sizeof sc->accept / sizeof sc->accept[0]))
      return fail(L, "accept", "too many default verdicts");
    sc->accept[sc->naccept] = strdup(verdicts_name((verdict)v));
    if (!sc->accept[sc->naccept])
      return fail(L, "accept", "out of memory");
    sc->naccept++;
  }
  return 0;
}

/* ---- requests --------------------------------------------------------- */

static int load_headers(const loader *L, const cJSON *v, const char *field,
                        sc_request *r) {
  if (!cJSON_IsArray(v))
    return fail(L, field, "expected a list of [name, value]");
  if (cJSON_GetArraySize(v) > SC_MAX_HEADERS)
    return fail(L, field, "at most %d headers", SC_MAX_HEADERS);
  int i = 0;
  for (const cJSON *h = v->child; h; h = h->next, i++) {
    char where[128];
    snprintf(where, sizeof where, "%s[%d]", field, i);
    if (!cJSON_IsArray(h) || cJSON_GetArraySize(h) != 2 ||
        !cJSON_IsString(h->child) || !cJSON_IsString(h->child->next))
      return fail(L, where, "expected [name, value]");
    const char *name = h->child->valuestring, *value = h->child->next->valuestring;
    if (!is_token(name))
      return fail(L, where, "header name \"%s\" is not a token (RFC 9110 §5.1)",
                  name);
    if (!is_field_value(value))
      return fail(L, where, "header value contains CR, LF or another control byte");
    r->headers[i].name = strdup(name);
    r->headers[i].value = strdup(value);
    r->nheaders = i + 1;
    if (!r->headers[i].name || !r->headers[i].value)
      return fail(L, where, "out of memory");
  }
  return 0;
}

static int load_chunks(const loader *L, const cJSON *v, const char *field,
                       sc_request *r) {
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
    return fail(L, field, "expected a non-empty list of strings (escaped bytes)");
  if (cJSON_GetArraySize(v) > SC_MAX_CHUNKS)
    return fail(L, field, "at most %d chunks", SC_MAX_CHUNKS);
  int i = 0;
  for (const cJSON *c = v->child; c; c = c->next, i++) {
    char where[128];
    snprintf(where, sizeof where, "%s[%d]", field, i);
    r->nchunks = i + 1;
    if (get_bytes(L, c, where, &r->chunks[i]) != 0)
      return -1;
    if (r->chunks[i].len == 0)
      return fail(L, where, "empty chunk: a zero-size chunk ends the body "
                  "(the final 0 chunk is added automatically)");
  }
  return 0;
}

static int load_expect(const loader *L, const cJSON *v, const char *field,
                       sc_request *r) {
  static const char *const keys[] = {"status", "body", "body_is_request_body", NULL};
  if (!cJSON_IsObject(v))
    return fail(L, field, "expected an object {\"status\": ...}");
  if (check_keys(L, field, v, keys) != 0)
    return -1;
  char where[128];
  snprintf(where, sizeof where, "%s.status", field);
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(v, "status");
  if (!st)
    return fail(L, where, "missing (an integer status is required)");
  if (!cJSON_IsNumber(st) || st->valuedouble != (double)st->valueint ||
      st->valueint < 100 || st->valueint > 599)
    return fail(L, where, "expected an integer status 100-599");
  r->expect_status = st->valueint;
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(v, "body");
  if (body) {
    snprintf(where, sizeof where, "%s.body", field);
    if (get_bytes(L, body, where, &r->expect_body) != 0)
      return -1;
    r->has_expect_body = 1;
  }
  snprintf(where, sizeof where, "%s.body_is_request_body", field);
  if (get_bool(L, v, "body_is_request_body", where, &r->expect_echo) != 0)
    return -1;
  if (r->expect_echo && r->has_expect_body)
    return fail(L, field, "give either body or body_is_request_body, not both");
  return 0;
}

/* "after_101": {"send": "<escaped bytes>"}: what the raw engine writes on
 * the connection once it speaks the protocol the 101 switched to. */
static int load_after_101(const loader *L, const cJSON *v, const char *field,
                          sc_request *r) {
  static const char *const keys[] = {"send", NULL};
  char where[128];
  if (!cJSON_IsObject(v))
    return fail(L, field, "expected an object {\"send\": \"<escaped bytes>\"}");
  if (check_keys(L, field, v, keys) != 0)
    return -1;
  const cJSON *send = cJSON_GetObjectItemCaseSensitive(v, "send");
  snprintf(where, sizeof where, "%s.send", field);
  if (!send)
    return fail(L, where, "missing (the bytes to send after the 101)");
  if (get_bytes(L, send, where, &r->after_101) != 0)
    return -1;
  if (r->after_101.len == 0)
    return fail(L, where, "must not be empty");
  r->has_after_101 = 1;
  return 0;
}

/* True when the request's body bytes hold `needle` (body or chunks joined). */
static int body_contains(const sc_request *r, const char *needle) {
  buf b;
  buf_init(&b, SC_MAX_BODY * 2);
  int found = scenario_request_body(r, &b) == BUF_OK && b.len &&
              memmem(b.data, b.len, needle, strlen(needle)) != NULL;
  buf_free(&b);
  return found;
}

/* One "embedded" entry: {"method", "path", "marker"?}. The request line it
 * names must really be in the body, so the annotation cannot drift from the
 * bytes it describes. */
static int load_embedded_one(const loader *L, const cJSON *v, const char *field,
                             sc_request *r, sc_embedded *e) {
  static const char *const keys[] = {"method", "path", "marker", NULL};
  char where[160];
  if (!cJSON_IsObject(v))
    return fail(L, field, "expected an object {\"method\", \"path\"}");
  if (check_keys(L, field, v, keys) != 0)
    return -1;
  snprintf(where, sizeof where, "%s.method", field);
  if (get_string(L, v, "method", where, 1, &e->method) != 0)
    return -1;
  if (!is_token(e->method))
    return fail(L, where, "\"%s\" is not a token (RFC 9110 §9.1)", e->method);
  snprintf(where, sizeof where, "%s.path", field);
  if (get_string(L, v, "path", where, 1, &e->path) != 0)
    return -1;
  if (!is_request_target(e->path))
    return fail(L, where, "expected visible ASCII without spaces");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, "marker");
  snprintf(where, sizeof where, "%s.marker", field);
  if (m) {
    if (get_bytes(L, m, where, &e->marker) != 0)
      return -1;
    if (e->marker.len == 0)
      return fail(L, where, "must not be empty");
    e->has_marker = 1;
  }
  char line[1024];
  snprintf(line, sizeof line, "%s %s HTTP/1.1\r\n", e->method, e->path);
  if (!body_contains(r, line))
    return fail(L, field, "the request's body does not contain the request line "
                "\"%s %s HTTP/1.1\" (CRLF-terminated)", e->method, e->path);
  return 0;
}

static int load_embedded(const loader *L, const cJSON *v, const char *field,
                         sc_request *r) {
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
    return fail(L, field, "expected a non-empty list of {\"method\", \"path\"}");
  if (cJSON_GetArraySize(v) > SC_MAX_EMBEDDED)
    return fail(L, field, "at most %d entries", SC_MAX_EMBEDDED);
  if (!r->has_body && r->nchunks == 0)
    return fail(L, field, "only a request with a body can carry a request in it");
  int i = 0;
  for (const cJSON *it = v->child; it; it = it->next, i++) {
    char where[128];
    snprintf(where, sizeof where, "%s[%d]", field, i);
    r->nembedded = i + 1;
    if (load_embedded_one(L, it, where, r, &r->embedded[i]) != 0)
      return -1;
  }
  return 0;
}

/* "requires": "proxy" | "backend_log" - see docs/formats.md. */
static int load_requires(const loader *L, const cJSON *v, const char *field,
                         sc_request *r) {
  if (!cJSON_IsString(v))
    return fail(L, field, "expected \"proxy\" or \"backend_log\"");
  if (strcmp(v->valuestring, "proxy") == 0)
    r->requires = REQUIRES_PROXY;
  else if (strcmp(v->valuestring, "backend_log") == 0)
    r->requires = REQUIRES_BACKEND_LOG;
  else
    return fail(L, field, "unknown requirement \"%s\" (proxy or backend_log)",
                v->valuestring);
  return 0;
}

static int load_request(const loader *L, const cJSON *v, int idx, sc_request *r) {
  static const char *const keys[] = {"connection", "method", "path", "headers",
                                     "body", "chunks", "expect", "after_101",
                                     "embedded", "requires", "delay_ms", NULL};
  char field[64], where[96];
  snprintf(field, sizeof field, "requests[%d]", idx);
  if (!cJSON_IsObject(v))
    return fail(L, field, "expected an object");
  if (check_keys(L, field, v, keys) != 0)
    return -1;

  char *label = NULL;
  snprintf(where, sizeof where, "%s.connection", field);
  if (get_string(L, v, "connection", where, 0, &label) != 0)
    return -1;
  if (label && !is_label(label)) {
    free(label);
    return fail(L, where, "expected 1-%d letters, digits, - or _", SC_LABEL_LEN - 1);
  }
  snprintf(r->connection, sizeof r->connection, "%s", label ? label : "a");
  free(label);

  snprintf(where, sizeof where, "%s.method", field);
  if (get_string(L, v, "method", where, 1, &r->method) != 0)
    return -1;
  if (!is_token(r->method))
    return fail(L, where, "\"%s\" is not a token (RFC 9110 §9.1)", r->method);
  snprintf(where, sizeof where, "%s.path", field);
  if (get_string(L, v, "path", where, 1, &r->path) != 0)
    return -1;
  if (!is_request_target(r->path))
    return fail(L, where, "expected visible ASCII without spaces");

  const cJSON *h = cJSON_GetObjectItemCaseSensitive(v, "headers");
  snprintf(where, sizeof where, "%s.headers", field);
  if (h && load_headers(L, h, where, r) != 0)
    return -1;

  const cJSON *body = cJSON_GetObjectItemCaseSensitive(v, "body");
  const cJSON *chunks = cJSON_GetObjectItemCaseSensitive(v, "chunks");
  if (body && chunks)
    return fail(L, field, "body and chunks are exclusive");
  snprintf(where, sizeof where, "%s.body", field);
  if (body) {
    if (get_bytes(L, body, where, &r->body) != 0)
      return -1;
    r->has_body = 1;
  }
  snprintf(where, sizeof where, "%s.chunks", field);
  if (chunks && load_chunks(L, chunks, where, r) != 0)
    return -1;

  const cJSON *a101 = cJSON_GetObjectItemCaseSensitive(v, "after_101");
  snprintf(where, sizeof where, "%s.after_101", field);
  if (a101 && load_after_101(L, a101, where, r) != 0)
    return -1;

  const cJSON *emb = cJSON_GetObjectItemCaseSensitive(v, "embedded");
  snprintf(where, sizeof where, "%s.embedded", field);
  if (emb && load_embedded(L, emb, where, r) != 0)
    return -1;
  const cJSON *req = cJSON_GetObjectItemCaseSensitive(v, "requires");
  snprintf(where, sizeof where, "%s.requires", field);
  if (req && load_requires(L, req, where, r) != 0)
    return -1;

  const cJSON *delay = cJSON_GetObjectItemCaseSensitive(v, "delay_ms");
  snprintf(where, sizeof where, "%s.delay_ms", field);
  if (delay && (!cJSON_IsNumber(delay) || delay->valuedouble != (double)delay->valueint ||
                delay->valueint < 0 || delay->valueint > SC_MAX_DELAY_MS))
    return fail(L, where, "expected whole milliseconds 0-%d", SC_MAX_DELAY_MS);
  r->delay_ms = delay ? delay->valueint : 0;

  const cJSON *ex = cJSON_GetObjectItemCaseSensitive(v, "expect");
  snprintf(where, sizeof where, "%s.expect", field);
  if (!ex)
    return fail(L, where, "missing (every request says what a correct server answers)");
  return load_expect(L, ex, where, r);
}

/* after_101 only makes sense where a 101 can hand over a raw stream: the raw
 * engine, an upgrade offer, a 101 expected, an expected echo to compare, and
 * nothing after it on that connection (it no longer speaks HTTP/1.1). */
static int check_after_101(const loader *L, const scenario *sc, int i) {
  const sc_request *r = &sc->requests[i];
  char field[64];
  snprintf(field, sizeof field, "requests[%d].after_101", i);
  if (sc->engine != ENGINE_RAW)
    return fail(L, field, "only the raw engine can send bytes after a 101");
  if (!scenario_request_is_upgrade(r))
    return fail(L, field, "the request must carry an Upgrade header (a 101 "
                "answers an upgrade offer)");
  if (r->expect_status != 101)
    return fail(L, field, "expect.status must be 101");
  if (!r->has_expect_body)
    return fail(L, field, "expect.body must give the bytes a correct server "
                "sends back after the 101");
  for (int j = i + 1; j < sc->nrequests; j++)
    if (strcmp(sc->requests[j].connection, r->connection) == 0)
      return fail(L, field, "must be the last request on connection \"%s\": "
                  "after the 101 it no longer speaks HTTP/1.1", r->connection);
  return 0;
}

/* A skipped request is simply not sent; only the raw engine sends requests
 * one by one, and the first request always goes (verdicts such as n/a and
 * rejected are about it). */
static int check_requires(const loader *L, const scenario *sc, int i) {
  char field[64];
  snprintf(field, sizeof field, "requests[%d].requires", i);
  if (sc->engine != ENGINE_RAW)
    return fail(L, field, "only the raw engine can skip a request");
  if (i == 0)
    return fail(L, field, "the first request always applies");
  return 0;
}

/* A delay separates one request from the answer before it, so only the raw
 * engine sending one request at a time can keep it. */
static int check_delay(const loader *L, const scenario *sc, int i) {
  char field[64];
  snprintf(field, sizeof field, "requests[%d].delay_ms", i);
  if (sc->engine != ENGINE_RAW || sc->send != SEND_SEQUENTIAL)
    return fail(L, field, "only the raw engine sending sequentially can wait "
                "before a request");
  return 0;
}

static int load_requests(const loader *L, const cJSON *v, scenario *sc) {
  if (!v)
    return fail(L, "requests", "missing (a non-empty list is required)");
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
    return fail(L, "requests", "expected a non-empty list of requests");
  if (cJSON_GetArraySize(v) > SC_MAX_REQUESTS)
    return fail(L, "requests", "at most %d requests", SC_MAX_REQUESTS);
  int i = 0;
  for (const cJSON *it = v->child; it; it = it->next, i++) {
    sc->nrequests = i + 1;
    if (load_request(L, it, i, &sc->requests[i]) != 0)
      return -1;
  }
  /* The transcript tracks offsets for a bounded number of connections. */
  int nlabels = 0;
  for (int a = 0; a < sc->nrequests; a++) {
    int seen = 0;
    for (int b = 0; b < a; b++)
      if (strcmp(sc->requests[a].connection, sc->requests[b].connection) == 0)
        seen = 1;
    nlabels += !seen;
  }
  if (nlabels > SC_MAX_CONNECTIONS)
    return fail(L, "requests", "at most %d distinct connections", SC_MAX_CONNECTIONS);
  for (int a = 0; a < sc->nrequests; a++)
    if (sc->requests[a].has_after_101 && check_after_101(L, sc, a) != 0)
      return -1;
  for (int a = 0; a < sc->nrequests; a++)
    if (sc->requests[a].requires && check_requires(L, sc, a) != 0)
      return -1;
  for (int a = 0; a < sc->nrequests; a++)
    if (sc->requests[a].delay_ms && check_delay(L, sc, a) != 0)
      return -1;
  return 0;
}

/* n/a joins the accept list of a scenario that can be not applicable, so a
 * target without the endpoint is never counted as a failure (--strict). */
static int accept_na(const loader *L, scenario *sc) {
  const char *na = verdicts_name(V_NA);
  for (int i = 0; i < sc->naccept; i++)
    if (strcmp(sc->accept[i], na) == 0)
      return 0;
  if (sc->naccept == (int)(sizeof sc->accept / sizeof sc->accept[0]))
    return fail(L, "accept", "no room to add \"%s\" (na_status is given)", na);
  sc->accept[sc->naccept] = strdup(na);
  if (!sc->accept[sc->naccept])
    return fail(L, "accept", "out of memory");
  sc->naccept++;
  return 0;
}

/* "na_status": [404]: request 1 answered with one of these means the target
 * lacks what the scenario needs (an endpoint) - the verdict is n/a. */
static int load_na_status(const loader *L, const cJSON *v, scenario *sc) {
  if (!v)
    return 0;
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
    return fail(L, "na_status", "expected a non-empty list of statuses");
  if (cJSON_GetArraySize(v) > SC_MAX_NA_STATUS)
    return fail(L, "na_status", "at most %d statuses", SC_MAX_NA_STATUS);
  int i = 0;
  for (const cJSON *it = v->child; it; it = it->next, i++) {
    char where[64];
    snprintf(where, sizeof where, "na_status[%d]", i);
    if (!cJSON_IsNumber(it) || it->valuedouble != (double)it->valueint ||
        it->valueint < 100 || it->valueint > 599)
      return fail(L, where, "expected an integer status 100-599");
    if (it->valueint == sc->requests[0].expect_status)
      return fail(L, where, "%d is what request 1 expects; it cannot also mean "
                  "\"not applicable\"", it->valueint);
    sc->na_status[i] = it->valueint;
    sc->nna_status = i + 1;
  }
  return accept_na(L, sc);
}

/* "calibrate": {"request": R, "into": I}: before the run, the probe learns
 * how long request R's head is where it is parsed (the backend log behind a
 * proxy, else the wire) and makes request I's body exactly that long, so a
 * server that discards I's body a second time eats exactly R's head. */
static int get_index(const loader *L, const cJSON *obj, const char *key,
                     const char *field, const scenario *sc, int *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v)
    return fail(L, field, "missing (a request index, from 0)");
  if (!cJSON_IsNumber(v) || v->valuedouble != (double)v->valueint ||
      v->valueint < 0 || v->valueint >= sc->nrequests)
    return fail(L, field, "expected a request index 0-%d", sc->nrequests - 1);
  *out = v->valueint;
  return 0;
}

static int load_calibrate(const loader *L, const cJSON *v, scenario *sc) {
  static const char *const keys[] = {"request", "into", NULL};
  if (!v)
    return 0;
  if (!cJSON_IsObject(v))
    return fail(L, "calibrate", "expected an object {\"request\": R, \"into\": I}");
  if (check_keys(L, "calibrate", v, keys) != 0 ||
      get_index(L, v, "request", "calibrate.request", sc, &sc->cal_request) != 0 ||
      get_index(L, v, "into", "calibrate.into", sc, &sc->cal_into) != 0)
    return -1;
  const sc_request *into = &sc->requests[sc->cal_into];
  if (sc->engine != ENGINE_RAW)
    return fail(L, "calibrate", "only the raw engine sends bodies of a chosen length");
  if (sc->cal_into >= sc->cal_request)
    return fail(L, "calibrate.into", "must come before calibrate.request (its "
                "body is discarded before that request arrives)");
  if (!into->has_body)
    return fail(L, "calibrate.into", "request %d needs a \"body\" (Content-Length "
                "framing) to resize", sc->cal_into);
  if (has_header(into, "Content-Length") || has_header(into, "Transfer-Encoding"))
    return fail(L, "calibrate.into", "request %d must not list Content-Length or "
                "Transfer-Encoding: the probe frames the resized body itself", sc->cal_into);
  if (into->has_expect_body)
    return fail(L, "calibrate.into", "request %d's expect.body would no longer "
                "match a resized body (use body_is_request_body)", sc->cal_into);
  /* A request skipped with its calibrated body is simply not calibrated. */
  if (sc->requests[sc->cal_request].requires != into->requires)
    return fail(L, "calibrate.request", "request %d must be sent whenever request %d "
                "is (no \"requires\", or the same one)", sc->cal_request, sc->cal_into);
  sc->has_calibrate = 1;
  return 0;
}

/* ---- the scenario object ---------------------------------------------- */

/* The file name without directory and ".json": the id must equal it, so a
 * results file always points back at the file that defined the scenario. */
static void file_stem(const char *path, char *out, size_t outlen) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, ".json") == 0)
    n -= 5;
  if (n >= outlen)
    n = outlen - 1;
  memcpy(out, base, n);
  out[n] = '\0';
}

static int load_engine_and_send(const loader *L, const cJSON *root, scenario *sc) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "engine");
  if (!e)
    return fail(L, "engine", "missing (raw, curl or h2)");
  if (!cJSON_IsString(e))
    return fail(L, "engine", "expected a string: raw, curl or h2");
  if (strcmp(e->valuestring, "raw") == 0)
    sc->engine = ENGINE_RAW;
  else if (strcmp(e->valuestring, "curl") == 0)
    sc->engine = ENGINE_CURL;
  else if (strcmp(e->valuestring, "h2") == 0)
    sc->engine = ENGINE_H2;
  else
    return fail(L, "engine", "unknown engine \"%s\" (raw, curl or h2)", e->valuestring);

  const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "send");
  sc->send = SEND_SEQUENTIAL;
  if (s) {
    if (!cJSON_IsString(s))
      return fail(L, "send", "expected a string: sequential or pipelined");
    if (strcmp(s->valuestring, "pipelined") == 0)
      sc->send = SEND_PIPELINED;
    else if (strcmp(s->valuestring, "sequential") != 0)
      return fail(L, "send", "unknown send mode \"%s\" (sequential or pipelined)",
                  s->valuestring);
  }
  if (sc->engine == ENGINE_CURL && sc->send == SEND_PIPELINED)
    return fail(L, "send", "the curl engine sends sequentially only");
  return 0;
}

static int load_curl(const loader *L, const cJSON *root, scenario *sc) {
  static const char *const keys[] = {"http_version", NULL};
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "curl");
  if (!c) {
    if (sc->engine == ENGINE_CURL)
      sc->curl_http_version = strdup("1.1");
    return 0;
  }
  if (sc->engine != ENGINE_CURL)
    return fail(L, "curl", "only meaningful with \"engine\": \"curl\"");
  if (!cJSON_IsObject(c))
    return fail(L, "curl", "expected an object {\"http_version\": ...}");
  if (check_keys(L, "curl", c, keys) != 0)
    return -1;
  if (get_string(L, c, "http_version", "curl.http_version", 1,
                 &sc->curl_http_version) != 0)
    return -1;
  const char *v = sc->curl_http_version;
  if (strcmp(v, "1.1") != 0 && strcmp(v, "2") != 0 &&
      strcmp(v, "2-prior-knowledge") != 0)
    return fail(L, "curl.http_version", "unknown version \"%s\" (1.1, 2 or "
                "2-prior-knowledge)", v);
  return 0;
}

/* "audience": who may read the scenario's cells. "private": it can serve
 * as an exploitation recipe (a request hidden in a body, one client acting
 * on another's requests), so its cells and reproducers go only into
 * security.md and security.html. A request with "embedded" hides a request
 * in a body, so it makes the scenario private; saying "public" then is a
 * contradiction the loader refuses. */
static int load_audience(const loader *L, const cJSON *root, scenario *sc) {
  char *a = NULL;
  if (get_string(L, root, "audience", "audience", 0, &a) != 0)
    return -1;
  int embedded = 0;
  for (int i = 0; i < sc->nrequests; i++)
    embedded |= sc->requests[i].nembedded > 0;
  int rc = 0;
  if (a && strcmp(a, "private") != 0 && strcmp(a, "public") != 0)
    rc = fail(L, "audience", "unknown audience \"%s\" (public or private)", a);
  else if (a && strcmp(a, "public") == 0 && embedded)
    rc = fail(L, "audience", "a scenario with an embedded request hides a "
              "request in a body: it is private, not public");
  sc->private_ = embedded || (a && strcmp(a, "private") == 0);
  free(a);
  return rc;
}

/* A verdict that may stand in "unsupported": not one the scenario accepts,
 * not correct by default, not a security finding, not n/a (already
 * neutral). */
static int unsupported_ok(const loader *L, const scenario *sc, const char *name,
                          const char *where) {
  verdict v;
  if (verdicts_from_name(name, &v) != 0)
    return fail(L, where, "\"%s\" is not a verdict name", name);
  if (verdicts_is_ok(v) || verdicts_is_security(v) || v == V_NA)
    return fail(L, where, "\"%s\" cannot mean \"does not speak this "
                "protocol\" (a correct, security or %s verdict)", name,
                verdicts_name(V_NA));
  for (int i = 0; i < sc->naccept; i++)
    if (strcmp(sc->accept[i], name) == 0)
      return fail(L, where, "\"%s\" is also in accept", name);
  return 0;
}

/* "unsupported": verdicts that mean the target does not speak the
 * scenario's protocol at all (an HTTP/1-only server answering the HTTP/2
 * preface with a 400): the reports show them but list none as a failure. */
static int load_unsupported(const loader *L, const cJSON *root, scenario *sc) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "unsupported");
  if (!v)
    return 0;
  if (get_string_list(L, v, "unsupported", sc->unsupported, &sc->nunsupported, 8,
                      NULL, "") != 0)
    return -1;
  for (int i = 0; i < sc->nunsupported; i++) {
    char where[48];
    snprintf(where, sizeof where, "unsupported[%d]", i);
    if (unsupported_ok(L, sc, sc->unsupported[i], where) != 0)
      return -1;
  }
  return 0;
}

static int load_root(const loader *L, const cJSON *root, scenario *sc) {
  static const char *const keys[] = {"id", "title", "explanation", "correct",
                                     "rfc", "engine", "send", "accept",
                                     "measure_loss", "curl", "requests",
                                     "na_status", "calibrate", "regression_guard",
                                     "audience", "unsupported", "control", NULL};
  if (!cJSON_IsObject(root))
    return fail(L, NULL, "expected a JSON object");
  if (check_keys(L, NULL, root, keys) != 0)
    return -1;
  if (get_string(L, root, "id", "id", 1, &sc->id) != 0)
    return -1;
  if (!is_id(sc->id))
    return fail(L, "id", "\"%s\" must be [a-z0-9-]+", sc->id);
  char stem[256];
  file_stem(L->file, stem, sizeof stem);
  if (strcmp(stem, sc->id) != 0)
    return fail(L, "id", "\"%s\" must equal the file name (%s.json)", sc->id, sc->id);
  if (get_string(L, root, "title", "title", 1, &sc->title) != 0 ||
      get_string(L, root, "explanation", "explanation", 1, &sc->explanation) != 0 ||
      get_string(L, root, "correct", "correct", 1, &sc->correct) != 0)
    return -1;
  const cJSON *rfc = cJSON_GetObjectItemCaseSensitive(root, "rfc");
  if (rfc && get_string_list(L, rfc, "rfc", sc->rfc, &sc->nrfc, 8, NULL, "") != 0)
    return -1;
  if (load_engine_and_send(L, root, sc) != 0)
    return -1;
  const cJSON *acc = cJSON_GetObjectItemCaseSensitive(root, "accept");
  if (acc) {
    if (get_string_list(L, acc, "accept", sc->accept, &sc->naccept, 8,
                        is_verdict_name, "a verdict name") != 0)
      return -1;
    if (sc->naccept == 0)
      return fail(L, "accept", "must list at least one verdict");
  } else if (accept_default(L, sc) != 0) {
    return -1;
  }
  if (get_bool(L, root, "regression_guard", "regression_guard",
               &sc->regression_guard) != 0)
    return -1;
  if (get_string(L, root, "control", "control", 0, &sc->control) != 0)
    return -1;
  if (sc->control && (!is_id(sc->control) || strcmp(sc->control, sc->id) == 0))
    return fail(L, "control", "\"%s\" must be another scenario's id ([a-z0-9-]+)",
                sc->control);
  if (get_bool(L, root, "measure_loss", "measure_loss", &sc->measure_loss) != 0)
    return -1;
  if (sc->measure_loss && sc->engine != ENGINE_RAW)
    return fail(L, "measure_loss", "only the raw engine can measure loss");
  if (load_curl(L, root, sc) != 0)
    return -1;
  if (load_requests(L, cJSON_GetObjectItemCaseSensitive(root, "requests"), sc) != 0 ||
      load_calibrate(L, cJSON_GetObjectItemCaseSensitive(root, "calibrate"), sc) != 0)
    return -1;
  if (load_na_status(L, cJSON_GetObjectItemCaseSensitive(root, "na_status"), sc) != 0)
    return -1;
  return load_audience(L, root, sc) != 0 ? -1 : load_unsupported(L, root, sc);
}

int scenario_load_file(const char *path, scenario *sc, char *err, size_t errlen) {
  memset(sc, 0, sizeof *sc);
  loader L = {path, err, errlen};
  cJSON *root = json_file_load(path, SC_MAX_FILE, err, errlen);
  if (!root)
    return -1;
  int rc = load_root(&L, root, sc);
  cJSON_Delete(root);
  if (rc == 0) {
    sc->source_path = strdup(path);
    if (!sc->source_path)
      rc = fail(&L, NULL, "out of memory");
  }
  if (rc != 0)
    scenario_free(sc);
  return rc;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted *.json file names of dir (hidden files skipped). */
int scenario_list_dir(const char *dir, char ***names, int *n, char *err, size_t errlen) {
  DIR *d = opendir(dir);
  if (!d) {
    snprintf(err, errlen, "%s: cannot open scenario directory", dir);
    return -1;
  }
  struct dirent *de;
  int cap = 0;
  *names = NULL;
  *n = 0;
  while ((de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);
    if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
      continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 32;
      char **p = realloc(*names, (size_t)cap * sizeof *p);
      if (!p)
        break;
      *names = p;
    }
    (*names)[*n] = strdup(de->d_name);
    if ((*names)[*n])
      (*n)++;
  }
  closedir(d);
  if (*n > 1)
    qsort(*names, (size_t)*n, sizeof **names, cmp_names);
  return 0;
}

/* The headers that make a request upgrade-bearing (RFC 9110 §7.6.1, §7.8;
 * RFC 7540 §3.2.1): what a control leaves out. */
static int is_upgrade_header(const char *name) {
  return strcasecmp(name, "Connection") == 0 || strcasecmp(name, "Upgrade") == 0 ||
         strcasecmp(name, "HTTP2-Settings") == 0;
}

/* Request b's next header at or after *k that is not an upgrade header. */
static const sc_header *next_plain(const sc_request *r, int *k) {
  while (*k < r->nheaders && is_upgrade_header(r->headers[*k].name))
    (*k)++;
  return *k < r->nheaders ? &r->headers[(*k)++] : NULL;
}

static int same_bytes(const buf *a, const buf *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Are a and b the same request once the upgrade headers are left out of
 * both (method, path, connection, the other headers in order, the body)? */
static int same_but_upgrade(const sc_request *a, const sc_request *b) {
  if (strcmp(a->method, b->method) || strcmp(a->path, b->path) ||
      strcmp(a->connection, b->connection) || a->has_body != b->has_body ||
      a->nchunks != b->nchunks || !same_bytes(&a->body, &b->body))
    return 0;
  for (int k = 0; k < a->nchunks; k++)
    if (!same_bytes(&a->chunks[k], &b->chunks[k]))
      return 0;
  int ka = 0, kb = 0;
  for (;;) {
    const sc_header *ha = next_plain(a, &ka), *hb = next_plain(b, &kb);
    if (!ha || !hb)
      return ha == hb;
    if (strcmp(ha->name, hb->name) || strcmp(ha->value, hb->value))
      return 0;
  }
}

/* A scenario's "control" names a scenario of the same directory that sends
 * the same requests the same way without the upgrade headers (Connection,
 * Upgrade, HTTP2-Settings), and has no control of its own: so "fails the
 * control the same way" can only mean "not caused by the upgrade headers". */
static const char *control_mismatch(const scenario *sc, const scenario *ctl) {
  if (ctl->control)
    return "has a control of its own (a control is the plain form, one level only)";
  if (sc->engine != ctl->engine || sc->send != ctl->send ||
      sc->nrequests != ctl->nrequests)
    return "is not sent like it (engine, send mode, number of requests)";
  for (int i = 0; i < sc->nrequests; i++)
    if (!same_but_upgrade(&sc->requests[i], &ctl->requests[i]))
      return "sends other requests than it once the upgrade headers (Connection, "
             "Upgrade, HTTP2-Settings) are left out";
  return NULL;
}
static int check_controls(const char *dir, const scenario *list, int n, char *err,
                          size_t errlen) {
  for (int i = 0; i < n; i++) {
    if (!list[i].control)
      continue;
    int k = 0;
    while (k < n && strcmp(list[k].id, list[i].control) != 0)
      k++;
    if (k == n) {
      snprintf(err, errlen, "%s: control: \"%s\" is no scenario in %s",
               list[i].source_path, list[i].control, dir);
      return -1;
    }
    const char *why = control_mismatch(&list[i], &list[k]);
    if (why) {
      snprintf(err, errlen, "%s: control: \"%s\" %s", list[i].source_path,
               list[i].control, why);
      return -1;
    }
  }
  return 0;
}

int scenario_load_dir(const char *dir, scenario **out, char *err, size_t errlen) {
  char **names;
  int n;
  *out = NULL;
  if (scenario_list_dir(dir, &names, &n, err, errlen) != 0)
    return -1;
  if (n > SC_MAX_SCENARIOS) {
    snprintf(err, errlen, "%s: %d scenario files, more than the %d a run may hold",
             dir, n, SC_MAX_SCENARIOS);
    for (int i = 0; i < n; i++)
      free(names[i]);
    free(names);
    return -1;
  }
  scenario *list = n ? calloc((size_t)n, sizeof *list) : NULL;
  int loaded = 0, rc = 0;
  if (n && !list) {
    snprintf(err, errlen, "%s: out of memory", dir);
    rc = -1;
  }
  for (int i = 0; rc == 0 && i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (scenario_load_file(path, &list[i], err, errlen) != 0)
      rc = -1;
    else
      loaded++;
  }
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
  if (rc == 0)
    rc = check_controls(dir, list, n, err, errlen);
  if (rc != 0) {
    scenario_free_all(list, loaded);
    return -1;
  }
  *out = list;
  return n;
}

static void request_free(sc_request *r) {
  free(r->method);
  free(r->path);
  for (int i = 0; i < r->nheaders; i++) {
    free(r->headers[i].name);
    free(r->headers[i].value);
  }
  buf_free(&r->body);
  for (int i = 0; i < r->nchunks; i++)
    buf_free(&r->chunks[i]);
  buf_free(&r->expect_body);
  buf_free(&r->after_101);
  for (int i = 0; i < r->nembedded; i++) {
    free(r->embedded[i].method);
    free(r->embedded[i].path);
    buf_free(&r->embedded[i].marker);
  }
}

void scenario_free(scenario *sc) {
  if (!sc)
    return;
  free(sc->id);
  free(sc->title);
  free(sc->explanation);
  free(sc->correct);
  for (int i = 0; i < sc->nrfc; i++)
    free(sc->rfc[i]);
  for (int i = 0; i < sc->naccept; i++)
    free(sc->accept[i]);
  for (int i = 0; i < sc->nunsupported; i++)
    free(sc->unsupported[i]);
  free(sc->curl_http_version);
  free(sc->control);
  for (int i = 0; i < sc->nrequests; i++)
    request_free(&sc->requests[i]);
  free(sc->source_path);
  memset(sc, 0, sizeof *sc);
}

void scenario_free_all(scenario *list, int n) {
  for (int i = 0; list && i < n; i++)
    scenario_free(&list[i]);
  free(list);
}

/* ---- wire bytes --------------------------------------------------------- */

/* Appends value with every "{authority}" replaced (kept when authority is
 * NULL, which is how results.json shows the bytes independent of a target). */
int scenario_subst_authority(buf *out, const char *value, const char *authority) {
  static const char ph[] = "{authority}";
  const char *p = value, *hit;
  int rc = BUF_OK;
  while (rc == BUF_OK && authority && (hit = strstr(p, ph)) != NULL) {
    rc = buf_add(out, p, (size_t)(hit - p));
    if (rc == BUF_OK)
      rc = buf_adds(out, authority);
    p = hit + sizeof ph - 1;
  }
  return rc == BUF_OK ? buf_adds(out, p) : rc;
}

static int add_chunked_body(buf *out, const sc_request *r) {
  int rc = BUF_OK;
  for (int i = 0; rc == BUF_OK && i < r->nchunks; i++) {
    rc = buf_printf(out, "%zx\r\n", r->chunks[i].len);
    if (rc == BUF_OK)
      rc = buf_add(out, r->chunks[i].data, r->chunks[i].len);
    if (rc == BUF_OK)
      rc = buf_adds(out, "\r\n");
  }
  return rc == BUF_OK ? buf_adds(out, "0\r\n\r\n") : rc;
}

int scenario_request_wire(const scenario *sc, int i, const char *authority,
                          buf *out) {
  if (i < 0 || i >= sc->nrequests)
    return BUF_TOO_BIG;
  const sc_request *r = &sc->requests[i];
  int rc = buf_printf(out, "%s %s HTTP/1.1\r\n", r->method, r->path);
  for (int h = 0; rc == BUF_OK && h < r->nheaders; h++) {
    rc = buf_printf(out, "%s: ", r->headers[h].name);
    if (rc == BUF_OK)
      rc = scenario_subst_authority(out, r->headers[h].value, authority);
    if (rc == BUF_OK)
      rc = buf_adds(out, "\r\n");
  }
  int listed_te = has_header(r, "Transfer-Encoding");
  if (rc == BUF_OK && r->has_body && !listed_te && !has_header(r, "Content-Length"))
    rc = buf_printf(out, "Content-Length: %zu\r\n", r->body.len);
  if (rc == BUF_OK && r->nchunks > 0 && !listed_te)
    rc = buf_adds(out, "Transfer-Encoding: chunked\r\n");
  if (rc == BUF_OK)
    rc = buf_adds(out, "\r\n");
  if (rc == BUF_OK && r->has_body)
    rc = buf_add(out, r->body.data, r->body.len);
  if (rc == BUF_OK && r->nchunks > 0)
    rc = add_chunked_body(out, r);
  return rc;
}

int scenario_request_body(const sc_request *r, buf *out) {
  int rc = BUF_OK;
  if (r->has_body)
    rc = buf_add(out, r->body.data, r->body.len);
  for (int i = 0; rc == BUF_OK && i < r->nchunks; i++)
    rc = buf_add(out, r->chunks[i].data, r->chunks[i].len);
  if (rc == BUF_OK && !out->data)
    rc = buf_add(out, "", 0);   /* always a valid (empty) string */
  return rc;
}

int scenario_request_is_upgrade(const sc_request *r) {
  return has_header(r, "Upgrade");
}

size_t scenario_request_head_len(const scenario *sc, int i, const char *authority) {
  buf wire;
  buf_init(&wire, 4u * 1024u * 1024u);
  size_t n = 0;
  if (scenario_request_wire(sc, i, authority, &wire) == BUF_OK && wire.len) {
    const char *end = memmem(wire.data, wire.len, "\r\n\r\n", 4);
    n = end ? (size_t)(end - wire.data) + 4 : 0;
  }
  buf_free(&wire);
  return n;
}

const char *scenario_requires_name(sc_requires r) {
  switch (r) {
  case REQUIRES_NONE: return NULL;
  case REQUIRES_PROXY: return "proxy";
  case REQUIRES_BACKEND_LOG: return "backend_log";
  }
  return NULL;
}

const char *scenario_engine_name(engine_kind e) {
  switch (e) {
  case ENGINE_RAW: return "raw";
  case ENGINE_CURL: return "curl";
  case ENGINE_H2: return "h2";
  }
  return "?";
}

const char *scenario_send_mode_name(send_mode s) {
  return s == SEND_PIPELINED ? "pipelined" : "sequential";
}
