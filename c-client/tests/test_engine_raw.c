/* test_engine_raw.c - what only C can check of the raw engine: the timing
 * of delay_ms between one client's answer and the next client's request (two
 * transcript events' times). Everything else the raw engine does (split and
 * chunked answers, timeouts and the deadline, closes, pipelining, 1xx, extra
 * bytes, after_101, the loss check, skipped requests, connect failures) is a
 * data-driven case in tests/cases/ against the same scripted server
 * (script_server.h), run through the whole cell by test_cases.c. */
#include "check.h"
#include "clock.h"
#include "engine.h"
#include "script_server.h"
#include "target.h"
#include "transcript.h"

#include <stdlib.h>

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


static int64_t fx_run(fixture *f, int timeout_ms, int budget_ms) {
  cell_init(&f->c, &f->sc, &f->tg);
  f->o.timeout_ms = timeout_ms;
  f->o.deadline_ms = clock_now_ms() + budget_ms;
  int64_t t0 = clock_now_ms();
  engine_raw_run(&f->c, &f->o);
  return clock_now_ms() - t0;
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

/* ---- tests ------------------------------------------------------------- */

/* "one" answered on a first connection, then "two" on a second. */
static const ss_step TWO_CONNECTIONS[] = {
    ACCEPT, READ_UNTIL("one"),
    WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"),
    ACCEPT, READ_UNTIL("two"),
    WRITE("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
    WAIT_EOF, END};

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
 * came in (and says so). (A delay the deadline cannot hold is the case
 * raw-delay-beyond-deadline-not-sent.) */
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
}

CHECK_MAIN(CASE(delay_ms_waits_before_the_request))
