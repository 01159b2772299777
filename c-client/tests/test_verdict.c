/* test_verdict.c - the verdict rules no data-driven case can reach, with
 * cells built by hand: exchanges the engines never produce together (an
 * answered 101 without HTTP/2 or after_101, a connection closed after an
 * announced close, a request never got to, a too-big answer, hostile
 * details), the helpers and the name tables. Every other verdict rule is a
 * case in tests/cases/, run through the real engine (test_cases.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "check.h"
#include "runner.h"
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
  MUST_BUF(buf_add(&e->body, body, bodylen));
}

/* Request i answered correctly (its echo, or its expected body). */
static void answer_ok(cell *c, int i) {
  const sc_request *r = &c->sc->requests[i];
  buf b;
  buf_init(&b, 1 << 20);
  if (r->has_expect_body)
    MUST_BUF(buf_add(&b, r->expect_body.data, r->expect_body.len));
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

/* The engine never reads on after an announced close, nor marks a request
 * not-sent on an intact connection; the rules still say what those mean. */
TEST(no_reuse_and_closed_by_hand) {
  scenario sc;
  CHECK_INT(load("control-keepalive", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  c.ex[0].conn_close = 1;
  c.ex[1].outcome = OUT_CLOSED;
  int b = decided(&c, V_NO_REUSE, NULL);
  c.ex[0].conn_close = 0;
  c.ex[1].outcome = OUT_NOT_SENT;
  int f = decided(&c, V_CLOSED, "not sent");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(b);
  CHECK(f);
}

/* An answered 101 to a request without after_101: the raw engine hands such
 * a connection to HTTP/2, so only a hand-built cell has it. */
TEST(answered_101_is_not_rejected) {
  scenario sc;
  CHECK_INT(load("websocket-upgrade-post", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer(&c, 0, 101, "Switching Protocols", "", 0);
  int b = decided(&c, V_WRONG_ANSWER, "got `101 Switching Protocols`");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(b);
}

/* A request the engine never got to (still pending) is an error. */
TEST(never_got_to_it_is_error) {
  scenario sc;
  CHECK_INT(load("control-keepalive", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  int b = decided(&c, V_ERROR, "never got to it");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(b);
}

/* A parser cap (a header section over 64 KiB) is named in the reason. */
TEST(too_big_names_the_cap) {
  scenario sc;
  CHECK_INT(load("seed-pipelined", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  c.ex[1].outcome = OUT_TOO_BIG;
  snprintf(c.ex[1].detail, sizeof c.ex[1].detail, "header section over 65536 bytes");
  int b = decided(&c, V_DESYNC, "size cap (header section over 65536 bytes)");
  cell_free(&c);
  scenario_free(&sc);
  CHECK(b);
}

/* Client B unreachable after A's upgrade offer: an error, not another
 * client's desync (the script server cannot refuse one connection only). */
TEST(unreachable_client_is_not_cross_client) {
  scenario sc;
  CHECK_INT(load("proxy-cross-client", &sc), 0);
  cell c;
  cell_init(&c, &sc, &tg);
  answer_ok(&c, 0);
  c.ex[1].outcome = OUT_CONNECT_FAILED;
  int unreachable = decided(&c, V_ERROR, NULL) && !c.security;
  cell_free(&c);
  scenario_free(&sc);
  CHECK(unreachable);
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
  CHECK_INT(security, 3);
  CHECK(verdicts_is_security(V_SMUGGLED) && verdicts_is_security(V_CROSS_CLIENT) &&
        verdicts_is_security(V_POISONED) &&
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

/* A scenario with a control (seed-upgrade-h2c: control-keepalive) whose
 * target fails the control the same way says the failure is not caused by
 * the upgrade headers; a control that passes, or fails at another request,
 * says nothing. */
static int control_note(int control_fails_at) {
  scenario sc[2];
  cell cells[2];
  if (load("control-keepalive", &sc[0]) != 0 || load("seed-upgrade-h2c", &sc[1]) != 0)
    return -1;
  run r = {.targets = &tg, .ntargets = 1, .scenarios = sc, .nscenarios = 2,
           .cells = cells, .ncells = 2};
  for (int s = 0; s < 2; s++) {
    cell_init(&cells[s], &sc[s], &tg);
    answer_ok(&cells[s], 0);
    answer_ok(&cells[s], 1);
  }
  answer(&cells[1], 1, 400, "Bad Request", "", 0);
  if (control_fails_at >= 0)
    answer(&cells[0], control_fails_at, 400, "Bad Request", "", 0);
  for (int s = 0; s < 2; s++)
    verdict_decide(&cells[s]);
  runner_compare_controls(&r);
  int said = strstr(cells[1].reason, " — the control control-keepalive (the same requests "
                    "without the upgrade headers) fails the same way on this target "
                    "(desync at request 2): the failure is not caused by the upgrade "
                    "headers") != NULL;
  int plain = strstr(cells[0].reason, "not caused") == NULL;
  for (int s = 0; s < 2; s++) {
    cell_free(&cells[s]);
    scenario_free(&sc[s]);
  }
  return plain ? said : -1;
}

TEST(control_failing_the_same_way_is_said) {
  CHECK_INT(control_note(1), 1);
  CHECK_INT(control_note(-1), 0);
  CHECK_INT(control_note(0), 0);
}

CHECK_MAIN(CASE(no_reuse_and_closed_by_hand), CASE(answered_101_is_not_rejected),
           CASE(never_got_to_it_is_error), CASE(too_big_names_the_cap),
           CASE(unreachable_client_is_not_cross_client), CASE(reason_bounded_and_escaped),
           CASE(exchange_ok_why), CASE(names_round_trip), CASE(verdicts_table),
           CASE(exchange_headers), CASE(control_failing_the_same_way_is_said))
