/* test_engine_raw.c - the raw engine against a scripted loopback server.
 *
 * A server thread on 127.0.0.1 (port 0) plays a script: accept, read until a
 * marker, write exact bytes (in pieces, with pauses, to force split reads),
 * close, or hang. Each test checks what the engine recorded in the cell:
 * outcomes, statuses, bodies, details, extra bytes, and that every wait ended
 * within the deadline. */
#include "check.h"
#include "script_server.h"
#include "engine.h"
#include "target.h"
#include "transcript.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- scenarios and cells --------------------------------------------- */

typedef struct fixture {
  scenario sc;
  target tg;
  char port[16], authority[64];
  cell c;
  engine_opts o;
} fixture;

static void fx_init(fixture *f, int port, send_mode mode) {
  memset(f, 0, sizeof *f);
  f->sc.id = "test";
  f->sc.engine = ENGINE_RAW;
  f->sc.send = mode;
  snprintf(f->port, sizeof f->port, "%d", port);
  snprintf(f->authority, sizeof f->authority, "127.0.0.1:%d", port);
  f->tg.name = "loopback";
  f->tg.host = "127.0.0.1";
  f->tg.port = f->port;
  f->tg.authority = f->authority;
}

/* POST /echo with a body (or GET / without) and Host: {authority}. */
static sc_request *fx_req(fixture *f, const char *conn, const char *body,
                          int status) {
  sc_request *r = &f->sc.requests[f->sc.nrequests++];
  snprintf(r->connection, sizeof r->connection, "%s", conn);
  r->method = body ? "POST" : "GET";
  r->path = body ? "/echo" : "/";
  r->headers[r->nheaders].name = "Host";
  r->headers[r->nheaders++].value = "{authority}";
  buf_init(&r->body, 1u << 20);
  buf_init(&r->expect_body, 1u << 20);
  if (body) {
    buf_adds(&r->body, body);
    r->has_body = 1;
    r->expect_echo = 1;
  }
  r->expect_status = status;
  return r;
}

static void fx_header(sc_request *r, const char *name, const char *value) {
  r->headers[r->nheaders].name = (char *)name;
  r->headers[r->nheaders++].value = (char *)value;
}

static int64_t fx_run(fixture *f, int timeout_ms, int budget_ms) {
  cell_init(&f->c, &f->sc, &f->tg);
  f->o.timeout_ms = timeout_ms;
  f->o.deadline_ms = now_ms() + budget_ms;
  int64_t t0 = now_ms();
  engine_raw_run(&f->c, &f->o);
  return now_ms() - t0;
}

/* GET /ws with Upgrade: websocket, expecting 101 and then `echo` back for
 * the raw bytes `send` (after_101). */
static sc_request *fx_ws(fixture *f, const char *send, const char *echo) {
  sc_request *r = fx_req(f, "a", NULL, 101);
  r->path = "/ws";
  fx_header(r, "Connection", "Upgrade");
  fx_header(r, "Upgrade", "websocket");
  buf_init(&r->after_101, 1u << 20);
  buf_adds(&r->after_101, send);
  r->has_after_101 = 1;
  buf_adds(&r->expect_body, echo);
  r->has_expect_body = 1;
  return r;
}

static void fx_free(fixture *f) {
  cell_free(&f->c);
  for (int i = 0; i < f->sc.nrequests; i++) {
    buf_free(&f->sc.requests[i].body);
    buf_free(&f->sc.requests[i].expect_body);
    buf_free(&f->sc.requests[i].after_101);
  }
}

static int has_note(const cell *c, const char *text) {
  for (size_t i = 0; i < c->tx.count; i++)
    if (c->tx.events[i].dir == TX_NOTE && strstr(c->tx.events[i].data, text))
      return 1;
  return 0;
}

static const char *body_of(const exchange *e) { return e->body.data ? e->body.data : ""; }

/* ---- tests ------------------------------------------------------------- */

