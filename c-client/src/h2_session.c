/* h2_session.c - HTTP/2 on an already connected socket, driven by nghttp2.
 *
 * The design follows nghttp2's examples/client.c: one struct (h2_conn) holds
 * the whole state of a connection and travels as nghttp2's user_data; small
 * callbacks named for the frame event fill it in. There is no global state, so
 * cells run concurrently in threads.
 *
 * nghttp2 does the framing and HPACK. This file does the I/O around it:
 *   - out: nghttp2's send callback appends to a buffer that is flushed to the
 *     socket (one transcript event per write) after each nghttp2_session_send;
 *   - in: one bounded net_recv at a time, recorded, then nghttp2_session_mem_recv.
 * Every wait is bounded by the per-read timeout and the cell's deadline, and
 * the deadline holds while frames keep coming (net_recv refuses to read past
 * it); H2_IN_MAX caps the bytes one connection may feed nghttp2.
 *
 * Each scenario request becomes a stream; how its stream ended decides the
 * exchange's outcome (answered, reset, closed by GOAWAY/EOF, timeout, ...). */
#include "h2_session.h"

#include <ctype.h>
#include <stdarg.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "clock.h"
#include "net.h"
#include "scenario.h"
#include "target.h"
#include "transcript.h"

#define H2_MAX_FRAME_NOTES 64        /* frame notes per connection */
#define H2_FLUSH_AT (16u * 1024u)    /* flush the out buffer past this size */
#define H2_OUT_MAX (1024u * 1024u)   /* hard cap of the out buffer */
#define H2_READ_CHUNK 16384
#define H2_MAX_RESP_HEADERS 100      /* response headers kept per exchange */
#define H2_MAX_REQ_HEADERS (SC_MAX_HEADERS + 5)  /* 4 pseudo, content-length */
#define H2_DRAIN_MS 200              /* wait for the peer's close at the end */
#define H2_IN_MAX (32u * 1024u * 1024u)  /* bytes in per connection */

/* One scenario request carried as one stream. */
typedef struct h2_req {
  int index;               /* into sc->requests and c->ex */
  int32_t stream_id;       /* 0 until submitted */
  int submitted, done;
  int final_seen;          /* a non-1xx :status arrived */
  int block_is_trailer;    /* the header block being received is trailers */
  int block_is_interim;    /* ... is a 1xx response */
  int complete;            /* END_STREAM received */
  int rst_recv, rst_sent, too_big;
  uint32_t rst_code;
  int64_t t_start;
  int64_t base_elapsed;    /* stream 1: time the raw engine already counted */
  buf body;                /* request body being sent */
  size_t body_off;
} h2_req;

typedef struct h2_conn {
  cell *c;
  const engine_opts *o;
  int fd;
  const char *label;
  nghttp2_session *session;
  int upgrade;             /* stream 1 came from a 101 */
  h2_req reqs[SC_MAX_REQUESTS];
  int nreqs;
  buf out;
  int broken;              /* the connection became unusable ... */
  outcome broken_as;       /* ... so requests in flight get this outcome */
  char broken_why[192];    /* ... and this detail */
  int socket_dead;         /* a send failed: no polite close */
  int goaway_recv;
  uint32_t goaway_code;
  int32_t goaway_last;
  int proto_error;         /* nghttp2 ended the session: the peer broke HTTP/2 */
  char lib_error[160];     /* nghttp2's last error message */
  int frame_notes;
  size_t bytes_fed;        /* bytes given to nghttp2 so far */
} h2_conn;

/* ---- small helpers ---------------------------------------------------- */

static const char *frame_name(uint8_t type) {
  switch (type) {
  case NGHTTP2_DATA: return "DATA";
  case NGHTTP2_HEADERS: return "HEADERS";
  case NGHTTP2_PRIORITY: return "PRIORITY";
  case NGHTTP2_RST_STREAM: return "RST_STREAM";
  case NGHTTP2_SETTINGS: return "SETTINGS";
  case NGHTTP2_PUSH_PROMISE: return "PUSH_PROMISE";
  case NGHTTP2_PING: return "PING";
  case NGHTTP2_GOAWAY: return "GOAWAY";
  case NGHTTP2_WINDOW_UPDATE: return "WINDOW_UPDATE";
  case NGHTTP2_CONTINUATION: return "CONTINUATION";
  default: return "unknown";
  }
}

static h2_req *req_by_stream(h2_conn *h, int32_t stream_id) {
  for (int i = 0; i < h->nreqs; i++)
    if (h->reqs[i].submitted && h->reqs[i].stream_id == stream_id)
      return &h->reqs[i];
  return NULL;
}

static exchange *req_ex(h2_conn *h, const h2_req *r) {
  return &h->c->ex[r->index];
}

/* Records why the connection became unusable (the first reason wins). */
static void conn_break(h2_conn *h, outcome as, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void conn_break(h2_conn *h, outcome as, const char *fmt, ...) {
  if (h->broken)
    return;
  h->broken = 1;
  h->broken_as = as;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->broken_why, sizeof h->broken_why, fmt, ap);
  va_end(ap);
  transcript_note(&h->c->tx, h->label, "%s", h->broken_why);
}

