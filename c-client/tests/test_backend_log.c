/* test_backend_log.c - the backend log reader against well-formed and hostile
 * documents (only known fields, right types, escaped strings, caps), the
 * cell tags the log is queried by (fixed length, [a-z0-9], distinct), and
 * the backend reset (GET backend_reset_url) against a one-shot loopback
 * server: what it sends, what it makes of each kind of answer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "cell.h"
#include "check.h"

static cJSON *parse(const char *doc, int *dropped, char *err, size_t errlen) {
  return backend_log_parse(doc, strlen(doc), dropped, err, errlen);
}

TEST(lab_backend_document) {
  const char *doc =
      "{\"format\": \"h2c-lab-backend-log/1\", \"last_seq\": 9, \"entries\": ["
      "{\"kind\": \"request\", \"seq\": 7, \"peer\": \"172.30.0.8:59590\", \"method\": \"POST\","
      " \"path\": \"/echo\", \"cell\": \"cabc\", \"head_len\": 125, \"status\": 200,"
      " \"overread_len\": 13, \"overread\": \"POST /echo HT\", \"t_mono\": 12.5,"
      " \"head\": \"POST /echo HTTP/1.1\\\\r\\\\n\", \"content_length\": null}]}";
  char err[200];
  int dropped = -1;
  cJSON *a = parse(doc, &dropped, err, sizeof err);
  CHECK(a != NULL);
  CHECK_INT(cJSON_GetArraySize(a), 1);
  CHECK_INT(dropped, 0);
  const cJSON *e = a->child;
  long v = 0;
  CHECK_STR(backend_log_entry_str(e, "path"), "/echo");
  CHECK_STR(backend_log_entry_str(e, "head"), "POST /echo HTTP/1.1\\r\\n");
  CHECK(backend_log_entry_int(e, "head_len", &v) && v == 125);
  CHECK(backend_log_entry_int(e, "overread_len", &v) && v == 13);
  CHECK(!backend_log_entry_int(e, "content_length", &v));           /* null */
  CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e, "content_length")));
  CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "t_mono")));
  CHECK(backend_log_entry_is(e, "method", "POST"));
  CHECK(backend_log_entry_is_request(e));
  char port[16];
  backend_log_entry_port(e, port, sizeof port);
  CHECK_STR(port, "59590");
  cJSON_Delete(a);
}

TEST(bare_list_and_non_objects) {
  char err[200];
  cJSON *a = parse("[1, \"x\", null, {\"kind\": \"rejected\", \"status\": 400}, []]",
                   NULL, err, sizeof err);
  CHECK(a != NULL);
  CHECK_INT(cJSON_GetArraySize(a), 1);
  CHECK(!backend_log_entry_is_request(a->child));
  char port[16];
  backend_log_entry_port(a->child, port, sizeof port);   /* no peer at all */
  CHECK_STR(port, "?");
  cJSON_Delete(a);
}

TEST(unknown_fields_and_wrong_types_are_dropped) {
  char err[200];
  cJSON *a = parse("{\"entries\": [{\"path\": 5, \"method\": [\"GET\"], \"head_len\": 1.5,"
                   " \"status\": \"200\", \"seq\": 1e300, \"evil\": \"<script>\","
                   " \"cell\": {\"x\": 1}, \"kind\": \"request\", \"kind\": \"rejected\"}]}",
                   NULL, err, sizeof err);
  CHECK(a != NULL);
  const cJSON *e = a->child;
  CHECK(e != NULL);
  CHECK_INT(cJSON_GetArraySize(e), 1);                 /* only the first "kind" */
  CHECK_STR(backend_log_entry_str(e, "kind"), "request");
  CHECK(cJSON_GetObjectItemCaseSensitive(e, "evil") == NULL);
  long v;
  CHECK(!backend_log_entry_int(e, "head_len", &v));
  cJSON_Delete(a);
}