TEST(keep_alive_pair_with_split_answers) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("Hello"),
      WRITE("HTTP/1.1 200 OK\r\nCont"), SLEEP(30),
      WRITE("ent-Length: 5\r\n\r\nHel"), SLEEP(30), WRITE("lo"),
      READ_UNTIL("World"),
      WRITE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nWor\r\n"),
      SLEEP(30), WRITE("2\r\nld\r\n0\r\n\r\n"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "Hello", 200);
  fx_req(&f, "a", "World", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  exchange *e0 = &f.c.ex[0], *e1 = &f.c.ex[1];
  CHECK_STR(outcome_name(e0->outcome), "answered");
  CHECK_INT(e0->status, 200);
  CHECK_STR(e0->reason_phrase, "OK");
  CHECK_STR(e0->http_version, "1.1");
  CHECK_STR(body_of(e0), "Hello");
  CHECK_STR(exchange_header(e0, "content-length"), "5");
  CHECK_STR(outcome_name(e1->outcome), "answered");
  CHECK_STR(body_of(e1), "World");
  CHECK_INT(e1->conn_close, 0);
  CHECK_INT(f.c.extra_bytes, 0);
  /* The exact request bytes went out, with {authority} filled in. */
  char want[256];
  snprintf(want, sizeof want, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
           "Content-Length: 5\r\n\r\nHello", s.port);
  CHECK(memcmp(s.got, want, strlen(want)) == 0);
  CHECK(f.c.tx.count >= 4);
  CHECK_INT(f.c.tx.events[1].dir, TX_OUT);
  CHECK_STR(f.c.tx.events[1].data, want);
  fx_free(&f);
}

TEST(close_after_400_leaves_later_requests_unsent) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("one"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
      READ_UNTIL("two"),
      WRITE("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-length: 0\r\n\r\n"),
      CLOSE, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "one", 200);
  fx_req(&f, "a", "two", 200);
  fx_req(&f, "a", "three", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "answered");
  CHECK_STR(outcome_name(f.c.ex[1].outcome), "answered");
  CHECK_INT(f.c.ex[1].status, 400);
  CHECK_INT(f.c.ex[1].conn_close, 1);
  CHECK_STR(outcome_name(f.c.ex[2].outcome), "not-sent");
  CHECK(strstr(f.c.ex[2].detail, "Connection: close") != NULL);
  CHECK(strstr(s.got, "three") == NULL);
  CHECK_INT(f.c.extra_bytes, 0);
  fx_free(&f);
}

TEST(server_that_never_answers_times_out) {
  static const ss_step script[] = {ACCEPT, READ_UNTIL("wait"),
                                WRITE("HTTP/1.1 200 OK\r\nContent-Le"),
                                WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "wait", 200);
  fx_req(&f, "a", "never", 200);
  int64_t took = fx_run(&f, 300, 3000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "timeout");
  CHECK(took >= 280 && took < 1500);
  CHECK(strstr(f.c.ex[0].detail, "no complete response to request 1") != NULL);
  CHECK(strstr(f.c.ex[0].detail, "27 bytes of a partial response") != NULL);
  CHECK(has_note(&f.c, "no complete response to request 1"));
  CHECK_STR(outcome_name(f.c.ex[1].outcome), "not-sent");
  fx_free(&f);
}

TEST(deadline_bounds_a_slow_drip) {
  /* One byte every 100 ms never trips a 300 ms read timeout; the cell
   * deadline must still end the wait. */
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("drip"), WRITE("H"), SLEEP(100), WRITE("T"), SLEEP(100),
      WRITE("T"), SLEEP(100), WRITE("P"), SLEEP(100), WRITE("/"), SLEEP(100),
      WRITE("1"), SLEEP(100), WRITE("."), SLEEP(100), WRITE("1"), SLEEP(100),
      WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "drip", 200);
  int64_t took = fx_run(&f, 300, 450);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "timeout");
  CHECK(took < 700);
  CHECK(strstr(f.c.ex[0].detail, "deadline") != NULL);
  fx_free(&f);
}

