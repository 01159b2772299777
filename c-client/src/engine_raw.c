/* engine_raw.c - drives a scenario with exact bytes over plain TCP.
 *
 * The idea: the raw engine is the probe's eyes on the wire. It writes each
 * request exactly as scenario_request_wire() spells it, and reads answers with
 * the incremental HTTP/1.1 parser, so it sees what a library client would
 * hide: a 400 to a request that was well-formed, bytes that answer no request,
 * a server that never answers. Each connection label is one TCP connection,
 * opened when its first request is due. Sequential mode waits for each answer
 * before the next request; pipelined mode writes all of a connection's
 * requests at once and reads the answers from the stream in order. A 101 hands
 * the connection (and the bytes that came with the 101) to the HTTP/2 side -
 * unless the request carries after_101: then the probe speaks the switched-to
 * protocol itself (raw bytes out, an exact count of bytes back).
 *
 * Every wait is bounded by the per-read timeout and the cell's deadline, and
 * every step leaves a note in the transcript for the person reading it. */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "h2_session.h"
#include "http1_parse.h"
#include "net.h"

#define RAW_MAX_CONNS 8
#define READ_CHUNK 16384
#define INBUF_MAX (H1_MAX_HEADER_BYTES + H1_MAX_BODY + 2u * READ_CHUNK)
#define GRACE_MS 200          /* wait for stray bytes after the last answer */
#define LOSS_LABEL "loss-check"
#define LOSS_MAX_FILLER (1024L * 1024L)

typedef enum { RC_NEW, RC_OPEN, RC_BROKEN } rc_state;

/* One client connection (a scenario connection label). */
typedef struct rconn {
  char label[SC_LABEL_LEN];
  int fd;
  rc_state state;
  int eof;                 /* the server closed its side */
  int usable;              /* may carry another request */
  outcome gone_outcome;    /* what requests that cannot go out get */
  char gone[200];          /* and why */
  buf in;                  /* received, not yet parsed */
} rconn;

typedef struct raw_ctx {
  cell *c;
  const engine_opts *o;
  rconn conns[RAW_MAX_CONNS];
  int nconns;
} raw_ctx;

/* Copies text, cut to fit (details are one-line summaries). */
static void copy_text(char *dst, size_t cap, const char *src) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* ---- connections -------------------------------------------------------- */

static void rconn_init(rconn *rc, const char *label) {
  memset(rc, 0, sizeof *rc);
  snprintf(rc->label, sizeof rc->label, "%s", label);
  rc->fd = -1;
  rc->state = RC_NEW;
  rc->usable = 1;
  buf_init(&rc->in, INBUF_MAX);
}

static void rconn_close(rconn *rc) {
  net_close(rc->fd);
  rc->fd = -1;
  buf_free(&rc->in);
}

static rconn *conn_for(raw_ctx *x, const char *label) {
  for (int i = 0; i < x->nconns; i++)
    if (strcmp(x->conns[i].label, label) == 0)
      return &x->conns[i];
  if (x->nconns == RAW_MAX_CONNS)
    return NULL;
  rconn *rc = &x->conns[x->nconns++];
  rconn_init(rc, label);
  return rc;
}

/* No further request may use this connection; `why` goes into their detail. */
static void retire(rconn *rc, outcome out, const char *why) {
  if (!rc->usable)
    return;
  rc->usable = 0;
  rc->gone_outcome = out;
  copy_text(rc->gone, sizeof rc->gone, why);
}

/* The connection is in an unknown state (timeout, reset, garbage): close it
 * now, there is nothing more to learn from it. */
static void break_conn(rconn *rc, const char *why) {
  retire(rc, OUT_NOT_SENT, why);
  rc->state = RC_BROKEN;
  net_close(rc->fd);
  rc->fd = -1;
  buf_reset(&rc->in);
}

static int open_conn(raw_ctx *x, rconn *rc) {
  const target *tg = x->c->tg;
  char err[160] = "", why[200];
  rc->fd = net_connect(tg->host, tg->port, x->o->deadline_ms, err, sizeof err);
  if (rc->fd >= 0) {
    rc->state = RC_OPEN;
    transcript_note(&x->c->tx, rc->label, "connected to %s:%s", tg->host, tg->port);
    return 0;
  }
  rc->fd = -1;
  snprintf(why, sizeof why, "connect to %s:%s: %s", tg->host, tg->port,
           err[0] ? err : "failed");
  transcript_note(&x->c->tx, rc->label, "%s", why);
  retire(rc, OUT_CONNECT_FAILED, why);
  rc->state = RC_BROKEN;
  return -1;
}

/* Writes bytes and records them. Returns OUT_PENDING when all went out. */
static outcome send_bytes(raw_ctx *x, rconn *rc, const buf *data, char *detail,
                          size_t dlen) {
  transcript_bytes(&x->c->tx, rc->label, TX_OUT, data->data, data->len);
  int rv = net_send_all(rc->fd, data->data, data->len, x->o->deadline_ms);
  if (rv == 0)
    return OUT_PENDING;
  if (rv == NET_TIMEOUT)
    snprintf(detail, dlen, "could not write the request before the deadline "
             "(the server is not reading)");
  else if (rv == NET_RESET)
    snprintf(detail, dlen, "the connection was reset while writing the request");
  else
    snprintf(detail, dlen, "write failed: %s", strerror(errno));
  transcript_note(&x->c->tx, rc->label, "%s", detail);
  return rv == NET_TIMEOUT ? OUT_TIMEOUT : OUT_RESET;
}

