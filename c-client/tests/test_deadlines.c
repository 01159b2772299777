/* test_deadlines.c - the clock rule (docs/formats.md, "Time bounds"): every
 * read stops at its deadline whether or not bytes keep arriving, and a cell
 * or a run never takes longer than its documented bound plus a constant.
 *
 * A loopback server (script_server.h) plays, on each connection it
 * accepts, the script ACCEPT_ANY, READ_UNTIL(end of the request head),
 * WRITE(head), then REPEAT(unit every gap_ms, until the client leaves or
 * SS_WAIT_MS), CLOSE: an endless 100 Continue, a 1-byte trickle in the
 * head, a 101 followed by endless HTTP/2 HEADERS frames. SS_WAIT_MS is far
 * longer than any bound, so a read loop that ignores its deadline fails the
 * test (it ends only when the server stops). The upper bounds have a generous constant (SLACK_MS): the
 * tests check that a bound holds, not how fast anything is. */
#include "backend_log.h"
#include "check.h"
#include "clock.h"
#include "http_once.h"
#include "runner.h"
#include "scenario.h"
#include "script_server.h"
#include "target.h"
#include "test_tmp.h"

#include <stdlib.h>

#define SLACK_MS 1500         /* CPU, closing sockets, a loaded 2-core machine */
#define TIMEOUT_MS 300        /* the probe's --timeout-ms in these tests */

/* ---- the flooding server: script_server, one script for every connection -- */

typedef struct flood {
  script_server srv;
  int port;
  ss_step steps[8];
  char block[16384];                   /* the unit, repeated to fill a write */
} flood;

/* Every connection: the request head, head once, then unit every gap_ms
 * until the client leaves (or SS_WAIT_MS). gap_ms 0: the unit repeated to
 * fill each write, so bytes are always waiting for the client (it reads
 * faster than one small unit a write). */
static int flood_start(flood *f, const char *head, size_t head_len, const char *unit,
                       size_t unit_len, int gap_ms) {
  memset(f, 0, sizeof *f);
  size_t reps = gap_ms ? 1 : sizeof f->block / unit_len;
  for (size_t i = 0; i < reps; i++)
    memcpy(f->block + i * unit_len, unit, unit_len);
  const ss_step steps[] = {ACCEPT_ANY, READ_UNTIL("\r\n\r\n"), {SS_WRITE, head, head_len},
                           REPEAT(2), {SS_WRITE, f->block, reps * unit_len},
                           SLEEP((size_t)gap_ms), CLOSE, END};
  memcpy(f->steps, steps, sizeof steps);
  if (script_server_start(&f->srv, f->steps) != 0)
    return -1;
  f->port = f->srv.port;
  return 0;
}

static void flood_stop(flood *f) { script_server_stop(&f->srv); }

#define S(lit) lit, sizeof lit - 1

#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"
#define SLOW_HEAD "HTTP/1.1 200 OK\r\nX-Slow: "
#define H2C_101 "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" \
                "Upgrade: h2c\r\n\r\n"                                         \
                "\x00\x00\x00\x04\x00\x00\x00\x00\x00"  /* SETTINGS, empty */
/* HEADERS on stream 1, END_HEADERS, ":status: 100" (literal, name index 8):
 * a valid interim answer, again and again. */
#define H2_HEADERS_100 "\x00\x00\x05\x01\x04\x00\x00\x00\x01" "\x08\x03" "100"

/* ---- http_once: the side requests (version, patch, backend log, reset) -- */

static int once(const flood *f, int64_t deadline_ms, char *err, size_t errlen) {
  char port[16];
  snprintf(port, sizeof port, "%d", f->port);
  http_once h = {.host = "127.0.0.1", .port = port, .timeout_ms = TIMEOUT_MS,
                 .deadline_ms = deadline_ms, .max_bytes = 1024u * 1024u};
  h1_parser p;
  static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  int ok = http_once_exchange(&h, req, sizeof req - 1, &p, err, errlen);
  http1_parse_free(&p);
  return ok;
}

TEST(http_once_stops_at_its_deadline_in_a_trickle) {
  flood f;
  CHECK_INT(flood_start(&f, S(SLOW_HEAD), S("a"), 5), 0);
  char err[256] = "";
  int64_t t0 = clock_now_ms();
  int ok = once(&f, t0 + 500, err, sizeof err);
  int64_t took = clock_now_ms() - t0;
  flood_stop(&f);
  CHECK_INT(ok, 0);
  if (took > 500 + SLACK_MS || !strstr(err, "deadline"))
    fprintf(stderr, "  took %lld ms: %s\n", (long long)took, err);
  CHECK(took <= 500 + SLACK_MS);
  CHECK(strstr(err, "deadline") != NULL);
}

