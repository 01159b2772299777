/* test_h2_session.c - h2_session.c against a real HTTP/2 peer.
 *
 * The peer is an nghttp2 *server* session in a thread on the other end of a
 * socketpair: real frames both ways, no hand-made framing. Its behaviour is
 * chosen per test (answer, reset a stream, GOAWAY, stay silent, close, speak
 * HTTP/1.1 instead) so every outcome the engine reports is provoked for real.
 * For the upgrade tests the server's first bytes (SETTINGS, and in one test
 * already the answer on stream 1) are what the raw engine would hand over as
 * `leftover`, bytes that came in with the 101.
 * H2_TEST_DUMP=1 prints each case's transcript notes (to see why it failed). */
#include <fcntl.h>
#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cell.h"
#include "check.h"
#include "clock.h"
#include "engine.h"
#include "h2_session.h"
#include "target.h"
#include "transcript.h"

enum { ANSWER, RST_FOLLOWUP, GOAWAY_AFTER_1, SILENT, CLOSE, NOT_HTTP2 };

#define MAX_STREAMS 16

typedef struct fake_stream {
  char path[64];
  char names[512];      /* request header names seen, ' '-separated */
  char authority[64];
  buf req;              /* request body received */
  buf resp;             /* response body being sent */
  size_t off;
} fake_stream;

typedef struct fake {
  int fd;
  int mode;
  int early;            /* upgrade: answer stream 1 before the preface */
  nghttp2_session *s;
  buf capture;          /* while set up: bytes go here (the leftover) */
  int capturing;
  int answered1;
  int upgraded;
  int quit;
  fake_stream st[MAX_STREAMS];
} fake;

static fake_stream *fs(fake *f, int32_t id) {
  return id > 0 && id / 2 < MAX_STREAMS ? &f->st[id / 2] : NULL;
}