/* Takes whatever already arrived, without waiting: bytes that came before a
 * request was sent answer no request of ours, and a person should see that. */
static void drain_ready(raw_ctx *x, rconn *rc) {
  char tmp[READ_CHUNK];
  while (!rc->eof && rc->fd >= 0) {
    ssize_t r = net_recv(rc->fd, tmp, sizeof tmp, 0, x->o->deadline_ms);
    if (r <= 0) {
      if (r == 0) {
        rc->eof = 1;
        transcript_note(&x->c->tx, rc->label, "the server closed the connection (EOF)");
      }
      return;
    }
    transcript_bytes(&x->c->tx, rc->label, TX_IN, tmp, (size_t)r);
    if (buf_add(&rc->in, tmp, (size_t)r) != BUF_OK)
      return;
  }
}

/* ---- reading one response -------------------------------------------- */

typedef struct rx {
  h1_parser p;
  int64_t t_sent;
  size_t seen;             /* bytes of this answer so far (with any 1xx) */
  int interim;             /* 1xx answers skipped so far (H1_MAX_INTERIM) */
  char speaks[64];         /* the answer began with HTTP/2 frames */
  char detail[256];
} rx;

static void rx_init(rx *r, const sc_request *req, int64_t t_sent) {
  http1_parse_init(&r->p, strcmp(req->method, "HEAD") == 0);
  r->t_sent = t_sent;
  r->seen = 0;
  r->interim = 0;
  r->speaks[0] = '\0';
  r->detail[0] = '\0';
}

/* Feeds buffered bytes; returns 1 when the parser reached DONE or ERROR. An
 * interim 1xx is noted and skipped: the final answer follows it; more than
 * H1_MAX_INTERIM of them is a cap reached (an endless 1xx stream). */
static int rx_feed(raw_ctx *x, rconn *rc, rx *r, int i, h1_status *st) {
  const char *frame = r->seen == 0 && !r->speaks[0]
                          ? http1_parse_h2_frame(rc->in.data, rc->in.len)
                          : NULL;
  if (frame) {
    snprintf(r->speaks, sizeof r->speaks, "HTTP/2 (%s)", frame);
    transcript_note(&x->c->tx, rc->label, "the answer to request %d begins with %s "
                    "on stream 0: the server speaks HTTP/2 here, not HTTP/1.1",
                    i + 1, frame);
  }
  while (rc->in.len) {
    size_t used = 0;
    *st = http1_parse_feed(&r->p, rc->in.data, rc->in.len, &used);
    buf_consume(&rc->in, used);
    r->seen += used;
    if (*st == H1_NEED_MORE)
      return 0;
    if (*st == H1_DONE && r->p.resp.is_interim) {
      transcript_note(&x->c->tx, rc->label, "interim response %d %s to request "
                      "%d; waiting for the final one", r->p.resp.status,
                      r->p.resp.reason, i + 1);
      if (http1_parse_next_after_interim(&r->p, &r->interim) != 0) {
        *st = H1_ERROR;
        return 1;
      }
      continue;
    }
    return 1;
  }
  *st = H1_NEED_MORE;
  return 0;
}

static outcome rx_timeout(raw_ctx *x, rconn *rc, rx *r, int i) {
  int64_t waited = clock_now_ms() - r->t_sent;
  int by_deadline = clock_now_ms() >= x->o->deadline_ms;
  snprintf(r->detail, sizeof r->detail,
           "no complete response to request %d within %lld ms (%s); %zu bytes "
           "of a partial response", i + 1, (long long)waited,
           by_deadline ? "the cell's deadline" : "read timeout", r->seen);
  transcript_note(&x->c->tx, rc->label, "%s", r->detail);
  return OUT_TIMEOUT;
}

static outcome rx_eof(raw_ctx *x, rconn *rc, rx *r, int i) {
  if (http1_parse_eof(&r->p) == H1_DONE)
    return OUT_ANSWERED;
  if (r->seen == 0)
    snprintf(r->detail, sizeof r->detail, "the server closed the connection "
             "without answering request %d", i + 1);
  else
    snprintf(r->detail, sizeof r->detail, "the server closed the connection "
             "after %zu bytes of a partial response (%s)", r->seen, r->p.errmsg);
  transcript_note(&x->c->tx, rc->label, "%s", r->detail);
  return OUT_CLOSED;
}

/* Reads until request i's final answer is parsed (OUT_ANSWERED, r->p holds
 * it, rc->in keeps what follows) or something else ends the wait. */