TEST(http_once_refuses_endless_interim_answers) {
  flood f;
  CHECK_INT(flood_start(&f, "", 0, S(CONTINUE), 1), 0);
  char err[256] = "";
  int64_t t0 = clock_now_ms();
  int ok = once(&f, t0 + 5000, err, sizeof err);
  int64_t took = clock_now_ms() - t0;
  flood_stop(&f);
  CHECK_INT(ok, 0);
  if (!strstr(err, "interim"))
    fprintf(stderr, "  took %lld ms: %s\n", (long long)took, err);
  CHECK(strstr(err, "more than 32 interim (1xx) answers") != NULL);
  CHECK(took < 5000);                  /* the count stopped it, not the deadline */
}

/* The backend log fetch ends by the caller's deadline (the calibration's),
 * not 2 x timeout after it started. */
TEST(backend_log_fetch_keeps_the_callers_deadline) {
  flood f;
  CHECK_INT(flood_start(&f, S(SLOW_HEAD), S("a"), 5), 0);
  char spec[128], err[256] = "";
  snprintf(spec, sizeof spec, "t=http://127.0.0.1:%d", f.port);
  target t;
  CHECK_INT(target_parse_spec(spec, &t, err, sizeof err), 0);
  t.backend_log_url = strdup("http://127.0.0.1/__lab/requests");
  t.log_host = strdup("127.0.0.1");
  t.log_port = strdup(t.port);
  t.log_authority = strdup(t.authority);
  t.log_path = strdup("/__lab/requests");
  int64_t t0 = clock_now_ms();
  cJSON *log = backend_log_fetch(&t, "c00000000000", 5000, t0 + 400, NULL, err, sizeof err);
  int64_t took = clock_now_ms() - t0;
  flood_stop(&f);
  target_free(&t);
  CHECK(log == NULL);
  if (took > 400 + SLACK_MS)
    fprintf(stderr, "  took %lld ms: %s\n", (long long)took, err);
  CHECK(took <= 400 + SLACK_MS);        /* not 2 x 5000 ms */
  CHECK(strstr(err, "deadline") != NULL);
}

/* ---- whole runs: the version fetch and the cells ------------------------ */

static char dir[64];

static int write_file(const char *name, const char *text) {
  return test_tmp_write(dir, name, text);
}

#define SCN(id, engine, headers)                                                  \
  "{\"id\":\"" id "\",\"title\":\"t\",\"explanation\":\"e\",\"correct\":\"RFC c\"," \
  "\"engine\":\"" engine "\",\"requests\":[{\"method\":\"GET\",\"path\":\"/\","     \
  "\"headers\":[[\"Host\",\"{authority}\"]" headers "],\"expect\":{\"status\":200}}]}"
#define UPGRADE ",[\"Connection\",\"Upgrade, HTTP2-Settings\"],[\"Upgrade\",\"h2c\"]," \
                "[\"HTTP2-Settings\",\"AAMAAABkAAQAoAAAAAIAAAAA\"]"

/* Loads one target (the flood server, asked for its /version first) and the
 * scenarios written to dir. */
static int load_run(run *r, const flood *f, int nscenarios) {
  char targets[256], path[160], err[512];
  snprintf(targets, sizeof targets, "{\"targets\":[{\"name\":\"flood\",\"url\":"
           "\"http://127.0.0.1:%d\",\"version_path\":\"/version\"}]}", f->port);
  memset(r, 0, sizeof *r);
  snprintf(path, sizeof path, "%s/targets.lab", dir);
  if (write_file("targets.lab", targets) != 0 ||
      target_load_file(path, &r->targets, &r->ntargets, err, sizeof err) != 0) {
    fprintf(stderr, "  %s\n", err);
    return -1;
  }
  r->nscenarios = scenario_load_dir(dir, &r->scenarios, err, sizeof err);
  if (r->nscenarios != nscenarios)
    fprintf(stderr, "  scenarios: %d: %s\n", r->nscenarios, err);
  return r->nscenarios == nscenarios ? 0 : -1;
}

/* detail holds one of the '|'-separated alternatives of words. */
static int says(const char *detail, const char *words) {
  for (const char *w = words; *w;) {
    size_t n = strcspn(w, "|");
    if (memmem(detail, strlen(detail), w, n))
      return 1;
    w += n + (w[n] == '|');
  }
  return 0;
}

