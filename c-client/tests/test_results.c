/* test_results.c - results.json has the shape docs/formats.md promises:
 * build a run by hand (hostile bytes included), write it, parse it back with
 * cJSON and check the keys, types and escaped bytes. Also target parsing,
 * since targets are part of the results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "cell.h"
#include "check.h"
#include "results.h"
#include "target.h"
#include "verdict.h"

static const cJSON *get(const cJSON *o, const char *k) {
  return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int is_str(const cJSON *o, const char *k, const char *want) {
  const cJSON *v = get(o, k);
  if (!cJSON_IsString(v)) {
    fprintf(stderr, "  %s: not a string\n", k);
    return 0;
  }
  if (want && strcmp(v->valuestring, want) != 0) {
    fprintf(stderr, "  %s: \"%s\", want \"%s\"\n", k, v->valuestring, want);
    return 0;
  }
  return 1;
}

static int is_num(const cJSON *o, const char *k, double want) {
  const cJSON *v = get(o, k);
  return cJSON_IsNumber(v) && v->valuedouble == want;
}

/* A run of two targets × one scenario; cells filled the way engines do. */
typedef struct fixture {
  run r;
  target t[2];
  scenario sc;
} fixture;

static int fixture_build(fixture *f) {
  memset(f, 0, sizeof *f);
  char err[512];
  if (scenario_load_file("../scenarios/seed-upgrade-h2c.json", &f->sc, err, sizeof err) != 0 ||
      target_parse_spec("gevent=http://127.0.0.1:8080", &f->t[0], err, sizeof err) != 0 ||
      target_parse_spec("down=http://127.0.0.1:9", &f->t[1], err, sizeof err) != 0) {
    fprintf(stderr, "  %s\n", err);
    return -1;
  }
  f->t[0].version = strdup("python3-gevent 22.10.2-3");
  f->t[0].info_json = strdup("{\"family\":\"gevent\",\"n\":1}");
  f->r.targets = f->t;
  f->r.ntargets = 2;
  f->r.scenarios = &f->sc;
  f->r.nscenarios = 1;
  f->r.ncells = 2;
  f->r.cells = calloc(2, sizeof(cell));
  snprintf(f->r.started, sizeof f->r.started, "2026-11-24T21:00:00Z");
  snprintf(f->r.finished, sizeof f->r.finished, "2026-11-24T21:00:02Z");
  f->r.duration_ms = 2100;
  f->r.timeout_ms = 2000;
  f->r.jobs = 8;

  cell *c = &f->r.cells[0];
  cell_init(c, &f->sc, &f->t[0]);
  c->ex[0].outcome = OUT_ANSWERED;
  c->ex[0].status = 200;
  snprintf(c->ex[0].reason_phrase, sizeof c->ex[0].reason_phrase, "OK");
  snprintf(c->ex[0].http_version, sizeof c->ex[0].http_version, "1.1");
  exchange_add_header(&c->ex[0], "Content-Length", "13");
  buf_adds(&c->ex[0].body, "Hello, World!");
  c->ex[1].outcome = OUT_ANSWERED;
  c->ex[1].status = 400;
  snprintf(c->ex[1].reason_phrase, sizeof c->ex[1].reason_phrase, "Bad \xff");
  exchange_add_header(&c->ex[1], "X-Bin", "a\x01z");
  buf_add(&c->ex[1].body, "\x00\r\n\\", 4);
  c->ex[1].conn_close = 1;
  c->lost_bytes = 13;
  snprintf(c->loss_evidence, sizeof c->loss_evidence, "replayed");
  transcript_bytes(&c->tx, "a", TX_OUT, "POST /echo", 10);
  transcript_bytes(&c->tx, "a", TX_IN, "HTTP/1.1 \xe2\x00", 11);
  transcript_note(&c->tx, "a", "read timeout after %d ms", 2000);
  verdict_decide(c);

  cell *d = &f->r.cells[1];
  cell_init(d, &f->sc, &f->t[1]);
  d->ex[0].outcome = OUT_CONNECT_FAILED;
  snprintf(d->ex[0].detail, sizeof d->ex[0].detail, "connect: refused");
  verdict_decide(d);
  return 0;
}

