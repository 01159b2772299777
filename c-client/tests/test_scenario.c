/* test_scenario.c - scenario loading, strict validation and wire bytes.
 * Runs from tests/ (make check does cd tests): the catalogue is ../scenarios,
 * malformed files are fixtures/scenarios-bad/NAME.json, each beside NAME.err
 * (the message it must fail with), and one-off good files are in
 * fixtures/scenarios-good/. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "scenario.h"
#include "test_tmp.h"

/* Loads fixtures/scenarios-good/NAME.json; 0 on success. */
static int load_good(const char *name, scenario *sc) {
  char path[256], err[512] = "";
  snprintf(path, sizeof path, "fixtures/scenarios-good/%s.json", name);
  int rc = scenario_load_file(path, sc, err, sizeof err);
  if (rc)
    fprintf(stderr, "  %s\n", err);
  return rc;
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
      "proxy-smuggle-cross-client", "keepalive-declined-upgrade"};
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

/* framing.json: a listed Content-Length wins (even a wrong one), escaped
 * bytes are decoded, a listed Transfer-Encoding gets no second one and is
 * still chunk-encoded (0x1a = 26 bytes), an empty body is Content-Length: 0,
 * no body and no headers is the request line alone. */
TEST(wire_listed_framing_and_escapes) {
  scenario sc;
  CHECK_INT(load_good("framing", &sc), 0);
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
  scenario sc;
  CHECK_INT(load_good("curl-default-version", &sc), 0);
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

/* The rules' failures are fixtures (scenarios-bad/, each with its .err);
 * here the good form loads, and an explicit n/a in accept is not added
 * twice. */
TEST(after_101_and_na_status_good_form) {
  scenario sc;
  CHECK_INT(load_good("after-101-na-status", &sc), 0);
  int good = sc.naccept == 2 && sc.nna_status == 2 && sc.na_status[1] == 405 &&
             sc.requests[0].has_after_101;
  scenario_free(&sc);
  CHECK(good);
}

/* Two POSTs on "a" (the first an upgrade offer), a GET on "c": the shape of
 * the proxy scenarios with embedded, calibrate, requires and delay_ms (their
 * broken forms are fixtures in scenarios-bad/). */
TEST(proxy_fields_good_form) {
  scenario sc;
  CHECK_INT(load_good("proxy-fields", &sc), 0);
  int good = sc.has_calibrate && sc.cal_request == 1 && sc.cal_into == 0 &&
             sc.requests[1].nembedded == 1 && !sc.requests[1].embedded[0].has_marker &&
             sc.requests[2].requires == REQUIRES_BACKEND_LOG &&
             strcmp(scenario_requires_name(sc.requests[2].requires), "backend_log") == 0 &&
             scenario_requires_name(REQUIRES_NONE) == NULL && sc.requests[2].delay_ms == 50 &&
             sc.requests[1].delay_ms == 0;
  scenario_free(&sc);
  CHECK(good);
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

#define BAD_DIR "fixtures/scenarios-bad"

/* The expected message of a bad fixture: BAD_DIR/NAME.err, its first line
 * (the message after "PATH: ", or its fixed start). 0, or -1 when missing. */
static int expected_error(const char *name, char *out, size_t outlen) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.err", BAD_DIR, name);
  FILE *f = fopen(path, "r");
  int ok = f && fgets(out, (int)outlen, f) != NULL;
  if (f)
    fclose(f);
  out[ok ? strcspn(out, "\n") : 0] = '\0';
  return ok && out[0] ? 0 : -1;
}

/* Each BAD_DIR/NAME.json fails to load with "BAD_DIR/NAME.json: " and then
 * the text of NAME.err: adding a malformed fixture needs no C. */
TEST(malformed_fixtures_fail_as_their_err_says) {
  char **names = NULL;
  int n = 0, bad = 0;
  char err[512];
  CHECK_INT(scenario_list_dir(BAD_DIR, &names, &n, err, sizeof err), 0);
  for (int i = 0; i < n; i++) {
    char name[256], path[512], want[512], msg[512] = "", prefix[1100];
    snprintf(name, sizeof name, "%.*s", (int)strlen(names[i]) - 5, names[i]);
    snprintf(path, sizeof path, "%s/%s", BAD_DIR, names[i]);
    scenario sc;
    int rc = scenario_load_file(path, &sc, msg, sizeof msg);
    if (expected_error(name, want, sizeof want) != 0) {
      fprintf(stderr, "  %s: no %s/%s.err: add one with the expected message (got \"%s\")\n",
              names[i], BAD_DIR, name, msg);
      bad++;
    } else if (rc != -1 || sc.id != NULL ||
               strncmp(msg, prefix, (size_t)snprintf(prefix, sizeof prefix, "%s: %s",
                                                     path, want)) != 0) {
      fprintf(stderr, "  %s: expected \"%s\", got \"%s\"\n", names[i], prefix, msg);
      bad++;
    }
    if (rc == 0)
      scenario_free(&sc);
  }
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
  CHECK(n >= 50);
  CHECK_INT(bad, 0);
}

/* Every .err has its .json (a renamed fixture leaves no stale message). */
TEST(every_err_has_its_fixture) {
  DIR *d = opendir(BAD_DIR);
  CHECK(d != NULL);
  int errs = 0, orphans = 0;
  for (struct dirent *de; (de = readdir(d));) {
    size_t len = strlen(de->d_name);
    if (len < 5 || strcmp(de->d_name + len - 4, ".err") != 0)
      continue;
    char path[512];
    snprintf(path, sizeof path, "%s/%.*s.json", BAD_DIR, (int)len - 4, de->d_name);
    errs++;
    if (access(path, F_OK) != 0) {
      fprintf(stderr, "  %s has no fixture %s\n", de->d_name, path);
      orphans++;
    }
  }
  closedir(d);
  CHECK(errs > 0);
  CHECK_INT(orphans, 0);
}

TEST(dir_with_a_bad_file_fails_naming_it) {
  scenario *list = (scenario *)1;
  char err[512] = "", want[512], prefix[1100], **names = NULL;
  int n = 0;
  CHECK_INT(scenario_list_dir(BAD_DIR, &names, &n, err, sizeof err), 0);
  CHECK(n > 0);
  /* sorted: the first file is the one named, with its own message */
  char first[256];
  snprintf(first, sizeof first, "%.*s", (int)strlen(names[0]) - 5, names[0]);
  int have = expected_error(first, want, sizeof want) == 0;
  snprintf(prefix, sizeof prefix, "%s/%s: %s", BAD_DIR, names[0], want);
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
  CHECK(have);
  CHECK_INT(scenario_load_dir(BAD_DIR, &list, err, sizeof err), -1);
  CHECK(list == NULL);
  CHECK(strncmp(err, prefix, strlen(prefix)) == 0);
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

/* "control" must name a scenario of the directory that sends the same
 * requests without the upgrade headers: checked when the directory loads. */
static const char CTL_PLAIN[] =
    "{\"id\": \"plain\", \"title\": \"t\", \"explanation\": \"e\", \"correct\": \"c\","
    " \"engine\": \"raw\", \"requests\": [{\"method\": \"POST\", \"path\": \"/echo\","
    " \"headers\": [[\"Host\", \"{authority}\"]], \"body\": \"abc\","
    " \"expect\": {\"status\": 200}}]}";

static int load_pair(const char *up_headers, const char *control, char *err, size_t n) {
  char dir[128], up[1024];
  if (test_tmp_make(dir, sizeof dir, "control") != 0)
    return -2;
  snprintf(up, sizeof up, "{\"id\": \"up\", \"title\": \"t\", \"explanation\": \"e\","
           " \"correct\": \"c\", \"engine\": \"raw\", \"control\": \"%s\", \"requests\":"
           " [{\"method\": \"POST\", \"path\": \"/echo\", \"headers\": [%s],"
           " \"body\": \"abc\", \"expect\": {\"status\": 200}}]}", control, up_headers);
  scenario *list = NULL;
  int rc = test_tmp_write(dir, "plain.json", CTL_PLAIN) || test_tmp_write(dir, "up.json", up)
               ? -2 : scenario_load_dir(dir, &list, err, n);
  if (rc > 0)
    scenario_free_all(list, rc);
  test_tmp_remove(dir);
  return rc;
}

TEST(control_must_be_the_plain_form) {
  char err[512] = "";
  CHECK_INT(load_pair("[\"Host\", \"{authority}\"], [\"Connection\", \"Upgrade\"],"
                      " [\"Upgrade\", \"h2c\"], [\"HTTP2-Settings\", \"AA\"]", "plain",
                      err, sizeof err), 2);
  CHECK_INT(load_pair("[\"Host\", \"{authority}\"], [\"Upgrade\", \"h2c\"],"
                      " [\"X-Other\", \"1\"]", "plain", err, sizeof err), -1);
  CHECK(strstr(err, "up.json: control: \"plain\" sends other requests than it once the "
               "upgrade headers") != NULL);
  CHECK_INT(load_pair("[\"Host\", \"{authority}\"]", "nope", err, sizeof err), -1);
  CHECK(strstr(err, "control: \"nope\" is no scenario in /tmp/h2c-test-control-") != NULL);
  CHECK_INT(load_pair("[\"Host\", \"{authority}\"]", "up", err, sizeof err), -1);
  CHECK(strstr(err, "up.json: control: \"up\" must be another scenario's id") != NULL);
}

CHECK_MAIN(CASE(catalogue_loads_sorted_and_complete), CASE(seed_scenario_fields),
           CASE(seed_wire_exact), CASE(chunked_wire_exact),
           CASE(wire_listed_framing_and_escapes), CASE(curl_defaults_http_version),
           CASE(websocket_raw_echo_fields), CASE(after_101_and_na_status_good_form),
           CASE(proxy_fields_good_form), CASE(catalogue_later_clients_wait), CASE(catalogue_proxy_scenarios),
           CASE(instance_replaces_cell_tags), CASE(head_length_and_resized_body),
           CASE(malformed_fixtures_fail_as_their_err_says), CASE(every_err_has_its_fixture),
           CASE(dir_with_a_bad_file_fails_naming_it), CASE(missing_file_names_the_path),
           CASE(names), CASE(control_must_be_the_plain_form))