TEST(silent_close_is_closed) {
  static const ss_step script[] = {ACCEPT, READ_UNTIL("bye"), CLOSE, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "bye", 200);
  fx_req(&f, "a", "after", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "closed");
  CHECK(strstr(f.c.ex[0].detail, "without answering request 1") != NULL);
  CHECK_STR(outcome_name(f.c.ex[1].outcome), "not-sent");
  fx_free(&f);
}

TEST(silent_close_between_requests) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("first"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"), CLOSE, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "first", 200);
  fx_req(&f, "a", "second", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "answered");
  /* EOF seen before or after the write: closed; a reset if the kernel saw
   * the RST first. Never answered, never a timeout. */
  CHECK(f.c.ex[1].outcome == OUT_CLOSED || f.c.ex[1].outcome == OUT_RESET);
  fx_free(&f);
}

TEST(pipelined_requests_go_in_one_write) {
  /* The server answers nothing until it holds both requests: only a client
   * that pipelines gets answers. */
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("beta"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nalpha"
            "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbeta"),
      WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_PIPELINED);
  fx_req(&f, "a", "alpha", 200);
  fx_req(&f, "a", "beta", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "answered");
  CHECK_STR(body_of(&f.c.ex[0]), "alpha");
  CHECK_STR(outcome_name(f.c.ex[1].outcome), "answered");
  CHECK_STR(body_of(&f.c.ex[1]), "beta");
  CHECK(has_note(&f.c, "pipelined: 2 requests in one write"));
  int outs = 0;
  for (size_t i = 0; i < f.c.tx.count; i++)
    outs += f.c.tx.events[i].dir == TX_OUT;
  CHECK_INT(outs, 1);
  fx_free(&f);
}

TEST(interim_continue_then_final_answer) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("go"), WRITE("HTTP/1.1 100 Continue\r\n\r\n"), SLEEP(20),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\ngo"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "go", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "answered");
  CHECK_INT(f.c.ex[0].status, 200);
  CHECK_STR(body_of(&f.c.ex[0]), "go");
  CHECK(has_note(&f.c, "interim response 100 Continue"));
  fx_free(&f);
}

TEST(bytes_after_the_last_answer_are_extra) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("x"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"),
      SLEEP(50), WRITE("y"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "x", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "answered");
  CHECK_INT(f.c.extra_bytes, 39);
  CHECK(has_note(&f.c, "39 bytes arrived after the last expected answer"));
  fx_free(&f);
}

/* "one" answered on a first connection, then "two" on a second. */
static const ss_step TWO_CONNECTIONS[] = {
    ACCEPT, READ_UNTIL("one"),
    WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
    ACCEPT, READ_UNTIL("two"),
    WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
    WAIT_EOF, END};

TEST(two_connections_keep_request_order) {
  script_server s;
  CHECK(script_server_start(&s, TWO_CONNECTIONS) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "one", 200);
  fx_req(&f, "b", "two", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(body_of(&f.c.ex[0]), "one");
  CHECK_STR(body_of(&f.c.ex[1]), "two");
  fx_free(&f);
}

/* Transcript time of the first (or, with last, the last) event of dir on
 * connection label conn; -1 when there is none. */
static int64_t event_ms(const cell *c, const char *conn, tx_dir dir, int last) {
  int64_t t = -1;
  for (size_t i = 0; i < c->tx.count && (last || t < 0); i++)
    if (strcmp(c->tx.events[i].conn, conn) == 0 && c->tx.events[i].dir == dir)
      t = c->tx.events[i].t_ms;
  return t;
}

/* delay_ms: client b's request goes out that long after client a's answer
 * came in (and says so); a delay the deadline cannot hold is not-sent. */
TEST(delay_ms_waits_before_the_request) {
  script_server s;
  CHECK(script_server_start(&s, TWO_CONNECTIONS) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "one", 200);
  fx_req(&f, "b", "two", 200)->delay_ms = 150;
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  int64_t a_in = event_ms(&f.c, "a", TX_IN, 1), b_out = event_ms(&f.c, "b", TX_OUT, 0);
  int ok = f.c.ex[1].outcome == OUT_ANSWERED && a_in >= 0 && b_out - a_in >= 150 &&
           has_note(&f.c, "waiting 150 ms before request 2");
  if (!ok)
    fprintf(stderr, "  a answered at %lld ms, b sent at %lld ms\n", (long long)a_in,
            (long long)b_out);
  fx_free(&f);
  CHECK(ok);

  static const ss_step one[] = {ACCEPT, READ_UNTIL("one"),
                             WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
                             WAIT_EOF, END};
  CHECK(script_server_start(&s, one) == 0);
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "one", 200);
  fx_req(&f, "b", "two", 200)->delay_ms = 5000;
  int64_t took = fx_run(&f, 1000, 2000);
  script_server_stop(&s);
  ok = f.c.ex[1].outcome == OUT_NOT_SENT && took < 1500 &&
       strstr(f.c.ex[1].detail, "deadline leaves no time") != NULL;
  fx_free(&f);
  CHECK(ok);
}