static outcome read_response(raw_ctx *x, rconn *rc, rx *r, int i) {
  char tmp[READ_CHUNK];
  for (;;) {
    h1_status st;
    if (rx_feed(x, rc, r, i, &st)) {
      if (st == H1_DONE)
        return OUT_ANSWERED;
      snprintf(r->detail, sizeof r->detail, "response to request %d: %s", i + 1,
               r->p.errmsg);
      transcript_note(&x->c->tx, rc->label, "%s", r->detail);
      return r->p.resp.too_big ? OUT_TOO_BIG : OUT_BAD_RESPONSE;
    }
    if (rc->eof)
      return rx_eof(x, rc, r, i);
    if (clock_now_ms() >= x->o->deadline_ms)
      return rx_timeout(x, rc, r, i);
    ssize_t n = net_recv(rc->fd, tmp, sizeof tmp, x->o->timeout_ms,
                         x->o->deadline_ms);
    if (n > 0) {
      transcript_bytes(&x->c->tx, rc->label, TX_IN, tmp, (size_t)n);
      if (buf_add(&rc->in, tmp, (size_t)n) != BUF_OK)   /* consumed each turn: stays small */
        return OUT_TOO_BIG;
    } else if (n == 0) {
      rc->eof = 1;
      transcript_note(&x->c->tx, rc->label, "the server closed the connection (EOF)");
    } else if (n == NET_TIMEOUT) {
      return rx_timeout(x, rc, r, i);
    } else {
      snprintf(r->detail, sizeof r->detail, "%s while waiting for the response to "
               "request %d (%zu bytes of it so far)",
               n == NET_RESET ? "connection reset by the server" : strerror(errno),
               i + 1, r->seen);
      transcript_note(&x->c->tx, rc->label, "%s", r->detail);
      return OUT_RESET;
    }
  }
}

/* ---- exchanges ------------------------------------------------------------ */

/* Copies what was parsed (even for a failed read: a status and headers seen
 * before a cap was hit still tell the story). */
static void fill_exchange(exchange *e, const h1_response *resp, outcome out,
                          int64_t elapsed, const char *detail) {
  e->outcome = out;
  e->elapsed_ms = elapsed;
  e->stream_id = 0;
  copy_text(e->detail, sizeof e->detail, detail ? detail : "");
  if (resp->status == 0)
    return;
  e->status = resp->status;
  snprintf(e->reason_phrase, sizeof e->reason_phrase, "%s", resp->reason);
  snprintf(e->http_version, sizeof e->http_version, "1.%d", resp->version_minor);
  for (int h = 0; h < resp->nheaders; h++)
    exchange_add_header(e, resp->headers[h].name, resp->headers[h].value);
  size_t room = e->body.max - e->body.len;
  if (resp->body.len &&
      buf_add(&e->body, resp->body.data, resp->body.len < room ? resp->body.len : room) != BUF_OK)
    e->outcome = OUT_TOO_BIG;   /* fits by construction: only out of memory gets here */
  /* No length framing means the end of the body IS the end of the
   * connection: that announces the close as clearly as Connection: close. */
  e->conn_close = resp->conn_close || resp->until_eof;
  if (out == OUT_ANSWERED && resp->until_eof && !e->detail[0])
    snprintf(e->detail, sizeof e->detail, "no Content-Length or chunked framing: "
             "the body ran until the server closed the connection");
}

static void set_outcome(exchange *e, outcome out, const char *detail) {
  e->outcome = out;
  copy_text(e->detail, sizeof e->detail, detail);
}

/* After an answer: can the connection carry the next request? */
static void after_answer(raw_ctx *x, rconn *rc, const h1_response *resp, int i) {
  char why[200];
  if (resp->quirks[0])
    transcript_note(&x->c->tx, rc->label, "response to request %d parsed "
                    "leniently: %s", i + 1, resp->quirks);
  if (resp->until_eof) {
    snprintf(why, sizeof why, "the response to request %d had no length "
             "framing, so the server ended it by closing the connection", i + 1);
    retire(rc, OUT_NOT_SENT, why);
  } else if (resp->conn_close) {
    snprintf(why, sizeof why, "the response to request %d announced %s", i + 1,
             http1_parse_header_has_token(resp, "Connection", "close")
                 ? "Connection: close"
                 : "the end of the connection (HTTP/1.0 without keep-alive)");
    retire(rc, OUT_NOT_SENT, why);
  }
}

/* ---- 101: hand the connection to HTTP/2 ------------------------------ */

static const char *request_header(const sc_request *r, const char *name) {
  for (int h = 0; h < r->nheaders; h++)
    if (strcasecmp(r->headers[h].name, name) == 0)
      return r->headers[h].value;
  return NULL;
}

/* Request i got a 101. The later requests of this connection that are still
 * pending become HTTP/2 streams; the bytes after the 101 are HTTP/2 frames. */