static void fixture_free(fixture *f) {
  for (int i = 0; i < f->r.ncells; i++)
    cell_free(&f->r.cells[i]);
  free(f->r.cells);
  scenario_free(&f->sc);
  target_free(&f->t[0]);
  target_free(&f->t[1]);
}

static cJSON *build_and_parse(fixture *f) {
  if (fixture_build(f) != 0)
    return NULL;
  char *text = results_to_json(&f->r);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  return root;
}

TEST(top_level_shape) {
  fixture f;
  cJSON *root = build_and_parse(&f);
  CHECK(root != NULL);
  const cJSON *tool = get(root, "tool"), *runj = get(root, "run");
  int ok = is_str(root, "format", "h2c-lab-results/1") && is_str(tool, "name", "h2c-probe") &&
           is_str(tool, "version", NULL) && is_str(tool, "libcurl", NULL) &&
           is_str(tool, "nghttp2", NULL) && is_str(tool, "cjson", NULL) &&
           is_str(runj, "started", "2026-11-24T21:00:00Z") && is_str(runj, "finished", NULL) &&
           is_num(runj, "duration_ms", 2100) && is_num(runj, "timeout_ms", 2000) &&
           is_num(runj, "jobs", 8) && get(runj, "host") != NULL &&
           cJSON_GetArraySize(get(root, "targets")) == 2 &&
           cJSON_GetArraySize(get(root, "scenarios")) == 1 &&
           cJSON_GetArraySize(get(root, "cells")) == 2;
  const cJSON *sum = get(root, "summary");
  int sums = is_num(sum, "cells", 2) && is_num(sum, "ok", 0) && is_num(sum, "not_ok", 2) &&
             is_num(sum, "na", 0) &&
             is_num(get(sum, "by_verdict"), "desync", 1) &&
             is_num(get(sum, "by_verdict"), "error", 1) &&
             cJSON_GetArraySize(get(sum, "by_verdict")) == 2;
  cJSON_Delete(root);
  fixture_free(&f);
  CHECK(ok);
  CHECK(sums);
}

TEST(targets_section) {
  fixture f;
  cJSON *root = build_and_parse(&f);
  CHECK(root != NULL);
  const cJSON *t0 = cJSON_GetArrayItem(get(root, "targets"), 0);
  const cJSON *t1 = cJSON_GetArrayItem(get(root, "targets"), 1);
  int ok = is_str(t0, "name", "gevent") && is_str(t0, "url", "http://127.0.0.1:8080") &&
           is_str(t0, "version", "python3-gevent 22.10.2-3") &&
           cJSON_IsNull(get(t0, "server_header")) &&
           is_str(get(t0, "info"), "family", "gevent") && is_num(get(t0, "info"), "n", 1) &&
           cJSON_IsNull(get(t1, "version")) && cJSON_IsObject(get(t1, "info"));
  cJSON_Delete(root);
  fixture_free(&f);
  CHECK(ok);
}

TEST(scenario_definition_with_wire) {
  fixture f;
  cJSON *root = build_and_parse(&f);
  CHECK(root != NULL);
  const cJSON *s = cJSON_GetArrayItem(get(root, "scenarios"), 0);
  const cJSON *r0 = cJSON_GetArrayItem(get(s, "requests"), 0);
  const cJSON *h1 = cJSON_GetArrayItem(get(r0, "headers"), 1);
  int ok = is_str(s, "id", "seed-upgrade-h2c") && is_str(s, "title", NULL) &&
           is_str(s, "explanation", NULL) && is_str(s, "correct", NULL) &&
           cJSON_IsArray(get(s, "rfc")) && is_str(s, "engine", "raw") &&
           is_str(s, "send", "sequential") &&
           cJSON_GetArraySize(get(s, "accept")) == 1 &&
           is_str(r0, "connection", "a") && is_str(r0, "method", "POST") &&
           is_str(r0, "path", "/echo") && is_str(r0, "body", "Hello, World!") &&
           cJSON_IsNull(get(r0, "chunks")) && is_num(get(r0, "expect"), "status", 200) &&
           cJSON_IsNull(get(r0, "after_101")) && cJSON_IsArray(get(s, "na_status")) &&
           cJSON_GetArraySize(get(s, "na_status")) == 0 &&
           cJSON_IsTrue(get(get(r0, "expect"), "body_is_request_body")) &&
           strcmp(cJSON_GetArrayItem(h1, 0)->valuestring, "Connection") == 0 &&
           is_str(r0, "wire", "POST /echo HTTP/1.1\\r\\nHost: {authority}\\r\\nConnection: "
                  "Upgrade\\r\\nUpgrade: h2c\\r\\nContent-Type: application/x-www-form-"
                  "urlencoded\\r\\nContent-Length: 13\\r\\n\\r\\nHello, World!");
  cJSON_Delete(root);
  fixture_free(&f);
  CHECK(ok);
}