/* A request whose "requires" is unmet (c->skipped) never goes out, on
 * either send mode; the others go as usual. */
TEST(skipped_requests_are_not_sent) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("one"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
      READ_UNTIL("three"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nthree"), WAIT_EOF, END};
  for (int mode = 0; mode < 2; mode++) {
    script_server s;
    CHECK(script_server_start(&s, script) == 0);
    fixture f;
    fx_init(&f, s.port, mode ? SEND_PIPELINED : SEND_SEQUENTIAL);
    fx_req(&f, "a", "one", 200);
    fx_req(&f, "b", "two", 200);
    fx_req(&f, "a", "three", 200);
    cell_init(&f.c, &f.sc, &f.tg);
    f.c.skipped[1] = 1;
    f.o.timeout_ms = 1000;
    f.o.deadline_ms = now_ms() + 4000;
    engine_raw_run(&f.c, &f.o);
    script_server_stop(&s);
    int ok = f.c.ex[0].outcome == OUT_ANSWERED && f.c.ex[1].outcome == OUT_PENDING &&
             f.c.ex[2].outcome == OUT_ANSWERED && !memmem(s.got, s.got_len, "two", 3) &&
             has_note(&f.c, "connected to");
    fx_free(&f);
    CHECK(ok);
  }
}

TEST(connect_failure_names_the_target) {
  /* A port nothing listens on: bind, read its number, close. */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
  close(fd);
  int port = ntohs(a.sin_port);
  fixture f;
  fx_init(&f, port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "x", 200);
  fx_req(&f, "a", "y", 200);
  fx_run(&f, 1000, 2000);
  char want[64];
  snprintf(want, sizeof want, "connect to 127.0.0.1:%d: ", port);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "connect-failed");
  CHECK_STR(outcome_name(f.c.ex[1].outcome), "connect-failed");
  CHECK(strncmp(f.c.ex[0].detail, want, strlen(want)) == 0);
  CHECK(strstr(f.c.ex[0].detail, "refused") != NULL);
  fx_free(&f);
}

TEST(garbage_is_a_bad_response) {
  static const ss_step script[] = {ACCEPT, READ_UNTIL("q"),
                                WRITE("SSH-2.0-OpenSSH_9.2\r\n"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "q", 200);
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "bad-response");
  CHECK(strstr(f.c.ex[0].detail, "not an HTTP/1.x response") != NULL);
  fx_free(&f);
}

TEST(switching_protocols_without_http2_is_not_upgraded) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("up"),
      WRITE("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
            "Upgrade: h2c\r\n\r\nnot http2 at all"),
      CLOSE, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  sc_request *r = fx_req(&f, "a", "up", 200);
  fx_header(r, "Connection", "Upgrade, HTTP2-Settings");
  fx_header(r, "Upgrade", "h2c");
  fx_header(r, "HTTP2-Settings", "AAMAAABkAAQAoAAAAAIAAAAA");
  fx_req(&f, "a", "next", 200);
  int64_t took = fx_run(&f, 500, 3000);
  script_server_stop(&s);
  CHECK_INT(f.c.upgraded, 0);
  CHECK(f.c.ex[0].outcome != OUT_PENDING && f.c.ex[0].outcome != OUT_ANSWERED);
  CHECK(f.c.ex[1].outcome != OUT_PENDING && f.c.ex[1].outcome != OUT_ANSWERED);
  CHECK(has_note(&f.c, "101 Switching Protocols to request 1"));
  CHECK(took < 3000);
  fx_free(&f);
}