/* Runs every cell against f; checks each cell's bound and the run's, and
 * that cell i's first exchange says why it ended (words[i]; NULL: any). */
static int run_within_bounds(const flood *f, int nscenarios, const char *const *words) {
  run r;
  if (load_run(&r, f, nscenarios) != 0) {
    runner_free(&r);
    return -1;
  }
  runner_opts o = {.timeout_ms = TIMEOUT_MS, .jobs = 1};
  runner_run(&r, &o);
  int64_t bound = runner_run_bound_ms(&r, TIMEOUT_MS, 1);
  int bad = r.duration_ms > bound + SLACK_MS;
  if (bad)
    fprintf(stderr, "  the run took %lld ms, bound %lld ms\n", (long long)r.duration_ms,
            (long long)bound);
  for (int i = 0; i < r.ncells; i++) {
    const cell *c = &r.cells[i];
    int64_t cb = runner_cell_bound_ms(c->sc, c->tg, TIMEOUT_MS);
    if (words[i] && !says(c->ex[0].detail, words[i])) {
      fprintf(stderr, "  cell %s: want \"%s\", got \"%s\"\n", c->sc->id, words[i],
              c->ex[0].detail);
      bad = 1;
    }
    if (c->total_ms > cb + SLACK_MS) {
      fprintf(stderr, "  cell %s took %lld ms, bound %lld ms\n", c->sc->id,
              (long long)c->total_ms, (long long)cb);
      bad = 1;
    }
  }
  if (r.targets[0].version)            /* nothing usable came back */
    bad = 1;
  runner_free(&r);
  return bad ? -1 : 0;
}

static int make_dir(void) { return test_tmp_make(dir, sizeof dir, "deadlines"); }
static void remove_dir(void) { test_tmp_remove(dir); }

/* 100 Continue without a pause: data is always waiting, so a read loop
 * that only bounds its waits never sees its deadline (the version fetch
 * used to run for as long as the server sent). The interim count ends the
 * version fetch and the raw cell; libcurl's timeout the curl cell. */
TEST(endless_continue_holds_the_run_and_cell_bounds) {
  flood f;
  CHECK_INT(make_dir(), 0);
  CHECK_INT(write_file("raw.json", SCN("raw", "raw", "")), 0);
  CHECK_INT(write_file("curl.json", SCN("curl", "curl", "")), 0);
  CHECK_INT(flood_start(&f, "", 0, S(CONTINUE), 0), 0);
  /* cells in file order: curl (libcurl's own header cap or timeout), raw */
  static const char *const words[] = {NULL, "more than 32 interim (1xx) answers"};
  int rc = run_within_bounds(&f, 2, words);
  flood_stop(&f);
  remove_dir();
  CHECK_INT(rc, 0);
}

/* One byte every 5 ms: never a read timeout, only the deadline ends it. */
TEST(trickled_head_holds_the_run_and_cell_bounds) {
  flood f;
  CHECK_INT(make_dir(), 0);
  CHECK_INT(write_file("raw.json", SCN("raw", "raw", "")), 0);
  CHECK_INT(flood_start(&f, S(SLOW_HEAD), S("a"), 5), 0);
  static const char *const words[] = {"(the cell's deadline)"};
  int rc = run_within_bounds(&f, 1, words);
  flood_stop(&f);
  remove_dir();
  CHECK_INT(rc, 0);
}

/* A 101, then valid HEADERS frames without a pause: only the deadline (or
 * the connection's byte cap) ends the HTTP/2 read loop. */
TEST(headers_flood_after_101_holds_the_cell_bound) {
  flood f;
  CHECK_INT(make_dir(), 0);
  CHECK_INT(write_file("up.json", SCN("up", "raw", UPGRADE)), 0);
  CHECK_INT(flood_start(&f, S(H2C_101), S(H2_HEADERS_100), 0), 0);
  static const char *const words[] = {"the cell's deadline passed|on this connection"};
  int rc = run_within_bounds(&f, 1, words);
  flood_stop(&f);
  remove_dir();
  CHECK_INT(rc, 0);
}

/* An HTTP/2-only peer (nghttpd --no-tls) answers every connection with its
 * SETTINGS frame. The version page is then asked over HTTP/2 with prior
 * knowledge: here a flood of HEADERS (:status 100) without a pause, so both
 * version fetches must stay within the run's bound, and nothing usable comes. */