static void hand_over_to_h2(raw_ctx *x, rconn *rc, rx *r, int i) {
  cell *c = x->c;
  const scenario *sc = c->sc;
  exchange *e = &c->ex[i];
  char why[200];
  if (!scenario_request_is_upgrade(&sc->requests[i])) {
    snprintf(why, sizeof why, "101 Switching Protocols to request %d, which "
             "asked for no upgrade", i + 1);
    transcript_note(&c->tx, rc->label, "%s", why);
    fill_exchange(e, &r->p.resp, OUT_BAD_RESPONSE, clock_now_ms() - r->t_sent, why);
    break_conn(rc, why);
    return;
  }
  int follow[SC_MAX_REQUESTS], nfollow = 0;
  for (int j = i + 1; j < sc->nrequests; j++)
    if (strcmp(sc->requests[j].connection, rc->label) == 0 &&
        c->ex[j].outcome == OUT_PENDING && !c->skipped[j])
      follow[nfollow++] = j;
  fill_exchange(e, &r->p.resp, OUT_PENDING, clock_now_ms() - r->t_sent, "");
  if (!http1_parse_header_has_token(&r->p.resp, "Upgrade", "h2c")) {
    const char *up = http1_parse_header_get(&r->p.resp, "Upgrade");
    transcript_note(&c->tx, rc->label, "the 101 does not name h2c in Upgrade "
                    "(\"%s\"); trying HTTP/2 anyway", up ? up : "");
  }
  transcript_note(&c->tx, rc->label, "101 Switching Protocols to request %d: "
                  "the connection now speaks HTTP/2 (nghttp2); %zu bytes came "
                  "after the 101, %d later request(s) go as new streams",
                  i + 1, rc->in.len, nfollow);
  if (sc->send == SEND_PIPELINED && nfollow)
    transcript_note(&c->tx, rc->label, "pipelined: those later requests already "
                    "went out as HTTP/1.1 bytes, which the server reads where the "
                    "HTTP/2 client preface should be");
  h2_session_after_upgrade(c, x->o, rc->fd, rc->label, i,
                   request_header(&sc->requests[i], "HTTP2-Settings"),
                   rc->in.data, rc->in.len, follow, nfollow);
  if (c->ex[i].outcome == OUT_PENDING)
    set_outcome(&c->ex[i], OUT_BAD_RESPONSE, "101 Switching Protocols, but HTTP/2 "
                "did not follow");
  for (int f = 0; f < nfollow; f++)
    if (c->ex[follow[f]].outcome == OUT_PENDING)
      set_outcome(&c->ex[follow[f]], OUT_BAD_RESPONSE, "the connection switched "
                  "to HTTP/2, which did not answer this request");
  retire(rc, OUT_NOT_SENT, "the connection was handed to HTTP/2");
  rc->state = RC_BROKEN;     /* nothing more to read here as HTTP/1.1 */
  net_close(rc->fd);
  rc->fd = -1;
  buf_reset(&rc->in);
}

/* ---- 101 to a raw protocol: the scenario's after_101 bytes ------------- */

/* Moves buffered bytes into the exchange body, up to `want` in all; what is
 * left in rc->in answers nothing we sent (finish_conn counts it). */
static void take_raw(rconn *rc, exchange *e, size_t want) {
  size_t need = want > e->body.len ? want - e->body.len : 0;
  size_t n = rc->in.len < need ? rc->in.len : need;
  if (n && buf_add(&e->body, rc->in.data, n) == BUF_OK)
    buf_consume(&rc->in, n);
}

/* Why the raw stream ended early, in words, and the outcome for it. */
static outcome raw_stream_short(raw_ctx *x, rconn *rc, const exchange *e,
                                size_t want, int i, ssize_t n, int64_t t0,
                                char *detail, size_t dlen) {
  outcome out = OUT_TIMEOUT;
  const char *why = "read timeout";
  if (rc->eof) {
    out = OUT_CLOSED;
    why = "the server closed the connection";
  } else if (clock_now_ms() >= x->o->deadline_ms) {
    why = "the cell's deadline passed";
  } else if (n != NET_TIMEOUT) {
    out = OUT_RESET;
    why = n == NET_RESET ? "the connection was reset" : strerror(errno);
  }
  snprintf(detail, dlen, "after the 101 to request %d: %zu of the %zu bytes "
           "expected back arrived in %lld ms (%s)", i + 1, e->body.len, want,
           (long long)(clock_now_ms() - t0), why);
  transcript_note(&x->c->tx, rc->label, "%s", detail);
  return out;
}

/* Reads the new protocol's stream until `want` bytes came back (they become
 * the exchange body) or EOF, the read timeout, the deadline or an error. */
static outcome read_raw_stream(raw_ctx *x, rconn *rc, exchange *e, size_t want,
                               int i, char *detail, size_t dlen) {
  char tmp[READ_CHUNK];
  int64_t t0 = clock_now_ms();
  for (;;) {
    take_raw(rc, e, want);
    if (e->body.len >= want)
      return OUT_ANSWERED;
    if (rc->eof || clock_now_ms() >= x->o->deadline_ms)
      return raw_stream_short(x, rc, e, want, i, 0, t0, detail, dlen);
    ssize_t n = net_recv(rc->fd, tmp, sizeof tmp, x->o->timeout_ms,
                         x->o->deadline_ms);
    if (n > 0) {
      transcript_bytes(&x->c->tx, rc->label, TX_IN, tmp, (size_t)n);
      if (buf_add(&rc->in, tmp, (size_t)n) != BUF_OK)     /* taken each turn: stays small */
        return OUT_TOO_BIG;
    } else if (n == 0) {
      rc->eof = 1;
      transcript_note(&x->c->tx, rc->label, "the server closed the connection (EOF)");
    } else {
      return raw_stream_short(x, rc, e, want, i, n, t0, detail, dlen);
    }
  }
}

/* Request i (with after_101) got a 101: the connection now speaks whatever
 * the request asked for (a WebSocket-style stream), not HTTP/2. Send the
 * scenario's bytes and keep what comes back as this exchange's body; bytes
 * that arrived with the 101 already belong to that stream. */
