/* test_verdict.c - every verdict rule, with cells built by hand: the
 * exchanges an engine would have filled, then verdict_decide. Reasons are
 * checked word for word where the wording is the contract (the seed case),
 * by their telling part elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "cell.h"
#include "check.h"
#include "target.h"
#include "verdict.h"

#define TARGET_NAME "secret-target-name"

static target tg = {.name = TARGET_NAME, .url = "http://h:8080", .host = "h",
                    .port = "8080", .authority = "h:8080"};

/* Loads a catalogue scenario (tests run from tests/). */
static int load(const char *id, scenario *sc) {
  char path[256], err[512];
  snprintf(path, sizeof path, "../scenarios/%s.json", id);
  if (scenario_load_file(path, sc, err, sizeof err) != 0) {
    fprintf(stderr, "  %s\n", err);
    return -1;
  }
  return 0;
}

/* An exchange answered with status/reason/body. */
static void answer(cell *c, int i, int status, const char *reason, const char *body,
                   size_t bodylen) {
  exchange *e = &c->ex[i];
  e->outcome = OUT_ANSWERED;
  e->status = status;
  snprintf(e->reason_phrase, sizeof e->reason_phrase, "%s", reason);
  snprintf(e->http_version, sizeof e->http_version, "1.1");
  buf_reset(&e->body);
  buf_add(&e->body, body, bodylen);
}

/* Request i answered correctly (its echo, or its expected body). */
static void answer_ok(cell *c, int i) {
  const sc_request *r = &c->sc->requests[i];
  buf b;
  buf_init(&b, 1 << 20);
  if (r->has_expect_body)
    buf_add(&b, r->expect_body.data, r->expect_body.len);
  else
    scenario_request_body(r, &b);
  answer(c, i, r->expect_status, "OK", b.data ? b.data : "", b.len);
  buf_free(&b);
}

static int valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
          : (*p & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0)
      return 0;
    for (int k = 1; k < n; k++)
      if ((p[k] & 0xc0) != 0x80)
        return 0;
    p += n;
  }
  return 1;
}

/* One line, under 500 bytes, valid UTF-8, no controls, no target name. */
static int reason_clean(const cell *c) {
  size_t n = strlen(c->reason);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)c->reason[i] < 0x20)
      return 0;
  return n > 0 && n < 500 && valid_utf8(c->reason) && !strstr(c->reason, TARGET_NAME);
}

/* Runs verdict_decide; checks verdict, a clean reason, and that the reason
 * contains `part` (when given). */
static int decided(cell *c, verdict want, const char *part) {
  verdict_decide(c);
  int ok = c->verdict == want && reason_clean(c) && (!part || strstr(c->reason, part));
  if (!ok)
    fprintf(stderr, "  got %s: %s\n", verdicts_name(c->verdict), c->reason);
  return ok;
}

