/* test_load.c - `h2c-probe load` (load*.c): the token and the classification
 * of an answer from its bytes, the in-place HTTP/1.1 scanner, the latency
 * histogram, and whole runs against scripted servers: a crossed answer (a
 * token of another connection), an error status, a hang (no answer within
 * the deadline), and the run's duration bound against a server that stops
 * answering. The runs use a fixed run id so the scripts can write tokens. */
#include "check.h"
#include "script_server.h"

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "json_file.h"
#include "load.h"
#include "load_h1.h"
#include "load_json.h"
#include "results_check.h"
#include "test_tmp.h"

#define RUN 0x0000beefu
#define OWN "h2cload-0000beef-00000-0000000000"
#define OTHER "h2cload-0000beef-00007-0000000000"
#define ANSWER(status, body) \
  "HTTP/1.1 " status "\r\nContent-Length: " #body "\r\n\r\n"

static const load_expect no_expect = {0};

static load_class judge(int status, const char *body, int echo, int *from) {
  load_answer a = {status, body, strlen(body)};
  return load_classify(&a, &no_expect, echo, RUN, 0, 0, from);
}

TEST(token_round_trip) {
  char tok[LOAD_TOKEN_LEN + 1] = {0};
  load_token_write(tok, RUN, 7, 0);
  CHECK_STR(tok, OTHER);
  uint32_t c;
  uint64_t s;
  CHECK(load_token_parse(tok, LOAD_TOKEN_LEN, RUN, &c, &s) && c == 7 && s == 0);
  CHECK(!load_token_parse(tok, LOAD_TOKEN_LEN, RUN + 1, &c, &s));   /* another run's */
  CHECK(!load_token_parse(tok, LOAD_TOKEN_LEN - 1, RUN, &c, &s));
}

TEST(classify_from_the_bytes) {
  int from;
  CHECK_INT(judge(200, OWN, 1, &from), LOAD_OK);
  CHECK_INT(judge(200, OTHER, 1, &from), LOAD_CROSSED);
  CHECK_INT(from, 0);
  CHECK_INT(judge(400, OTHER, 1, &from), LOAD_CROSSED);     /* whatever the status */
  CHECK_INT(judge(200, "h2cload-0000beef-00000-0000000001", 1, &from), LOAD_ERROR); /* own queue */
  CHECK_INT(judge(503, OWN, 1, &from), LOAD_ERROR);
  CHECK_INT(judge(200, "something", 1, &from), LOAD_ERROR);   /* nobody's */
  CHECK_INT(judge(200, "something", 0, &from), LOAD_OK);      /* a GET: by status */
  CHECK_INT(judge(0, "", 1, &from), LOAD_ERROR);
}

TEST(classify_the_attackers_answer) {
  load_expect e = {0};
  e.attacker_body = "Hello, World!";
  e.attacker_body_len = 13;
  e.markers[0] = "H2C-LAB-ADMIN-MARKER\n";
  e.marker_len[0] = strlen(e.markers[0]);
  e.nmarkers = 1;
  int from;
  load_answer echo = {200, "Hello, World!", 13};
  CHECK_INT(load_classify(&echo, &e, 1, RUN, 0, 0, &from), LOAD_CROSSED);
  CHECK_INT(from, 1);
  load_answer admin = {200, "x H2C-LAB-ADMIN-MARKER\n", 23};
  CHECK_INT(load_classify(&admin, &e, 1, RUN, 0, 0, &from), LOAD_CROSSED);
  CHECK_INT(from, 1);
  load_answer own = {200, OWN, LOAD_TOKEN_LEN};
  CHECK_INT(load_classify(&own, &e, 1, RUN, 0, 0, &from), LOAD_OK);
}