static void speak_after_101(raw_ctx *x, rconn *rc, rx *r, int i) {
  cell *c = x->c;
  const sc_request *req = &c->sc->requests[i];
  exchange *e = &c->ex[i];
  size_t want = req->has_expect_body ? req->expect_body.len : 0;
  char detail[256];
  const char *up = http1_parse_header_get(&r->p.resp, "Upgrade");
  fill_exchange(e, &r->p.resp, OUT_PENDING, clock_now_ms() - r->t_sent, "");
  buf_reset(&e->body);
  snprintf(detail, sizeof detail, "the 101 to request %d switched the "
           "connection away from HTTP/1.1", i + 1);
  retire(rc, OUT_NOT_SENT, detail);
  transcript_note(&c->tx, rc->label, "101 Switching Protocols to request %d "
                  "(Upgrade: %.60s): the connection now speaks that protocol, "
                  "not HTTP/2; the probe sends the scenario's %zu after_101 "
                  "bytes and reads %zu bytes back (%zu came with the 101)",
                  i + 1, up ? up : "", req->after_101.len, want, rc->in.len);
  outcome out = send_bytes(x, rc, &req->after_101, detail, sizeof detail);
  if (out == OUT_PENDING)
    out = read_raw_stream(x, rc, e, want, i, detail, sizeof detail);
  e->outcome = out;
  e->elapsed_ms = clock_now_ms() - r->t_sent;
  if (out == OUT_ANSWERED)
    snprintf(detail, sizeof detail, "after the 101: sent %zu bytes of the new "
             "protocol, read %zu bytes back", req->after_101.len, e->body.len);
  copy_text(e->detail, sizeof e->detail, detail);
  if (out != OUT_ANSWERED)
    break_conn(rc, detail);
}

/* Reads request i's answer on rc and records it in c->ex[i]. */
static void take_answer(raw_ctx *x, rconn *rc, int i, int64_t t_sent) {
  cell *c = x->c;
  rx r;
  rx_init(&r, &c->sc->requests[i], t_sent);
  outcome out = read_response(x, rc, &r, i);
  if (out == OUT_ANSWERED && r.p.resp.status == 101 &&
      c->sc->requests[i].has_after_101) {
    speak_after_101(x, rc, &r, i);
  } else if (out == OUT_ANSWERED && r.p.resp.status == 101) {
    hand_over_to_h2(x, rc, &r, i);
  } else {
    fill_exchange(&c->ex[i], &r.p.resp, out, clock_now_ms() - t_sent, r.detail);
    snprintf(c->ex[i].speaks, sizeof c->ex[i].speaks, "%s", r.speaks);
    if (out == OUT_ANSWERED) {
      after_answer(x, rc, &r.p.resp, i);
    } else {
      char why[200];
      snprintf(why, sizeof why, "the connection was abandoned after request %d "
               "(%s)", i + 1, exchange_outcome_name(out));
      break_conn(rc, why);
    }
  }
  http1_parse_free(&r.p);
}

/* ---- the end of a connection ----------------------------------------- */

/* Bytes after the last expected answer answer no request of ours: count
 * them (cell->extra_bytes), after a short wait for stragglers. */
static void finish_conn(raw_ctx *x, rconn *rc, int64_t grace_until) {
  cell *c = x->c;
  if (rc->state != RC_OPEN) {
    rconn_close(rc);
    return;
  }
  size_t buffered = rc->in.len, late = 0;
  char tmp[READ_CHUNK];
  while (!rc->eof && clock_now_ms() < grace_until && late < INBUF_MAX) {
    ssize_t n = net_recv(rc->fd, tmp, sizeof tmp, GRACE_MS, grace_until);
    if (n == 0) {
      rc->eof = 1;
      transcript_note(&c->tx, rc->label, "the server closed the connection (EOF)");
    }
    if (n <= 0)
      break;
    transcript_bytes(&c->tx, rc->label, TX_IN, tmp, (size_t)n);
    late += (size_t)n;
  }
  if (buffered + late > 0) {
    c->extra_bytes += buffered + late;
    transcript_note(&c->tx, rc->label, "%zu bytes arrived after the last expected "
                    "answer (%zu already buffered, %zu more while waiting): they "
                    "answer no request the probe sent", buffered + late, buffered,
                    late);
  }
  rconn_close(rc);
}

static int64_t grace_deadline(const engine_opts *o) {
  int grace = o->timeout_ms < GRACE_MS ? o->timeout_ms : GRACE_MS;
  int64_t until = clock_now_ms() + (grace > 0 ? grace : 0);
  return until < o->deadline_ms ? until : o->deadline_ms;
}

/* Connects lazily; 1 when rc can take a request now. */
static int ready_for_request(raw_ctx *x, rconn *rc) {
  if (rc->state == RC_NEW)
    open_conn(x, rc);
  return rc->state == RC_OPEN && rc->usable;
}

/* Marks a request that cannot be (or was not) answered on its connection. */
static void not_sent(raw_ctx *x, rconn *rc, int i, const char *prefix) {
  char why[512];
  exchange *e = &x->c->ex[i];
  snprintf(why, sizeof why, "%s%s", prefix, rc->gone[0] ? rc->gone : "the connection was gone");
  set_outcome(e, rc->gone_outcome ? rc->gone_outcome : OUT_NOT_SENT, why);
}

/* ---- sequential -------------------------------------------------------- */