TEST(hostile_strings_are_escaped_and_cut) {
  /* Non-ASCII and control characters: escaped again (backslash included). */
  char err[200];
  cJSON *a = parse("[{\"path\": \"/\\u00e9\\u0001\\\\x\", \"peer\": \"1.2.3.4:12ab\"}]",
                   NULL, err, sizeof err);
  CHECK(a != NULL);
  CHECK_STR(backend_log_entry_str(a->child, "path"), "/\\xc3\\xa9\\x01\\\\x");
  char port[16];
  backend_log_entry_port(a->child, port, sizeof port);
  CHECK_STR(port, "12");
  cJSON_Delete(a);
  /* A huge string is cut at the cap, never inside an escape token. */
  size_t n = 3 * BACKEND_LOG_MAX_STRING;
  char *doc = malloc(n + 64);
  CHECK(doc != NULL);
  strcpy(doc, "[{\"head\": \"a");
  size_t at = strlen(doc);
  for (size_t i = 0; at < n; i++) {
    memcpy(doc + at, "\\\\x41", 5);   /* JSON for the 4-char token \x41 */
    at += 5;
  }
  strcpy(doc + at, "\"}]");
  a = backend_log_parse(doc, strlen(doc), NULL, err, sizeof err);
  free(doc);
  CHECK(a != NULL);
  const char *head = backend_log_entry_str(a->child, "head");
  CHECK(head != NULL);
  size_t len = strlen(head);
  CHECK(len <= BACKEND_LOG_MAX_STRING && len > BACKEND_LOG_MAX_STRING - 4);
  CHECK_INT((len - 1) % 4, 0);        /* "a" then whole "\x41" tokens */
  cJSON_Delete(a);
}

TEST(too_many_entries_are_counted_not_kept) {
  buf b;
  buf_init(&b, 1u << 20);
  MUST_BUF(buf_adds(&b, "{\"entries\": ["));
  for (int i = 0; i < BACKEND_LOG_MAX_ENTRIES + 7; i++)
    MUST_BUF(buf_printf(&b, "%s{\"seq\": %d}", i ? "," : "", i));
  MUST_BUF(buf_adds(&b, "]}"));
  char err[200];
  int dropped = 0;
  cJSON *a = backend_log_parse(b.data, b.len, &dropped, err, sizeof err);
  buf_free(&b);
  CHECK(a != NULL);
  CHECK_INT(cJSON_GetArraySize(a), BACKEND_LOG_MAX_ENTRIES);
  CHECK_INT(dropped, 7);
  cJSON_Delete(a);
}

TEST(not_a_log_is_an_error) {
  char err[200] = "";
  CHECK(parse("", NULL, err, sizeof err) == NULL);
  CHECK_STR(err, "not JSON");
  CHECK(parse("{\"entries\": 5}", NULL, err, sizeof err) == NULL);
  CHECK(strstr(err, "entries") != NULL);
  CHECK(parse("\"text\"", NULL, err, sizeof err) == NULL);
  /* deep nesting: refused by the parser's depth limit, not a crash */
  buf b;
  buf_init(&b, 1u << 20);
  for (int i = 0; i < 5000; i++)
    MUST_BUF(buf_adds(&b, "["));
  CHECK(backend_log_parse(b.data, b.len, NULL, err, sizeof err) == NULL);
  buf_free(&b);
  /* bytes after the document and a NUL inside it */
  CHECK(backend_log_parse("[]\0[", 4, NULL, err, sizeof err) == NULL);
}

TEST(cell_tags_fixed_length_and_distinct) {
  char a[SC_TAG_LEN + 1], b[SC_TAG_LEN + 1], k[SC_TAG_LEN + 1], later[SC_TAG_LEN + 1];
  uint64_t run_ms = 1795557600123ull;          /* 2026-11-24 */
  cell_make_tag(a, 'c', run_ms, 0);
  cell_make_tag(b, 'c', run_ms, 1);
  cell_make_tag(k, 'k', run_ms, 0);
  cell_make_tag(later, 'c', run_ms + 1, 0);
  CHECK_INT(strlen(a), SC_TAG_LEN);
  CHECK_INT(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789"), SC_TAG_LEN);
  CHECK(strcmp(a, b) != 0);
  CHECK(strcmp(a, later) != 0);
  CHECK(strcmp(a + 1, k + 1) == 0 && k[0] == 'k');
  CHECK_STR(a + 9, "000");
  CHECK_STR(b + 9, "001");
  cell_make_tag(b, 'c', 0, 36u * 36u * 36u - 1);
  CHECK_STR(b, "c00000000zzz");
  cell_make_tag(b, 'c', UINT64_MAX, 123456);   /* cut to width, still 12 */
  CHECK_INT(strlen(b), SC_TAG_LEN);
}

/* ---- backend_log_reset against a one-shot server ------------------------------ */

typedef struct one_shot {
  int lfd, port;
  const char *answer;          /* sent as is after the request head */
  char request[1024];          /* the head it received */
  pthread_t th;
} one_shot;

static void *one_shot_serve(void *arg) {
  one_shot *s = arg;
  struct pollfd p = {.fd = s->lfd, .events = POLLIN};
  if (poll(&p, 1, 3000) != 1)
    return NULL;
  int fd = accept(s->lfd, NULL, NULL);
  if (fd < 0)
    return NULL;
  size_t n = 0;
  while (n < sizeof s->request - 1 && !strstr(s->request, "\r\n\r\n")) {
    struct pollfd q = {.fd = fd, .events = POLLIN};
    ssize_t r = poll(&q, 1, 3000) == 1 ? recv(fd, s->request + n, sizeof s->request - 1 - n, 0)
                                       : -1;
    if (r <= 0)
      break;
    n += (size_t)r;
    s->request[n] = '\0';
  }
  send(fd, s->answer, strlen(s->answer), MSG_NOSIGNAL);
  close(fd);
  return NULL;
}

static int one_shot_start(one_shot *s, const char *answer) {
  memset(s, 0, sizeof *s);
  s->answer = answer;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  s->lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(s->lfd, 4) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &len) != 0)
    return -1;
  s->port = ntohs(a.sin_port);
  return pthread_create(&s->th, NULL, one_shot_serve, s) == 0 ? 0 : -1;
}

