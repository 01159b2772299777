/* verdict_proxy.c - the verdicts a reverse proxy makes possible: one client's
 * desync breaking another client's request (cross-client), and a request
 * that only existed inside a body being executed (smuggled).
 *
 * The idea: judge from evidence only. "smuggled" needs a request the probe
 * hid in a body (the scenario marks it: "embedded") showing up where only a
 * parsed request can: in the backend's log of what it parsed, or as its
 * recognisable answer (the embedded entry's "marker") to some other request.
 * "cross-client" needs the first wrong answer on another client connection
 * than the upgrade-bearing request before it, shaped like a desync (an error
 * status, a wrong echo, no answer). Names of targets never count. */
#include "verdict.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "verdict_text.h"

/* The part of a request target before '?': what "the same resource" means. */
static size_t resource_len(const char *path) { return strcspn(path, "?#"); }

int verdict_proxy_same_resource(const sc_request *r, const sc_embedded *e) {
  size_t a = resource_len(r->path), b = resource_len(e->path);
  return strcmp(r->method, e->method) == 0 && a == b && memcmp(r->path, e->path, a) == 0;
}

/* A request of the cell that asks for the embedded resource directly and was
 * refused (4xx): the proxy's own rule for it, quoted as contrast. */
static int refused_directly(const cell *c, const sc_embedded *e) {
  for (int k = 0; k < c->sc->nrequests; k++)
    if (!c->skipped[k] && verdict_proxy_same_resource(&c->sc->requests[k], e) &&
        c->ex[k].outcome == OUT_ANSWERED && c->ex[k].status >= 400 && c->ex[k].status <= 499)
      return k;
  return -1;
}

/* The last upgrade-bearing request sent before request i, or -1. */
static int upgrade_before(const cell *c, int i) {
  for (int u = i - 1; u >= 0; u--)
    if (!c->skipped[u] && scenario_request_is_upgrade(&c->sc->requests[u]))
      return u;
  return -1;
}

/* " on connection a" */
static void add_conn(buf *why, const cell *c, int i) {
  verdict_text_add(why, " on connection %s", c->sc->requests[i].connection);
}

/* When the request that carried the hidden request came from another client
 * than the upgrade offer, say so: that is the cross-client part. */
static void add_other_client(buf *why, const cell *c, int carrier) {
  int u = upgrade_before(c, carrier + 1);
  if (u >= 0 && u != carrier &&
      strcmp(c->sc->requests[u].connection, c->sc->requests[carrier].connection) != 0)
    verdict_text_add(why, "; the upgrade offer (request %d) came from another client, "
               "connection %s", u + 1, c->sc->requests[u].connection);
}

/* A log entry of a parsed request matching the embedded one, or NULL. */
static const cJSON *log_entry_for(const cell *c, const sc_embedded *e) {
  for (const cJSON *x = c->backend_log ? c->backend_log->child : NULL; x; x = x->next)
    if (backend_log_entry_is_request(x) && backend_log_entry_is(x, "method", e->method) &&
        backend_log_entry_is(x, "path", e->path))
      return x;
  return NULL;
}

/* An answered request (not one for the embedded resource itself) whose body
 * carries the marker of e, hidden in request j's body; or -1. Sent one after
 * another, a request is answered before the next one goes out: an answer to
 * a request before j came before the hidden request was sent, so when it
 * carries the marker the server sends the marker whatever it is asked (a
 * canned answer), and the marker is no evidence of anything. */
static int marker_answer(const cell *c, int j, const sc_embedded *e) {
  if (!e->has_marker)
    return -1;
  for (int k = 0; k < c->sc->nrequests; k++) {
    const exchange *x = &c->ex[k];
    if (c->skipped[k] || x->outcome != OUT_ANSWERED ||
        verdict_proxy_same_resource(&c->sc->requests[k], e) || x->body.len < e->marker.len)
      continue;
    if (memmem(x->body.data, x->body.len, e->marker.data, e->marker.len))
      return c->sc->send == SEND_SEQUENTIAL && k < j ? -1 : k;
  }
  return -1;
}

