/* verdict.c - from a cell's exchanges to one verdict and one line a person
 * understands, in the style of h2spec: what was expected, for which request,
 * and what came back ("expected 200 with body `abc` for request 2 (POST
 * /echo); got `400 Bad Request`").
 *
 * The idea: walk the requests in order; the first one not answered as
 * expected decides, because everything after it on that connection is a
 * consequence. Only the parsed exchanges (and the backend's log) count, never
 * the transcript (which may be cut) and never the target's name. Three rules
 * come first: a scenario with na_status whose first request gets one of those
 * statuses is n/a (the target lacks what it needs; nothing is judged); an
 * answer carrying another client's token is poisoned (verdict_poison.c); a
 * request hidden in a body that was parsed is smuggled, and a first failure
 * on another client's connection is cross-client (verdict_proxy.c). Skipped
 * requests ("requires" unmet) were never sent and are not judged. */
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "target.h"
#include "verdict_text.h"

#define REASON_MAX 499       /* one line, under 500 bytes */
#define MIN_FRAGMENT 6       /* shortest quote that counts as evidence */
#define INFER_MAX_WIRE 4096  /* bounded work for the inference */
#define INFER_MAX_HAY 2048

int verdict_exchange_ok(const cell *c, int i, char *why, size_t whylen) {
  const exchange *e = &c->ex[i];
  const sc_request *r = &c->sc->requests[i];
  int ok = e->outcome == OUT_ANSWERED && e->status == r->expect_status;
  if (ok) {
    buf want;
    buf_init(&want, 1024u * 1024u);
    if (verdict_text_expected_body(r, &want))
      ok = want.len == e->body.len &&
           (want.len == 0 || memcmp(want.data, e->body.data, want.len) == 0);
    buf_free(&want);
  }
  if (why && whylen) {
    why[0] = '\0';
    if (!ok) {
      buf b;
      buf_init(&b, 4096);
      verdict_text_got(&b, e);
      snprintf(why, whylen, "%s", b.data ? b.data : "");
      buf_free(&b);
    }
  }
  return ok;
}

int verdict_first_failure(const cell *c) {
  for (int i = 0; i < c->sc->nrequests; i++)
    if (!c->skipped[i] && !verdict_exchange_ok(c, i, NULL, 0))
      return i;
  return -1;
}

/* ---- lost bytes ------------------------------------------------------- */

static size_t common_run(const char *hay, size_t hn, const char *w, size_t wn) {
  size_t len = 0;
  while (len < wn && memmem(hay, hn, w, len + 1))
    len++;
  return len;
}

/* Plain words ("request", "Bad Request") turn up in any error prose; a quote
 * of wire bytes worth believing holds something else too (a '/', a digit, a
 * CR...). */
static int only_words(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == ' '))
      return 0;
  return 1;
}

/* When an error answer quotes request i from byte k > 0 (a server that ate
 * k bytes parses what follows as a request line and often says so), k is a
 * good guess for the loss. The longest quote wins; a quote from byte 0 means
 * nothing was lost. The reason phrase counts only when it is not a plain
 * phrase. Returns k, or -1. */
static long infer_lost(const cell *c, int i, char *quote, size_t quotelen) {
  const exchange *e = &c->ex[i];
  if (e->outcome != OUT_ANSWERED || e->status == c->sc->requests[i].expect_status)
    return -1;
  buf wire, hay;
  buf_init(&wire, INFER_MAX_WIRE);
  buf_init(&hay, INFER_MAX_HAY + 256);
  long best_k = -1;
  size_t best_len = 0;
  const char *auth = c->tg ? c->tg->authority : NULL;
  int rc = BUF_OK;
  if (!only_words(e->reason_phrase, strlen(e->reason_phrase)))
    rc = buf_adds(&hay, e->reason_phrase);
  if (rc == BUF_OK)
    rc = buf_adds(&hay, "\n");
  if (rc == BUF_OK)
    rc = buf_add(&hay, e->body.data, e->body.len > INFER_MAX_HAY ? INFER_MAX_HAY : e->body.len);
  if (rc == BUF_OK && scenario_request_wire(c->sc, i, auth, &wire) == BUF_OK && hay.data) {
    for (size_t k = 0; k + MIN_FRAGMENT <= wire.len; k++) {
      size_t len = common_run(hay.data, hay.len, wire.data + k, wire.len - k);
      if (len >= MIN_FRAGMENT && len > best_len && !only_words(wire.data + k, len)) {
        best_len = len;
        best_k = (long)k;
      }
    }
  }
  if (best_k > 0 && quote) {
    buf q;
    buf_init(&q, 512);
    verdict_text_snippet(&q, wire.data + best_k, best_len);
    snprintf(quote, quotelen, "%s", q.data ? q.data : "");
    buf_free(&q);
  }
  buf_free(&wire);
  buf_free(&hay);
  return best_k > 0 ? best_k : -1;
}