static void one_shot_stop(one_shot *s) {
  pthread_join(s->th, NULL);
  close(s->lfd);
}

/* backend_log_reset against a server that answers `answer`; rc, closed, err. */
static int reset_with(const char *answer, long *closed, char *err, size_t errlen,
                      char *request, size_t reqlen) {
  one_shot s;
  if (one_shot_start(&s, answer) != 0)
    return -2;
  char portstr[16], url[64];
  snprintf(portstr, sizeof portstr, "%d", s.port);
  snprintf(url, sizeof url, "http://127.0.0.1:%d/__lab/reset", s.port);
  target t;
  memset(&t, 0, sizeof t);
  t.reset_url = url;
  t.reset_host = "127.0.0.1";
  t.reset_port = portstr;
  t.reset_authority = "127.0.0.1:x";
  t.reset_path = "/__lab/reset";
  int rc = backend_log_reset(&t, 1000, closed, err, errlen);
  one_shot_stop(&s);
  snprintf(request, reqlen, "%s", s.request);
  return rc;
}

/* A 200 answer carrying body (static storage: one at a time). */
static const char *ok_200(const char *body) {
  static char answer[512];
  snprintf(answer, sizeof answer, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
  return answer;
}

TEST(backend_reset_sends_get_and_reads_closed) {
  char err[300] = "", req[1024];
  long closed = 99;
  const char *gevent = ok_200("{\"server\": \"gevent\", \"closed\": 3, \"supported\": true}\n");
  CHECK_INT(reset_with(gevent, &closed, err, sizeof err, req, sizeof req), 0);
  CHECK_INT(closed, 3);
  static const char head[] = "GET /__lab/reset HTTP/1.1\r\nHost: 127.0.0.1:x\r\n";
  CHECK(strncmp(req, head, sizeof head - 1) == 0);
  CHECK(strstr(req, "\r\nConnection: close\r\n") != NULL);
  /* waitress: "supported": false, it closes nothing */
  const char *waitress = ok_200("{\"server\": \"waitress\", \"closed\": null, "
                                "\"supported\": false}");
  CHECK_INT(reset_with(waitress, &closed, err, sizeof err, req, sizeof req), 0);
  CHECK_INT(closed, 0);
  /* 200 but not JSON, or a negative count: answered, count unknown */
  CHECK_INT(reset_with(ok_200("ok"), &closed, err, sizeof err, req, sizeof req), 0);
  CHECK_INT(closed, -1);
  CHECK_INT(reset_with(ok_200("{\"closed\": -4}"), &closed, err, sizeof err, req, sizeof req), 0);
  CHECK_INT(closed, -1);
}

TEST(backend_reset_failures_say_why) {
  char err[300] = "", req[1024];
  long closed = 99;
  CHECK_INT(reset_with("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", &closed, err,
                       sizeof err, req, sizeof req), -1);
  CHECK(strstr(err, "answered 404, not 200") != NULL);
  CHECK_INT(closed, -1);
  CHECK_INT(reset_with("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", &closed, err,
                       sizeof err, req, sizeof req), -1);
  CHECK(strstr(err, "closed the connection before a complete answer") != NULL);
  target t;
  memset(&t, 0, sizeof t);
  CHECK_INT(backend_log_reset(&t, 1000, &closed, err, sizeof err), -1);   /* no URL */
  CHECK(strstr(err, "no backend_reset_url") != NULL);
}

CHECK_MAIN(CASE(lab_backend_document), CASE(bare_list_and_non_objects),
           CASE(unknown_fields_and_wrong_types_are_dropped),
           CASE(hostile_strings_are_escaped_and_cut),
           CASE(too_many_entries_are_counted_not_kept), CASE(not_a_log_is_an_error),
           CASE(cell_tags_fixed_length_and_distinct),
           CASE(backend_reset_sends_get_and_reads_closed),
           CASE(backend_reset_failures_say_why))