/* Frame notes are bounded: a server can send any number of frames. */
static void frame_note(h2_conn *h, const char *verb, const nghttp2_frame *f,
                       const char *extra) {
  if (h->frame_notes > H2_MAX_FRAME_NOTES)
    return;
  if (h->frame_notes++ == H2_MAX_FRAME_NOTES) {
    transcript_note(&h->c->tx, h->label, "further HTTP/2 frame notes omitted");
    return;
  }
  char flags[48] = "";
  if ((f->hd.type == NGHTTP2_SETTINGS || f->hd.type == NGHTTP2_PING) &&
      (f->hd.flags & NGHTTP2_FLAG_ACK))
    snprintf(flags, sizeof flags, " ACK");
  if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
      (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
    snprintf(flags, sizeof flags, " END_STREAM");
  if (f->hd.stream_id)
    transcript_note(&h->c->tx, h->label, "%s %s stream %d%s%s", verb,
                    frame_name(f->hd.type), (int)f->hd.stream_id, extra, flags);
  else
    transcript_note(&h->c->tx, h->label, "%s %s%s%s", verb,
                    frame_name(f->hd.type), extra, flags);
}

/* Details of a frame worth a note ("len 13", ":status 200", error codes). */
static void frame_extra(h2_conn *h, const nghttp2_frame *f, int sending,
                        char *out, size_t n) {
  out[0] = '\0';
  h2_req *r = req_by_stream(h, f->hd.stream_id);
  switch (f->hd.type) {
  case NGHTTP2_HEADERS:
    if (r && sending) {
      const sc_request *q = &h->c->sc->requests[r->index];
      snprintf(out, n, " %.20s %.100s", q->method, q->path);
    } else if (r && r->final_seen && !r->block_is_trailer)
      snprintf(out, n, " :status %d", req_ex(h, r)->status);
    else if (r && r->block_is_interim)
      snprintf(out, n, " (1xx interim)");
    break;
  case NGHTTP2_DATA:
    snprintf(out, n, " len %zu", f->hd.length);
    break;
  case NGHTTP2_SETTINGS:
    if (!(f->hd.flags & NGHTTP2_FLAG_ACK))
      snprintf(out, n, " (%zu entries)", f->settings.niv);
    break;
  case NGHTTP2_RST_STREAM:
    snprintf(out, n, " error=%s",
             nghttp2_http2_strerror(f->rst_stream.error_code));
    break;
  case NGHTTP2_GOAWAY:
    snprintf(out, n, " last-stream-id=%d error=%s%s%.*s",
             (int)f->goaway.last_stream_id,
             nghttp2_http2_strerror(f->goaway.error_code),
             f->goaway.opaque_data_len ? " debug=" : "",
             (int)(f->goaway.opaque_data_len > 80 ? 80
                                                  : f->goaway.opaque_data_len),
             f->goaway.opaque_data ? (const char *)f->goaway.opaque_data : "");
    break;
  case NGHTTP2_WINDOW_UPDATE:
    snprintf(out, n, " +%d", (int)f->window_update.window_size_increment);
    break;
  default:
    break;
  }
  /* GOAWAY debug data is peer bytes: keep the note printable. */
  for (char *p = out; *p; p++)
    if (!isprint((unsigned char)*p))
      *p = '?';
}

/* Connection-specific headers have no place in HTTP/2 (RFC 9113 §8.2.2);
 * Host becomes :authority. */
static int is_connection_specific(const char *name) {
  static const char *const drop[] = {"connection", "upgrade", "http2-settings",
                                     "keep-alive", "transfer-encoding", "host",
                                     "proxy-connection"};
  for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
    if (strcasecmp(name, drop[i]) == 0)
      return 1;
  return 0;
}

/* base64url (RFC 4648 §5; the standard alphabet is accepted too), padding
 * optional. Returns the decoded length or -1 on a bad character. */
static long base64url_decode(const char *s, uint8_t *out, size_t cap) {
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (; *s && *s != '='; s++) {
    int v;
    char ch = *s;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '-' || ch == '+') v = 62;
    else if (ch == '_' || ch == '/') v = 63;
    else return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == cap)
        return -1;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  return (long)n;
}

/* ---- output: buffered writer ------------------------------------------ */

static int flush_out(h2_conn *h) {
  if (h->out.len == 0)
    return 0;
  transcript_bytes(&h->c->tx, h->label, TX_OUT, h->out.data, h->out.len);
  int rc = net_send_all(h->fd, h->out.data, h->out.len, h->o->deadline_ms);
  buf_reset(&h->out);
  if (rc != 0) {
    h->socket_dead = 1;
    if (rc == NET_TIMEOUT)
      conn_break(h, OUT_TIMEOUT, "send timed out");
    else if (rc == NET_RESET)
      conn_break(h, OUT_RESET, "send failed: connection reset by the server");
    else
      conn_break(h, OUT_CLOSED, "send failed: socket error");
  }
  return rc;
}

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len,
                       int flags, void *user_data) {
  (void)s;
  (void)flags;
  h2_conn *h = user_data;
  if (h->out.len + len > H2_FLUSH_AT && flush_out(h) != 0)
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  if (buf_add(&h->out, data, len) != BUF_OK)
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  return (ssize_t)len;
}