TEST(cells_exchanges_and_escaped_bytes) {
  fixture f;
  cJSON *root = build_and_parse(&f);
  CHECK(root != NULL);
  const cJSON *c = cJSON_GetArrayItem(get(root, "cells"), 0);
  const cJSON *ex = get(c, "exchanges");
  const cJSON *e0 = cJSON_GetArrayItem(ex, 0), *e1 = cJSON_GetArrayItem(ex, 1);
  const cJSON *hdr = cJSON_GetArrayItem(get(e1, "headers"), 0);
  int ok = is_str(c, "target", "gevent") && is_str(c, "scenario", "seed-upgrade-h2c") &&
           is_str(c, "verdict", "desync") && cJSON_IsFalse(get(c, "ok")) &&
           is_str(c, "reason", NULL) && strstr(get(c, "reason")->valuestring, "request 2") &&
           is_num(c, "lost_bytes", 13) && cJSON_IsFalse(get(c, "upgraded")) &&
           is_num(get(c, "timings"), "start_ms", 0) && cJSON_GetArraySize(ex) == 2 &&
           is_num(e0, "request", 0) && is_str(e0, "connection", "a") &&
           is_str(e0, "outcome", "answered") && is_num(e0, "status", 200) &&
           is_str(e0, "reason_phrase", "OK") && is_str(e0, "http_version", "1.1") &&
           cJSON_IsNull(get(e0, "stream_id")) && is_str(e0, "body", "Hello, World!") &&
           is_num(e0, "body_len", 13) && cJSON_IsFalse(get(e0, "conn_close")) &&
           cJSON_IsFalse(get(e0, "new_connection")) && is_num(e0, "elapsed_ms", 0) &&
           is_str(e1, "reason_phrase", "Bad \\xff") && is_str(e1, "body", "\\x00\\r\\n\\\\") &&
           is_num(e1, "body_len", 4) && cJSON_IsTrue(get(e1, "conn_close")) &&
           strcmp(cJSON_GetArrayItem(hdr, 1)->valuestring, "a\\x01z") == 0;
  const cJSON *c1 = cJSON_GetArrayItem(get(root, "cells"), 1);
  const cJSON *ce = cJSON_GetArrayItem(get(c1, "exchanges"), 0);
  int down = is_str(c1, "verdict", "error") && cJSON_IsNull(get(c1, "lost_bytes")) &&
             cJSON_GetArraySize(get(c1, "exchanges")) == 1 &&   /* pending ones left out */
             is_str(ce, "outcome", "connect-failed") && cJSON_IsNull(get(ce, "status")) &&
             is_str(ce, "detail", "connect: refused");
  cJSON_Delete(root);
  fixture_free(&f);
  CHECK(ok);
  CHECK(down);
}

TEST(transcript_events) {
  fixture f;
  cJSON *root = build_and_parse(&f);
  CHECK(root != NULL);
  const cJSON *tx = get(cJSON_GetArrayItem(get(root, "cells"), 0), "transcript");
  const cJSON *ev = get(tx, "events");
  const cJSON *out = cJSON_GetArrayItem(ev, 0), *in = cJSON_GetArrayItem(ev, 1);
  const cJSON *note = cJSON_GetArrayItem(ev, 2);
  int ok = cJSON_IsFalse(get(tx, "truncated")) && cJSON_GetArraySize(ev) == 3 &&
           is_str(out, "conn", "a") && is_str(out, "dir", "out") && is_num(out, "offset", 0) &&
           is_num(out, "len", 10) && is_str(out, "data", "POST /echo") &&
           get(out, "t_ms") != NULL && is_str(in, "dir", "in") &&
           is_str(in, "data", "HTTP/1.1 \\xe2\\x00") && is_str(note, "dir", "note") &&
           is_str(note, "text", "read timeout after 2000 ms") && get(note, "data") == NULL;
  cJSON_Delete(root);
  fixture_free(&f);
  CHECK(ok);
}