TEST(ok_h1_and_ok_h2) {
  scenario sc;
  CHECK_INT(load("seed-upgrade-h2c", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  answer_ok(&c, 1);
  int h1 = decided(&c, V_OK_H1, "all 2 requests answered as expected over HTTP/1.1");
  c.upgraded = 1;
  int h2 = decided(&c, V_OK_H2, "over HTTP/2 after a 101");
  c.upgraded = 0;
  snprintf(c.ex[0].http_version, sizeof c.ex[0].http_version, "2");
  int pk = decided(&c, V_OK_H2, "over HTTP/2");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(h1);
  CHECK(h2);
  CHECK(pk);
}

/* The gevent answer from the brief, word for word. */
TEST(seed_desync_reason_exact) {
  scenario sc;
  CHECK_INT(load("seed-upgrade-h2c", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  answer(&c, 1, 400, "Bad Request", "", 0);
  c.ex[1].conn_close = 1;
  verdict_decide(&c);
  verdict v = c.verdict;
  char reason[512];
  snprintf(reason, sizeof reason, "%s", c.reason);
  CHECK_INT(verdict_first_failure(&c), 1);
  cell_free(&c);
  scenario_free(&sc);
  CHECK_INT(v, V_DESYNC);
  CHECK_STR(reason, "expected 200 with body `second request` for request 2 (POST /echo); "
                    "got `400 Bad Request`");
}

TEST(desync_with_confirmed_loss) {
  scenario sc;
  CHECK_INT(load("seed-upgrade-h2c", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  answer(&c, 1, 400, "Bad Request", "", 0);
  c.lost_bytes = 13;
  snprintf(c.loss_evidence, sizeof c.loss_evidence, "replay with 13 filler bytes");
  int ok = decided(&c, V_DESYNC, "got `400 Bad Request` — the first 13 bytes of request 2 "
                   "were consumed as the body of request 1 (confirmed: replay with 13 "
                   "filler bytes)");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
}

/* A server that ate 7 bytes quotes what it then parsed as a request line. */
TEST(desync_with_inferred_loss) {
  scenario sc;
  CHECK_INT(load("seed-upgrade-h2c", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  static const char body[] = "Invalid request line: 'cho HTTP/1.1'";
  answer(&c, 1, 400, "Bad Request", body, sizeof body - 1);
  int ok = decided(&c, V_DESYNC, "the first 7 bytes of request 2 seem to have been consumed "
                   "as the body of request 1 (inferred: the answer quotes request 2 from "
                   "byte 7: `cho HTTP/1.1`)");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
}

/* Quoting the request from its first byte means nothing was lost; a wrong
 * echo (right status) is not evidence either. */
TEST(no_inference_without_evidence) {
  scenario sc;
  CHECK_INT(load("seed-upgrade-h2c", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  static const char body[] = "cannot handle: POST /echo HTTP/1.1";
  answer(&c, 1, 501, "Not Implemented", body, sizeof body - 1);
  int a = decided(&c, V_DESYNC, "got `501 Not Implemented` with body `cannot handle");
  int a2 = strstr(c.reason, "bytes of request") == NULL;
  answer(&c, 1, 200, "OK", "nd request", 10);
  int b = decided(&c, V_DESYNC, "got `200 OK` with body `nd request`");
  int b2 = strstr(c.reason, "bytes of request") == NULL;
  /* error prose that happens to share words with the request */
  static const char prose[] = "Invalid request: Bad Request";
  answer(&c, 1, 400, "Bad Request", prose, sizeof prose - 1);
  int p = decided(&c, V_DESYNC, NULL) && strstr(c.reason, "bytes of request") == NULL;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(a);
  CHECK(a2);
  CHECK(b);
  CHECK(b2);
  CHECK(p);
}

TEST(hang_mentions_long_body) {
  scenario sc;
  CHECK_INT(load("seed-long-body", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  c.ex[1].outcome = OUT_TIMEOUT;
  snprintf(c.ex[1].detail, sizeof c.ex[1].detail, "read timeout after 2000 ms");
  int ok = decided(&c, V_HANG, "got no complete answer before the timeout (read timeout "
                   "after 2000 ms) — request 1's body (300 bytes) is longer than request 2");
  c.lost_bytes = 300;
  snprintf(c.loss_evidence, sizeof c.loss_evidence, "filler");
  /* 300 bytes is more than request 2 has: say so, not "the first 300 bytes". */
  int confirmed = decided(&c, V_HANG, "the server read 300 more bytes as the body of "
                          "request 1: all 120 bytes of request 2, then it waits for 180 more");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
  CHECK(confirmed);
}

TEST(hang_without_long_body_has_no_hint) {
  scenario sc;
  CHECK_INT(load("seed-upgrade-h2c", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  c.ex[1].outcome = OUT_TIMEOUT;
  int ok = decided(&c, V_HANG, "for request 2 (POST /echo); got no complete answer");
  int nohint = strstr(c.reason, "longer") == NULL;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
  CHECK(nohint);
}

TEST(no_reuse_and_closed) {
  scenario sc;
  CHECK_INT(load("control-keepalive", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  c.ex[0].conn_close = 1;
  c.ex[1].outcome = OUT_NOT_SENT;
  int a = decided(&c, V_NO_REUSE, "announced Connection: close");
  c.ex[1].outcome = OUT_CLOSED;
  int b = decided(&c, V_NO_REUSE, NULL);
  c.ex[0].conn_close = 0;
  int d = decided(&c, V_CLOSED, "closed without announcing it");
  c.ex[1].outcome = OUT_RESET;
  int e = decided(&c, V_CLOSED, "got a connection reset");
  c.ex[1].outcome = OUT_NOT_SENT;
  int f = decided(&c, V_CLOSED, "not sent");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
  CHECK(d);
  CHECK(e);
  CHECK(f);
}

/* curl: right answers, but the second over a new connection. */
TEST(curl_new_connection) {
  scenario sc;
  CHECK_INT(load("curl-seed-headers", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  answer_ok(&c, 1);
  c.ex[1].new_connection = 1;
  int a = decided(&c, V_CLOSED, "request 2 was answered correctly, but over a new "
                  "connection: the server closed the first without announcing it");
  c.ex[0].conn_close = 1;
  int b = decided(&c, V_NO_REUSE, "announced Connection: close in its answer to request 1");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
}

TEST(rejected_only_for_the_upgrade_request) {
  scenario sc, ctl;
  CHECK_INT(load("websocket-upgrade-post", &sc), 0);
  CHECK_INT(load("control-keepalive", &ctl), 0);
  cell c, d;
  cell_init(&c, &sc, &tg);
  cell_init(&d, &ctl, &tg);
  answer(&c, 0, 400, "Bad Request", "", 0);
  int a = decided(&c, V_REJECTED, "refused the upgrade-bearing request itself");
  answer(&c, 0, 101, "Switching Protocols", "", 0);
  int b = decided(&c, V_DESYNC, "got `101 Switching Protocols`");
  answer(&d, 0, 400, "Bad Request", "", 0);   /* no Upgrade header: not "rejected" */
  int e = decided(&d, V_DESYNC, NULL);
  cell_free(&c);
  cell_free(&d);
  scenario_free(&sc);
  scenario_free(&ctl);
  CHECK(a);
  CHECK(b);
  CHECK(e);
}

/* An HTTP/1.1 error in answer to the HTTP/2 preface is a refusal; an HTTP/2
 * answer with the wrong status is not. */
TEST(prior_knowledge_refused_in_http1) {
  scenario sc;
  CHECK_INT(load("h2-prior-knowledge", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer(&c, 0, 400, "Bad Request", "", 0);
  c.ex[1].outcome = OUT_NOT_SENT;
  int a = decided(&c, V_REJECTED, "does not speak h2c with prior knowledge");
  snprintf(c.ex[0].http_version, sizeof c.ex[0].http_version, "2");
  int b = decided(&c, V_DESYNC, NULL);
  cell_free(&c);
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
}

/* na_status: the first answer decides "n/a" (word for word), and only it. */
TEST(na_status_is_not_applicable) {
  scenario sc, seed;
  CHECK_INT(load("websocket-raw-echo", &sc), 0);
  CHECK_INT(load("seed-upgrade-h2c", &seed), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer(&c, 0, 404, "Not Found", "not found\n", 10);
  verdict_decide(&c);
  verdict v = c.verdict;
  char reason[512];
  snprintf(reason, sizeof reason, "%s", c.reason);
  /* a hostile reason phrase is escaped, the reason stays one clean line */
  answer(&c, 0, 404, "Nope\x01\xff", "", 0);
  int hostile = decided(&c, V_NA, "(404 Nope\\x01\\xff): this scenario does not apply");
  answer(&c, 0, 500, "Internal Server Error", "", 0);    /* not listed */
  int other = decided(&c, V_REJECTED, NULL);
  c.ex[0].outcome = OUT_TIMEOUT;                          /* not an answer */
  c.ex[0].status = 404;
  int unanswered = decided(&c, V_HANG, NULL);
  cell_free(&c);
  /* a later request's 404 is a failure like any other */
  seed.na_status[0] = 404;
  seed.nna_status = 1;
  cell d;
  cell_init(&d, &seed, &tg);
  answer_ok(&d, 0);
  answer(&d, 1, 404, "Not Found", "", 0);
  int later = decided(&d, V_DESYNC, "for request 2");
  answer(&d, 0, 404, "Not Found", "", 0);
  int first = decided(&d, V_NA, "does not implement POST /echo (404 Not Found)");
  cell_free(&d);
  scenario_free(&sc);
  scenario_free(&seed);
  CHECK_INT(v, V_NA);
  CHECK_STR(reason, "the server does not implement GET /ws-echo (404 Not Found): "
                    "this scenario does not apply");
  CHECK(hostile);
  CHECK(other);
  CHECK(unanswered);
  CHECK(later);
  CHECK(first);
}

/* after_101: the 101's exchange carries the raw stream's bytes as its body. */
TEST(after_101_echo_judged_like_an_answer) {
  scenario sc;
  CHECK_INT(load("websocket-raw-echo", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer(&c, 0, 101, "Switching Protocols", "ping-raw-bytes\n", 15);
  int ok = decided(&c, V_OK_H1, "the 15 bytes sent on the switched connection were "
                   "answered as expected");
  /* gevent 20.9.0-style: its own bytes where the echo should be */
  answer(&c, 0, 101, "Switching Protocols", "0\r\n\r\nHTTP/1.1 4", 15);
  int wrong = decided(&c, V_DESYNC, "expected 101 with body `ping-raw-bytes\\n` for "
                      "request 1 (GET /ws-echo); got `101 Switching Protocols` with body "
                      "`0\\r\\n\\r\\nHTTP/1.1 4`");
  answer(&c, 0, 101, "Switching Protocols", "", 0);
  c.ex[0].outcome = OUT_CLOSED;
  snprintf(c.ex[0].detail, sizeof c.ex[0].detail, "after the 101 to request 1: 0 of "
           "the 15 bytes expected back arrived in 3 ms (the server closed the connection)");
  int closed = decided(&c, V_CLOSED, "0 of the 15 bytes expected back");
  answer(&c, 0, 400, "Bad Request", "", 0);
  int rejected = decided(&c, V_REJECTED, NULL);
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
  CHECK(wrong);
  CHECK(closed);
  CHECK(rejected);
}

TEST(connect_failure_is_error) {
  scenario sc;
  CHECK_INT(load("control-keepalive", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  c.ex[0].outcome = OUT_CONNECT_FAILED;
  snprintf(c.ex[0].detail, sizeof c.ex[0].detail, "connect: Connection refused");
  c.ex[1].outcome = OUT_NOT_SENT;
  int a = decided(&c, V_ERROR, "could not connect (connect: Connection refused)");
  c.ex[0].outcome = OUT_PENDING;
  int b = decided(&c, V_ERROR, "never got to it");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
}

TEST(extra_bytes_is_desync) {
  scenario sc;
  CHECK_INT(load("control-keepalive", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  answer_ok(&c, 1);
  c.extra_bytes = 38;
  int ok = decided(&c, V_DESYNC, "38 bytes arrived after the last expected answer: an "
                   "answer to a request never sent");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
}

TEST(bad_response_uses_parser_words) {
  scenario sc;
  CHECK_INT(load("seed-pipelined", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  c.ex[1].outcome = OUT_BAD_RESPONSE;
  snprintf(c.ex[1].detail, sizeof c.ex[1].detail, "bad status line\r\n`xyz`");
  int a = decided(&c, V_DESYNC, "got an unparseable response (bad status line  `xyz`)");
  c.ex[1].outcome = OUT_TOO_BIG;
  snprintf(c.ex[1].detail, sizeof c.ex[1].detail, "header section over 65536 bytes");
  int b = decided(&c, V_DESYNC, "size cap (header section over 65536 bytes)");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
}

/* Hostile answers: long, binary, multi-byte; the reason stays one short line. */
TEST(reason_bounded_and_escaped) {
  scenario sc;
  CHECK_INT(load("seed-upgrade-h2c", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  char big[4000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (char)(i * 7);
  answer(&c, 1, 400, "\xe2\x82\xac\x01\n\xff", big, sizeof big);
  memset(c.ex[1].detail, 'd', sizeof c.ex[1].detail - 1);
  c.lost_bytes = 13;
  memset(c.loss_evidence, '\xe2', sizeof c.loss_evidence - 1);
  verdict_decide(&c);
  int clean = reason_clean(&c);
  int escaped = strstr(c.reason, "\\xe2\\x82\\xac\\x01\\n\\xff") != NULL;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(clean);
  CHECK(escaped);
}

TEST(exchange_ok_why) {
  scenario sc;
  CHECK_INT(load("rfc-upgrade-get", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  char why[256];
  answer(&c, 0, 200, "OK", "h2c-lab ok\n", 11);
  int a = verdict_exchange_ok(&c, 0, why, sizeof why) && why[0] == '\0';
  answer(&c, 0, 200, "OK", "h2c-lab ok", 10);
  int b = !verdict_exchange_ok(&c, 0, why, sizeof why);
  int b2 = strcmp(why, "got `200 OK` with body `h2c-lab ok`") == 0;
  if (!b2)
    fprintf(stderr, "  why: %s\n", why);
  cell_free(&c);
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
  CHECK(b2);
}

TEST(names_round_trip) {
  for (int v = 0; v < V__COUNT; v++) {
    verdict back;
    CHECK_INT(verdicts_from_name(verdicts_name((verdict)v), &back), 0);
    CHECK_INT(back, v);
  }
  verdict x;
  CHECK_INT(verdicts_from_name("ok", &x), -1);
  CHECK_STR(verdicts_name(V_NA), "n/a");
  CHECK_STR(exchange_outcome_name(OUT_NOT_SENT), "not-sent");
  CHECK_STR(exchange_outcome_name(OUT_CONNECT_FAILED), "connect-failed");
  CHECK(verdicts_is_ok(V_OK_H2) && !verdicts_is_ok(V_NO_REUSE));
}

/* The table's flags and lookups, and the default accept list built from it. */
TEST(verdicts_table) {
  int ok = 0, security = 0;
  for (int v = 0; v < verdicts_count(); v++) {
    const verdict_info *vi = verdicts_info((verdict)v);
    CHECK(vi && vi->name && vi->cls && vi->meaning && vi->group && vi->bg && vi->fg);
    CHECK(verdicts_lookup(vi->name) == vi);
    ok += vi->ok;
    security += vi->security;
  }
  CHECK_INT(ok, 2);
  CHECK_INT(security, 2);
  CHECK(verdicts_is_security(V_SMUGGLED) && verdicts_is_security(V_CROSS_CLIENT) &&
        !verdicts_is_security(V_DESYNC));
  CHECK(verdicts_info(V__COUNT) == NULL && verdicts_lookup(NULL) == NULL &&
        verdicts_lookup("OK-H1") == NULL);
  CHECK_STR(verdicts_name(V__COUNT), "?");
  CHECK_STR(verdicts_info(V_NA)->cls, "na");
  char names[16];
  CHECK_INT(verdicts_ok_names(names, sizeof names, "; "), 0);
  CHECK_STR(names, "ok-h1; ok-h2");
  CHECK_INT(verdicts_ok_names(names, 12, "; "), -1);   /* 13 bytes needed */
  CHECK_STR(names, "");
  CHECK_INT(verdicts_ok_names(names, 13, "; "), 0);
}

TEST(exchange_headers) {
  exchange e;
  memset(&e, 0, sizeof e);
  exchange_add_header(&e, "Content-Length", "13");
  exchange_add_header(&e, "connection", "close");
  const char *v = exchange_header(&e, "CONNECTION");
  int ok = v && strcmp(v, "close") == 0 && exchange_header(&e, "Server") == NULL &&
           e.nheaders == 2;
  for (int i = 0; i < 2 * e.nheaders; i++)
    free(e.headers[i]);
  free(e.headers);
  CHECK(ok);
}

/* ---- proxy verdicts: smuggled, cross-client ------------------------------ */

#define TAG "c000000000ab"
#define MARKER "H2C-LAB-ADMIN-MARKER\n"

/* A catalogue scenario instantiated with TAG, as the runner does. */
static int proxy_cell(const char *id, scenario *sc, cell *c) {
  if (load(id, sc) != 0)
    return -1;
  cell_init(c, sc, &tg);
  snprintf(c->tag, sizeof c->tag, "%s", TAG);
  return cell_instantiate(c);
}

/* The backend log of the cell, from a document as the backend sends it. */
static void set_log(cell *c, const char *doc) {
  char err[200];
  c->backend_log = backend_log_parse(doc, strlen(doc), NULL, err, sizeof err);
}

#define ECHO_ENTRY(port, extra)                                                \
  "{\"kind\":\"request\",\"method\":\"POST\",\"path\":\"/echo\",\"cell\":\"" TAG    \
  "\",\"peer\":\"172.30.0.8:" port "\",\"status\":200" extra "}"
#define ADMIN_ENTRY(kind)                                                      \
  "{\"kind\":\"" kind "\",\"method\":\"GET\",\"path\":\"/admin?cell=" TAG         \
  "&from=body\",\"cell\":\"" TAG "\",\"peer\":\"172.30.0.8:41234\",\"status\":200}"

TEST(smuggled_from_the_backend_log) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-request-boundaries", &sc, &c), 0);
  answer_ok(&c, 0);
  answer(&c, 1, 200, "OK", MARKER, strlen(MARKER));
  answer(&c, 2, 403, "Forbidden", "no", 2);
  set_log(&c, "[" ECHO_ENTRY("41234", "") "," ADMIN_ENTRY("request") "]");
  int ok = decided(&c, V_SMUGGLED, "the backend parsed and served GET /admin?cell="
                   TAG "&from=body (answered 200, upstream connection :41234) — that "
                   "request only existed inside the body of request 2 (POST /echo) on "
                   "connection a; its answer came back as request 2's; asked for directly "
                   "(request 3): 403");
  int sec = c.security == 1;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
  CHECK(sec);
}

/* The log alone decides, even when the answers look right (a proxy may
 * have dropped the smuggled answer); a refused parse is not a served one. */
TEST(smuggled_from_the_log_even_with_right_answers) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-request-boundaries", &sc, &c), 0);
  answer_ok(&c, 0);
  answer_ok(&c, 1);
  answer_ok(&c, 2);
  set_log(&c, "[" ADMIN_ENTRY("rejected") "]");
  int not_smuggled = decided(&c, V_OK_H1, "all 3 requests answered as expected");
  cJSON_Delete(c.backend_log);
  set_log(&c, "[" ADMIN_ENTRY("request") "]");
  int smuggled = decided(&c, V_SMUGGLED, "only existed inside the body of request 2");
  int no_answer_claim = strstr(c.reason, "its answer came back") == NULL;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(not_smuggled);
  CHECK(smuggled);
  CHECK(no_answer_claim);
}

TEST(smuggled_from_the_marker_without_a_log) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-smuggle-cross-client", &sc, &c), 0);
  c.skipped[2] = 1;                       /* a direct target: no proxy */
  answer_ok(&c, 0);
  answer(&c, 1, 200, "OK", MARKER, strlen(MARKER));
  int ok = decided(&c, V_SMUGGLED, "the answer to GET /admin?cell=" TAG "&from=body "
                   "reached a client: request 2 (POST /echo) on connection b got `200 OK` "
                   "with body `H2C-LAB-ADMIN-MARKER\\n` — that request only existed inside "
                   "the body of request 2 (POST /echo) on connection b; the upgrade offer "
                   "(request 1) came from another client, connection a");
  int sec = c.security;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
  CHECK(sec);
}

/* The marker answering a direct GET /admin is the proxy not denying it: a
 * failure, but neither smuggling nor another client's desync. */
TEST(marker_for_the_direct_request_is_not_smuggled) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-request-boundaries", &sc, &c), 0);
  answer_ok(&c, 0);
  answer_ok(&c, 1);
  answer(&c, 2, 200, "OK", MARKER, strlen(MARKER));
  int ok = decided(&c, V_DESYNC, "expected 403 for request 3 (GET /admin?cell=" TAG);
  int sec = c.security;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
  CHECK(!sec);
}

TEST(cross_client_with_backend_evidence) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-cross-client", &sc, &c), 0);
  answer_ok(&c, 0);
  answer(&c, 1, 400, "Bad Request", "", 0);
  set_log(&c, "[" ECHO_ENTRY("59590", ",\"overread_len\":13,\"overread\":\"POST /echo HT\"")
              "]");
  int ok = decided(&c, V_CROSS_CLIENT, "expected 200 with body `client B's own request` "
                   "for request 2 (POST /echo) on connection b; got `400 Bad Request` — "
                   "another client: request 1 with the upgrade offer came from connection a "
                   "(answered correctly); a reused upstream connection carried its desync "
                   "over (backend log: after request 1's body it discarded 13 more bytes on "
                   "upstream connection :59590: `POST /echo HT`)");
  int sec = c.security;
  /* no answer at all for B is the same finding */
  c.ex[1].outcome = OUT_TIMEOUT;
  c.ex[1].status = 0;
  int hang = decided(&c, V_CROSS_CLIENT, "got no complete answer before the timeout");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
  CHECK(sec);
  CHECK(hang);
}

TEST(not_cross_client_on_the_same_connection_or_when_unreachable) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("seed-upgrade-h2c", &sc, &c), 0);
  answer_ok(&c, 0);
  answer(&c, 1, 400, "Bad Request", "", 0);
  int same = decided(&c, V_DESYNC, NULL) && !c.security;
  cell_free(&c);
  scenario_free(&sc);
  CHECK_INT(proxy_cell("proxy-cross-client", &sc, &c), 0);
  answer_ok(&c, 0);
  c.ex[1].outcome = OUT_CONNECT_FAILED;
  int unreachable = decided(&c, V_ERROR, NULL);
  cell_free(&c);
  scenario_free(&sc);
  CHECK(same);
  CHECK(unreachable);
}

TEST(skipped_requests_are_not_judged) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-request-boundaries", &sc, &c), 0);
  c.skipped[2] = 1;
  answer_ok(&c, 0);
  answer_ok(&c, 1);
  int ok = decided(&c, V_OK_H1, "all 2 requests answered as expected over HTTP/1.1; "
                   "request 3 not sent (it applies only with a proxy in front)");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
}

/* A direct server without a log or marker: the wrong answer is a desync, and
 * the reason says how the body had been sized. */
TEST(calibrated_desync_says_how_the_body_was_sized) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-request-boundaries", &sc, &c), 0);
  c.skipped[2] = 1;
  c.cal = (calibration){1, 1, 0, 134, "wire"};
  answer_ok(&c, 0);
  answer(&c, 1, 404, "Not Found", "not found\n", 10);
  int ok = decided(&c, V_DESYNC, "got `404 Not Found` with body `not found\\n` — request "
                   "1's body had been sized to request 2's head (134 bytes, from the wire), "
                   "so a server that discards that body a second time parses request 2's "
                   "body as a request");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(ok);
}

/* Behind a proxy, a wrong answer to a request the backend never logged did
 * not come from parsing that request: the reason says so. */
TEST(desync_says_when_the_backend_never_saw_the_request) {
  scenario sc;
  cell c;
  CHECK_INT(proxy_cell("proxy-request-boundaries", &sc, &c), 0);
  answer_ok(&c, 0);
  answer(&c, 1, 400, "Bad Request", "", 0);
  answer_ok(&c, 2);
  set_log(&c, "[" ECHO_ENTRY("42742", ",\"content_length\":13") "]");
  int absent = decided(&c, V_DESYNC, "(no backend log entry for request 2: the backend "
                       "never parsed it; the answer came from the proxy");
  char body_len[64];
  snprintf(body_len, sizeof body_len, "%zu", c.sc->requests[1].body.len);
  cJSON_Delete(c.backend_log);
  char doc[512];
  snprintf(doc, sizeof doc, "[" ECHO_ENTRY("42742", ",\"content_length\":13") ","
           ECHO_ENTRY("42742", ",\"content_length\":%s") "]", body_len);
  set_log(&c, doc);
  int present = decided(&c, V_DESYNC, NULL) && !strstr(c.reason, "log entry for request 2");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(absent);
  CHECK(present);
}

CHECK_MAIN(CASE(smuggled_from_the_backend_log),
           CASE(desync_says_when_the_backend_never_saw_the_request),
           CASE(smuggled_from_the_log_even_with_right_answers),
           CASE(smuggled_from_the_marker_without_a_log),
           CASE(marker_for_the_direct_request_is_not_smuggled),
           CASE(cross_client_with_backend_evidence),
           CASE(not_cross_client_on_the_same_connection_or_when_unreachable),
           CASE(skipped_requests_are_not_judged),
           CASE(calibrated_desync_says_how_the_body_was_sized),
           CASE(ok_h1_and_ok_h2), CASE(seed_desync_reason_exact),
           CASE(desync_with_confirmed_loss), CASE(desync_with_inferred_loss),
           CASE(no_inference_without_evidence), CASE(hang_mentions_long_body),
           CASE(hang_without_long_body_has_no_hint), CASE(no_reuse_and_closed),
           CASE(curl_new_connection), CASE(rejected_only_for_the_upgrade_request), CASE(prior_knowledge_refused_in_http1),
           CASE(na_status_is_not_applicable), CASE(after_101_echo_judged_like_an_answer),
           CASE(connect_failure_is_error), CASE(extra_bytes_is_desync),
           CASE(bad_response_uses_parser_words), CASE(reason_bounded_and_escaped),
           CASE(exchange_ok_why), CASE(names_round_trip), CASE(verdicts_table),
           CASE(exchange_headers))