/* Bytes request i puts on the wire (0 when they cannot be built). */
static size_t request_wire_len(const cell *c, int i) {
  buf wire;
  buf_init(&wire, 1024u * 1024u);
  scenario_request_wire(c->sc, i, c->tg ? c->tg->authority : NULL, &wire);
  size_t n = wire.len;
  buf_free(&wire);
  return n;
}

static void add_loss(buf *out, const cell *c, int i, int p) {
  if (p < 0)
    return;
  if (c->lost_bytes >= 0) {
    size_t wire_len = request_wire_len(c, i);
    if (wire_len > 0 && (size_t)c->lost_bytes > wire_len)
      verdict_text_add(out, " — the server read %ld more bytes as the body of request %d: "
                 "all %zu bytes of request %d, then it waits for %zu more (confirmed: ",
                 c->lost_bytes, p + 1, wire_len, i + 1,
                 (size_t)c->lost_bytes - wire_len);
    else
      verdict_text_add(out, " — the first %ld bytes of request %d were consumed as the "
                 "body of request %d (confirmed: ", c->lost_bytes, i + 1, p + 1);
    verdict_text_words(out, c->loss_evidence);
    verdict_text_adds(out, ")");
    return;
  }
  char quote[256];
  long k = infer_lost(c, i, quote, sizeof quote);
  if (c->loss_seen[0]) {          /* the check ran and refuted or could not */
    verdict_text_adds(out, " — ");         /* confirm a count: none is guessed either, */
    verdict_text_words(out, c->loss_seen);   /* the quote is only quoted */
    if (k > 0)
      verdict_text_add(out, "; the answer quotes request %d from byte %ld: `%s`", i + 1, k,
                 quote);
    return;
  }
  if (k > 0)
    verdict_text_add(out, " — the first %ld bytes of request %d seem to have been "
               "consumed as the body of request %d (inferred: the answer quotes "
               "request %d from byte %ld: `%s`)", k, i + 1, p + 1, i + 1, k, quote);
}

/* A server that reads request p's body a second time waits for that many
 * bytes; when request i is shorter, it can never answer. */
static void add_hang_hint(buf *out, const cell *c, int i, int p) {
  if (p < 0)
    return;
  buf body, wire;
  buf_init(&body, 1024u * 1024u);
  buf_init(&wire, 1024u * 1024u);
  scenario_request_body(&c->sc->requests[p], &body);
  scenario_request_wire(c->sc, i, c->tg ? c->tg->authority : NULL, &wire);
  if (body.len > wire.len)
    verdict_text_add(out, " — request %d's body (%zu bytes) is longer than request %d "
               "(%zu bytes): a server reading that body again is still waiting "
               "for the rest of it", p + 1, body.len, i + 1, wire.len);
  buf_free(&body);
  buf_free(&wire);
}

/* ---- the decision ------------------------------------------------------- */

/* Request i was answered wrongly with nothing earlier answered on its
 * connection (or on an HTTP/2 stream): no boundary can have been lost before
 * it. What the later requests on the connection got says whether it stayed
 * in sync; it is stated, not used to guess a desync (a server may answer
 * both of two requests wrongly for one reason). */
