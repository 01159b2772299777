/* test_scenario.c - scenario loading, strict validation and wire bytes.
 * Runs from tests/ (make check does cd tests): the catalogue is ../scenarios,
 * malformed files are fixtures/scenarios-bad/, one-off good files are written
 * to a fresh temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "scenario.h"

static char tmpdir[64];

/* Writes json to <tmpdir>/<id>.json and returns the path (static). */
static const char *write_scenario(const char *id, const char *json) {
  static char path[256];
  if (!tmpdir[0]) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/h2c-test-scenario-XXXXXX");
    if (!mkdtemp(tmpdir))
      return NULL;
  }
  snprintf(path, sizeof path, "%s/%s.json", tmpdir, id);
  FILE *f = fopen(path, "w");
  if (!f)
    return NULL;
  fputs(json, f);
  fclose(f);
  return path;
}

static void remove_tmpdir(void) {
  if (!tmpdir[0])
    return;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* Loads a one-off scenario; returns 0 on success. */
static int load_tmp(const char *id, const char *json, scenario *sc, char *err,
                    size_t errlen) {
  const char *path = write_scenario(id, json);
  if (!path)
    return -1;
  return scenario_load_file(path, sc, err, errlen);
}

static int wire_is(const scenario *sc, int i, const char *auth, const char *want,
                   size_t wantlen) {
  buf b;
  buf_init(&b, 1 << 20);
  int ok = scenario_request_wire(sc, i, auth, &b) == BUF_OK && b.len == wantlen &&
           memcmp(b.data, want, wantlen) == 0;
  if (!ok)
    fprintf(stderr, "  wire was: [%.*s]\n", (int)b.len, b.data ? b.data : "");
  buf_free(&b);
  return ok;
}

#define WIRE_IS(sc, i, auth, lit) CHECK(wire_is(sc, i, auth, lit, sizeof lit - 1))

TEST(catalogue_loads_sorted_and_complete) {
  scenario *list = NULL;
  char err[512] = "";
  int n = scenario_load_dir("../scenarios", &list, err, sizeof err);
  if (n < 0)
    fprintf(stderr, "  %s\n", err);
  CHECK(n >= 12);
  static const char *const need[] = {
      "control-keepalive", "seed-upgrade-h2c", "rfc-upgrade-post", "rfc-upgrade-get",
      "websocket-upgrade-post", "seed-long-body", "seed-pipelined", "seed-chunked",
      "curl-h2c-upgrade", "curl-seed-headers", "h2-prior-knowledge",
      "websocket-raw-echo", "proxy-cross-client", "proxy-request-boundaries",
      "proxy-smuggle-cross-client"};
  int found = 0;
  for (size_t k = 0; k < sizeof need / sizeof need[0]; k++)
    for (int i = 0; i < n; i++)
      found += strcmp(list[i].id, need[k]) == 0;
  int sorted = 1;
  for (int i = 1; i < n; i++)
    sorted &= strcmp(list[i - 1].id, list[i].id) < 0;
  int explained = 1;
  for (int i = 0; i < n; i++)
    explained &= strstr(list[i].correct, "RFC") != NULL;
  scenario_free_all(list, n);
  CHECK_INT(found, sizeof need / sizeof need[0]);
  CHECK(sorted);
  CHECK(explained);
}

TEST(seed_scenario_fields) {
  scenario sc;
  char err[512];
  CHECK_INT(scenario_load_file("../scenarios/seed-upgrade-h2c.json", &sc, err, sizeof err), 0);
  int ok = sc.engine == ENGINE_RAW && sc.send == SEND_SEQUENTIAL && sc.measure_loss == 1 &&
           sc.nrequests == 2 && sc.requests[0].has_body && sc.requests[0].body.len == 13 &&
           sc.requests[1].expect_echo && sc.requests[0].expect_status == 200 &&
           scenario_request_is_upgrade(&sc.requests[0]) &&
           !scenario_request_is_upgrade(&sc.requests[1]) &&
           strcmp(sc.requests[0].connection, "a") == 0 && sc.naccept == 1 &&
           strcmp(sc.accept[0], "ok-h1") == 0;
  CHECK_STR(sc.requests[0].headers[1].name, "Connection");
  scenario_free(&sc);
  CHECK(ok);
}

TEST(seed_wire_exact) {
  scenario sc;
  char err[512];
  CHECK_INT(scenario_load_file("../scenarios/seed-upgrade-h2c.json", &sc, err, sizeof err), 0);
  int a = wire_is(&sc, 0, "gevent:8080",
                  "POST /echo HTTP/1.1\r\nHost: gevent:8080\r\nConnection: Upgrade\r\n"
                  "Upgrade: h2c\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  "Content-Length: 13\r\n\r\nHello, World!",
                  strlen("POST /echo HTTP/1.1\r\nHost: gevent:8080\r\nConnection: Upgrade\r\n"
                         "Upgrade: h2c\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                         "Content-Length: 13\r\n\r\nHello, World!"));
  /* NULL authority keeps the placeholder (results.json shows it so) */
  int b = wire_is(&sc, 1, NULL,
                  "POST /echo HTTP/1.1\r\nHost: {authority}\r\nContent-Type: "
                  "application/x-www-form-urlencoded\r\nContent-Length: 14\r\n\r\nsecond request",
                  strlen("POST /echo HTTP/1.1\r\nHost: {authority}\r\nContent-Type: "
                         "application/x-www-form-urlencoded\r\nContent-Length: 14\r\n\r\n"
                         "second request"));
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
}

TEST(chunked_wire_exact) {
  scenario sc;
  char err[512];
  CHECK_INT(scenario_load_file("../scenarios/seed-chunked.json", &sc, err, sizeof err), 0);
  buf body;
  buf_init(&body, 1024);
  scenario_request_body(&sc.requests[0], &body);
  int body_ok = body.len == 13 && memcmp(body.data, "Hello, World!", 13) == 0;
  buf_free(&body);
  int w = wire_is(&sc, 0, "h:1",
                  "POST /echo HTTP/1.1\r\nHost: h:1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
                  "Content-Type: application/x-www-form-urlencoded\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n7\r\nHello, \r\n6\r\nWorld!\r\n0\r\n\r\n",
                  strlen("POST /echo HTTP/1.1\r\nHost: h:1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n7\r\nHello, \r\n6\r\nWorld!\r\n0\r\n\r\n"));
  scenario_free(&sc);
  CHECK(body_ok);
  CHECK(w);
}

TEST(wire_listed_framing_and_escapes) {
  static const char json[] =
      "{\"id\":\"framing\",\"title\":\"t\",\"explanation\":\"e\",\"correct\":\"c\","
      "\"engine\":\"raw\",\"send\":\"pipelined\",\"requests\":["
      /* listed Content-Length wins (even a wrong one), escaped bytes decoded */
      "{\"method\":\"POST\",\"path\":\"/echo\",\"headers\":[[\"Host\",\"x{authority}y{authority}\"],"
      "[\"content-length\",\"99\"]],\"body\":\"a\\\\x00\\\\r\\\\n\\\\\\\\b\","
      "\"expect\":{\"status\":200}},"
      /* listed Transfer-Encoding: no auto header, still chunk-encoded; 0x1a = 26 bytes */
      "{\"connection\":\"b\",\"method\":\"PUT\",\"path\":\"/x?q=1\",\"headers\":"
      "[[\"Transfer-Encoding\",\"gzip, chunked\"]],\"chunks\":[\"abcdefghijklmnopqrstuvwxyz\"],"
      "\"expect\":{\"status\":404,\"body\":\"no\\\\n\"}},"
      /* empty body: Content-Length: 0 */
      "{\"method\":\"POST\",\"path\":\"/e\",\"body\":\"\",\"expect\":{\"status\":200}},"
      /* no body, no headers */
      "{\"method\":\"GET\",\"path\":\"*\",\"expect\":{\"status\":400}}]}";
  scenario sc;
  char err[512] = "";
  int rc = load_tmp("framing", json, &sc, err, sizeof err);
  if (rc)
    fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  static const char w0[] = "POST /echo HTTP/1.1\r\nHost: x[::1]:80y[::1]:80\r\n"
                           "content-length: 99\r\n\r\na\0\r\n\\b";
  int a = wire_is(&sc, 0, "[::1]:80", w0, sizeof w0 - 1);
  int b = wire_is(&sc, 1, "h",
                  "PUT /x?q=1 HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                  "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
                  strlen("PUT /x?q=1 HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                         "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"));
  int c = wire_is(&sc, 2, "h", "POST /e HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                  strlen("POST /e HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
  int d = wire_is(&sc, 3, "h", "GET * HTTP/1.1\r\n\r\n", strlen("GET * HTTP/1.1\r\n\r\n"));
  int fields = sc.send == SEND_PIPELINED && strcmp(sc.requests[1].connection, "b") == 0 &&
               sc.requests[1].has_expect_body && sc.requests[1].expect_body.len == 3 &&
               sc.naccept == 2 && sc.requests[2].has_body && sc.requests[2].body.len == 0;
  scenario_free(&sc);
  CHECK(a);
  CHECK(b);
  CHECK(c);
  CHECK(d);
  CHECK(fields);
}

TEST(curl_defaults_http_version) {
  static const char json[] =
      "{\"id\":\"c\",\"title\":\"t\",\"explanation\":\"e\",\"correct\":\"c\",\"engine\":\"curl\","
      "\"requests\":[{\"method\":\"GET\",\"path\":\"/\",\"expect\":{\"status\":200}}]}";
  scenario sc;
  char err[512] = "";
  CHECK_INT(load_tmp("c", json, &sc, err, sizeof err), 0);
  int ok = sc.engine == ENGINE_CURL && sc.curl_http_version &&
           strcmp(sc.curl_http_version, "1.1") == 0;
  scenario_free(&sc);
  CHECK(ok);
}

TEST(websocket_raw_echo_fields) {
  scenario sc;
  char err[512] = "";
  int rc = scenario_load_file("../scenarios/websocket-raw-echo.json", &sc, err, sizeof err);
  if (rc)
    fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  const sc_request *r = &sc.requests[0];
  int ok = sc.engine == ENGINE_RAW && sc.nrequests == 1 && r->has_after_101 &&
           r->after_101.len == 15 && memcmp(r->after_101.data, "ping-raw-bytes\n", 15) == 0 &&
           r->expect_status == 101 && r->has_expect_body && r->expect_body.len == 15 &&
           !r->has_body && sc.nna_status == 1 && sc.na_status[0] == 404 &&
           sc.naccept == 2 && strcmp(sc.accept[0], "ok-h1") == 0 &&
           strcmp(sc.accept[1], "n/a") == 0 &&  /* na_status makes n/a accepted */
           sc.regression_guard == 1;
  /* No body, so no Content-Length: the bytes after the 101 are not a body. */
  int w = wire_is(&sc, 0, "h:1",
                  "GET /ws-echo HTTP/1.1\r\nHost: h:1\r\nConnection: Upgrade\r\n"
                  "Upgrade: websocket\r\n\r\n",
                  strlen("GET /ws-echo HTTP/1.1\r\nHost: h:1\r\nConnection: Upgrade\r\n"
                         "Upgrade: websocket\r\n\r\n"));
  scenario_free(&sc);
  CHECK(ok);
  CHECK(w);
}

/* A scenario around one request object (R) plus extra root fields (X). */
#define ONE_REQ(X, R)                                                          \
  "{\"id\":\"v\",\"title\":\"t\",\"explanation\":\"e\",\"correct\":\"c\"," X  \
  "\"requests\":[" R "]}"
#define WS_HEADERS "\"headers\":[[\"Connection\",\"Upgrade\"],[\"Upgrade\",\"websocket\"]]"
#define WS_REQ(EXTRA)                                                          \
  "{\"method\":\"GET\",\"path\":\"/ws\"," WS_HEADERS ",\"after_101\":{\"send\":\"hi\"}," \
  "\"expect\":{\"status\":101,\"body\":\"hi\"}" EXTRA "}"

TEST(after_101_and_na_status_rules) {
  static const struct { const char *json, *field, *words; } cases[] = {
      {ONE_REQ("\"engine\":\"curl\",", WS_REQ("")), "requests[0].after_101: ",
       "only the raw engine"},
      {ONE_REQ("\"engine\":\"raw\",",
               "{\"method\":\"GET\",\"path\":\"/ws\",\"after_101\":{\"send\":\"hi\"},"
               "\"expect\":{\"status\":101,\"body\":\"hi\"}}"),
       "requests[0].after_101: ", "Upgrade header"},
      {ONE_REQ("\"engine\":\"raw\",",
               "{\"method\":\"GET\",\"path\":\"/ws\"," WS_HEADERS ",\"after_101\":{\"send\":"
               "\"hi\"},\"expect\":{\"status\":200,\"body\":\"hi\"}}"),
       "requests[0].after_101: ", "expect.status must be 101"},
      {ONE_REQ("\"engine\":\"raw\",",
               "{\"method\":\"GET\",\"path\":\"/ws\"," WS_HEADERS ",\"after_101\":{\"send\":"
               "\"hi\"},\"expect\":{\"status\":101}}"),
       "requests[0].after_101: ", "expect.body"},
      {ONE_REQ("\"engine\":\"raw\",", WS_REQ("") ",{\"method\":\"GET\",\"path\":\"/\","
               "\"expect\":{\"status\":200}}"),
       "requests[0].after_101: ", "last request on connection \"a\""},
      {ONE_REQ("\"engine\":\"raw\",",
               "{\"method\":\"GET\",\"path\":\"/ws\"," WS_HEADERS ",\"after_101\":{\"send\":"
               "\"\"},\"expect\":{\"status\":101,\"body\":\"\"}}"),
       "requests[0].after_101.send: ", "must not be empty"},
      {ONE_REQ("\"engine\":\"raw\",",
               "{\"method\":\"GET\",\"path\":\"/ws\"," WS_HEADERS ",\"after_101\":{\"sned\":"
               "\"hi\"},\"expect\":{\"status\":101,\"body\":\"hi\"}}"),
       "requests[0].after_101.sned: ", "unknown field"},
      {ONE_REQ("\"engine\":\"raw\",",
               "{\"method\":\"GET\",\"path\":\"/ws\"," WS_HEADERS ",\"after_101\":\"hi\","
               "\"expect\":{\"status\":101,\"body\":\"hi\"}}"),
       "requests[0].after_101: ", "expected an object"},
      {ONE_REQ("\"engine\":\"raw\",\"na_status\":[404,\"x\"],", WS_REQ("")),
       "na_status[1]: ", "integer status"},
      {ONE_REQ("\"engine\":\"raw\",\"na_status\":[],", WS_REQ("")), "na_status: ",
       "non-empty"},
      {ONE_REQ("\"engine\":\"raw\",\"na_status\":[101],", WS_REQ("")), "na_status[0]: ",
       "what request 1 expects"},
      {ONE_REQ("\"engine\":\"raw\",\"na_status\":[600],", WS_REQ("")), "na_status[0]: ",
       "100-599"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    scenario sc;
    char err[512] = "", want[64];
    const char *path = write_scenario("v", cases[i].json);
    CHECK(path != NULL);
    int rc = scenario_load_file(path, &sc, err, sizeof err);
    const char *colon = strstr(err, ".json: ");
    snprintf(want, sizeof want, "%s", cases[i].field);
    int ok = rc == -1 && colon && strncmp(colon + 7, want, strlen(want)) == 0 &&
             strstr(err, cases[i].words) != NULL;
    if (!ok)
      fprintf(stderr, "  case %zu: got \"%s\"\n", i, err);
    CHECK(ok);
  }
  /* The good form loads; an explicit n/a in accept is not added twice. */
  scenario sc;
  char err[512] = "";
  int rc = load_tmp("v", ONE_REQ("\"engine\":\"raw\",\"accept\":[\"n/a\",\"ok-h1\"],"
                                 "\"na_status\":[404,405],", WS_REQ("")),
                    &sc, err, sizeof err);
  if (rc)
    fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  int good = sc.naccept == 2 && sc.nna_status == 2 && sc.na_status[1] == 405 &&
             sc.requests[0].has_after_101;
  scenario_free(&sc);
  CHECK(good);
}

/* Two POSTs on "a" (the first an upgrade offer), a GET on "c": the shape of
 * the proxy scenarios, for the rules below. X: root fields; E: fields of the
 * second request; G: fields of the third. */
#define EMB_BODY "GET /admin?c={cell} HTTP/1.1\\r\\nHost: b\\r\\n\\r\\n"
#define PROXY3(X, E, G)                                                        \
  ONE_REQ("\"engine\":\"raw\"," X,                                             \
          "{\"method\":\"POST\",\"path\":\"/echo\",\"headers\":[[\"Upgrade\",\"h2c\"]]," \
          "\"body\":\"x\",\"expect\":{\"status\":200,\"body_is_request_body\":true}}," \
          "{\"method\":\"POST\",\"path\":\"/echo\",\"body\":\"" EMB_BODY "\"" E "," \
          "\"expect\":{\"status\":200,\"body_is_request_body\":true}},"       \
          "{\"connection\":\"c\",\"method\":\"GET\",\"path\":\"/admin\"" G ","  \
          "\"expect\":{\"status\":403}}")
#define EMB_OK ",\"embedded\":[{\"method\":\"GET\",\"path\":\"/admin?c={cell}\"}]"
#define CAL_OK "\"calibrate\":{\"request\":1,\"into\":0},"

TEST(proxy_fields_rules) {
  static const struct { const char *json, *field, *words; } cases[] = {
      {PROXY3("", ",\"embedded\":[{\"method\":\"GET\",\"path\":\"/adm\"}]", ""),
       "requests[1].embedded[0]: ", "does not contain the request line"},
      {PROXY3("", ",\"embedded\":[]", ""), "requests[1].embedded: ", "non-empty"},
      {PROXY3("", ",\"embedded\":[{\"method\":\"GET\"}]", ""),
       "requests[1].embedded[0].path: ", "missing"},
      {PROXY3("", ",\"embedded\":[{\"method\":\"GET\",\"path\":\"/admin?c={cell}\","
              "\"marker\":\"\"}]", ""), "requests[1].embedded[0].marker: ", "not be empty"},
      {PROXY3("", ",\"embedded\":[{\"method\":\"GET\",\"path\":\"/admin?c={cell}\","
              "\"why\":1}]", ""), "requests[1].embedded[0].why: ", "unknown field"},
      {PROXY3("", "", ",\"embedded\":[{\"method\":\"GET\",\"path\":\"/\"}]"),
       "requests[2].embedded: ", "only a request with a body"},
      {PROXY3("", "", ",\"requires\":\"tls\""), "requests[2].requires: ", "\"tls\""},
      {PROXY3("", "", ",\"requires\":true"), "requests[2].requires: ", "expected"},
      {ONE_REQ("\"engine\":\"raw\",", "{\"method\":\"GET\",\"path\":\"/\",\"requires\":"
               "\"proxy\",\"expect\":{\"status\":200}}"),
       "requests[0].requires: ", "first request always applies"},
      {PROXY3("\"calibrate\":{\"request\":0,\"into\":1},", "", ""), "calibrate.into: ",
       "before calibrate.request"},
      {PROXY3("\"calibrate\":{\"request\":3,\"into\":0},", "", ""), "calibrate.request: ",
       "index 0-2"},
      {PROXY3("\"calibrate\":{\"request\":1},", "", ""), "calibrate.into: ", "missing"},
      {PROXY3("\"calibrate\":{\"request\":2,\"into\":1,\"by\":1},", "", ""),
       "calibrate.by: ", "unknown field"},
      {PROXY3("\"calibrate\":{\"request\":2,\"into\":1},", "", ",\"requires\":\"proxy\""),
       "calibrate.request: ", "always be sent"},
      {PROXY3("\"calibrate\":{\"request\":2,\"into\":1},", ",\"headers\":[[\"Content-Length\","
              "\"5\"]]", ""), "calibrate.into: ", "Content-Length"},
      {PROXY3("\"calibrate\":{\"request\":2,\"into\":1},", ",\"chunks\":[\"a\"]", ""),
       "requests[1]: ", "exclusive"},
      {PROXY3("", "", ",\"delay_ms\":-1"), "requests[2].delay_ms: ", "0-10000"},
      {PROXY3("", "", ",\"delay_ms\":10001"), "requests[2].delay_ms: ", "0-10000"},
      {PROXY3("", "", ",\"delay_ms\":1.5"), "requests[2].delay_ms: ", "whole milliseconds"},
      {PROXY3("", "", ",\"delay_ms\":\"50\""), "requests[2].delay_ms: ", "whole"},
      {PROXY3("\"send\":\"pipelined\",", "", ",\"delay_ms\":50"), "requests[2].delay_ms: ",
       "sequentially"},
      {ONE_REQ("\"engine\":\"h2\",", "{\"method\":\"GET\",\"path\":\"/\",\"delay_ms\":5,"
               "\"expect\":{\"status\":200}}"), "requests[0].delay_ms: ", "raw engine"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    scenario sc;
    char err[512] = "", want[64];
    const char *path = write_scenario("v", cases[i].json);
    CHECK(path != NULL);
    int rc = scenario_load_file(path, &sc, err, sizeof err);
    const char *colon = strstr(err, ".json: ");
    snprintf(want, sizeof want, "%s", cases[i].field);
    int ok = rc == -1 && colon && strncmp(colon + 7, want, strlen(want)) == 0 &&
             strstr(err, cases[i].words) != NULL;
    if (!ok)
      fprintf(stderr, "  case %zu: got \"%s\"\n", i, err);
    if (rc == 0)
      scenario_free(&sc);
    CHECK(ok);
  }
  /* and the good shape loads */
  scenario sc;
  char err[512] = "";
  int rc = load_tmp("v", PROXY3(CAL_OK, EMB_OK, ",\"requires\":\"backend_log\","
                               "\"delay_ms\":50"), &sc, err, sizeof err);
  if (rc)
    fprintf(stderr, "  %s\n", err);
  CHECK_INT(rc, 0);
  int good = sc.has_calibrate && sc.cal_request == 1 && sc.cal_into == 0 &&
             sc.requests[1].nembedded == 1 && !sc.requests[1].embedded[0].has_marker &&
             sc.requests[2].requires == REQUIRES_BACKEND_LOG &&
             strcmp(scenario_requires_name(sc.requests[2].requires), "backend_log") == 0 &&
             scenario_requires_name(REQUIRES_NONE) == NULL && sc.requests[2].delay_ms == 50 &&
             sc.requests[1].delay_ms == 0;
  scenario_free(&sc);
  CHECK(good);
}

/* The one-off scenario json fails to load, naming field and saying words. */
static int load_fails(const char *json, const char *field, const char *words) {
  scenario sc;
  char err[512] = "";
  int rc = load_tmp("v", json, &sc, err, sizeof err);
  const char *colon = strstr(err, ".json: ");
  int ok = rc == -1 && colon && strncmp(colon + 7, field, strlen(field)) == 0 &&
           strstr(err, words) != NULL;
  if (!ok)
    fprintf(stderr, "  got \"%s\"\n", err);
  if (rc == 0)
    scenario_free(&sc);
  return ok;
}

/* "audience" and "unsupported": who may read a scenario's cells, and which
 * verdicts mean the target does not speak its protocol. */
TEST(audience_and_unsupported_rules) {
  static const struct { const char *json, *field, *words; } cases[] = {
      {PROXY3("\"audience\":\"secret\",", "", ""), "audience: ", "public or private"},
      {PROXY3("\"audience\":\"public\",", EMB_OK, ""), "audience: ", "embedded"},
      {PROXY3("\"audience\":true,", "", ""), "audience: ", "expected a string"},
      {PROXY3("\"unsupported\":[\"nope\"],", "", ""), "unsupported[0]: ",
       "not a verdict"},
      {PROXY3("\"unsupported\":[\"ok-h1\"],", "", ""), "unsupported[0]: ",
       "cannot mean"},
      {PROXY3("\"unsupported\":[\"smuggled\"],", "", ""), "unsupported[0]: ",
       "cannot mean"},
      {PROXY3("\"accept\":[\"ok-h1\",\"rejected\"],\"unsupported\":[\"rejected\"],",
              "", ""), "unsupported[0]: ", "also in accept"},
      {PROXY3("\"unsupported\":\"rejected\",", "", ""), "unsupported: ",
       "list of strings"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    CHECK(load_fails(cases[i].json, cases[i].field, cases[i].words));
  scenario sc;
  char err[512] = "";
  /* embedded alone makes a scenario private; default is public */
  CHECK_INT(load_tmp("v", PROXY3("", EMB_OK, ""), &sc, err, sizeof err), 0);
  int priv = sc.private_;
  scenario_free(&sc);
  CHECK(priv);
  CHECK_INT(load_tmp("v", PROXY3("\"unsupported\":[\"rejected\",\"closed\"],", "", ""),
                     &sc, err, sizeof err), 0);
  int good = !sc.private_ && sc.nunsupported == 2 &&
             strcmp(sc.unsupported[1], "closed") == 0;
  scenario inst;
  good &= scenario_inst_create(&sc, "c00000000000", &inst) == 0 &&
          inst.nunsupported == 2 && !inst.private_;
  scenario_free(&inst);
  scenario_free(&sc);
  CHECK(good);
}

/* The catalogue marks every proxy-* scenario private by data (its file's
 * "audience" or an embedded request), and only those: the reports decide by
 * the field, so a scenario named otherwise is as private as its data says. */
TEST(catalogue_private_scenarios) {
  scenario *list = NULL;
  char err[512] = "";
  int n = scenario_load_dir("../scenarios", &list, err, sizeof err);
  CHECK(n > 0);
  int proxies = 0, wrong = 0;
  for (int i = 0; i < n; i++) {
    int is_proxy = strncmp(list[i].id, "proxy-", 6) == 0;
    proxies += is_proxy;
    if (is_proxy != list[i].private_) {
      fprintf(stderr, "  %s: private_ %d\n", list[i].id, list[i].private_);
      wrong++;
    }
  }
  scenario_free_all(list, n);
  CHECK(proxies >= 5);
  CHECK_INT(wrong, 0);
}

/* Every catalogue request on another client connection than the first
 * request's upgrade offer waits a moment (delay_ms): the proxy must have
 * pooled the first client's upstream connection before the next client
 * arrives, or the two-client cell is a race (docs/formats.md, delay_ms). */
TEST(catalogue_later_clients_wait) {
  scenario *list = NULL;
  char err[512] = "";
  int n = scenario_load_dir("../scenarios", &list, err, sizeof err);
  CHECK(n > 0);
  int checked = 0, bad = 0;
  for (int i = 0; i < n; i++) {
    const scenario *sc = &list[i];
    for (int k = 1; k < sc->nrequests; k++) {
      const sc_request *r = &sc->requests[k];
      if (strcmp(r->connection, sc->requests[0].connection) == 0 || r->requires ||
          !scenario_request_is_upgrade(&sc->requests[0]))
        continue;
      checked++;
      if (r->delay_ms < 20) {
        fprintf(stderr, "  %s request %d: delay_ms %d\n", sc->id, k + 1, r->delay_ms);
        bad++;
      }
    }
  }
  scenario_free_all(list, n);
  CHECK(checked >= 4);          /* cross-client and the three smuggle variants */
  CHECK_INT(bad, 0);
}

TEST(catalogue_proxy_scenarios) {
  static const char *const ids[] = {"proxy-request-boundaries", "proxy-smuggle-cross-client"};
  for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
    char path[128], err[512];
    scenario sc;
    snprintf(path, sizeof path, "../scenarios/%s.json", ids[k]);
    CHECK_INT(scenario_load_file(path, &sc, err, sizeof err), 0);
    const sc_request *carrier = &sc.requests[1];
    int ok = sc.has_calibrate && sc.cal_request == 1 && sc.cal_into == 0 &&
             scenario_request_is_upgrade(&sc.requests[0]) && carrier->nembedded == 1 &&
             carrier->embedded[0].has_marker &&
             strcmp(carrier->embedded[0].marker.data, "H2C-LAB-ADMIN-MARKER\n") == 0 &&
             sc.requests[2].requires == REQUIRES_PROXY && sc.requests[2].expect_status == 403 &&
             strcmp(sc.requests[2].connection, "c") == 0 &&
             strcmp(carrier->connection, k == 0 ? "a" : "b") == 0;
    scenario_free(&sc);
    CHECK(ok);
  }
  char err[512];
  scenario sc;
  CHECK_INT(scenario_load_file("../scenarios/proxy-cross-client.json", &sc, err, sizeof err), 0);
  int ok = sc.nrequests == 2 && !sc.has_calibrate &&
           strcmp(sc.requests[0].connection, "a") == 0 &&
           strcmp(sc.requests[1].connection, "b") == 0 &&
           scenario_request_is_upgrade(&sc.requests[0]) &&
           strcmp(sc.requests[1].headers[1].value, "{cell}") == 0;
  scenario_free(&sc);
  CHECK(ok);
}

/* {cell} becomes the 12-byte tag everywhere a cell's bytes come from; the
 * catalogue scenario is left as it was. */
TEST(instance_replaces_cell_tags) {
  scenario sc, inst;
  char err[512];
  CHECK_INT(scenario_load_file("../scenarios/proxy-request-boundaries.json", &sc, err,
                               sizeof err), 0);
  const char *tag = "c0123456789z";
  CHECK_INT(strlen(tag), SC_TAG_LEN);
  CHECK_INT(scenario_inst_create(&sc, tag, &inst), 0);
  const sc_request *t = &sc.requests[1], *r = &inst.requests[1];
  /* body: two {cell} placeholders, each 6 bytes -> 12 */
  int body = r->body.len == t->body.len + 2 * (SC_TAG_LEN - 6) &&
             memmem(r->body.data, r->body.len, "GET /admin?cell=c0123456789z&from=body "
                    "HTTP/1.1\r\n", 49) != NULL &&
             memmem(r->body.data, r->body.len, "{cell}", 6) == NULL;
  int hdr = strcmp(r->headers[1].value, "c0123456789z") == 0 &&
            strcmp(t->headers[1].value, "{cell}") == 0;
  int path = strcmp(inst.requests[2].path, "/admin?cell=c0123456789z&from=client") == 0;
  int emb = strcmp(r->embedded[0].path, "/admin?cell=c0123456789z&from=body") == 0 &&
            r->embedded[0].marker.len == 21 && r->expect_echo;
  int same = inst.has_calibrate == sc.has_calibrate && inst.nrequests == sc.nrequests &&
             strcmp(inst.id, sc.id) == 0 && inst.requests[2].requires == REQUIRES_PROXY &&
             inst.naccept == sc.naccept;
  /* the instance's wire: Content-Length follows the tagged body */
  buf w;
  buf_init(&w, 1 << 20);
  scenario_request_wire(&inst, 1, "h:1", &w);
  char cl[64];
  snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", r->body.len);
  int wire = w.data && strstr(w.data, cl) && strstr(w.data, "X-Lab-Cell: c0123456789z\r\n");
  buf_free(&w);
  scenario_free(&inst);
  scenario_free(&sc);
  CHECK(body);
  CHECK(hdr);
  CHECK(path);
  CHECK(emb);
  CHECK(same);
  CHECK(wire);
}

/* Calibration math: the head length (request line through the blank line)
 * and a body resized to exactly n bytes, its pattern repeated or cut. */
TEST(head_length_and_resized_body) {
  scenario sc;
  char err[512];
  CHECK_INT(scenario_load_file("../scenarios/seed-upgrade-h2c.json", &sc, err, sizeof err), 0);
  const char *head = "POST /echo HTTP/1.1\r\nHost: h:1\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: 14\r\n\r\n";
  CHECK_INT(scenario_request_head_len(&sc, 1, "h:1"), strlen(head));
  CHECK_INT(scenario_request_head_len(&sc, 1, "longer-host:65535"),
            strlen(head) + strlen("longer-host:65535") - 3);
  CHECK_INT(scenario_request_head_len(&sc, 7, "h:1"), 0);
  CHECK_INT(scenario_inst_resize_body(&sc, 0, 30), 0);
  CHECK_INT(sc.requests[0].body.len, 30);
  CHECK(memcmp(sc.requests[0].body.data, "Hello, World!Hello, World!Hell", 30) == 0);
  CHECK_INT(scenario_inst_resize_body(&sc, 0, 5), 0);
  CHECK(sc.requests[0].body.len == 5 && memcmp(sc.requests[0].body.data, "Hello", 5) == 0);
  CHECK_INT(scenario_inst_resize_body(&sc, 0, 0), 0);
  CHECK_INT(sc.requests[0].body.len, 0);
  CHECK_INT(scenario_inst_resize_body(&sc, 0, 3), 0);        /* empty pattern: 'x' */
  CHECK(memcmp(sc.requests[0].body.data, "xxx", 3) == 0);
  buf w;
  buf_init(&w, 1 << 20);
  scenario_request_wire(&sc, 0, "h:1", &w);
  int cl = w.data && strstr(w.data, "Content-Length: 3\r\n\r\nxxx") != NULL;
  buf_free(&w);
  CHECK_INT(scenario_inst_resize_body(&sc, 9, 3), -1);
  scenario_free(&sc);
  CHECK(cl);
}

/* Each malformed fixture fails with "<path>: <field>: ..." */
TEST(malformed_fixtures_name_file_and_field) {
  static const struct { const char *file, *field, *words; } cases[] = {
      {"header-not-pair", "requests[1].headers[0]: ", "expected [name, value]"},
      {"unknown-engine", "engine: ", "telnet"},
      {"unknown-send", "send: ", "burst"},
      {"id-mismatch", "id: ", "file name"},
      {"missing-expect", "requests[0].expect: ", "missing"},
      {"body-and-chunks", "requests[0]: ", "exclusive"},
      {"bad-escape", "requests[0].body: ", "bad escape"},
      {"unknown-field", "reqests: ", "unknown field"},
      {"bad-accept", "accept[1]: ", "\"fine\""},
      {"status-not-int", "requests[1].expect.status: ", "integer"},
      {"header-crlf", "requests[0].headers[1]: ", "CR, LF"},
      {"empty-chunk", "requests[0].chunks[1]: ", "empty chunk"},
      {"no-requests", "requests: ", "non-empty"},
      {"curl-bad-version", "curl.http_version: ", "\"3\""},
      {"echo-and-body", "requests[0].expect: ", "not both"},
      {"not-json", "line 3, column", "invalid JSON"},
      {"duplicate-member", "requests[0].expect: ", "member \"status\" is given twice"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[256], err[512] = "", prefix[300];
    snprintf(path, sizeof path, "fixtures/scenarios-bad/%s.json", cases[i].file);
    snprintf(prefix, sizeof prefix, "%s: %s", path, cases[i].field);
    scenario sc;
    int rc = scenario_load_file(path, &sc, err, sizeof err);
    int ok = rc == -1 && strncmp(err, prefix, strlen(prefix)) == 0 &&
             strstr(err, cases[i].words) != NULL && sc.id == NULL;
    if (!ok)
      fprintf(stderr, "  %s: got \"%s\"\n", cases[i].file, err);
    CHECK(ok);
  }
}

TEST(dir_with_a_bad_file_fails_naming_it) {
  scenario *list = (scenario *)1;
  char err[512] = "";
  int n = scenario_load_dir("fixtures/scenarios-bad", &list, err, sizeof err);
  CHECK_INT(n, -1);
  CHECK(list == NULL);
  /* sorted: bad-accept.json is the first file */
  CHECK(strncmp(err, "fixtures/scenarios-bad/bad-accept.json: accept[1]", 49) == 0);
  CHECK(scenario_load_dir("fixtures/no-such-dir", &list, err, sizeof err) == -1);
  CHECK(strstr(err, "fixtures/no-such-dir") != NULL);
}

TEST(missing_file_names_the_path) {
  scenario sc;
  char err[512] = "";
  CHECK_INT(scenario_load_file("fixtures/nope.json", &sc, err, sizeof err), -1);
  CHECK(strncmp(err, "fixtures/nope.json: cannot open", 31) == 0);
}

TEST(names) {
  CHECK_STR(scenario_engine_name(ENGINE_RAW), "raw");
  CHECK_STR(scenario_engine_name(ENGINE_CURL), "curl");
  CHECK_STR(scenario_engine_name(ENGINE_H2), "h2");
  CHECK_STR(scenario_send_mode_name(SEND_PIPELINED), "pipelined");
  CHECK_STR(scenario_send_mode_name(SEND_SEQUENTIAL), "sequential");
}

TEST(cleanup) {
  remove_tmpdir();
  CHECK(access(tmpdir, F_OK) != 0);
}

CHECK_MAIN(CASE(catalogue_loads_sorted_and_complete), CASE(seed_scenario_fields),
           CASE(seed_wire_exact), CASE(chunked_wire_exact),
           CASE(wire_listed_framing_and_escapes), CASE(curl_defaults_http_version),
           CASE(websocket_raw_echo_fields), CASE(after_101_and_na_status_rules),
           CASE(proxy_fields_rules), CASE(audience_and_unsupported_rules),
           CASE(catalogue_private_scenarios), CASE(catalogue_later_clients_wait), CASE(catalogue_proxy_scenarios),
           CASE(instance_replaces_cell_tags), CASE(head_length_and_resized_body),
           CASE(malformed_fixtures_name_file_and_field),
           CASE(dir_with_a_bad_file_fails_naming_it), CASE(missing_file_names_the_path),
           CASE(names), CASE(cleanup))