TEST(unrequested_101_is_a_bad_response) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("plain"),
      WRITE("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "plain", 200);
  fx_run(&f, 500, 3000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "bad-response");
  CHECK_INT(f.c.ex[0].status, 101);
  fx_free(&f);
}

#define WS_101 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" \
               "Connection: Upgrade\r\n\r\n"

/* after_101: the raw stream's bytes are the exchange body - including those
 * that came in the same read as the 101, and across split reads. */
TEST(after_101_raw_echo_with_bytes_in_the_101_read) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("websocket\r\n\r\n"), WRITE(WS_101 "hel"),
      READ_UNTIL("ping\n"), WRITE("lo "), SLEEP(30), WRITE("ping\n"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_ws(&f, "ping\n", "hello ping\n");
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  exchange *e = &f.c.ex[0];
  CHECK_STR(outcome_name(e->outcome), "answered");
  CHECK_INT(e->status, 101);
  CHECK_STR(e->http_version, "1.1");
  CHECK_STR(body_of(e), "hello ping\n");
  CHECK_STR(e->detail, "after the 101: sent 5 bytes of the new protocol, read 11 bytes back");
  CHECK_INT(f.c.upgraded, 0);            /* no HTTP/2 was attempted */
  CHECK_INT(f.c.extra_bytes, 0);
  /* the request went out without a body, then exactly the after_101 bytes */
  char want[256];
  snprintf(want, sizeof want, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
           "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\nping\n", s.port);
  CHECK_INT(s.got_len, strlen(want));
  CHECK(memcmp(s.got, want, strlen(want)) == 0);
  CHECK(has_note(&f.c, "not HTTP/2; the probe sends the scenario's 5 after_101 bytes "
                 "and reads 11 bytes back (3 came with the 101)"));
  fx_free(&f);
}