/* Written atomically: the file appears whole, ends with a newline, and no
 * temporary file is left next to it. */
TEST(write_atomically) {
  fixture f;
  CHECK_INT(fixture_build(&f), 0);
  char dir[] = "/tmp/h2c-test-results-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[128], err[256] = "";
  snprintf(path, sizeof path, "%s/results.json", dir);
  int rc = results_write(&f.r, path, err, sizeof err);
  fixture_free(&f);
  CHECK_INT(rc, 0);
  FILE *fp = fopen(path, "rb");
  CHECK(fp != NULL);
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  text[n] = '\0';
  cJSON *root = cJSON_Parse(text);
  int ok = root && n > 0 && text[n - 1] == '\n';
  cJSON_Delete(root);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1 && rm -rf '%s'", dir, dir);
  int alone = system(cmd) == 0;
  CHECK(ok);
  CHECK(alone);
  /* an unwritable path is an error naming it */
  fixture g;
  CHECK_INT(fixture_build(&g), 0);
  rc = results_write(&g.r, "/nonexistent-dir/results.json", err, sizeof err);
  fixture_free(&g);
  CHECK_INT(rc, -1);
  CHECK(strstr(err, "/nonexistent-dir/results.json") != NULL);
}

/* A target's fix diff is text: newlines stay newlines, what is not text
 * becomes U+FFFD; no diff is null. */
TEST(target_patch_is_text) {
  fixture f;
  CHECK_INT(fixture_build(&f), 0);
  static const char diff[] = "--- a/x.py\n+++ b/x.py\r\n+\tcaf\xc3\xa9 \xe2\x82\xac"
                             "\x00\x1b\x7f \xff \xc0\xaf \xed\xa0\x80 \xf0\x9f\x98\x80 \xe2\x82";
  f.t[0].patch = malloc(sizeof diff);
  CHECK(f.t[0].patch != NULL);
  memcpy(f.t[0].patch, diff, sizeof diff);
  f.t[0].patch_len = sizeof diff - 1;
  f.t[0].patch_truncated = 1;
  char *text = results_to_json(&f.r);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  fixture_free(&f);
  CHECK(root != NULL);
  const cJSON *t0 = cJSON_GetArrayItem(get(root, "targets"), 0);
  const cJSON *t1 = cJSON_GetArrayItem(get(root, "targets"), 1);
#define R "\xef\xbf\xbd"
  int ok = is_str(t0, "patch", "--- a/x.py\n+++ b/x.py\r\n+\tcaf\xc3\xa9 \xe2\x82\xac"
                  R R R " " R " " R R " " R R R " \xf0\x9f\x98\x80 " R R) &&
           cJSON_IsTrue(get(t0, "patch_truncated")) &&
           cJSON_IsNull(get(t1, "patch")) && cJSON_IsFalse(get(t1, "patch_truncated"));
#undef R
  cJSON_Delete(root);
  CHECK(ok);
}

/* websocket-raw-echo: an n/a cell (ok null, counted apart) and an ok one;
 * the scenario's na_status and after_101 are written. */