static void add_embedded_name(buf *why, const sc_embedded *e) {
  verdict_text_add(why, "%s ", e->method);
  verdict_text_snippet(why, e->path, strlen(e->path));
}

/* The words for one smuggled request j.e (log entry and/or marker answer k). */
static void say_smuggled(buf *why, const cell *c, int j, const sc_embedded *e,
                         const cJSON *entry, int k) {
  if (entry) {
    char port[16];
    long status = 0;
    backend_log_entry_port(entry, port, sizeof port);
    verdict_text_adds(why, "the backend parsed and served ");
    add_embedded_name(why, e);
    if (backend_log_entry_int(entry, "status", &status))
      verdict_text_add(why, " (answered %ld, upstream connection :%s)", status, port);
    else
      verdict_text_add(why, " (upstream connection :%s)", port);
  } else {
    verdict_text_adds(why, "the answer to ");
    add_embedded_name(why, e);
    verdict_text_adds(why, " reached a client: ");
    verdict_text_request_name(why, c->sc, k);
    add_conn(why, c, k);
    verdict_text_adds(why, " got ");
    verdict_text_answer(why, &c->ex[k]);
  }
  verdict_text_add(why, " — that request only existed inside the body of request %d (%s",
             j + 1, c->sc->requests[j].method);
  verdict_text_add(why, " %.40s)", c->sc->requests[j].path);
  add_conn(why, c, j);
  if (entry && k == j) {
    verdict_text_add(why, "; its answer came back as request %d's", k + 1);
  } else if (entry && k >= 0) {
    verdict_text_add(why, "; its answer came back to request %d", k + 1);
    add_conn(why, c, k);
  }
  int d = refused_directly(c, e);
  if (d >= 0)
    verdict_text_add(why, "; asked for directly (request %d): %d", d + 1, c->ex[d].status);
  add_other_client(why, c, j);
}

int verdict_proxy_smuggled(const cell *c, buf *why) {
  const scenario *sc = c->sc;
  for (int j = 0; j < sc->nrequests; j++) {
    if (c->skipped[j])
      continue;
    for (int n = 0; n < sc->requests[j].nembedded; n++) {
      const sc_embedded *e = &sc->requests[j].embedded[n];
      const cJSON *entry = log_entry_for(c, e);
      int k = marker_answer(c, j, e);
      if (!entry && k < 0)
        continue;
      say_smuggled(why, c, j, e, entry, k);
      return 1;
    }
  }
  return 0;
}

/* No answer, an error status, or the right kind of status with the wrong
 * body: what a request whose start was eaten gets. (A 2xx where a refusal
 * was expected is a different failure, judged by the usual rules.) */
static int desync_shaped(const exchange *e, const sc_request *r) {
  switch (e->outcome) {
  case OUT_TIMEOUT: case OUT_CLOSED: case OUT_RESET: case OUT_BAD_RESPONSE:
  case OUT_TOO_BIG:
    return 1;
  case OUT_ANSWERED:
    return e->status >= 400 || e->status / 100 == r->expect_status / 100;
  default:
    return 0;
  }
}

/* Backend evidence: the upgrade-bearing request's entry shows gevent (or any
 * backend logging it) discarding bytes after the body. */
static void add_overread(buf *why, const cell *c, int u) {
  const sc_request *r = &c->sc->requests[u];
  for (const cJSON *x = c->backend_log ? c->backend_log->child : NULL; x; x = x->next) {
    long over = 0;
    if (!backend_log_entry_is_request(x) || !backend_log_entry_is(x, "method", r->method) ||
        !backend_log_entry_is(x, "path", r->path) ||
        !backend_log_entry_int(x, "overread_len", &over) || over <= 0)
      continue;
    char port[16];
    const char *bytes = backend_log_entry_str(x, "overread");
    backend_log_entry_port(x, port, sizeof port);
    verdict_text_add(why, " (backend log: after request %d's body it discarded %ld more "
               "bytes on upstream connection :%s", u + 1, over, port);
    if (bytes && *bytes)
      verdict_text_add(why, ": `%.40s%s`", bytes, strlen(bytes) > 40 ? "…" : "");
    verdict_text_adds(why, ")");
    return;
  }
}