static verdict wrong_answer(buf *why, const cell *c, int i) {
  const scenario *sc = c->sc;
  for (int j = i + 1; j < sc->nrequests; j++) {
    if (c->skipped[j] || strcmp(sc->requests[j].connection, sc->requests[i].connection))
      continue;
    if (verdict_exchange_ok(c, j, NULL, 0))
      verdict_text_add(why, " — request %d after it on the same connection was answered "
                 "as expected: the connection stayed in sync", j + 1);
    else if (c->ex[j].outcome == OUT_ANSWERED)
      verdict_text_add(why, " — request %d after it on the same connection was answered "
                 "wrongly too (%d)", j + 1, c->ex[j].status);
    break;
  }
  return V_WRONG_ANSWER;
}

/* The protocol request i was sent in, in words. */
static const char *spoken(const cell *c) {
  return c->sc->engine == ENGINE_H2 ? "HTTP/2 with prior knowledge" : "HTTP/1.1";
}

/* The value of request i's Upgrade header as the scenario gives it. */
static const char *upgrade_token(const sc_request *r) {
  for (int h = 0; h < r->nheaders; h++)
    if (strcasecmp(r->headers[h].name, "Upgrade") == 0)
      return r->headers[h].value;
  return "the protocol it asked for";
}

/* A peer that does not speak the scenario's protocol at all: nothing about
 * request boundaries can be judged, so the cell is n/a (neither a pass nor a
 * failure), and the reason names what it speaks. Two shapes, from the wire:
 * the first answer on a connection came in another protocol (an HTTP/2-only
 * server's SETTINGS frame to HTTP/1.1 bytes, an HTTP/1.1 status line to the
 * HTTP/2 preface); or a request that asked to switch protocols and expects
 * the 101 was answered normally, in HTTP/1.1 (RFC 9110 §7.8: a server may
 * ignore Upgrade), so the protocol the scenario goes on to speak is not
 * there. */
static int other_protocol(const cell *c, int i, buf *why) {
  const exchange *e = &c->ex[i];
  const sc_request *r = &c->sc->requests[i];
  if (e->speaks[0] && verdict_text_prev_on_conn(c, i) < 0) {
    int name_len = (int)strcspn(e->speaks, " ");   /* "HTTP/2 (a SETTINGS frame)" */
    verdict_text_add(why, "request %d (%s %.60s) was answered in %s, not %s: the server "
               "speaks %.*s on this port, so this scenario does not apply", i + 1,
               r->method, r->path, e->speaks, spoken(c), name_len, e->speaks);
    return 1;
  }
  if (r->expect_status == 101 && e->sent_upgrade && e->outcome == OUT_ANSWERED &&
      e->status >= 200 && e->status <= 399 && e->http_version[0] == '1') {
    verdict_text_add(why, "the server declined the upgrade to %.40s and answered request "
               "%d (%s %.60s) normally, `%d", upgrade_token(r), i + 1, r->method,
               r->path, e->status);
    if (e->reason_phrase[0]) {
      verdict_text_adds(why, " ");
      verdict_text_snippet(why, e->reason_phrase, strlen(e->reason_phrase));
    }
    verdict_text_add(why, "` over HTTP/%s (RFC 9110 §7.8 lets it ignore Upgrade): it "
               "does not speak %.40s here, so this scenario does not apply",
               e->http_version, upgrade_token(r));
    return 1;
  }
  return 0;
}

/* Request i got a wrong or unparseable answer over HTTP/1.x: a desync when
 * something before it on its connection was answered (request p, or the 101
 * whose switched stream is the follow-up), else a wrong answer. */
static verdict lost_boundary(buf *why, const cell *c, int i, int p) {
  if (c->sc->requests[i].has_after_101 && c->ex[i].status == 101) {
    verdict_text_adds(why, " — after its 101 the bytes sent on the switched connection "
             "(a follow-up on it) got other bytes back: the server still read "
             "them as HTTP/1.1, or lost where they began");
    return V_DESYNC;
  }
  if (p < 0)
    return wrong_answer(why, c, i);
  add_loss(why, c, i, p);
  verdict_proxy_add_log_absence(why, c, i);
  verdict_proxy_add_calibration(why, c, i);
  return V_DESYNC;
}