/* Lets nghttp2 serialize everything pending, then writes it. */
static int send_pending(h2_conn *h) {
  int rv = nghttp2_session_send(h->session);
  if (rv != 0)
    conn_break(h, OUT_BAD_RESPONSE, "nghttp2 send: %s", nghttp2_strerror(rv));
  if (flush_out(h) != 0 || rv != 0)
    return -1;
  return 0;
}

/* ---- callbacks: frames ------------------------------------------------ */

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f,
                            void *user_data) {
  (void)s;
  h2_req *r = req_by_stream(user_data, f->hd.stream_id);
  if (r && f->hd.type == NGHTTP2_HEADERS) {
    r->block_is_trailer = r->final_seen;
    r->block_is_interim = 0;
  }
  return 0;
}

static void on_status(h2_conn *h, h2_req *r, const uint8_t *v, size_t n) {
  int status = 0;
  for (size_t i = 0; i < n && i < 4 && isdigit(v[i]); i++)
    status = status * 10 + (v[i] - '0');
  if (status < 200) {
    r->block_is_interim = 1;   /* e.g. 100 Continue: the final one follows */
    return;
  }
  exchange *e = req_ex(h, r);
  r->final_seen = 1;
  e->status = status;
  e->reason_phrase[0] = '\0';  /* HTTP/2 has none */
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *user_data) {
  (void)s;
  (void)flags;
  h2_conn *h = user_data;
  if (f->hd.type != NGHTTP2_HEADERS)
    return 0;                  /* pushed requests are not ours */
  h2_req *r = req_by_stream(h, f->hd.stream_id);
  if (!r || r->done || r->block_is_trailer)
    return 0;
  if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
    on_status(h, r, value, valuelen);
    return 0;
  }
  exchange *e = req_ex(h, r);
  if (r->block_is_interim || !r->final_seen ||
      e->nheaders >= H2_MAX_RESP_HEADERS)
    return 0;
  /* nghttp2 NUL-terminates name and value and rejects NUL inside them. */
  exchange_add_header(e, (const char *)name, (const char *)value);
  return 0;
}

static int on_invalid_header(nghttp2_session *s, const nghttp2_frame *f,
                             const uint8_t *name, size_t namelen,
                             const uint8_t *value, size_t valuelen,
                             uint8_t flags, void *user_data) {
  (void)s;
  (void)flags;
  (void)value;
  (void)valuelen;
  h2_conn *h = user_data;
  transcript_note(&h->c->tx, h->label,
                  "invalid header field on stream %d (name %.*s...): stream "
                  "is reset, as RFC 9113 section 8.2.1 requires",
                  (int)f->hd.stream_id, (int)(namelen > 40 ? 40 : namelen),
                  (const char *)name);
  /* Keep nghttp2's strict default: the stream is reset (PROTOCOL_ERROR). */
  return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user_data) {
  (void)flags;
  h2_conn *h = user_data;
  h2_req *r = req_by_stream(h, stream_id);
  if (!r || r->done || r->too_big)
    return 0;
  if (buf_add(&req_ex(h, r)->body, data, len) != BUF_OK) {
    r->too_big = 1;
    transcript_note(&h->c->tx, h->label,
                    "stream %d: response body over the cap, cancelling",
                    (int)stream_id);
    nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
  }
  return 0;
}

/* A graceful GOAWAY is HTTP/2's "Connection: close": it announces that no
 * stream after last_stream_id will be processed. Mark the last stream the
 * server accepted, so a follow-up it refuses reads as no-reuse, not as a
 * silent close. */