#define H2_SETTINGS "\x00\x00\x06\x04\x00\x00\x00\x00\x00" "\x00\x03\x00\x00\x00\x64"
TEST(h2_only_peer_flooding_holds_the_run_bound) {
  flood f;
  CHECK_INT(make_dir(), 0);
  CHECK_INT(write_file("raw.json", SCN("raw", "raw", "")), 0);
  CHECK_INT(flood_start(&f, S(H2_SETTINGS), S(H2_HEADERS_100), 0), 0);
  static const char *const words[] = {NULL};
  int rc = run_within_bounds(&f, 1, words);
  flood_stop(&f);
  remove_dir();
  CHECK_INT(rc, 0);
}

/* The same peer answering the version page properly over HTTP/2 (HEADERS
 * :status 200 as HPACK index 8, then one DATA frame with END_STREAM): the
 * run knows its version although the HTTP/1.1 GET got only a SETTINGS frame. */
#define H2_VERSION_ANSWER H2_SETTINGS                                        \
  "\x00\x00\x01\x01\x04\x00\x00\x00\x01" "\x88"                           \
  "\x00\x00\x16\x00\x01\x00\x00\x00\x01" "nghttp2-server 1.52.0\n"
TEST(h2_only_peer_version_is_asked_over_http2) {
  flood f;
  run r;
  CHECK_INT(make_dir(), 0);
  CHECK_INT(write_file("raw.json", SCN("raw", "raw", "")), 0);
  CHECK_INT(flood_start(&f, S(H2_VERSION_ANSWER), S(H2_SETTINGS), 50), 0);
  CHECK_INT(load_run(&r, &f, 1), 0);
  runner_opts o = {.timeout_ms = TIMEOUT_MS, .jobs = 1};
  runner_run(&r, &o);
  flood_stop(&f);
  CHECK(r.targets[0].version != NULL);
  if (r.targets[0].version)
    CHECK_STR(r.targets[0].version, "nghttp2-server 1.52.0");
  CHECK(r.ncells == 1 && r.cells[0].verdict == V_NA);
  runner_free(&r);
  remove_dir();
}

/* A proxy's first connection to its backend failed: its 502 to /version is
 * not the page's answer, so the version is asked once more (and only once:
 * runner_run_bound_ms counts two version requests). */
#define GATEWAY_502 "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define VERSION_200 "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n" \
                    "squid 5.7-2+deb12u6\n"
#define PLAIN_200 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

static int version_after(const ss_step *steps, char **version) {
  flood f;
  run r;
  memset(&f, 0, sizeof f);
  *version = NULL;
  if (make_dir() != 0 || write_file("raw.json", SCN("raw", "raw", "")) != 0 ||
      script_server_start(&f.srv, steps) != 0)
    return -1;
  f.port = f.srv.port;
  int rc = load_run(&r, &f, 1);
  if (rc == 0) {
    runner_opts o = {.timeout_ms = TIMEOUT_MS, .jobs = 1};
    runner_run(&r, &o);
    if (r.targets[0].version)
      *version = strdup(r.targets[0].version);
    runner_free(&r);
  }
  flood_stop(&f);
  remove_dir();
  return rc;
}

TEST(gateway_error_on_version_is_asked_once_more) {
  static const ss_step once_more[] = {
      ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(GATEWAY_502), CLOSE,
      ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(VERSION_200), CLOSE,
      ACCEPT_ANY, READ_UNTIL("\r\n\r\n"), WRITE(PLAIN_200), CLOSE, END};
  static const ss_step twice_502[] = {
      ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(GATEWAY_502), CLOSE,
      ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(GATEWAY_502), CLOSE,
      ACCEPT, READ_UNTIL("\r\n\r\n"), WRITE(VERSION_200), CLOSE,
      ACCEPT_ANY, READ_UNTIL("\r\n\r\n"), WRITE(PLAIN_200), CLOSE, END};
  char *v;
  CHECK_INT(version_after(once_more, &v), 0);
  CHECK(v != NULL && strcmp(v, "squid 5.7-2+deb12u6") == 0);
  free(v);
  CHECK_INT(version_after(twice_502, &v), 0);  /* a third try: never */
  CHECK(v == NULL);
  free(v);
}

CHECK_MAIN(CASE(http_once_stops_at_its_deadline_in_a_trickle),
           CASE(http_once_refuses_endless_interim_answers),
           CASE(backend_log_fetch_keeps_the_callers_deadline),
           CASE(endless_continue_holds_the_run_and_cell_bounds),
           CASE(trickled_head_holds_the_run_and_cell_bounds),
           CASE(headers_flood_after_101_holds_the_cell_bound),
           CASE(h2_only_peer_flooding_holds_the_run_bound),
           CASE(h2_only_peer_version_is_asked_over_http2),
           CASE(gateway_error_on_version_is_asked_once_more))