static void send_one(raw_ctx *x, rconn *rc, int i) {
  cell *c = x->c;
  buf wire;
  char detail[256];
  drain_ready(x, rc);
  if (rc->in.len)
    transcript_note(&c->tx, rc->label, "%zu bytes were already waiting before "
                    "request %d was sent: they are read as its answer",
                    rc->in.len, i + 1);
  if (rc->eof && !rc->in.len) {
    /* Nothing can come back on it; the server did not say it would close. */
    snprintf(detail, sizeof detail, "not sent: the server had already closed "
             "the connection (EOF) without announcing it");
    set_outcome(&c->ex[i], OUT_CLOSED, detail);
    break_conn(rc, detail);
    return;
  }
  buf_init(&wire, 4u * 1024u * 1024u);
  if (scenario_request_wire(c->sc, i, c->tg->authority, &wire) != BUF_OK) {
    set_outcome(&c->ex[i], OUT_NOT_SENT, "the request is too big to build");
    buf_free(&wire);
    return;
  }
  int64_t t_sent = clock_now_ms();
  outcome out = send_bytes(x, rc, &wire, detail, sizeof detail);
  buf_free(&wire);
  if (out != OUT_PENDING) {
    set_outcome(&c->ex[i], out, detail);
    c->ex[i].elapsed_ms = clock_now_ms() - t_sent;
    break_conn(rc, detail);
    return;
  }
  c->ex[i].sent_upgrade = scenario_request_is_upgrade(&c->sc->requests[i]);
  take_answer(x, rc, i, t_sent);
}

/* requests[i].delay_ms: the scenario's client arrives that much later (a
 * proxy finishes its bookkeeping of the previous exchange, e.g. returns the
 * upstream connection to its pool, before the next client's request). Waits
 * before the connection is opened; 0 when the cell's deadline leaves no
 * time for it (the request is then not sent). */
static int wait_before(raw_ctx *x, int i) {
  cell *c = x->c;
  int ms = c->sc->requests[i].delay_ms;
  if (ms <= 0)
    return 1;
  if (clock_now_ms() + ms >= x->o->deadline_ms) {
    set_outcome(&c->ex[i], OUT_NOT_SENT, "the cell's deadline leaves no time for "
                "the scenario's delay before it");
    return 0;
  }
  transcript_note(&c->tx, c->sc->requests[i].connection, "waiting %d ms before "
                  "request %d, as the scenario says (delay_ms)", ms, i + 1);
  clock_sleep_ms(ms);
  return 1;
}

static void run_sequential(raw_ctx *x) {
  cell *c = x->c;
  for (int i = 0; i < c->sc->nrequests; i++) {
    if (c->ex[i].outcome != OUT_PENDING || c->skipped[i])  /* HTTP/2 took it, */
      continue;                                           /* or not applicable */
    if (!wait_before(x, i))
      continue;
    rconn *rc = conn_for(x, c->sc->requests[i].connection);
    if (!rc) {
      set_outcome(&c->ex[i], OUT_NOT_SENT, "more connection labels than the "
                  "raw engine supports");
      continue;
    }
    if (clock_now_ms() >= x->o->deadline_ms) {
      set_outcome(&c->ex[i], OUT_NOT_SENT, "the cell's deadline passed before "
                  "it was sent");
      continue;
    }
    if (!ready_for_request(x, rc)) {
      not_sent(x, rc, i, "");
      continue;
    }
    send_one(x, rc, i);
  }
}

/* ---- pipelined ------------------------------------------------------------ */

/* All requests of one connection in one write, then the answers in order. */
static void run_pipelined_conn(raw_ctx *x, rconn *rc, const int *idx, int n) {
  cell *c = x->c;
  buf wire, map;
  char detail[256];
  buf_init(&wire, 4u * 1024u * 1024u);
  buf_init(&map, 2048);
  int map_cut = 0;
  for (int k = 0; k < n; k++) {
    size_t start = wire.len;
    if (scenario_request_wire(c->sc, idx[k], c->tg->authority, &wire) != BUF_OK) {
      for (int j = 0; j < n; j++)
        set_outcome(&c->ex[idx[j]], OUT_NOT_SENT, "the pipelined requests are "
                    "too big to build");
      buf_free(&wire);
      buf_free(&map);
      break_conn(rc, "nothing was sent");
      return;
    }
    if (buf_printf(&map, "%s request %d at offset %zu (%zu bytes)", k ? "," : "",
                   idx[k] + 1, start, wire.len - start) != BUF_OK)
      map_cut = 1;   /* sticky: the rest of the list is left out, and said so */
  }
  transcript_note(&c->tx, rc->label, "pipelined: %d requests in one write:%s%s", n,
                  map.data ? map.data : "", map_cut ? ", …" : "");
  int64_t t_sent = clock_now_ms();
  outcome out = send_bytes(x, rc, &wire, detail, sizeof detail);
  buf_free(&wire);
  buf_free(&map);
  if (out != OUT_PENDING) {
    for (int k = 0; k < n; k++)
      set_outcome(&c->ex[idx[k]], out, detail);
    break_conn(rc, detail);
    return;
  }
  for (int k = 0; k < n; k++)
    c->ex[idx[k]].sent_upgrade = scenario_request_is_upgrade(&c->sc->requests[idx[k]]);
  for (int k = 0; k < n; k++) {
    if (c->ex[idx[k]].outcome != OUT_PENDING)   /* HTTP/2 took it */
      continue;
    if (!rc->usable) {
      not_sent(x, rc, idx[k], "sent in the pipeline, but no answer can come: ");
      continue;
    }
    take_answer(x, rc, idx[k], t_sent);
  }
}