static verdict decide_failure(const cell *c, int i, buf *why) {
  const exchange *e = &c->ex[i];
  int p = verdict_text_prev_on_conn(c, i);
  int announced = p >= 0 && c->ex[p].conn_close;
  verdict_text_expectation(why, c, i);
  verdict_text_adds(why, " for ");
  verdict_text_request_name(why, c->sc, i);
  verdict_text_adds(why, "; ");
  verdict_text_got(why, e);
  switch (e->outcome) {
  case OUT_CONNECT_FAILED:
  case OUT_PENDING:
    return V_ERROR;
  case OUT_TIMEOUT:
    if (c->lost_bytes >= 0) {
      add_loss(why, c, i, p);
    } else {
      add_hang_hint(why, c, i, p);
      if (c->loss_seen[0])
        add_loss(why, c, i, p);
    }
    return V_HANG;
  case OUT_NOT_SENT:
  case OUT_CLOSED:
  case OUT_RESET:
    if (announced) {
      if (strcmp(c->ex[p].http_version, "2") == 0)
        verdict_text_add(why, " — after answering request %d the server sent GOAWAY: "
                   "no new streams on this connection", p + 1);
      else
        verdict_text_add(why, " — the answer to request %d announced Connection: close", p + 1);
      return V_NO_REUSE;
    }
    if (p >= 0)
      verdict_text_add(why, " — after answering request %d the server closed without "
                 "announcing it", p + 1);
    return V_CLOSED;
  case OUT_BAD_RESPONSE:
  case OUT_TOO_BIG:
    return lost_boundary(why, c, i, p);
  case OUT_ANSWERED:
    /* What went on the wire decides, not the scenario file: libcurl adds
     * an Upgrade header of its own. */
    if (p < 0 && e->sent_upgrade && e->status >= 400 && e->status <= 599) {
      verdict_text_adds(why, " — the server refused the upgrade-bearing request itself");
      return V_REJECTED;
    }
    if (strcmp(e->http_version, "2") == 0) {
      verdict_text_adds(why, " — an HTTP/2 stream is framed on its own, so a wrong answer on "
               "it is not a lost request boundary");
      return wrong_answer(why, c, i);
    }
    return lost_boundary(why, c, i, p);
  }
  return V_ERROR;
}

static int spoke_h2(const cell *c) {
  if (c->upgraded)
    return 1;
  for (int i = 0; i < c->sc->nrequests; i++)
    if (strcmp(c->ex[i].http_version, "2") == 0)
      return 1;
  return 0;
}

/* A 101 that handed over a raw stream (after_101) is part of the answer. */
static void add_after_101_note(buf *why, const scenario *sc) {
  for (int i = 0; i < sc->nrequests; i++)
    if (sc->requests[i].has_after_101)
      verdict_text_add(why, "; after the 101 to request %d, the %zu bytes sent on "
                 "the switched connection were answered as expected", i + 1,
                 sc->requests[i].after_101.len);
}

/* Requests whose "requires" the target did not meet were not sent: one
 * note per run of consecutive requests with the same requirement. */
static void add_skipped_note(buf *why, const cell *c) {
  const scenario *sc = c->sc;
  for (int i = 0; i < sc->nrequests; i++) {
    if (!c->skipped[i])
      continue;
    int j = i;
    while (j + 1 < sc->nrequests && c->skipped[j + 1] &&
           sc->requests[j + 1].requires == sc->requests[i].requires)
      j++;
    const char *need = sc->requests[i].requires == REQUIRES_PROXY ? "a proxy in front"
                                                                  : "a backend log";
    if (j == i)
      verdict_text_add(why, "; request %d not sent (it applies only with %s)", i + 1, need);
    else
      verdict_text_add(why, "; requests %d\xe2\x80\x93%d not sent (they apply only with %s)",
                       i + 1, j + 1, need);
    i = j;
  }
}