static void announce_close(h2_conn *h, int32_t last_stream_id) {
  h2_req *last = NULL;
  for (int i = 0; i < h->nreqs; i++) {
    h2_req *r = &h->reqs[i];
    if (r->stream_id > 0 && r->stream_id <= last_stream_id &&
        (!last || r->stream_id > last->stream_id))
      last = r;
  }
  if (last)
    req_ex(h, last)->conn_close = 1;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f,
                         void *user_data) {
  (void)s;
  h2_conn *h = user_data;
  char extra[160];
  frame_extra(h, f, 0, extra, sizeof extra);
  frame_note(h, "recv", f, extra);
  h2_req *r = req_by_stream(h, f->hd.stream_id);
  switch (f->hd.type) {
  case NGHTTP2_HEADERS:
    if (r && h->upgrade && f->hd.stream_id == 1)
      h->c->upgraded = 1;      /* HTTP/2 really followed the 101 */
    /* fall through */
  case NGHTTP2_DATA:
    if (r && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
      r->complete = 1;
    break;
  case NGHTTP2_RST_STREAM:
    if (r) {
      r->rst_recv = 1;
      r->rst_code = f->rst_stream.error_code;
    }
    break;
  case NGHTTP2_GOAWAY:
    h->goaway_recv = 1;
    h->goaway_code = f->goaway.error_code;
    h->goaway_last = f->goaway.last_stream_id;
    if (f->goaway.error_code == NGHTTP2_NO_ERROR)
      announce_close(h, f->goaway.last_stream_id);
    break;
  default:
    break;
  }
  return 0;
}

static int on_frame_send(nghttp2_session *s, const nghttp2_frame *f,
                         void *user_data) {
  (void)s;
  h2_conn *h = user_data;
  char extra[160];
  frame_extra(h, f, 1, extra, sizeof extra);
  frame_note(h, "send", f, extra);
  if (f->hd.type == NGHTTP2_RST_STREAM) {
    h2_req *r = req_by_stream(h, f->hd.stream_id);
    if (r)
      r->rst_sent = 1;
  } else if (f->hd.type == NGHTTP2_GOAWAY) {
    /* nghttp2 sends an error GOAWAY only for a connection error it found in
     * what the peer sent (even if the peer is gone before it is written). */
    if (f->goaway.error_code != NGHTTP2_NO_ERROR)
      h->proto_error = 1;
  }
  return 0;
}

static void finish_req(h2_conn *h, h2_req *r, outcome out, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

static void finish_req(h2_conn *h, h2_req *r, outcome out, const char *fmt,
                       ...) {
  if (r->done)
    return;
  r->done = 1;
  exchange *e = req_ex(h, r);
  e->outcome = out;
  if (r->submitted)
    e->elapsed_ms = r->base_elapsed + (clock_now_ms() - r->t_start);
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
  }
}

static int on_frame_not_send(nghttp2_session *s, const nghttp2_frame *f,
                             int lib_error, void *user_data) {
  (void)s;
  h2_conn *h = user_data;
  transcript_note(&h->c->tx, h->label, "could not send %s stream %d: %s",
                  frame_name(f->hd.type), (int)f->hd.stream_id,
                  nghttp2_strerror(lib_error));
  h2_req *r = req_by_stream(h, f->hd.stream_id);
  if (r && f->hd.type == NGHTTP2_HEADERS) {
    if (h->goaway_recv)
      finish_req(h, r, OUT_CLOSED, "GOAWAY error=%s before the request was sent",
                 nghttp2_http2_strerror(h->goaway_code));
    else
      finish_req(h, r, OUT_NOT_SENT, "nghttp2 could not send it: %s",
                 nghttp2_strerror(lib_error));
  }
  return 0;
}

/* A stream ended: how it ended is the exchange's outcome. */
static int on_stream_close(nghttp2_session *s, int32_t stream_id,
                           uint32_t error_code, void *user_data) {
  (void)s;
  h2_conn *h = user_data;
  h2_req *r = req_by_stream(h, stream_id);
  if (!r || r->done)
    return 0;
  if (r->too_big)
    finish_req(h, r, OUT_TOO_BIG, "response body over %zu bytes",
               req_ex(h, r)->body.max);
  else if (r->complete && r->final_seen)
    finish_req(h, r, OUT_ANSWERED, NULL);
  else if (r->rst_recv)
    finish_req(h, r, OUT_RESET, "RST_STREAM error=%s",
               nghttp2_http2_strerror(r->rst_code));
  else if (h->goaway_recv && stream_id > h->goaway_last)
    finish_req(h, r, OUT_CLOSED, "GOAWAY error=%s last-stream-id=%d",
               nghttp2_http2_strerror(h->goaway_code), (int)h->goaway_last);
  else if (r->rst_sent || h->proto_error)
    finish_req(h, r, OUT_BAD_RESPONSE, "invalid HTTP/2 response (%s)%s%s",
               nghttp2_http2_strerror(error_code), h->lib_error[0] ? ": " : "",
               h->lib_error);
  else
    finish_req(h, r, OUT_RESET, "stream closed: %s",
               nghttp2_http2_strerror(error_code));
  return 0;
}

static int on_error(nghttp2_session *s, int lib_error, const char *msg,
                    size_t len, void *user_data) {
  (void)s;
  (void)lib_error;
  h2_conn *h = user_data;
  snprintf(h->lib_error, sizeof h->lib_error, "%.*s", (int)len, msg);
  transcript_note(&h->c->tx, h->label, "nghttp2: %s", h->lib_error);
  return 0;
}

static ssize_t read_request_body(nghttp2_session *s, int32_t stream_id,
                                 uint8_t *out, size_t length,
                                 uint32_t *data_flags,
                                 nghttp2_data_source *source, void *user_data) {
  (void)s;
  (void)stream_id;
  (void)user_data;
  h2_req *r = source->ptr;
  size_t left = r->body.len - r->body_off;
  size_t n = left < length ? left : length;
  if (n)
    memcpy(out, r->body.data + r->body_off, n);
  r->body_off += n;
  if (r->body_off == r->body.len)
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

/* ---- session setup and teardown --------------------------------------- */

static int conn_open(h2_conn *h, cell *c, const engine_opts *o, int fd,
                     const char *label) {
  memset(h, 0, sizeof *h);
  h->c = c;
  h->o = o;
  h->fd = fd;
  h->label = label;
  buf_init(&h->out, H2_OUT_MAX);
  nghttp2_session_callbacks *cb;
  if (nghttp2_session_callbacks_new(&cb) != 0)
    return -1;
  nghttp2_session_callbacks_set_send_callback(cb, on_send);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_invalid_header_callback(cb,
                                                           on_invalid_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cb,
                                                           on_frame_not_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  nghttp2_session_callbacks_set_error_callback2(cb, on_error);
  int rv = nghttp2_session_client_new(&h->session, cb, h);
  nghttp2_session_callbacks_del(cb);
  return rv == 0 ? 0 : -1;
}

static void conn_free(h2_conn *h) {
  if (h->session)
    nghttp2_session_del(h->session);
  h->session = NULL;
  for (int i = 0; i < h->nreqs; i++)
    buf_free(&h->reqs[i].body);
  buf_free(&h->out);
}

/* GOAWAY, half-close, and a short bounded drain so the peer's own GOAWAY
 * and close are seen (and our close is not turned into a RST by unread data). */
static void conn_close_politely(h2_conn *h) {
  if (h->socket_dead)
    return;
  nghttp2_session_terminate_session(h->session, NGHTTP2_NO_ERROR);
  send_pending(h);
  shutdown(h->fd, SHUT_WR);
  int64_t until = clock_now_ms() + H2_DRAIN_MS;
  if (until > h->o->deadline_ms)
    until = h->o->deadline_ms;
  char rb[H2_READ_CHUNK];
  for (int i = 0; i < 16; i++) {
    ssize_t n = net_recv(h->fd, rb, sizeof rb, H2_DRAIN_MS, until);
    if (n <= 0)
      break;
    transcript_bytes(&h->c->tx, h->label, TX_IN, rb, (size_t)n);
    if (nghttp2_session_mem_recv(h->session, (const uint8_t *)rb, (size_t)n) < 0)
      break;
  }
}

/* ---- the loop --------------------------------------------------------- */

static int reqs_done(const h2_conn *h, const h2_req *only) {
  if (only)
    return only->done;
  for (int i = 0; i < h->nreqs; i++)
    if (h->reqs[i].submitted && !h->reqs[i].done)
      return 0;
  return 1;
}

/* A server that does not speak HTTP/2 answers our preface with an HTTP/1.x
 * error. That is an answer, not garbage: record its status line on the first
 * request, and the protocol it speaks, so the verdict can say so instead of
 * "unparseable". The test is the status-line syntax (RFC 9112 §4: "HTTP/"
 * DIGIT "." DIGIT SP 3DIGIT), not the version in it: servers that echo the
 * request's version answer "PRI * HTTP/2.0" with "HTTP/2.0 404 Not Found",
 * still HTTP/1.x text (HTTP/2 has no status line, RFC 9113 §8.3.2). */
static int answered_in_http1(h2_conn *h, const char *data, size_t n) {
  int status = 0, major = 0, minor = 0, used = 0;
  char line[128];
  size_t len = 0;
  if (h->upgrade || h->bytes_fed > 0 || h->nreqs == 0 || n < 12 ||
      memcmp(data, "HTTP/", 5) != 0 || !isdigit((unsigned char)data[5]) ||
      data[6] != '.' || !isdigit((unsigned char)data[7]) || data[8] != ' ')
    return 0;
  while (len < n && len < sizeof line - 1 && data[len] != '\r' && data[len] != '\n')
    len++;
  memcpy(line, data, len);
  line[len] = '\0';
  if (sscanf(line, "HTTP/%1d.%1d %3d%n", &major, &minor, &status, &used) != 3 ||
      status < 100 || used != 12)
    return 0;
  h2_req *r = &h->reqs[0];
  exchange *e = req_ex(h, r);
  if (major == 1)
    finish_req(h, r, OUT_ANSWERED, "the server answered the HTTP/2 connection "
               "preface in HTTP/1.%d: %.100s", minor, line);
  else
    finish_req(h, r, OUT_ANSWERED, "the server answered the HTTP/2 connection "
               "preface with an HTTP/1.x status line: %.100s", line);
  e->status = status;
  e->conn_close = 1;
  if (major == 1) {
    snprintf(e->http_version, sizeof e->http_version, "1.%d", minor);
    snprintf(e->speaks, sizeof e->speaks, "HTTP/1.%d", minor);
  } else {  /* a text status line claiming another version */
    snprintf(e->http_version, sizeof e->http_version, "%d.%d", major, minor);
    snprintf(e->speaks, sizeof e->speaks, "HTTP/1.x (a text status line `HTTP/%d.%d %d`)",
             major, minor, status);
  }
  snprintf(e->reason_phrase, sizeof e->reason_phrase, "%s",
           strlen(line) > 13 ? line + 13 : "");
  conn_break(h, OUT_NOT_SENT, "the server does not speak HTTP/2: %.100s", line);
  return 1;
}

/* A server that answers the preface with text but no status line (Python's
 * http.server refuses "PRI * HTTP/2.0" with a bare HTML page: it has not yet
 * recorded the version, so it writes no status line, as for HTTP/0.9) speaks
 * no HTTP/2 either: its first frame must be SETTINGS (RFC 9113 §3.4), whose
 * type byte 0x04 is no text, so printable first bytes rule HTTP/2 out. The
 * verdict says so instead of "unparseable". */
#define H2_TEXT_PROBE 16   /* leading bytes checked and quoted */

static int is_text_byte(unsigned char b) {
  return (b >= 0x20 && b < 0x7f) || b == '\t' || b == '\r' || b == '\n';
}

static int answered_in_text(h2_conn *h, const char *data, size_t n) {
  size_t probe = n < H2_TEXT_PROBE ? n : H2_TEXT_PROBE, quote = 0;
  if (h->upgrade || h->bytes_fed > 0 || h->nreqs == 0 || n < 4)
    return 0;
  for (size_t k = 0; k < probe; k++)
    if (!is_text_byte((unsigned char)data[k]))
      return 0;
  while (quote < probe && data[quote] != '\r' && data[quote] != '\n')
    quote++;
  h2_req *r = &h->reqs[0];
  exchange *e = req_ex(h, r);
  finish_req(h, r, OUT_BAD_RESPONSE, "the server answered the HTTP/2 connection "
             "preface with text, no status line and no HTTP/2 frame: `%.*s`",
             (int)quote, data);
  e->conn_close = 1;
  e->http_version[0] = '\0';   /* no version was stated: null in results.json */
  snprintf(e->speaks, sizeof e->speaks, "text (`%.*s`…, no HTTP/2 frame)", (int)quote, data);
  conn_break(h, OUT_NOT_SENT, "the server does not speak HTTP/2: it answered in text");
  return 1;
}

/* Feeds bytes to nghttp2; a negative return is fatal for the session. */
static int feed(h2_conn *h, const char *data, size_t n) {
  if (answered_in_http1(h, data, n) || answered_in_text(h, data, n))
    return -1;
  h->bytes_fed += n;
  ssize_t rv = nghttp2_session_mem_recv(h->session, (const uint8_t *)data, n);
  if (rv < 0) {
    conn_break(h, OUT_BAD_RESPONSE, "nghttp2: %s%s%s",
               nghttp2_strerror((int)rv), h->lib_error[0] ? ": " : "",
               h->lib_error);
    return -1;
  }
  /* nghttp2 stops reading on its own only after a GOAWAY from the peer or
   * when it found a connection error in what the peer sent. */
  if (!h->goaway_recv && !nghttp2_session_want_read(h->session))
    h->proto_error = 1;
  return 0;
}

/* One bounded read into nghttp2. Returns 0, or -1 with the connection
 * broken. */
static int read_once(h2_conn *h) {
  char rb[H2_READ_CHUNK];
  ssize_t n = net_recv(h->fd, rb, sizeof rb, h->o->timeout_ms,
                       h->o->deadline_ms);
  if (n > 0 && h->bytes_fed + (size_t)n > H2_IN_MAX) {
    conn_break(h, OUT_TOO_BIG, "the server sent more than %u bytes on this "
               "connection", H2_IN_MAX);
    return -1;
  }
  if (n > 0) {
    transcript_bytes(&h->c->tx, h->label, TX_IN, rb, (size_t)n);
    return feed(h, rb, (size_t)n);
  }
  if (n == 0)
    conn_break(h, OUT_CLOSED, "connection closed by the server");
  else if (n == NET_TIMEOUT && clock_now_ms() >= h->o->deadline_ms)
    conn_break(h, OUT_TIMEOUT, "the cell's deadline passed before the answer "
               "was complete");
  else if (n == NET_TIMEOUT)
    conn_break(h, OUT_TIMEOUT, "no answer within %d ms", h->o->timeout_ms);
  else if (n == NET_RESET)
    conn_break(h, OUT_RESET, "connection reset by the server");
  else
    conn_break(h, OUT_CLOSED, "socket error while reading");
  return -1;
}

/* Drives the session until `only` (or every submitted request) is done.
 * Returns 0, or -1 when the connection became unusable (h->broken_why). */
static int wait_done(h2_conn *h, const h2_req *only) {
  for (;;) {
    if (send_pending(h) != 0)
      return -1;
    if (reqs_done(h, only))
      return 0;
    if (!nghttp2_session_want_read(h->session) &&
        !nghttp2_session_want_write(h->session)) {
      conn_break(h, OUT_BAD_RESPONSE, "HTTP/2 session ended%s%s",
                 h->lib_error[0] ? ": " : "", h->lib_error);
      return -1;
    }
    if (read_once(h) != 0)
      return -1;
  }
}

/* The connection is unusable: every request not done gets an outcome that
 * says why. Requests never sent are not-sent, except after a GOAWAY. */
static void fail_pending(h2_conn *h) {
  for (int i = 0; i < h->nreqs; i++) {
    h2_req *r = &h->reqs[i];
    if (r->done)
      continue;
    if (!h->broken)   /* not expected: every wait ends done or broken */
      conn_break(h, OUT_BAD_RESPONSE, "the HTTP/2 session stopped first");
    if (h->goaway_recv) {
      finish_req(h, r, OUT_CLOSED, "GOAWAY error=%s last-stream-id=%d%s",
                 nghttp2_http2_strerror(h->goaway_code), (int)h->goaway_last,
                 r->submitted ? "" : " (not sent)");
      continue;
    }
    if (!r->submitted)
      finish_req(h, r, OUT_NOT_SENT, "not sent: %s", h->broken_why);
    else if (h->proto_error)
      finish_req(h, r, OUT_BAD_RESPONSE, "invalid HTTP/2 from the server: %s",
                 h->lib_error[0] ? h->lib_error : h->broken_why);
    else
      finish_req(h, r, h->broken_as, "%s", h->broken_why);
  }
}

/* ---- requests --------------------------------------------------------- */

static nghttp2_nv make_nv(const char *name, const char *value) {
  nghttp2_nv nv = {(uint8_t *)name, (uint8_t *)value, strlen(name),
                   strlen(value), NGHTTP2_NV_FLAG_NONE};
  return nv;
}

static int has_header(const nghttp2_nv *nva, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (nva[i].namelen == strlen(name) && memcmp(nva[i].name, name, nva[i].namelen) == 0)
      return 1;
  return 0;
}

/* Submits request r as a new stream. Header strings live in `store` only
 * until nghttp2_submit_request returns: nghttp2 copies them. */
static int submit_req(h2_conn *h, h2_req *r) {
  const scenario *sc = h->c->sc;
  const sc_request *q = &sc->requests[r->index];
  const char *authority = h->c->tg->authority;
  nghttp2_nv nva[H2_MAX_REQ_HEADERS];
  buf store[SC_MAX_HEADERS][2];
  size_t nnv = 0;
  nva[nnv++] = make_nv(":method", q->method);
  nva[nnv++] = make_nv(":path", q->path);
  nva[nnv++] = make_nv(":scheme", "http");
  nva[nnv++] = make_nv(":authority", authority);
  int nstore = 0;
  for (int i = 0; i < q->nheaders && nstore < SC_MAX_HEADERS; i++) {
    if (is_connection_specific(q->headers[i].name))
      continue;
    buf *name = &store[nstore][0], *value = &store[nstore][1];
    buf_init(name, 8192);
    buf_init(value, 65536);
    if (buf_adds(name, q->headers[i].name) != BUF_OK)
      continue;   /* longer than any name the loader accepts: only out of memory */
    for (size_t k = 0; k < name->len; k++)   /* RFC 9113 §8.2.1 */
      name->data[k] = (char)tolower((unsigned char)name->data[k]);
    scenario_subst_authority(value, q->headers[i].value, authority);
    nva[nnv++] = make_nv(name->data ? name->data : "",
                         value->data ? value->data : "");
    nstore++;
  }
  int has_body = q->has_body || q->nchunks > 0;
  nghttp2_data_provider prd = {.source.ptr = r, .read_callback = read_request_body};
  buf_init(&r->body, 16u * 1024u * 1024u);
  char clen[32];
  if (has_body) {
    scenario_request_body(q, &r->body);   /* de-chunked: HTTP/2 has no chunks */
    /* RFC 9113 §8.1.1 allows content-length, and real clients (curl) send it:
     * a server that wants it (411 Length Required) would otherwise fail a
     * stream for the probe's framing, not for its own behaviour. */
    snprintf(clen, sizeof clen, "%zu", r->body.len);
    if (!has_header(nva, nnv, "content-length"))
      nva[nnv++] = make_nv("content-length", clen);
  }
  int32_t id = nghttp2_submit_request(h->session, NULL, nva, nnv,
                                      has_body ? &prd : NULL, NULL);
  for (int i = 0; i < nstore; i++) {
    buf_free(&store[i][0]);
    buf_free(&store[i][1]);
  }
  exchange *e = req_ex(h, r);
  r->t_start = clock_now_ms();
  if (id < 0) {
    r->submitted = 1;
    finish_req(h, r, OUT_NOT_SENT, "nghttp2_submit_request: %s",
               nghttp2_strerror(id));
    return -1;
  }
  r->stream_id = id;
  r->submitted = 1;
  e->stream_id = id;
  snprintf(e->http_version, sizeof e->http_version, "2");
  return 0;
}

static h2_req *add_req(h2_conn *h, int index) {
  if (h->nreqs >= SC_MAX_REQUESTS || index < 0 ||
      index >= h->c->sc->nrequests)
    return NULL;
  h2_req *r = &h->reqs[h->nreqs++];
  memset(r, 0, sizeof *r);
  r->index = index;
  buf_init(&r->body, 0);
  return r;
}

/* Sends the not-yet-submitted requests: one at a time (waiting for each
 * stream to close) or all at once when the scenario pipelines. */
static int run_requests(h2_conn *h) {
  int pipelined = h->c->sc->send == SEND_PIPELINED;
  if (pipelined) {
    for (int i = 0; i < h->nreqs; i++)
      if (!h->reqs[i].submitted)
        submit_req(h, &h->reqs[i]);
    if (wait_done(h, NULL) != 0)
      return -1;
    return 0;
  }
  for (int i = 0; i < h->nreqs; i++) {
    h2_req *r = &h->reqs[i];
    if (!r->submitted && submit_req(h, r) != 0)
      continue;
    if (wait_done(h, r) != 0)
      return -1;
  }
  return 0;
}

static int all_answered(const h2_conn *h) {
  for (int i = 0; i < h->nreqs; i++)
    if (h->c->ex[h->reqs[i].index].outcome != OUT_ANSWERED)
      return 0;
  return 1;
}

/* Runs what is queued, then closes the session and records outcomes. */
static int conn_finish(h2_conn *h) {
  if (!h->broken)
    run_requests(h);
  if (h->broken)
    fail_pending(h);
  conn_close_politely(h);
  fail_pending(h);   /* nothing should be left; belt and braces */
  int ok = all_answered(h);
  conn_free(h);
  return ok ? 0 : -1;
}

static int fail_all(cell *c, const int *idx, int n, outcome out,
                    const char *why) {
  for (int i = 0; i < n; i++) {
    exchange *e = &c->ex[idx[i]];
    e->outcome = out;
    snprintf(e->detail, sizeof e->detail, "%s", why);
  }
  return -1;
}

/* ---- public ----------------------------------------------------------- */

/* The 101 answered request `upgraded_index`: clear what the HTTP/1.1 side
 * may have stored for it, so the exchange holds the HTTP/2 answer. */
static void reset_upgraded_exchange(exchange *e) {
  for (int i = 0; i < 2 * e->nheaders; i++)
    free(e->headers[i]);
  free(e->headers);
  e->headers = NULL;
  e->nheaders = 0;
  buf_reset(&e->body);
  e->status = 0;
  e->reason_phrase[0] = '\0';
  e->detail[0] = '\0';
  e->conn_close = 0;
  e->outcome = OUT_PENDING;
}

/* Decodes the HTTP2-Settings value we sent. nghttp2 accepts an empty payload
 * (no settings); a malformed value is replaced by it, with a note. */
static long settings_payload(h2_conn *h, const char *b64, uint8_t *out,
                             size_t cap) {
  if (!b64)
    return 0;
  long n = base64url_decode(b64, out, cap);
  if (n < 0 || n % 6 != 0) {
    transcript_note(&h->c->tx, h->label,
                    "HTTP2-Settings value is not base64url SETTINGS; the "
                    "session starts with no settings");
    return 0;
  }
  return n;
}

int h2_session_after_upgrade(cell *c, const engine_opts *o, int fd, const char *conn,
                     int upgraded_index, const char *settings_b64,
                     const char *leftover, size_t nleftover, const int *follow,
                     int nfollow) {
  h2_conn hc;
  if (conn_open(&hc, c, o, fd, conn) != 0) {
    conn_free(&hc);
    fail_all(c, follow, nfollow, OUT_BAD_RESPONSE, "nghttp2: out of memory");
    return fail_all(c, &upgraded_index, 1, OUT_BAD_RESPONSE,
                    "nghttp2: out of memory");
  }
  h2_conn *h = &hc;
  h->upgrade = 1;
  h2_req *first = add_req(h, upgraded_index);
  for (int i = 0; i < nfollow; i++)
    add_req(h, follow[i]);
  if (!first) {
    conn_free(h);
    return -1;
  }
  exchange *e = req_ex(h, first);
  reset_upgraded_exchange(e);
  first->base_elapsed = e->elapsed_ms;
  first->t_start = clock_now_ms();
  first->submitted = 1;
  first->stream_id = 1;
  e->stream_id = 1;
  snprintf(e->http_version, sizeof e->http_version, "2");

  uint8_t payload[1024];
  long plen = settings_payload(h, settings_b64, payload, sizeof payload);
  const char *method = c->sc->requests[upgraded_index].method;
  /* Opens stream 1 half-closed (local) and submits SETTINGS carrying the
   * same values as HTTP2-Settings (nghttp2 does that for a client). */
  int rv = nghttp2_session_upgrade2(h->session, payload, (size_t)plen,
                                    strcmp(method, "HEAD") == 0, NULL);
  if (rv != 0)
    conn_break(h, OUT_BAD_RESPONSE, "nghttp2_session_upgrade2: %s",
               nghttp2_strerror(rv));
  else if (nleftover > 0) {
    transcript_note(&c->tx, conn,
                    "%zu bytes arrived with the 101: fed to nghttp2 as "
                    "HTTP/2 frames", nleftover);
    feed(h, leftover, nleftover);
  }
  /* RFC 9113 §3.2 (7540 §3.2): the client preface (magic + SETTINGS) goes
   * out right after the 101; nghttp2's client session writes the magic. */
  if (!h->broken && send_pending(h) == 0)
    transcript_note(&c->tx, conn, "sent the HTTP/2 client preface");
  if (!h->broken && c->sc->send != SEND_PIPELINED)
    wait_done(h, first);
  return conn_finish(h);
}

int h2_session_prior_knowledge(cell *c, const engine_opts *o, int fd, const char *conn,
                       const int *idx, int n) {
  h2_conn hc;
  if (conn_open(&hc, c, o, fd, conn) != 0) {
    conn_free(&hc);
    return fail_all(c, idx, n, OUT_BAD_RESPONSE, "nghttp2: out of memory");
  }
  h2_conn *h = &hc;
  for (int i = 0; i < n; i++)
    add_req(h, idx[i]);
  /* Like curl: no server push, room for every request of a scenario. */
  nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
  };
  int rv = nghttp2_submit_settings(h->session, NGHTTP2_FLAG_NONE, iv,
                                   sizeof iv / sizeof iv[0]);
  if (rv != 0)
    conn_break(h, OUT_BAD_RESPONSE, "nghttp2_submit_settings: %s",
               nghttp2_strerror(rv));
  else if (send_pending(h) == 0) {
    transcript_note(&c->tx, conn, "sent the HTTP/2 client preface (prior "
                                  "knowledge)");
  }
  return conn_finish(h);
}