static void run_pipelined(raw_ctx *x) {
  cell *c = x->c;
  const scenario *sc = c->sc;
  for (int i = 0; i < sc->nrequests; i++) {
    if (c->ex[i].outcome != OUT_PENDING || c->skipped[i])
      continue;
    rconn *rc = conn_for(x, sc->requests[i].connection);
    if (!rc) {
      set_outcome(&c->ex[i], OUT_NOT_SENT, "more connection labels than the "
                  "raw engine supports");
      continue;
    }
    int idx[SC_MAX_REQUESTS], n = 0;
    for (int j = i; j < sc->nrequests; j++)
      if (strcmp(sc->requests[j].connection, rc->label) == 0 && !c->skipped[j])
        idx[n++] = j;
    if (clock_now_ms() >= x->o->deadline_ms) {
      for (int k = 0; k < n; k++)
        set_outcome(&c->ex[idx[k]], OUT_NOT_SENT, "the cell's deadline passed "
                    "before it was sent");
      continue;
    }
    if (!ready_for_request(x, rc)) {
      for (int k = 0; k < n; k++)
        not_sent(x, rc, idx[k], "");
      continue;
    }
    run_pipelined_conn(x, rc, idx, n);
  }
}

void engine_raw_run(cell *c, const engine_opts *o) {
  raw_ctx x;
  memset(&x, 0, sizeof x);
  x.c = c;
  x.o = o;
  if (c->sc->send == SEND_PIPELINED)
    run_pipelined(&x);
  else
    run_sequential(&x);
  int64_t grace_until = grace_deadline(o);
  for (int k = 0; k < x.nconns; k++)
    finish_conn(&x, &x.conns[k], grace_until);
}

/* ---- loss confirmation ------------------------------------------------- */

/* Is this answer what request i expects (status, and body when given)? */
static int answer_matches(const sc_request *req, const h1_response *resp) {
  if (resp->status != req->expect_status)
    return 0;
  buf want;
  buf_init(&want, 4u * 1024u * 1024u);
  int ok = 1;
  if (req->has_expect_body)
    ok = buf_add(&want, req->expect_body.data, req->expect_body.len) == BUF_OK;
  else if (req->expect_echo)
    scenario_request_body(req, &want);
  if (ok && (req->has_expect_body || req->expect_echo))
    ok = want.len == resp->body.len &&
         (want.len == 0 || memcmp(want.data, resp->body.data, want.len) == 0);
  buf_free(&want);
  return ok;
}

/* The filler put before the replayed request: n - 1 bytes 'X', then ';'.
 * Why these bytes. A server that consumes exactly n bytes after the previous
 * request never looks at them. Every other server parses them as the start
 * of the next request, and then the filler must make that request fail:
 * - no CR or LF: a line of its own could be skipped as a leading empty line
 *   (RFC 9112 §2.2), or rejected or answered as a request of its own, with
 *   the real request parsed fine after it;
 * - no SP or HTAB: a lenient server may strip whitespace before the method;
 * - the last byte is ';', not a tchar (RFC 9110 §5.6.2): the bytes cannot
 *   join the method into one token ("XXX;POST" is no method), and when a
 *   server consumes n - 1 bytes the one byte left (";POST /echo") is no
 *   request line either.
 * A server that checks no token at all may still take "XXX;POST" as a
 * method and answer it: that is what the differential check is for (a server
 * that does not count bytes answers n - 1, n and n + 1 bytes alike). */
static int loss_filler(buf *wire, long n) {
  char block[1024];
  memset(block, 'X', sizeof block);
  int rc = BUF_OK;
  for (long left = n - 1; left > 0 && rc == BUF_OK; left -= (long)sizeof block)
    rc = buf_add(wire, block, left < (long)sizeof block ? (size_t)left : sizeof block);
  if (n > 0 && rc == BUF_OK)
    rc = buf_add(wire, ";", 1);
  return rc;
}

/* What came back for request i in a replay, in words (no judge-layer text
 * here: the runner quotes it). */
static void describe_replay(char *seen, size_t n, outcome out, const h1_response *resp,
                            int matched) {
  if (out == OUT_ANSWERED && matched)
    snprintf(seen, n, "was answered as expected");
  else if (out == OUT_ANSWERED && resp->status == 101)
    snprintf(seen, n, "was answered `101 %s` (a switch, not the answer)", resp->reason);
  else if (out == OUT_ANSWERED)
    snprintf(seen, n, "was answered `%d %s`%s", resp->status, resp->reason,
             resp->status == 0 ? "" : " (not the expected answer)");
  else if (out == OUT_TIMEOUT)
    snprintf(seen, n, "got no answer within the timeout");
  else if (out == OUT_CLOSED)
    snprintf(seen, n, "got no answer: the server closed the connection");
  else if (out == OUT_RESET)
    snprintf(seen, n, "got no answer: the connection was reset");
  else if (out == OUT_BAD_RESPONSE || out == OUT_TOO_BIG)
    snprintf(seen, n, "got an answer the probe could not parse");
  else
    snprintf(seen, n, "could not be sent");
}

/* Reads one answer for request i of a replay; returns 1 when it is what
 * request i expects (a 101 never is: the replay speaks HTTP/1.1 only). */