TEST(na_cells_and_after_101) {
  scenario sc;
  target t;
  char err[512];
  CHECK_INT(scenario_load_file("../scenarios/websocket-raw-echo.json", &sc, err, sizeof err), 0);
  CHECK_INT(target_parse_spec("w=http://127.0.0.1:8080", &t, err, sizeof err), 0);
  cell cells[3];
  run r = {.targets = &t, .ntargets = 1, .scenarios = &sc, .nscenarios = 1,
           .cells = cells, .ncells = 3};
  for (int i = 0; i < 3; i++) {
    cell_init(&cells[i], &sc, &t);
    cells[i].ex[0].outcome = OUT_ANSWERED;
    snprintf(cells[i].ex[0].http_version, sizeof cells[i].ex[0].http_version, "1.1");
  }
  cells[0].ex[0].status = 404;
  cells[1].ex[0].status = 101;
  buf_adds(&cells[1].ex[0].body, "ping-raw-bytes\n");
  cells[2].ex[0].status = 101;
  for (int i = 0; i < 3; i++)
    verdict_decide(&cells[i]);
  char *text = results_to_json(&r);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  for (int i = 0; i < 3; i++)
    cell_free(&cells[i]);
  scenario_free(&sc);
  target_free(&t);
  CHECK(root != NULL);
  const cJSON *cs = get(root, "cells"), *s0 = cJSON_GetArrayItem(get(root, "scenarios"), 0);
  const cJSON *c0 = cJSON_GetArrayItem(cs, 0), *c1 = cJSON_GetArrayItem(cs, 1);
  const cJSON *c2 = cJSON_GetArrayItem(cs, 2), *sum = get(root, "summary");
  const cJSON *q0 = cJSON_GetArrayItem(get(s0, "requests"), 0);
  const cJSON *na = get(s0, "na_status"), *acc = get(s0, "accept");
  int cells_ok = is_str(c0, "verdict", "n/a") && cJSON_IsNull(get(c0, "ok")) &&
                 is_str(c1, "verdict", "ok-h1") && cJSON_IsTrue(get(c1, "ok")) &&
                 is_str(c2, "verdict", "desync") && cJSON_IsFalse(get(c2, "ok"));
  int sums = is_num(sum, "cells", 3) && is_num(sum, "ok", 1) && is_num(sum, "not_ok", 1) &&
             is_num(sum, "na", 1) && is_num(get(sum, "by_verdict"), "n/a", 1);
  int defs = cJSON_GetArraySize(na) == 1 && cJSON_GetArrayItem(na, 0)->valueint == 404 &&
             cJSON_GetArraySize(acc) == 2 &&
             strcmp(cJSON_GetArrayItem(acc, 1)->valuestring, "n/a") == 0 &&
             is_str(get(q0, "after_101"), "send", "ping-raw-bytes\\n") &&
             cJSON_IsNull(get(q0, "body")) &&
             is_str(q0, "wire", "GET /ws-echo HTTP/1.1\\r\\nHost: {authority}\\r\\n"
                    "Connection: Upgrade\\r\\nUpgrade: websocket\\r\\n\\r\\n");
  cJSON_Delete(root);
  CHECK(cells_ok);
  CHECK(sums);
  CHECK(defs);
}

TEST(target_specs) {
  target t;
  char err[256];
  CHECK_INT(target_parse_spec("a=http://example.test", &t, err, sizeof err), 0);
  int a = strcmp(t.host, "example.test") == 0 && strcmp(t.port, "80") == 0 &&
          strcmp(t.authority, "example.test:80") == 0 &&
          strcmp(t.url, "http://example.test:80") == 0;
  target_free(&t);
  CHECK(a);
  CHECK_INT(target_parse_spec("v6=http://[::1]:8080/", &t, err, sizeof err), 0);
  int b = strcmp(t.host, "::1") == 0 && strcmp(t.port, "8080") == 0 &&
          strcmp(t.authority, "[::1]:8080") == 0;
  target_free(&t);
  CHECK(b);
  static const char *const bad[] = {"noequals", "=http://h", "a=https://h", "a=http://h/x",
                                    "a=http://h:0", "a=http://h:99999", "a=http://u@h",
                                    "a b=http://h", "a=http://[zz]:1", "a=http://", "a=ftp://h"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = target_parse_spec(bad[i], &t, err, sizeof err);
    if (rc != -1)
      fprintf(stderr, "  accepted %s\n", bad[i]);
    CHECK_INT(rc, -1);
    CHECK(t.name == NULL && t.host == NULL);
  }
}