TEST(after_101_short_stream_then_close_is_closed) {
  static const ss_step script[] = {ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(WS_101),
                                READ_UNTIL("ping\n"), WRITE("pi"), CLOSE, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_ws(&f, "ping\n", "ping\n");
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  exchange *e = &f.c.ex[0];
  CHECK_STR(outcome_name(e->outcome), "closed");
  CHECK_INT(e->status, 101);
  CHECK_STR(body_of(e), "pi");
  CHECK(strstr(e->detail, "2 of the 5 bytes expected back") != NULL);
  CHECK(strstr(e->detail, "the server closed the connection") != NULL);
  fx_free(&f);
}

TEST(after_101_silence_times_out) {
  static const ss_step script[] = {ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(WS_101),
                                READ_UNTIL("ping\n"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_ws(&f, "ping\n", "ping\n");
  int64_t took = fx_run(&f, 300, 3000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "timeout");
  CHECK(strstr(f.c.ex[0].detail, "0 of the 5 bytes expected back") != NULL);
  CHECK(strstr(f.c.ex[0].detail, "read timeout") != NULL);
  CHECK(took >= 280 && took < 1500);
  fx_free(&f);
}

TEST(after_101_bytes_beyond_the_echo_are_extra) {
  static const ss_step script[] = {ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(WS_101),
                                READ_UNTIL("ping\n"), WRITE("ping\nEXTRA"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_ws(&f, "ping\n", "ping\n");
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "answered");
  CHECK_STR(body_of(&f.c.ex[0]), "ping\n");
  CHECK_INT(f.c.extra_bytes, 5);
  fx_free(&f);
}

/* Without a 101 nothing is sent after the answer: it is plain HTTP/1.1. */
TEST(after_101_not_sent_without_a_101) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("\r\n\r\n"),
      WRITE("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_ws(&f, "ping\n", "ping\n");
  fx_run(&f, 1000, 4000);
  script_server_stop(&s);
  CHECK_STR(outcome_name(f.c.ex[0].outcome), "answered");
  CHECK_INT(f.c.ex[0].status, 404);
  CHECK_STR(body_of(&f.c.ex[0]), "no\n");
  CHECK(memmem(s.got, s.got_len, "ping", 4) == NULL);
  fx_free(&f);
}

/* The gevent pattern: after answering request 1 the server discards 13 more
 * bytes (Content-Length again), so request 2 arrives without its start. */
TEST(loss_is_confirmed_with_filler_bytes) {
  static const ss_step script[] = {
      /* the run */
      ACCEPT, READ_UNTIL("Hello, World!"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!"),
      READ_N(13), READ_UNTIL("second"),
      WRITE("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-length: 0\r\n\r\n"),
      CLOSE,
      /* the loss check */
      ACCEPT, READ_UNTIL("Hello, World!"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!"),
      READ_N(13), READ_UNTIL("second"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  sc_request *r = fx_req(&f, "a", "Hello, World!", 200);
  fx_header(r, "Connection", "Upgrade");
  fx_header(r, "Upgrade", "h2c");
  fx_req(&f, "a", "second", 200);
  fx_run(&f, 1000, 5000);
  CHECK_INT(f.c.ex[1].status, 400);
  int ok = engine_raw_confirm_loss(&f.c, &f.o, 1, 13);
  script_server_stop(&s);
  CHECK_INT(ok, 1);
  CHECK_INT(f.c.lost_bytes, 13);
  CHECK(strstr(f.c.loss_evidence, "13 filler bytes before request 2") != NULL);
  CHECK(memmem(s.got, s.got_len, "XXXXXXXXXXXXXPOST /echo", 23) != NULL);
  CHECK(has_note(&f.c, "loss check with 13 filler bytes: confirmed"));
  fx_free(&f);
}

TEST(loss_not_confirmed_when_the_answer_is_wrong) {
  static const ss_step script[] = {
      ACCEPT, READ_UNTIL("abc"),
      WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"),
      READ_UNTIL("def"),
      WRITE("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), WAIT_EOF, END};
  script_server s;
  CHECK(script_server_start(&s, script) == 0);
  fixture f;
  fx_init(&f, s.port, SEND_SEQUENTIAL);
  fx_req(&f, "a", "abc", 200);
  fx_req(&f, "a", "def", 200);
  cell_init(&f.c, &f.sc, &f.tg);
  f.o.timeout_ms = 500;
  f.o.deadline_ms = now_ms() + 3000;
  int ok = engine_raw_confirm_loss(&f.c, &f.o, 1, 5);
  script_server_stop(&s);
  CHECK_INT(ok, 0);
  CHECK_INT(f.c.lost_bytes, -1);
  CHECK(has_note(&f.c, "not confirmed"));
  fx_free(&f);
}

CHECK_MAIN(CASE(keep_alive_pair_with_split_answers),
           CASE(close_after_400_leaves_later_requests_unsent),
           CASE(server_that_never_answers_times_out),
           CASE(deadline_bounds_a_slow_drip), CASE(silent_close_is_closed),
           CASE(silent_close_between_requests),
           CASE(pipelined_requests_go_in_one_write),
           CASE(interim_continue_then_final_answer),
           CASE(bytes_after_the_last_answer_are_extra),
           CASE(two_connections_keep_request_order), CASE(delay_ms_waits_before_the_request), CASE(skipped_requests_are_not_sent),
           CASE(connect_failure_names_the_target), CASE(garbage_is_a_bad_response),
           CASE(switching_protocols_without_http2_is_not_upgraded),
           CASE(unrequested_101_is_a_bad_response),
           CASE(after_101_raw_echo_with_bytes_in_the_101_read),
           CASE(after_101_short_stream_then_close_is_closed),
           CASE(after_101_silence_times_out),
           CASE(after_101_bytes_beyond_the_echo_are_extra),
           CASE(after_101_not_sent_without_a_101),
           CASE(loss_is_confirmed_with_filler_bytes),
           CASE(loss_not_confirmed_when_the_answer_is_wrong))
