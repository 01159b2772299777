/* verdict_text.c - the words of verdict reasons: quoted wire bytes (escaped,
 * cut), request names, expected and received answers. Shared by verdict.c
 * and verdict_proxy.c so every reason quotes the wire the same way. */
#include "verdict_text.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

/* Appends data escaped, at most SNIP_BYTES of it, "…" when cut. */
void verdict_text_snippet(buf *out, const void *data, size_t n) {
  size_t take = n > SNIP_BYTES ? SNIP_BYTES : n;
  escape_bytes(out, data, take);
  if (take < n)
    buf_adds(out, "…");
}

/* Length of the valid UTF-8 sequence at p (2-4), or 0. */
static int utf8_len(const unsigned char *p) {
  int n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
  for (int k = 1; k < n; k++)
    if ((p[k] & 0xc0) != 0x80)
      return 0;
  return n;
}

/* The engine's own words may hold anything (even server bytes): one line,
 * valid UTF-8, other bytes escaped. */
void verdict_text_words(buf *out, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p >= 0x80 ? utf8_len(p) : 1;
    if (n > 1) {
      buf_add(out, p, (size_t)n);
      p += n;
    } else if (*p >= 0x80 || *p == 0x7f) {
      escape_bytes(out, p++, 1);
    } else {
      char ch = *p < 0x20 ? ' ' : (char)*p;
      buf_add(out, &ch, 1);
      p++;
    }
  }
}

/* The previous request sent on the same client connection, or -1 (skipped
 * requests were never sent, so they are nobody's predecessor). */
int verdict_text_prev_on_conn(const cell *c, int i) {
  const scenario *sc = c->sc;
  for (int p = i - 1; p >= 0; p--)
    if (!c->skipped[p] && strcmp(sc->requests[p].connection, sc->requests[i].connection) == 0)
      return p;
  return -1;
}

/* The body a correct server answers with, when the scenario says. */
int verdict_text_expected_body(const sc_request *r, buf *out) {
  if (r->has_expect_body)
    return buf_add(out, r->expect_body.data, r->expect_body.len) == BUF_OK;
  if (r->expect_echo)
    return scenario_request_body(r, out) == BUF_OK;
  return 0;
}

void verdict_text_request_name(buf *out, const scenario *sc, int i) {
  const sc_request *r = &sc->requests[i];
  buf_printf(out, "request %d (%s %.60s%s)", i + 1, r->method, r->path,
             strlen(r->path) > 60 ? "…" : "");
}

void verdict_text_expectation(buf *out, const cell *c, int i) {
  const sc_request *r = &c->sc->requests[i];
  buf body;
  buf_init(&body, 1024u * 1024u);
  buf_printf(out, "expected %d", r->expect_status);
  if (verdict_text_expected_body(r, &body)) {
    buf_adds(out, " with body `");
    verdict_text_snippet(out, body.data, body.len);
    buf_adds(out, "`");
  }
  buf_free(&body);
}

/* "`400 Bad Request`" plus the body when there is one. */
void verdict_text_answer(buf *out, const exchange *e) {
  buf_adds(out, "`");
  buf_printf(out, "%d", e->status);
  if (e->reason_phrase[0]) {
    buf_adds(out, " ");
    verdict_text_snippet(out, e->reason_phrase, strlen(e->reason_phrase));
  }
  buf_adds(out, "`");
  if (e->body.len) {
    buf_adds(out, " with body `");
    verdict_text_snippet(out, e->body.data, e->body.len);
    buf_adds(out, "`");
  }
}

/* What came back instead, in words: "got ..." / "not sent: ...". */
void verdict_text_got(buf *out, const exchange *e) {
  switch (e->outcome) {
  case OUT_ANSWERED: buf_adds(out, "got "); verdict_text_answer(out, e); break;
  case OUT_TIMEOUT: buf_adds(out, "got no complete answer before the timeout"); break;
  case OUT_CLOSED: buf_adds(out, "got EOF: the server closed the connection without answering"); break;
  case OUT_RESET: buf_adds(out, "got a connection reset"); break;
  case OUT_NOT_SENT:   /* the detail says why, when the engine knew */
    buf_adds(out, e->detail[0] ? "not sent" : "not sent: the connection was already gone");
    break;
  case OUT_CONNECT_FAILED: buf_adds(out, "could not connect"); break;
  case OUT_BAD_RESPONSE: buf_adds(out, "got an unparseable response"); break;
  case OUT_TOO_BIG: buf_adds(out, "got an answer over the probe's size cap"); break;
  case OUT_PENDING: buf_adds(out, "the probe never got to it"); break;
  }
  if (e->detail[0] && e->outcome != OUT_ANSWERED) {
    buf_adds(out, " (");
    verdict_text_words(out, e->detail);
    buf_adds(out, ")");
  }
}