TEST(targets_file) {
  char dir[] = "/tmp/h2c-test-targets-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char good[128], badf[128];
  snprintf(good, sizeof good, "%s/good.json", dir);
  snprintf(badf, sizeof badf, "%s/bad.json", dir);
  FILE *fp = fopen(good, "w");
  CHECK(fp != NULL);
  fputs("{\"targets\":[{\"name\":\"g\",\"url\":\"http://g:8080\",\"version_path\":\"/version\","
        "\"patch_path\":\"/fix.diff\",\"info\":{\"family\":\"gevent\"}},"
        "{\"name\":\"n\",\"url\":\"http://n\"}]}", fp);
  fclose(fp);
  fp = fopen(badf, "w");
  CHECK(fp != NULL);
  fputs("{\"targets\":[{\"name\":\"g\",\"url\":\"http://g:8080\"},{\"name\":\"x\",\"url\":7}]}", fp);
  fclose(fp);
  target *list = NULL;
  int n = 0;
  char err[512] = "";
  int rc = target_load_file(good, &list, &n, err, sizeof err);
  int ok = rc == 0 && n == 2 && strcmp(list[0].version_path, "/version") == 0 &&
           strcmp(list[0].patch_path, "/fix.diff") == 0 && list[1].patch_path == NULL &&
           list[0].patch == NULL &&
           strcmp(list[0].info_json, "{\"family\":\"gevent\"}") == 0 &&
           list[1].version_path == NULL && list[1].info_json == NULL;
  int rc2 = target_load_file(badf, &list, &n, err, sizeof err);
  char want[200];
  snprintf(want, sizeof want, "%s: targets[1].url: expected a string", badf);
  int named = rc2 == -1 && strcmp(err, want) == 0 && n == 3;
  /* a patch_path that is not a path is named */
  fp = fopen(badf, "w");
  CHECK(fp != NULL);
  fputs("{\"targets\":[{\"name\":\"g\",\"url\":\"http://g\",\"patch_path\":\"fix.diff\"}]}", fp);
  fclose(fp);
  int rc3 = target_load_file(badf, &list, &n, err, sizeof err);
  snprintf(want, sizeof want, "%s: targets[0].patch_path: expected a path starting "
           "with / (visible ASCII)", badf);
  int path_named = rc3 == -1 && strcmp(err, want) == 0;
  if (!path_named)
    fprintf(stderr, "  err: %s\n", err);
  for (int i = 0; i < n; i++)
    target_free(&list[i]);
  free(list);
  unlink(good);
  unlink(badf);
  rmdir(dir);
  CHECK(path_named);
  CHECK(ok);
  if (!named)
    fprintf(stderr, "  err: %s (n=%d)\n", err, n);
  CHECK(named);
}

/* The proxy fields: tag, security, backend_log, calibration per cell,
 * summary.security, and the scenario's calibrate / embedded / requires. */
