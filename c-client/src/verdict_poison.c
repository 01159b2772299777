/* verdict_poison.c - the verdict "poisoned": a client received the answer to
 * another client's request (response-queue poisoning through a proxy).
 *
 * The idea: a request hidden in a body makes the backend send one more answer
 * than the proxy forwarded requests; a proxy that keeps using that upstream
 * connection hands every later answer on it to the request after the one it
 * belongs to. Whose answer a client got is read from tokens on the wire: a
 * request body that carries the cell's tag identifies that request's echo,
 * and an embedded request's "marker" identifies the hidden request's answer.
 * An answer is foreign when it carries such a token of a request sent on
 * another connection (another client) and its own expected body does not.
 * The backend log, when there is one, adds which hidden request it parsed.
 * Names of targets never count. */
#include "verdict.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "verdict_text.h"

/* Shorter tokens could turn up in an answer by chance. */
#define POISON_MIN_TOKEN 8

/* What request k got that was someone else's: request j's echo (e < 0) or the
 * answer of j's embedded request e. */
typedef struct foreign {
  int k, j, e;
} foreign;

static int bytes_in(const buf *hay, const void *b, size_t n) {
  return n >= POISON_MIN_TOKEN && hay->len >= n && memmem(hay->data, hay->len, b, n);
}

/* Does the answer to request k carry b, which its own expected body does not? */
static int foreign_bytes(const cell *c, int k, const void *b, size_t n) {
  if (c->skipped[k] || c->ex[k].outcome != OUT_ANSWERED || !bytes_in(&c->ex[k].body, b, n))
    return 0;
  buf own;
  buf_init(&own, 1024u * 1024u);
  int mine = verdict_text_expected_body(&c->sc->requests[k], &own) && bytes_in(&own, b, n);
  buf_free(&own);
  return !mine;
}

/* Request j's own token: its body, when the body carries the cell's tag. */
static const buf *echo_token(const cell *c, int j) {
  const sc_request *r = &c->sc->requests[j];
  size_t t = strlen(c->tag);
  if (!r->has_body || t == 0 || r->body.len < t || !memmem(r->body.data, r->body.len, c->tag, t))
    return NULL;
  return &r->body;
}

/* A request for the hidden request's own resource with no body of its own to
 * expect back (a direct GET /admin the proxy should have refused) may get the
 * resource's marker as its own answer; a request expecting a body (its echo)
 * is judged by that body alone. */
static int marker_may_be_own(const sc_request *r, const sc_embedded *e) {
  return verdict_proxy_same_resource(r, e) && !r->has_expect_body && !r->expect_echo;
}

/* Does request k's answer carry a token of request j (another client)? */
static int from_other(const cell *c, int k, int j, foreign *f) {
  const sc_request *rj = &c->sc->requests[j];
  if (j == k || c->skipped[j] || strcmp(rj->connection, c->sc->requests[k].connection) == 0)
    return 0;
  const buf *tok = echo_token(c, j);
  if (tok && foreign_bytes(c, k, tok->data, tok->len)) {
    *f = (foreign){k, j, -1};
    return 1;
  }
  for (int e = 0; e < rj->nembedded; e++) {
    const sc_embedded *em = &rj->embedded[e];
    if (em->has_marker && !marker_may_be_own(&c->sc->requests[k], em) &&
        foreign_bytes(c, k, em->marker.data, em->marker.len)) {
      *f = (foreign){k, j, e};
      return 1;
    }
  }
  return 0;
}

static int find_foreign(const cell *c, foreign *f) {
  for (int k = 0; k < c->sc->nrequests; k++)
    for (int j = 0; j < c->sc->nrequests; j++)
      if (from_other(c, k, j, f))
        return 1;
  return 0;
}

/* "; its own answer went to request 7 on connection v2" */
static void add_own_answer(buf *why, const cell *c, int k) {
  const buf *tok = echo_token(c, k);
  for (int m = 0; tok && m < c->sc->nrequests; m++)
    if (m != k && strcmp(c->sc->requests[m].connection, c->sc->requests[k].connection) != 0 &&
        foreign_bytes(c, m, tok->data, tok->len)) {
      verdict_text_add(why, "; its own answer went to request %d on connection %s", m + 1,
                       c->sc->requests[m].connection);
      return;
    }
}

/* Backend evidence: the log entry of the hidden request, when it has one. */
static void add_log(buf *why, const cell *c, const sc_embedded *e) {
  for (const cJSON *x = c->backend_log ? c->backend_log->child : NULL; x; x = x->next) {
    if (!backend_log_entry_is_request(x) || !backend_log_entry_is(x, "method", e->method) ||
        !backend_log_entry_is(x, "path", e->path))
      continue;
    char port[16];
    backend_log_entry_port(x, port, sizeof port);
    verdict_text_add(why, " (backend log: it parsed that hidden request on upstream "
                     "connection :%s)", port);
    return;
  }
}

static void say_foreign(buf *why, const cell *c, const foreign *f) {
  const scenario *sc = c->sc;
  verdict_text_request_name(why, sc, f->k);
  verdict_text_add(why, " on connection %s got ", sc->requests[f->k].connection);
  verdict_text_answer(why, &c->ex[f->k]);
  if (f->e < 0) {
    verdict_text_adds(why, " — the echo of ");
    verdict_text_request_name(why, sc, f->j);
    verdict_text_add(why, ", another client's (connection %s)", sc->requests[f->j].connection);
  } else {
    const sc_embedded *e = &sc->requests[f->j].embedded[f->e];
    verdict_text_add(why, " — the answer to the %s ", e->method);
    verdict_text_snippet(why, e->path, strlen(e->path));
    verdict_text_add(why, " hidden in the body of request %d on connection %s", f->j + 1,
                     sc->requests[f->j].connection);
    add_log(why, c, e);
  }
  add_own_answer(why, c, f->k);
  verdict_text_adds(why, ": an answer queued for one request was handed to another "
                    "client's");
}

int verdict_proxy_poisoned(const cell *c, buf *why) {
  foreign f;
  if (!find_foreign(c, &f))
    return 0;
  say_foreign(why, c, &f);
  return 1;
}