static verdict decide_all_answered(const cell *c, buf *why) {
  const scenario *sc = c->sc;
  for (int i = 0; i < sc->nrequests; i++) {
    int p = verdict_text_prev_on_conn(c, i);
    if (p < 0 || !c->ex[i].new_connection)
      continue;
    if (c->ex[p].conn_close) {
      verdict_text_add(why, "answered correctly, but the server announced Connection: "
                 "close in its answer to request %d, so request %d went over a "
                 "new connection", p + 1, i + 1);
      return V_NO_REUSE;
    }
    verdict_text_add(why, "request %d was answered correctly, but over a new connection: "
               "the server closed the first without announcing it", i + 1);
    return V_CLOSED;
  }
  if (c->extra_bytes > 0) {
    verdict_text_add(why, "%zu bytes arrived after the last expected answer: an answer "
               "to a request never sent", c->extra_bytes);
    return V_DESYNC;
  }
  int sent = 0;
  for (int i = 0; i < sc->nrequests; i++)
    sent += !c->skipped[i];
  verdict v = V_OK_H1;
  if (spoke_h2(c)) {
    verdict_text_add(why, "all %d requests answered as expected over HTTP/2%s", sent,
               c->upgraded ? " after a 101 upgrade" : "");
    v = V_OK_H2;
  } else {
    verdict_text_add(why, "all %d requests answered as expected over HTTP/1.1", sent);
    add_after_101_note(why, sc);
  }
  add_skipped_note(why, c);
  return v;
}

/* na_status: a first answer with one of those statuses (404: no such
 * endpoint) says the target lacks what the scenario needs, so there is
 * nothing to judge - neither a pass nor a failure. */
static int not_applicable(const cell *c, buf *why) {
  const scenario *sc = c->sc;
  const exchange *e = &c->ex[0];
  if (sc->nrequests == 0 || e->outcome != OUT_ANSWERED)
    return 0;
  for (int k = 0; k < sc->nna_status; k++) {
    if (e->status != sc->na_status[k])
      continue;
    const sc_request *r = &sc->requests[0];
    verdict_text_add(why, "the server does not implement %s %.60s%s (%d", r->method,
               r->path, strlen(r->path) > 60 ? "…" : "", e->status);
    if (e->reason_phrase[0]) {
      verdict_text_adds(why, " ");
      verdict_text_snippet(why, e->reason_phrase, strlen(e->reason_phrase));
    }
    verdict_text_adds(why, "): this scenario does not apply");
    return 1;
  }
  return 0;
}

/* Copies at most REASON_MAX bytes, never splitting a UTF-8 sequence. */
static void set_reason(cell *c, const buf *why) {
  const char *s = why->data ? why->data : "";
  size_t n = why->len;
  if (n > REASON_MAX || buf_failed(why)) {   /* too long, or a fragment did not fit */
    static const char ell[] = "…";
    if (n > REASON_MAX - (sizeof ell - 1))
      n = REASON_MAX - (sizeof ell - 1);
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
      n--;
    snprintf(c->reason, sizeof c->reason, "%.*s%s", (int)n, s, ell);
  } else {
    snprintf(c->reason, sizeof c->reason, "%s", s);
  }
}

void verdict_decide(cell *c) {
  buf why;
  buf_init(&why, 8192);
  int i = verdict_first_failure(c);
  if (not_applicable(c, &why) || (i >= 0 && other_protocol(c, i, &why)))
    c->verdict = V_NA;
  else if (verdict_proxy_poisoned(c, &why))
    c->verdict = V_POISONED;
  else if (verdict_proxy_smuggled(c, &why))
    c->verdict = V_SMUGGLED;
  else if (i >= 0 && verdict_proxy_cross_client(c, i, &why))
    c->verdict = V_CROSS_CLIENT;
  else
    c->verdict = i >= 0 ? decide_failure(c, i, &why) : decide_all_answered(c, &why);
  c->security = verdicts_is_security(c->verdict);
  set_reason(c, &why);
  buf_free(&why);
}