static int replay_answer(raw_ctx *x, rconn *rc, int i, int64_t t_sent, char *seen,
                         size_t seenlen) {
  cell *c = x->c;
  rx r;
  rx_init(&r, &c->sc->requests[i], t_sent);
  outcome out = rc->usable ? read_response(x, rc, &r, i) : OUT_NOT_SENT;
  int ok = out == OUT_ANSWERED && r.p.resp.status != 101 &&
           answer_matches(&c->sc->requests[i], &r.p.resp);
  describe_replay(seen, seenlen, out, &r.p.resp, ok);
  transcript_note(&c->tx, rc->label, "loss check: request %d %s", i + 1, seen);
  if (out == OUT_ANSWERED)
    after_answer(x, rc, &r.p.resp, i);
  http1_parse_free(&r.p);
  return ok;
}

/* Appends request i's bytes, with `filler` filler bytes before them. */
static int replay_wire(raw_ctx *x, buf *wire, int i, long filler) {
  return loss_filler(wire, filler) == BUF_OK &&
         scenario_request_wire(x->c->sc, i, x->c->tg->authority, wire) == BUF_OK;
}

/* Sends wire on rc; 1 when all of it went out. */
static int replay_send(raw_ctx *x, rconn *rc, buf *wire, char *seen, size_t seenlen) {
  char detail[256];
  int ok = send_bytes(x, rc, wire, detail, sizeof detail) == OUT_PENDING;
  if (!ok)
    snprintf(seen, seenlen, "could not be sent (%s)", detail);
  buf_reset(wire);
  return ok;
}

/* The replay itself, on rc: earlier requests idx[0..n) then the failed one
 * (after the filler), sequentially or in one write as the scenario sends. */
static int replay_run(raw_ctx *x, rconn *rc, const int *idx, int n, int failed,
                      long filler, char *seen, size_t seenlen) {
  int pipelined = x->c->sc->send == SEND_PIPELINED;
  buf wire;
  buf_init(&wire, 8u * 1024u * 1024u);
  int rv = LOSS_NO_CONCLUSION, sent = 1;
  int64_t t_sent = clock_now_ms();
  if (pipelined) {
    for (int k = 0; k < n && sent; k++)
      sent = replay_wire(x, &wire, idx[k], 0);
    sent = sent && replay_wire(x, &wire, failed, filler) &&
           replay_send(x, rc, &wire, seen, seenlen);
  }
  for (int k = 0; k < n && sent; k++) {
    if (!pipelined)
      sent = replay_wire(x, &wire, idx[k], 0) && replay_send(x, rc, &wire, seen, seenlen);
    if (sent && !replay_answer(x, rc, idx[k], t_sent, seen, seenlen)) {
      char before[200];
      snprintf(before, sizeof before, "%s", seen);
      snprintf(seen, seenlen, "replayed request %d %s, not as before", idx[k] + 1,
               before);
      sent = 0;
    }
    t_sent = clock_now_ms();
  }
  if (sent && !pipelined)
    sent = replay_wire(x, &wire, failed, filler) && replay_send(x, rc, &wire, seen, seenlen);
  if (sent)
    rv = replay_answer(x, rc, failed, t_sent, seen, seenlen) ? LOSS_MATCH : LOSS_WRONG;
  buf_free(&wire);
  return rv;
}

int engine_raw_replay_loss(cell *c, const engine_opts *o, int failed, long filler,
                           char *seen, size_t seenlen) {
  const scenario *sc = c->sc;
  snprintf(seen, seenlen, "could not be replayed");
  if (failed < 0 || failed >= sc->nrequests || filler < 0 || filler > LOSS_MAX_FILLER)
    return LOSS_NO_CONCLUSION;
  if (clock_now_ms() >= o->deadline_ms) {
    snprintf(seen, seenlen, "was not replayed: the deadline had passed");
    transcript_note(&c->tx, LOSS_LABEL, "loss check with %ld filler bytes "
                    "skipped: the deadline has passed", filler);
    return LOSS_NO_CONCLUSION;
  }
  raw_ctx x;
  memset(&x, 0, sizeof x);
  x.c = c;
  x.o = o;
  const char *label = sc->requests[failed].connection;
  int idx[SC_MAX_REQUESTS], n = 0;
  for (int j = 0; j < failed; j++)
    if (strcmp(sc->requests[j].connection, label) == 0 && !c->skipped[j])
      idx[n++] = j;
  transcript_note(&c->tx, LOSS_LABEL, "loss check with %ld filler bytes: a new "
                  "connection replays %s the %d request(s) before request %d on "
                  "connection %s, then %ld filler bytes ('X'…';') and request %d",
                  filler, sc->send == SEND_PIPELINED ? "in one write (pipelined, as "
                  "the scenario sends)" : "one after the other (as the scenario sends)",
                  n, failed + 1, label, filler, failed + 1);
  rconn rc;
  rconn_init(&rc, LOSS_LABEL);
  int rv = LOSS_NO_CONCLUSION;
  if (open_conn(&x, &rc) == 0)
    rv = replay_run(&x, &rc, idx, n, failed, filler, seen, seenlen);
  else
    snprintf(seen, seenlen, "could not be replayed: %s", rc.gone);
  rconn_close(&rc);
  return rv;
}