/* Request i as the backend would have logged it: method, path, the cell's
 * tag, and the body's length when it has one. */
static int logged_as(const cJSON *x, const cell *c, int i) {
  const sc_request *r = &c->sc->requests[i];
  long cl = -1;
  if (!backend_log_entry_is_request(x) || !backend_log_entry_is(x, "method", r->method) ||
      !backend_log_entry_is(x, "path", r->path) || !backend_log_entry_is(x, "cell", c->tag))
    return 0;
  return !r->has_body || !backend_log_entry_int(x, "content_length", &cl) ||
         cl == (long)r->body.len;
}

/* Could a log entry with request i's method, path and body length be another
 * request's of the cell? Then it does not tell which request it was. */
static int ambiguous(const cell *c, int i) {
  const sc_request *r = &c->sc->requests[i];
  for (int j = 0; j < c->sc->nrequests; j++) {
    const sc_request *o = &c->sc->requests[j];
    if (j != i && o->has_body && o->body.len == r->body.len &&
        strcmp(o->method, r->method) == 0 && strcmp(o->path, r->path) == 0)
      return 1;
  }
  return 0;
}

/* The backend log shows request i parsed whole: method, path, tag and the
 * body length as sent, an entry no other request of the cell could have made.
 * Its start was not eaten, so whatever went wrong with its answer (a late
 * one: a stalled host), no desync carried over to it. */
static int backend_parsed_whole(const cell *c, int i) {
  const sc_request *r = &c->sc->requests[i];
  if (!c->backend_log || !c->tag[0] || !r->has_body || ambiguous(c, i))
    return 0;
  for (const cJSON *x = c->backend_log->child; x; x = x->next) {
    long cl = -1;
    if (logged_as(x, c, i) && backend_log_entry_int(x, "content_length", &cl) &&
        cl == (long)r->body.len)
      return 1;
  }
  return 0;
}

int verdict_proxy_cross_client(const cell *c, int i, buf *why) {
  const scenario *sc = c->sc;
  int u = upgrade_before(c, i);
  if (u < 0 || strcmp(sc->requests[u].connection, sc->requests[i].connection) == 0 ||
      !desync_shaped(&c->ex[i], &sc->requests[i]) || backend_parsed_whole(c, i))
    return 0;
  verdict_text_expectation(why, c, i);
  verdict_text_adds(why, " for ");
  verdict_text_request_name(why, sc, i);
  add_conn(why, c, i);
  verdict_text_adds(why, "; ");
  verdict_text_got(why, &c->ex[i]);
  verdict_text_add(why, " — another client: request %d with the upgrade offer came from "
             "connection %s (answered correctly); a reused upstream connection carried "
             "its desync over", u + 1, sc->requests[u].connection);
  add_overread(why, c, u);
  return 1;
}

void verdict_proxy_add_calibration(buf *why, const cell *c, int i) {
  if (!c->cal.done || i != c->cal.request)
    return;
  verdict_text_add(why, " — request %d's body had been sized to request %d's head (%ld "
             "bytes, from the %s), so a server that discards that body a second "
             "time parses request %d's body as a request", c->cal.into + 1, i + 1,
             c->cal.head_len, strcmp(c->cal.source, "wire") == 0 ? "wire" : "backend log",
             i + 1);
}

void verdict_proxy_add_log_absence(buf *why, const cell *c, int i) {
  if (!c->backend_log || !c->tag[0])
    return;
  for (const cJSON *x = c->backend_log->child; x; x = x->next)
    if (logged_as(x, c, i))
      return;
  verdict_text_add(why, " (no backend log entry for request %d: the backend never parsed "
             "it; the answer came from the proxy, or from a backend that had eaten its "
             "start)", i + 1);
}