TEST(h1_scan_framings) {
  char a[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1";
  load_h1_msg m;
  CHECK_INT(load_h1_scan(a, sizeof a - 1, 0, 0, &m), LOAD_H1_DONE);
  CHECK(m.status == 200 && m.body_len == 3 && memcmp(m.body, "abc", 3) == 0 && m.used == 41);
  CHECK_INT(load_h1_scan(a, 30, 0, 0, &m), LOAD_H1_MORE);
  char c[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
             "2\r\nab\r\n1;x=y\r\nc\r\n0\r\n\r\n";
  CHECK_INT(load_h1_scan(c, sizeof c - 1, 0, 0, &m), LOAD_H1_DONE);
  CHECK(m.body_len == 3 && memcmp(m.body, "abc", 3) == 0 && m.close && m.used == sizeof c - 1);
  char e[] = "HTTP/1.0 200 OK\r\n\r\nrest";
  CHECK_INT(load_h1_scan(e, sizeof e - 1, 0, 0, &m), LOAD_H1_MORE);
  CHECK_INT(load_h1_scan(e, sizeof e - 1, 0, 1, &m), LOAD_H1_DONE);
  CHECK(m.close && m.body_len == 4);
  char bad[] = "SSH-2.0-OpenSSH\r\n\r\n";
  CHECK_INT(load_h1_scan(bad, sizeof bad - 1, 0, 0, &m), LOAD_H1_BAD);
  char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab";
  CHECK_INT(load_h1_scan(two, sizeof two - 1, 0, 0, &m), LOAD_H1_BAD);
}

TEST(histogram_quantiles) {
  static load_hist h;
  memset(&h, 0, sizeof h);
  for (uint64_t v = 1; v <= 1000; v++)
    load_hist_add(&h, v);
  uint64_t p50 = load_hist_quantile(&h, 0.5), p99 = load_hist_quantile(&h, 0.99);
  CHECK(p50 >= 500 && p50 <= 500 * 17 / 16);
  CHECK(p99 >= 990 && p99 <= 1000);
  CHECK_INT(load_hist_quantile(&h, 1.0), 1000);
  CHECK_INT(h.max_us, 1000);
}

/* One victim against the script, at most `requests` requests. */
static void run_one(const script_server *s, int requests, int duration_ms, int deadline_ms,
                    load_report *r, int64_t *took_ms) {
  char port[16], auth[32], err[256];
  snprintf(port, sizeof port, "%d", s->port);
  snprintf(auth, sizeof auth, "127.0.0.1:%d", s->port);
  load_opts o = {0};
  o.host = "127.0.0.1";
  o.port = port;
  o.authority = auth;
  o.victims = 1;
  o.threads = 1;
  o.depth = 1;
  o.duration_ms = duration_ms;
  o.deadline_ms = deadline_ms;
  o.requests = requests;
  o.run_id = RUN;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  if (load_run(&o, r, err, sizeof err) != 0)
    fprintf(stderr, "  load_run: %s\n", err);
  clock_gettime(CLOCK_MONOTONIC, &b);
  *took_ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

static const ss_step CROSSED[] = {
    ACCEPT, READ_UNTIL("\r\n\r\n"), READ_N(LOAD_TOKEN_LEN),
    WRITE(ANSWER("200 OK", 33) OTHER), WAIT_EOF, END};

TEST(run_classifies_a_crossed_answer) {
  script_server s;
  CHECK(script_server_start(&s, CROSSED) == 0);
  load_report r;
  int64_t took;
  run_one(&s, 1, 3000, 1000, &r, &took);
  script_server_stop(&s);
  const char *why = script_server_error(&s);
  if (why)
    fprintf(stderr, "  script: %s\n", why);
  CHECK_INT(r.sent, 1);
  CHECK_INT(r.by_class[LOAD_CROSSED], 1);
  CHECK_INT(r.crossed_victim, 1);
  CHECK_INT(r.by_class[LOAD_OK], 0);
  CHECK(memmem(s.got, s.got_len, OWN, LOAD_TOKEN_LEN) != NULL);   /* it sent its own */
  CHECK(!why);
  load_report_free(&r);
}

static const ss_step ERROR_STATUS[] = {
    ACCEPT, READ_UNTIL("\r\n\r\n"), READ_N(LOAD_TOKEN_LEN),
    WRITE(ANSWER("503 Service Unavailable", 4) "busy"), WAIT_EOF, END};

TEST(run_classifies_an_error_status) {
  script_server s;
  CHECK(script_server_start(&s, ERROR_STATUS) == 0);
  load_report r;
  int64_t took;
  run_one(&s, 1, 3000, 1000, &r, &took);
  script_server_stop(&s);
  CHECK_INT(r.by_class[LOAD_ERROR], 1);
  CHECK_INT(r.status_count[5], 1);
  CHECK_INT(r.latency.n, 1);
  load_report_free(&r);
}

static const ss_step HANG[] = {
    ACCEPT, READ_UNTIL("\r\n\r\n"), READ_N(LOAD_TOKEN_LEN), WAIT_EOF, END};

TEST(run_classifies_a_hang_at_the_deadline) {
  script_server s;
  CHECK(script_server_start(&s, HANG) == 0);
  load_report r;
  int64_t took;
  run_one(&s, 1, 5000, 300, &r, &took);
  script_server_stop(&s);
  CHECK_INT(r.by_class[LOAD_NO_ANSWER], 1);
  CHECK_INT(r.latency.n, 0);
  CHECK(took >= 290 && took < 1500);     /* the deadline, not the duration */
  load_report_free(&r);
}

/* A victim and an attacker on one scripted server: the victim connects at
 * once and its first answer comes late (200 ms), after the attack (100 ms);
 * its second request, sent after the attack, gets the attacker's body back.
 * The attack is counted with its status, the second request as crossed
 * from the attacker and charged to that attack, the first as before it. */
#define TRIGGER "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n" \
                "Content-Length: 13\r\n\r\nHello, World!"
static const ss_step VICTIM_AND_ATTACKER[] = {
    ACCEPT, READ_UNTIL("\r\n\r\n"), READ_N(LOAD_TOKEN_LEN), SLEEP(200),
    WRITE(ANSWER("200 OK", 33) OWN), READ_UNTIL("\r\n\r\n"), READ_N(LOAD_TOKEN_LEN),
    WRITE(ANSWER("200 OK", 13) "Hello, World!"), WAIT_EOF,
    ACCEPT, READ_UNTIL("Hello, World!"), WRITE(ANSWER("200 OK", 13) "Hello, World!"), WAIT_EOF,
    END};

TEST(run_charges_a_crossed_answer_to_the_attack_before_it) {
  script_server s;
  CHECK(script_server_start(&s, VICTIM_AND_ATTACKER) == 0);
  char port[16], auth[32], err[256];
  snprintf(port, sizeof port, "%d", s.port);
  snprintf(auth, sizeof auth, "127.0.0.1:%d", s.port);
  load_opts o = {0};
  o.host = "127.0.0.1";
  o.port = port;
  o.authority = auth;
  o.victims = o.attackers = o.threads = o.depth = 1;
  o.duration_ms = 700;
  o.deadline_ms = 1000;
  o.requests = 2;
  o.run_id = RUN;
  o.attack_rate = 1;
  o.attack_delay_ms = 100;
  o.trigger = TRIGGER;
  o.trigger_len = sizeof TRIGGER - 1;
  o.expect.attacker_body = "Hello, World!";
  o.expect.attacker_body_len = 13;
  load_report r;
  int rc = load_run(&o, &r, err, sizeof err);
  script_server_stop(&s);
  const char *why = script_server_error(&s);
  if (why)
    fprintf(stderr, "  script: %s\n", why);
  CHECK_INT(rc, 0);
  CHECK_INT(r.nattacks, 1);
  CHECK_INT(r.attacks[0].status, 200);
  CHECK_INT(r.before_attack[LOAD_OK], 1);
  CHECK_INT(r.attacks[0].failed[LOAD_CROSSED], 1);
  CHECK_INT(r.crossed_attacker, 1);
  CHECK(!why);
  load_report_free(&r);
}

/* One answer, then the server reads the next request and closes without a
 * byte: the keep-alive race, closed, not no_answer. */
static const ss_step CLOSES[] = {
    ACCEPT, ECHO_REQUEST, READ_UNTIL("\r\n\r\n"), READ_N(LOAD_TOKEN_LEN), CLOSE, END};

TEST(run_tells_a_close_before_any_byte) {
  script_server s;
  CHECK(script_server_start(&s, CLOSES) == 0);
  load_report r;
  int64_t took;
  run_one(&s, 2, 3000, 1000, &r, &took);
  script_server_stop(&s);
  CHECK_INT(r.by_class[LOAD_OK], 1);
  CHECK_INT(r.by_class[LOAD_CLOSED], 1);
  CHECK_INT(r.by_class[LOAD_NO_ANSWER], 0);
  load_report_free(&r);
}

/* One answer, then the server reads the next request and never answers nor
 * closes: the run must end at its duration, with that request unfinished. */
static const ss_step STOPS[] = {
    ACCEPT, ECHO_REQUEST, READ_UNTIL("\r\n\r\n"), READ_N(LOAD_TOKEN_LEN), WAIT_EOF, END};

TEST(run_honours_its_duration_when_the_server_stops) {
  script_server s;
  CHECK(script_server_start(&s, STOPS) == 0);
  load_report r;
  int64_t took;
  run_one(&s, 0, 600, 10000, &r, &took);
  script_server_stop(&s);
  const char *why = script_server_error(&s);
  if (why)
    fprintf(stderr, "  script: %s\n", why);
  if (took < 590 || took > 900)
    fprintf(stderr, "  the run took %lld ms for a 600 ms bound\n", (long long)took);
  CHECK(took >= 590 && took <= 900);
  CHECK_INT(r.by_class[LOAD_OK], 1);
  CHECK_INT(r.sent, 2);
  CHECK_INT(r.unfinished, 1);
  CHECK(!why);
  load_report_free(&r);
}

/* A run with made-up counts: 2 attacks, 3 victim requests failed after the first. */
static cJSON *sample_section(void) {
  static load_attack attacks[2];
  load_report r = {0};
  r.duration_us = 1000000;
  r.sent = 103;
  r.by_class[LOAD_OK] = 100;
  r.by_class[LOAD_ERROR] = 3;
  load_hist_add(&r.latency, 1500);
  attacks[0].status = 200;
  attacks[0].failed[LOAD_ERROR] = 3;
  attacks[1].t_us = 500000;
  r.attacks = attacks;
  r.nattacks = 2;
  load_opts o = {0};
  o.victims = 5;
  o.duration_ms = 1000;
  load_json_opts jo = {&o, "t.json", "proxy-cross-client", 0};
  cJSON *sec = load_json_section(&jo);
  cJSON *run = load_json_run(&r, "via-x-gevent", "http://proxy-x:8081",
                             "{\"proxy\":\"x-reuse\",\"backend\":\"gevent-bookworm\"}");
  cJSON_AddBoolToObject(run, "backend_subject", 1);
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(sec, "runs"), run);
  return sec;
}

static int file_has(const char *dir, const char *name, const char *needle) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  buf b;
  buf_init(&b, 64u << 20);
  FILE *fp = fopen(path, "r");
  char chunk[4096];
  size_t n;
  while (fp && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
    if (buf_add(&b, chunk, n) != BUF_OK)
      break;
  if (fp)
    fclose(fp);
  int hit = b.data && strstr(b.data, needle) != NULL;
  buf_free(&b);
  return hit;
}

TEST(load_section_into_results_private_only) {
  char dir[128], path[256], err[600];
  CHECK(test_tmp_make(dir, sizeof dir, "load") == 0);
  cJSON *doc = json_file_load("fixtures/results-sample.json", JSON_FILE_MAX, err, sizeof err);
  CHECK(doc != NULL);
  char *text = cJSON_Print(doc);
  cJSON_Delete(doc);
  CHECK(test_tmp_write(dir, "results.json", text) == 0);
  cJSON_free(text);
  snprintf(path, sizeof path, "%s/results.json", dir);
  int rc = load_json_into_results(path, sample_section(), err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "  %s\n", err);
  int ok = rc == 0 && file_has(dir, "security.md", "## Blast radius") &&
           file_has(dir, "security.md", "| x-reuse | gevent-bookworm | subject |") &&
           file_has(dir, "security.md", "**3**") &&
           file_has(dir, "security.html", "Blast radius") &&
           !file_has(dir, "report.md", "Blast radius") &&
           !file_has(dir, "report.html", "Blast radius") &&
           file_has(dir, "results.json", "\"h2c-lab-load/1\"");
  test_tmp_remove(dir);
  CHECK(ok);
}

TEST(results_check_is_strict_about_load) {
  char err[600];
  cJSON *doc = json_file_load("fixtures/results-sample.json", JSON_FILE_MAX, err, sizeof err);
  CHECK(doc != NULL);
  cJSON *sec = sample_section();
  cJSON_AddItemToObject(doc, "load", sec);
  int good = results_check_doc(doc, "r.json", err, sizeof err);
  cJSON_ReplaceItemInObjectCaseSensitive(sec, "format", cJSON_CreateString("h2c-lab-load/9"));
  int bad_format = results_check_doc(doc, "r.json", err, sizeof err);
  int names_it = strstr(err, "load.format") != NULL;
  cJSON_ReplaceItemInObjectCaseSensitive(sec, "format", cJSON_CreateString(LOAD_JSON_FORMAT));
  cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sec, "runs"), 0);
  cJSON_ReplaceItemInObjectCaseSensitive(run, "classes", cJSON_CreateString("many"));
  int bad_type = results_check_doc(doc, "r.json", err, sizeof err);
  int names_member = strstr(err, "load.runs[0].classes") != NULL;
  cJSON_Delete(doc);
  CHECK_INT(good, 0);
  CHECK_INT(bad_format, -1);
  CHECK(names_it);
  CHECK_INT(bad_type, -1);
  CHECK(names_member);
}

CHECK_MAIN(CASE(load_section_into_results_private_only), CASE(results_check_is_strict_about_load),
           CASE(token_round_trip), CASE(classify_from_the_bytes),
           CASE(classify_the_attackers_answer), CASE(h1_scan_framings),
           CASE(histogram_quantiles), CASE(run_classifies_a_crossed_answer),
           CASE(run_classifies_an_error_status), CASE(run_classifies_a_hang_at_the_deadline),
           CASE(run_tells_a_close_before_any_byte),
           CASE(run_charges_a_crossed_answer_to_the_attack_before_it),
           CASE(run_honours_its_duration_when_the_server_stops))