TEST(proxy_fields) {
  fixture f;
  cJSON *root = build_and_parse(&f);        /* ordinary cells: the defaults */
  CHECK(root != NULL);
  const cJSON *c0 = cJSON_GetArrayItem(get(root, "cells"), 0);
  const cJSON *s0 = cJSON_GetArrayItem(get(root, "scenarios"), 0);
  const cJSON *r00 = cJSON_GetArrayItem(get(s0, "requests"), 0);
  int defaults = is_str(c0, "tag", "") && cJSON_IsFalse(get(c0, "security")) &&
                 cJSON_IsNull(get(c0, "backend_log")) && cJSON_IsNull(get(c0, "calibration")) &&
                 is_num(get(root, "summary"), "security", 0) && cJSON_IsNull(get(s0, "calibrate")) &&
                 cJSON_IsNull(get(r00, "embedded")) && cJSON_IsNull(get(r00, "requires"));
  cJSON_Delete(root);
  fixture_free(&f);
  CHECK(defaults);

  /* a smuggled cell behind a proxy */
  run r;
  target t;
  scenario sc;
  char err[512];
  memset(&r, 0, sizeof r);
  CHECK_INT(scenario_load_file("../scenarios/proxy-request-boundaries.json", &sc, err, sizeof err), 0);
  CHECK_INT(target_parse_spec("via=http://proxy:8081", &t, err, sizeof err), 0);
  r.targets = &t;
  r.ntargets = 1;
  r.scenarios = &sc;
  r.nscenarios = 1;
  r.ncells = 1;
  r.cells = calloc(1, sizeof(cell));
  cell *c = &r.cells[0];
  cell_init(c, &sc, &t);
  snprintf(c->tag, sizeof c->tag, "c000000000ab");
  CHECK_INT(cell_instantiate(c), 0);
  c->cal = (calibration){1, 1, 0, 159, "backend-log"};
  const char *log = "{\"entries\":[{\"kind\":\"request\",\"method\":\"GET\",\"path\":"
                    "\"/admin?cell=c000000000ab&from=body\",\"peer\":\"10.0.0.2:41234\","
                    "\"head\":\"GET /admin\\\\r\\\\n\",\"status\":200,\"junk\":1}]}";
  c->backend_log = backend_log_parse(log, strlen(log), NULL, err, sizeof err);
  verdict_decide(c);
  char *text = results_to_json(&r);
  root = text ? cJSON_Parse(text) : NULL;
  free(text);
  CHECK(root != NULL);
  const cJSON *cj = cJSON_GetArrayItem(get(root, "cells"), 0);
  const cJSON *cal = get(cj, "calibration");
  const cJSON *bl = get(cj, "backend_log"), *e = cJSON_GetArrayItem(bl, 0);
  const cJSON *sj = cJSON_GetArrayItem(get(root, "scenarios"), 0);
  const cJSON *r1 = cJSON_GetArrayItem(get(sj, "requests"), 1);
  const cJSON *r2 = cJSON_GetArrayItem(get(sj, "requests"), 2);
  const cJSON *emb = cJSON_GetArrayItem(get(r1, "embedded"), 0);
  int ok = is_str(cj, "verdict", "smuggled") && cJSON_IsFalse(get(cj, "ok")) &&
           cJSON_IsTrue(get(cj, "security")) && is_str(cj, "tag", "c000000000ab") &&
           is_num(cal, "request", 1) && is_num(cal, "into", 0) && is_num(cal, "head_len", 159) &&
           is_str(cal, "source", "backend-log") && cJSON_GetArraySize(bl) == 1 &&
           is_str(e, "path", "/admin?cell=c000000000ab&from=body") &&
           is_str(e, "head", "GET /admin\\r\\n") && get(e, "junk") == NULL &&
           is_num(get(root, "summary"), "security", 1) &&
           is_num(get(get(root, "summary"), "by_verdict"), "smuggled", 1) &&
           is_num(get(sj, "calibrate"), "request", 1) && is_num(get(sj, "calibrate"), "into", 0) &&
           is_str(emb, "method", "GET") && is_str(emb, "path", "/admin?cell={cell}&from=body") &&
           is_str(emb, "marker", "H2C-LAB-ADMIN-MARKER\\n") && is_str(r2, "requires", "proxy") &&
           cJSON_IsNull(get(r1, "requires")) &&
           strstr(get(r1, "wire")->valuestring, "X-Lab-Cell: {cell}") != NULL;
  cJSON_Delete(root);
  cell_free(c);
  free(r.cells);
  scenario_free(&sc);
  target_free(&t);
  CHECK(ok);
}

/* --target fetches /version like a lab row; what counts as a version when
 * the target does not name its package. */
TEST(version_answers) {
  target t;
  char err[256];
  CHECK_INT(target_parse_spec("a=http://example.test", &t, err, sizeof err), 0);
  int asked = t.version_path && strcmp(t.version_path, "/version") == 0 && !t.names_package;
  target_free(&t);
  CHECK(asked);
  static const char *const yes[] = {"python3-gevent 22.10.2-3", "nginx/1.22.1",
                                    "python3-gevent 25.9.1-2+b1 + h2c-lab fix",
                                    "lighttpd/1.4.69", "tomcat10 10.1.6-1+deb12u1",
                                    "pkg 1:2.3~rc1"};
  static const char *const no[] = {"EMPTY", "static-ok", "h2c-lab ok", "<html>",
                                   "22.10.2", "gevent", "gevent 22", "gevent 22.",
                                   "gevent 1.2.3junk<", "", " nginx/1.2", "1pkg 1.2"};
  int bad = 0;
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    if (!target_looks_like_version(yes[i], strlen(yes[i])))
      bad++, fprintf(stderr, "  should look like a version: %s\n", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    if (target_looks_like_version(no[i], strlen(no[i])))
      bad++, fprintf(stderr, "  should not look like a version: %s\n", no[i]);
  CHECK_INT(bad, 0);
}

CHECK_MAIN(CASE(top_level_shape), CASE(targets_section), CASE(scenario_definition_with_wire),
           CASE(cells_exchanges_and_escaped_bytes), CASE(transcript_events),
           CASE(write_atomically), CASE(target_patch_is_text), CASE(na_cells_and_after_101),
           CASE(target_specs), CASE(targets_file), CASE(proxy_fields),
           CASE(version_answers))
