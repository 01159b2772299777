/* load_h2.c - HTTP/2 with prior knowledge for the victims of `h2c-probe
 * load` (nghttp2, driven with mem_recv/mem_send on the connection's own
 * buffers: the library never touches the socket). Each request is a stream;
 * its :status and up to LOAD_H2_BODY bytes of its body are kept in the
 * slot's place, and a closed stream is handed to load_victim_answer only
 * after nghttp2 has returned, since an answer may close the connection and
 * free the session. */
#include "load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#define LOAD_H2_BODY 256

typedef struct load_h2 {
  nghttp2_session *s;
  lthread *t;
  lconn *c;
  int status[LOAD_MAX_DEPTH];
  size_t blen[LOAD_MAX_DEPTH];
  char body[LOAD_MAX_DEPTH][LOAD_H2_BODY];
  char req[LOAD_MAX_DEPTH][LOAD_TOKEN_LEN];  /* each request's token body */
  size_t req_off[LOAD_MAX_DEPTH];
  int closed[LOAD_MAX_DEPTH];                /* slots whose stream closed, in order */
  int nclosed;
} load_h2;

static int slot_of(load_h2 *h, int32_t stream) {
  return load_victim_slot(h->c, stream);
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *ud) {
  (void)s, (void)flags;
  load_h2 *h = ud;
  int slot = f->hd.type == NGHTTP2_HEADERS ? slot_of(h, f->hd.stream_id) : -1;
  if (slot >= 0 && nlen == 7 && memcmp(name, ":status", 7) == 0 && vlen == 3)
    h->status[slot] = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
  return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream, const uint8_t *data,
                   size_t len, void *ud) {
  (void)s, (void)flags;
  load_h2 *h = ud;
  int slot = slot_of(h, stream);
  if (slot < 0)
    return 0;
  size_t room = LOAD_H2_BODY - h->blen[slot], n = len < room ? len : room;
  memcpy(h->body[slot] + h->blen[slot], data, n);
  h->blen[slot] += n;
  return 0;
}

static int on_close(nghttp2_session *s, int32_t stream, uint32_t code, void *ud) {
  (void)s;
  load_h2 *h = ud;
  int slot = slot_of(h, stream);
  (void)code;            /* a stream reset before its :status keeps status 0: an error */
  if (slot >= 0 && h->nclosed < LOAD_MAX_DEPTH)
    h->closed[h->nclosed++] = slot;
  return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t stream, uint8_t *buf, size_t len,
                         uint32_t *flags, nghttp2_data_source *src, void *ud) {
  (void)s, (void)stream;
  load_h2 *h = ud;
  int slot = (int)src->fd;
  size_t left = LOAD_TOKEN_LEN - h->req_off[slot], n = left < len ? left : len;
  memcpy(buf, h->req[slot] + h->req_off[slot], n);
  h->req_off[slot] += n;
  if (h->req_off[slot] == LOAD_TOKEN_LEN)
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

int load_h2_open(lthread *t, lconn *c) {
  load_h2 *h = calloc(1, sizeof *h);
  nghttp2_session_callbacks *cb;
  if (!h || nghttp2_session_callbacks_new(&cb) != 0) {
    free(h);
    return -1;
  }
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
  int rv = nghttp2_session_client_new(&h->s, cb, h);
  nghttp2_session_callbacks_del(cb);
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                 {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  if (rv != 0 || nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, 2) != 0) {
    if (rv == 0)
      nghttp2_session_del(h->s);
    free(h);
    return -1;
  }
  h->t = t;
  h->c = c;
  c->h2 = h;
  return 0;
}

int load_h2_submit(lthread *t, lconn *c, int slot) {
  load_h2 *h = c->h2;
  const load_shared *sh = t->sh;
  const load_opts *o = sh->o;
  int echo = sh->token_off != 0;
  const char *path = echo ? "/echo" : o->victim_path;
  nghttp2_nv nv[] = {
      {(uint8_t *)":method", (uint8_t *)(echo ? "POST" : "GET"), 7, echo ? 4 : 3, 0},
      {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
      {(uint8_t *)":authority", (uint8_t *)o->authority, 10, strlen(o->authority), 0},
      {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0}};
  h->status[slot] = 0;
  h->blen[slot] = 0;
  h->req_off[slot] = 0;
  nghttp2_data_provider dp = {.source.fd = slot, .read_callback = read_body};
  if (echo)
    load_token_write(h->req[slot], sh->run_id, c->idx, c->fl[slot].seq);
  int32_t id = nghttp2_submit_request(h->s, NULL, nv, 4, echo ? &dp : NULL, NULL);
  if (id < 0)
    return -1;
  c->fl[slot].stream = id;
  return 0;
}

/* The frames nghttp2 wants to send, into wbuf. */
static int pull(lconn *c) {
  load_h2 *h = c->h2;
  for (;;) {
    const uint8_t *data;
    ssize_t n = nghttp2_session_mem_send(h->s, &data);
    if (n < 0)
      return -1;
    if (n == 0)
      return 0;
    if (c->woff) {
      memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
      c->wlen -= c->woff;
      c->woff = 0;
    }
    if ((size_t)n > c->wcap - c->wlen)
      return -1;                             /* the peer does not read: give up */
    memcpy(c->wbuf + c->wlen, data, (size_t)n);
    c->wlen += (size_t)n;
  }
}

int load_h2_feed(lthread *t, lconn *c) {
  load_h2 *h = c->h2;
  if (c->rlen > 0) {
    ssize_t n = nghttp2_session_mem_recv(h->s, (const uint8_t *)c->rbuf, c->rlen);
    if (n < 0)
      return -1;
    c->rlen = 0;
  }
  int closed[LOAD_MAX_DEPTH], nclosed = h->nclosed;
  memcpy(closed, h->closed, sizeof closed);
  h->nclosed = 0;
  if (pull(c) != 0)
    return -1;
  for (int i = 0; i < nclosed && c->state == LC_OPEN && c->h2 == h; i++) {
    int slot = closed[i];
    load_answer a = {h->status[slot], h->body[slot], h->blen[slot]};
    load_victim_answer(t, c, slot, &a);
  }
  return 0;
}

void load_h2_close(lconn *c) {
  load_h2 *h = c->h2;
  if (!h)
    return;
  nghttp2_session_del(h->s);
  free(h);
  c->h2 = NULL;
}