static ssize_t fake_send(nghttp2_session *s, const uint8_t *d, size_t n,
                         int flags, void *ud) {
  (void)s;
  (void)flags;
  fake *f = ud;
  if (f->capturing)
    return buf_add(&f->capture, d, n) == BUF_OK ? (ssize_t)n
                                                : NGHTTP2_ERR_CALLBACK_FAILURE;
  ssize_t w = send(f->fd, d, n, MSG_NOSIGNAL);
  return w > 0 ? w : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static ssize_t fake_read_body(nghttp2_session *s, int32_t id, uint8_t *out,
                              size_t len, uint32_t *flags,
                              nghttp2_data_source *src, void *ud) {
  (void)s;
  (void)id;
  (void)ud;
  fake_stream *st = src->ptr;
  size_t left = st->resp.len - st->off, n = left < len ? left : len;
  memcpy(out, st->resp.data + st->off, n);
  st->off += n;
  if (st->off == st->resp.len)
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

static void fake_answer(fake *f, int32_t id) {
  fake_stream *st = fs(f, id);
  if (!st)
    return;
  if (id == 1)
    f->answered1 = 1;
  if (f->mode == SILENT)
    return;
  if (f->mode == CLOSE) {
    shutdown(f->fd, SHUT_RDWR);
    f->quit = 1;
    return;
  }
  if (f->mode == RST_FOLLOWUP && id == 3) {
    nghttp2_submit_rst_stream(f->s, NGHTTP2_FLAG_NONE, id,
                              NGHTTP2_REFUSED_STREAM);
    return;
  }
  buf_init(&st->resp, 1 << 20);
  if (strcmp(st->path, "/echo") == 0)
    MUST_BUF(buf_add(&st->resp, st->req.data ? st->req.data : "", st->req.len));
  else if (strcmp(st->path, "/big") == 0)
    for (int i = 0; i < 64; i++)
      MUST_BUF(buf_adds(&st->resp, "x"));
  else
    MUST_BUF(buf_adds(&st->resp, "h2c-lab ok\n"));
  nghttp2_nv nva[] = {{(uint8_t *)":status", (uint8_t *)"200", 7, 3, 0}};
  nghttp2_data_provider prd = {.source.ptr = st,
                               .read_callback = fake_read_body};
  nghttp2_submit_response(f->s, id, nva, 1, &prd);
  if (f->mode == GOAWAY_AFTER_1 && id == 1)
    nghttp2_submit_goaway(f->s, NGHTTP2_FLAG_NONE, 1, NGHTTP2_NO_ERROR, NULL,
                          0);
}

static int fake_header(nghttp2_session *s, const nghttp2_frame *fr,
                       const uint8_t *name, size_t nl, const uint8_t *value,
                       size_t vl, uint8_t flags, void *ud) {
  (void)s;
  (void)flags;
  fake_stream *st = fs(ud, fr->hd.stream_id);
  if (!st)
    return 0;
  if (nl == 5 && memcmp(name, ":path", 5) == 0)
    snprintf(st->path, sizeof st->path, "%.*s", (int)vl, value);
  else if (nl == 10 && memcmp(name, ":authority", 10) == 0)
    snprintf(st->authority, sizeof st->authority, "%.*s", (int)vl, value);
  size_t used = strlen(st->names);
  snprintf(st->names + used, sizeof st->names - used, "%.*s ", (int)nl, name);
  return 0;
}

static int fake_data(nghttp2_session *s, uint8_t flags, int32_t id,
                     const uint8_t *d, size_t n, void *ud) {
  (void)s;
  (void)flags;
  fake_stream *st = fs(ud, id);
  if (st)
    MUST_BUF(buf_add(&st->req, d, n));
  return 0;
}

static int fake_frame(nghttp2_session *s, const nghttp2_frame *fr, void *ud) {
  (void)s;
  fake *f = ud;
  if (fr->hd.type == NGHTTP2_SETTINGS && !(fr->hd.flags & NGHTTP2_FLAG_ACK) &&
      !f->early && !f->answered1 && fs(f, 1)->path[0])
    fake_answer(f, 1);   /* the client preface came: now answer stream 1 */
  if ((fr->hd.type == NGHTTP2_HEADERS || fr->hd.type == NGHTTP2_DATA) &&
      (fr->hd.flags & NGHTTP2_FLAG_END_STREAM))
    fake_answer(f, fr->hd.stream_id);
  return 0;
}

static void fake_open(fake *f, int fd, int mode) {
  memset(f, 0, sizeof *f);
  f->fd = fd;
  f->mode = mode;
  buf_init(&f->capture, 1 << 20);
  for (int i = 0; i < MAX_STREAMS; i++)
    buf_init(&f->st[i].req, 1 << 20);
  nghttp2_session_callbacks *cb;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_send_callback(cb, fake_send);
  nghttp2_session_callbacks_set_on_header_callback(cb, fake_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, fake_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, fake_frame);
  nghttp2_session_server_new(&f->s, cb, f);
  nghttp2_session_callbacks_del(cb);
}

static void fake_close(fake *f) {
  nghttp2_session_del(f->s);
  buf_free(&f->capture);
  for (int i = 0; i < MAX_STREAMS; i++) {
    buf_free(&f->st[i].req);
    buf_free(&f->st[i].resp);
  }
}

/* The server side of an h2c upgrade of `GET /` (stream 1): its first bytes
 * go to f->capture, to be handed over as the 101's leftover. */
static void fake_upgrade(fake *f, int early) {
  f->early = early;
  f->upgraded = 1;
  f->capturing = 1;
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
  nghttp2_session_upgrade2(f->s, NULL, 0, 0, NULL);
  snprintf(fs(f, 1)->path, sizeof fs(f, 1)->path, "/");
  nghttp2_submit_settings(f->s, NGHTTP2_FLAG_NONE, iv, 1);
  if (early)
    fake_answer(f, 1);
  nghttp2_session_send(f->s);
  f->capturing = 0;
}

static void *fake_run(void *arg) {
  fake *f = arg;
  struct timeval tv = {5, 0};   /* a stuck test ends, never hangs */
  setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char rb[16384];
  while (!f->quit) {
    ssize_t n = recv(f->fd, rb, sizeof rb, 0);
    if (n <= 0)
      break;
    if (f->mode == NOT_HTTP2) {
      static const char h1[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: "
                               "0\r\nConnection: close\r\n\r\n";
      send(f->fd, h1, sizeof h1 - 1, MSG_NOSIGNAL);
      shutdown(f->fd, SHUT_WR);   /* like TCP: the client reads it, then EOF */
      f->mode = SILENT;
      continue;
    }
    if (nghttp2_session_mem_recv(f->s, (uint8_t *)rb, (size_t)n) < 0 ||
        nghttp2_session_send(f->s) != 0)
      break;
  }
  close(f->fd);
  return NULL;
}

/* ---- the client side -------------------------------------------------- */

typedef struct rig {
  scenario sc;
  target tg;
  cell c;
  fake f;
  int cfd;
  pthread_t th;
  engine_opts o;
} rig;

static void add_request(rig *r, const char *method, const char *path,
                        const char *body) {
  sc_request *q = &r->sc.requests[r->sc.nrequests++];
  snprintf(q->connection, sizeof q->connection, "a");
  q->method = (char *)method;
  q->path = (char *)path;
  buf_init(&q->body, 1024);
  if (body) {
    q->has_body = 1;
    MUST_BUF(buf_adds(&q->body, body));
  }
  q->expect_status = 200;
}

static void add_header(rig *r, const char *name, const char *value) {
  sc_request *q = &r->sc.requests[r->sc.nrequests - 1];
  q->headers[q->nheaders].name = (char *)name;
  q->headers[q->nheaders].value = (char *)value;
  q->nheaders++;
}

static void rig_init(rig *r, int mode) {
  memset(r, 0, sizeof *r);
  r->tg.name = "fake";
  r->tg.authority = "fake.test:8080";
  r->sc.id = "test";
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  r->cfd = sv[0];
  fcntl(r->cfd, F_SETFL, fcntl(r->cfd, F_GETFL) | O_NONBLOCK);
  fake_open(&r->f, sv[1], mode);
  r->o.timeout_ms = 300;
  r->o.deadline_ms = clock_now_ms() + 3000;
}

/* Builds the cell (after the requests were added) and starts the server. */
static void rig_start(rig *r) {
  cell_init(&r->c, &r->sc, &r->tg);
  if (!r->f.upgraded && r->f.mode != NOT_HTTP2) {
    /* a server's preface is its SETTINGS */
    nghttp2_submit_settings(r->f.s, NGHTTP2_FLAG_NONE, NULL, 0);
    nghttp2_session_send(r->f.s);
  }
  pthread_create(&r->th, NULL, fake_run, &r->f);
}

static void rig_free(rig *r) {
  if (getenv("H2_TEST_DUMP"))
    for (size_t i = 0; i < r->c.tx.count; i++)
      fprintf(stderr, "    %s %s\n",
              r->c.tx.events[i].dir == TX_NOTE ? "note" : r->c.tx.events[i].dir == TX_IN ? "in" : "out",
              r->c.tx.events[i].dir == TX_NOTE ? r->c.tx.events[i].data : "(bytes)");
  close(r->cfd);
  pthread_join(r->th, NULL);
  fake_close(&r->f);
  cell_free(&r->c);
  for (int i = 0; i < r->sc.nrequests; i++)
    buf_free(&r->sc.requests[i].body);
}

static int has_note(const cell *c, const char *text) {
  for (size_t i = 0; i < c->tx.count; i++)
    if (c->tx.events[i].dir == TX_NOTE && strstr(c->tx.events[i].data, text))
      return 1;
  return 0;
}

static int run_upgrade(rig *r, int early, const char *settings) {
  fake_upgrade(&r->f, early);
  rig_start(r);
  int follow[SC_MAX_REQUESTS], n = 0;
  for (int i = 1; i < r->sc.nrequests; i++)
    follow[n++] = i;
  return h2_session_after_upgrade(&r->c, &r->o, r->cfd, "a", 0, settings,
                          r->f.capture.data, r->f.capture.len, follow, n);
}

static void upgrade_case(int *check_failed_, int early, const char *settings) {
  rig r;
  rig_init(&r, ANSWER);
  add_request(&r, "GET", "/", NULL);
  add_request(&r, "POST", "/echo", "abc");
  add_header(&r, "Host", "{authority}");
  add_header(&r, "Connection", "keep-alive");
  add_header(&r, "Content-Type", "text/plain");
  add_request(&r, "GET", "/", NULL);
  int rc = run_upgrade(&r, early, settings);
  const exchange *e = r.c.ex;
  int ok = rc == 0 && r.c.upgraded == 1 && e[0].outcome == OUT_ANSWERED &&
           e[0].status == 200 && e[0].stream_id == 1 &&
           strcmp(e[0].body.data, "h2c-lab ok\n") == 0 &&
           strcmp(e[0].http_version, "2") == 0 &&
           e[1].outcome == OUT_ANSWERED && e[1].stream_id == 3 &&
           strcmp(e[1].body.data, "abc") == 0 &&
           e[2].outcome == OUT_ANSWERED && e[2].stream_id == 5;
  /* connection-specific headers dropped, names lower-cased, :authority set */
  const fake_stream *s3 = &r.f.st[1];
  int hdrs = strstr(s3->names, "content-type ") && !strstr(s3->names, "host ") &&
             !strstr(s3->names, "connection ") &&
             strcmp(s3->authority, "fake.test:8080") == 0;
  /* the client preface went out first on the wire */
  int preface = r.c.tx.count > 0 && has_note(&r.c, "recv HEADERS stream 1 :status 200");
  for (size_t i = 0; i < r.c.tx.count; i++)
    if (r.c.tx.events[i].dir == TX_OUT) {
      preface = preface && memcmp(r.c.tx.events[i].data, "PRI * HTTP/2.0", 14) == 0;
      break;
    }
  rig_free(&r);
  CHECK(ok);
  CHECK(hdrs);
  CHECK(preface);
}

TEST(upgrade_answer_before_preface) { upgrade_case(check_failed_, 1, "AAMAAABkAAQCAAAAAAIAAAAA"); }
TEST(upgrade_answer_after_preface) { upgrade_case(check_failed_, 0, "AAMAAABkAAQCAAAAAAIAAAAA"); }
TEST(upgrade_without_settings_header) { upgrade_case(check_failed_, 0, NULL); }
TEST(upgrade_with_malformed_settings) { upgrade_case(check_failed_, 1, "not*base64"); }

static void pk_case(rig *r, int mode, int pipelined) {
  rig_init(r, mode);
  r->sc.send = pipelined ? SEND_PIPELINED : SEND_SEQUENTIAL;
  add_request(r, "POST", "/echo", "one");
  add_request(r, "POST", "/echo", "two");
  rig_start(r);
  int idx[] = {0, 1};
  h2_session_prior_knowledge(&r->c, &r->o, r->cfd, "a", idx, 2);
}

TEST(prior_knowledge_sequential) {
  rig r;
  pk_case(&r, ANSWER, 0);
  int ok = r.c.ex[0].outcome == OUT_ANSWERED && r.c.ex[1].outcome == OUT_ANSWERED &&
           strcmp(r.c.ex[1].body.data, "two") == 0 && r.c.ex[1].stream_id == 3 &&
           r.c.upgraded == 0;
  rig_free(&r);
  CHECK(ok);
}

TEST(prior_knowledge_pipelined) {
  rig r;
  pk_case(&r, ANSWER, 1);
  int ok = r.c.ex[0].outcome == OUT_ANSWERED && r.c.ex[1].outcome == OUT_ANSWERED &&
           strcmp(r.c.ex[0].body.data, "one") == 0;
  rig_free(&r);
  CHECK(ok);
}

TEST(rst_stream_is_reset) {
  rig r;
  pk_case(&r, RST_FOLLOWUP, 0);
  outcome o0 = r.c.ex[0].outcome, o1 = r.c.ex[1].outcome;
  int named = strstr(r.c.ex[1].detail, "REFUSED_STREAM") != NULL;
  rig_free(&r);
  CHECK_INT(o0, OUT_ANSWERED);
  CHECK_INT(o1, OUT_RESET);
  CHECK(named);
}

TEST(goaway_closes_the_rest) {
  rig r;
  rig_init(&r, GOAWAY_AFTER_1);
  add_request(&r, "GET", "/", NULL);
  add_request(&r, "GET", "/", NULL);
  int rc = run_upgrade(&r, 1, NULL);
  outcome o0 = r.c.ex[0].outcome, o1 = r.c.ex[1].outcome;
  int named = strstr(r.c.ex[1].detail, "GOAWAY") != NULL;
  int announced = r.c.ex[0].conn_close; /* graceful GOAWAY = announced close */
  rig_free(&r);
  CHECK_INT(rc, -1);
  CHECK_INT(o0, OUT_ANSWERED);
  CHECK_INT(o1, OUT_CLOSED);
  CHECK(named);
  CHECK(announced);
}

TEST(silence_is_a_timeout) {
  rig r;
  int64_t t0 = clock_now_ms();
  pk_case(&r, SILENT, 0);
  int64_t took = clock_now_ms() - t0;
  outcome o0 = r.c.ex[0].outcome, o1 = r.c.ex[1].outcome;
  rig_free(&r);
  CHECK_INT(o0, OUT_TIMEOUT);
  CHECK_INT(o1, OUT_NOT_SENT);
  CHECK(took >= 300 && took < 1500);
}

TEST(server_close_is_closed) {
  rig r;
  pk_case(&r, CLOSE, 1);
  outcome o0 = r.c.ex[0].outcome, o1 = r.c.ex[1].outcome;
  rig_free(&r);
  CHECK(o0 == OUT_CLOSED || o0 == OUT_RESET);
  CHECK(o1 == OUT_CLOSED || o1 == OUT_RESET);
}

/* A server without HTTP/2 answers the preface in HTTP/1.1: that is recorded
 * as its answer (status, version), so the verdict can call it refused. */
TEST(http1_answer_is_recorded) {
  rig r;
  pk_case(&r, NOT_HTTP2, 0);
  exchange e0 = r.c.ex[0];
  outcome o1 = r.c.ex[1].outcome;
  int noted = has_note(&r.c, "does not speak HTTP/2");
  int status = e0.status, answered = e0.outcome == OUT_ANSWERED;
  char version[8];
  snprintf(version, sizeof version, "%s", e0.http_version);
  rig_free(&r);
  CHECK(answered);
  CHECK_INT(status, 400);
  CHECK_STR(version, "1.1");
  CHECK(o1 != OUT_ANSWERED);
  CHECK(noted);
}

TEST(body_over_cap_is_too_big) {
  rig r;
  rig_init(&r, ANSWER);
  add_request(&r, "GET", "/big", NULL);
  add_request(&r, "GET", "/", NULL);
  rig_start(&r);
  r.c.ex[0].body.max = 10;
  int idx[] = {0, 1};
  h2_session_prior_knowledge(&r.c, &r.o, r.cfd, "a", idx, 2);
  outcome o0 = r.c.ex[0].outcome, o1 = r.c.ex[1].outcome;
  rig_free(&r);
  CHECK_INT(o0, OUT_TOO_BIG);
  CHECK_INT(o1, OUT_ANSWERED);
}

CHECK_MAIN(CASE(upgrade_answer_before_preface), CASE(upgrade_answer_after_preface),
           CASE(upgrade_without_settings_header), CASE(upgrade_with_malformed_settings),
           CASE(prior_knowledge_sequential), CASE(prior_knowledge_pipelined),
           CASE(rst_stream_is_reset), CASE(goaway_closes_the_rest),
           CASE(silence_is_a_timeout), CASE(server_close_is_closed),
           CASE(http1_answer_is_recorded), CASE(body_over_cap_is_too_big))
