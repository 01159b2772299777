/* test_http1_parse.c - the HTTP/1.1 response parser on real server byte
 * patterns: framing by Content-Length, chunked and EOF, interim and 101
 * responses, pipelined responses, caps, malformed input, and the promise that
 * any split of the input gives the same result. */
#include "check.h"
#include "http1_parse.h"

#include <stdlib.h>

/* Everything a parse produced, flattened for comparison across splits. */
typedef struct outcome_t {
  h1_status st;
  size_t used;
  int status, version_minor, nheaders, conn_close, chunked, until_eof;
  int is_interim, too_big;
  long long content_length;
  char reason[128], quirks[128], errmsg[160];
  char body[4096];
  size_t body_len;
} outcome_t;

/* Feeds `in` in pieces: first `first` bytes, then `step` bytes at a time
 * (step 0 = the rest at once). Stops at the first DONE/ERROR; `eof` tells the
 * parser the peer closed after the last byte. */
static outcome_t run_split(const char *in, size_t n, int head, size_t first,
                           size_t step, int eof) {
  outcome_t o;
  memset(&o, 0, sizeof o);
  h1_parser p;
  http1_parse_init(&p, head);
  size_t off = 0;
  h1_status st = H1_NEED_MORE;
  while (off < n && st == H1_NEED_MORE) {
    size_t piece = off == 0 && first ? first : step ? step : n - off;
    if (piece > n - off)
      piece = n - off;
    size_t used = 0;
    st = http1_parse_feed(&p, in + off, piece, &used);
    off += used;
    if (st == H1_NEED_MORE && used != piece) {
      st = H1_ERROR;             /* the contract: NEED_MORE uses everything */
      snprintf(p.errmsg, sizeof p.errmsg, "NEED_MORE did not use all input");
    }
  }
  if (st == H1_NEED_MORE && eof)
    st = http1_parse_eof(&p);
  o.st = st;
  o.used = off;
  o.status = p.resp.status;
  o.version_minor = p.resp.version_minor;
  o.nheaders = p.resp.nheaders;
  o.conn_close = p.resp.conn_close;
  o.chunked = p.resp.chunked;
  o.until_eof = p.resp.until_eof;
  o.is_interim = p.resp.is_interim;
  o.too_big = p.resp.too_big;
  o.content_length = p.resp.content_length;
  snprintf(o.reason, sizeof o.reason, "%s", p.resp.reason);
  snprintf(o.quirks, sizeof o.quirks, "%s", p.resp.quirks);
  snprintf(o.errmsg, sizeof o.errmsg, "%s", st == H1_ERROR ? p.errmsg : "");
  o.body_len = p.resp.body.len;
  if (p.resp.body.len && p.resp.body.len < sizeof o.body)
    memcpy(o.body, p.resp.body.data, p.resp.body.len);
  http1_parse_free(&p);
  return o;
}

static outcome_t run_whole(const char *in, int head, int eof) {
  return run_split(in, strlen(in), head, 0, 0, eof);
}

static int same(const outcome_t *a, const outcome_t *b) {
  /* `used` only matters when a response completed. */
  return a->st == b->st && (a->st != H1_DONE || a->used == b->used) &&
         a->status == b->status && a->version_minor == b->version_minor &&
         a->nheaders == b->nheaders && a->conn_close == b->conn_close &&
         a->chunked == b->chunked && a->until_eof == b->until_eof &&
         a->is_interim == b->is_interim && a->too_big == b->too_big &&
         a->content_length == b->content_length &&
         strcmp(a->reason, b->reason) == 0 && strcmp(a->quirks, b->quirks) == 0 &&
         strcmp(a->errmsg, b->errmsg) == 0 && a->body_len == b->body_len &&
         memcmp(a->body, b->body, sizeof a->body) == 0;
}

/* Every two-piece split and the byte-by-byte feed equal the one-piece feed;
 * returns the first split that differs, or -1. */
static long split_mismatch(const char *in, size_t n, int head, int eof) {
  outcome_t whole = run_split(in, n, head, 0, 0, eof);
  for (size_t k = 1; k < n; k++) {
    outcome_t o = run_split(in, n, head, k, 0, eof);
    if (!same(&whole, &o))
      return (long)k;
  }
  outcome_t bytewise = run_split(in, n, head, 0, 1, eof);
  if (!same(&whole, &bytewise))
    return 0;
  return -1;
}

TEST(content_length_body) {
  const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n"
                   "Content-Type: text/plain\r\n\r\nHello, World!";
  outcome_t o = run_whole(in, 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.used, strlen(in));
  CHECK_INT(o.status, 200);
  CHECK_STR(o.reason, "OK");
  CHECK_INT(o.version_minor, 1);
  CHECK_INT(o.nheaders, 2);
  CHECK_INT(o.content_length, 13);
  CHECK_STR(o.body, "Hello, World!");
  CHECK_INT(o.conn_close, 0);
  CHECK_STR(o.quirks, "");
}

TEST(header_lookup_and_tokens) {
  const char *in = "HTTP/1.1 200 OK\r\nconnection: Keep-Alive ,  Upgrade\r\n"
                   "Connection: TE\r\nContent-Length:0\r\n\r\n";
  h1_parser p;
  http1_parse_init(&p, 0);
  size_t used;
  CHECK_INT(http1_parse_feed(&p, in, strlen(in), &used), H1_DONE);
  CHECK_STR(http1_parse_header_get(&p.resp, "CONTENT-LENGTH"), "0");
  CHECK_STR(http1_parse_header_get(&p.resp, "Connection"), "Keep-Alive ,  Upgrade");
  CHECK(http1_parse_header_has_token(&p.resp, "Connection", "upgrade"));
  CHECK(http1_parse_header_has_token(&p.resp, "Connection", "te"));
  CHECK(!http1_parse_header_has_token(&p.resp, "Connection", "close"));
  CHECK(!http1_parse_header_has_token(&p.resp, "Connection", "keep"));
  CHECK(http1_parse_header_get(&p.resp, "Server") == NULL);
  http1_parse_free(&p);
}

TEST(chunked_with_extensions_and_trailers) {
  const char *in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5;name=value;other\r\nHello\r\n"
                   "8 ; ext=\"q\"\r\n, World!\r\n"
                   "0\r\nX-Trailer: yes\r\nX-Two: 2\r\n\r\n";
  outcome_t o = run_whole(in, 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.used, strlen(in));
  CHECK_INT(o.chunked, 1);
  CHECK_STR(o.body, "Hello, World!");
  CHECK_INT(o.body_len, 13);
  CHECK_INT(split_mismatch(in, strlen(in), 0, 0), -1);
}

TEST(chunked_without_trailers_and_hex_sizes) {
  const char *in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                   "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\nHTTP/1.1";
  outcome_t o = run_whole(in, 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.used, strlen(in) - 8);
  CHECK_INT(o.body_len, 26);
}

TEST(chunked_bad_framing_is_an_error) {
  outcome_t o = run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nabcX\r\n", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  CHECK(strstr(o.errmsg, "not followed by CRLF") != NULL);
  o = run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  CHECK(strstr(o.errmsg, "hex") != NULL);
  o = run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
}

TEST(every_split_gives_the_same_result) {
  /* Explicit lengths: some inputs carry NUL bytes (HTTP/2 frames). */
#define IN(lit) {lit, sizeof lit - 1}
  static const struct { const char *s; size_t n; } inputs[] = {
      IN("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!"),
      IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n"
         "0\r\nT: 1\r\n\r\nextra"),
      IN("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
         "Upgrade: h2c\r\n\r\n\x00\x00\x12\x04"),
      IN("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"),
      IN("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-length: 0\r\n\r\n"),
      IN("\r\nHTTP/1.0 200 OK\nServer: x\n folded\n\nbody until eof"),
      IN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef"),
      IN("HTTP/1.1 2x0 OK\r\n\r\n"),
      IN("\x00\x00\x12\x04\x00\x00\x00\x00\x00"),
      IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nabcde\n0\n\n"),
      IN("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
  };
#undef IN
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    long bad = split_mismatch(inputs[i].s, inputs[i].n, 0, 1);
    if (bad != -1)
      fprintf(stderr, "  input %zu differs at split %ld\n", i, bad);
    CHECK_INT(bad, -1);
    CHECK_INT(split_mismatch(inputs[i].s, inputs[i].n, 0, 0), -1);
  }
}

TEST(pipelined_responses_share_a_buffer) {
  const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                   "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno";
  size_t n = strlen(in), used;
  h1_parser p;
  http1_parse_init(&p, 0);
  CHECK_INT(http1_parse_feed(&p, in, n, &used), H1_DONE);
  CHECK_INT(used, strlen("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
  CHECK_INT(p.resp.status, 200);
  http1_parse_free(&p);
  http1_parse_init(&p, 0);
  size_t used2;
  CHECK_INT(http1_parse_feed(&p, in + used, n - used, &used2), H1_DONE);
  CHECK_INT(used + used2, n);
  CHECK_INT(p.resp.status, 404);
  CHECK_STR(p.resp.reason, "Not Found");
  CHECK_STR(p.resp.body.data, "no");
  http1_parse_free(&p);
}

TEST(switching_protocols_stops_at_header_section) {
  const char head[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                      "Upgrade: h2c\r\n\r\n";
  char in[128];
  memcpy(in, head, sizeof head - 1);
  memcpy(in + sizeof head - 1, "\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);
  h1_parser p;
  http1_parse_init(&p, 0);
  size_t used;
  CHECK_INT(http1_parse_feed(&p, in, sizeof head - 1 + 9, &used), H1_DONE);
  CHECK_INT(used, sizeof head - 1);
  CHECK_INT(p.resp.status, 101);
  CHECK_INT(p.resp.is_interim, 0);
  CHECK_INT(p.resp.body.len, 0);
  CHECK(http1_parse_header_has_token(&p.resp, "Upgrade", "h2c"));
  http1_parse_free(&p);
}

TEST(interim_continue_then_final) {
  const char *in = "HTTP/1.1 100 Continue\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  size_t n = strlen(in), used;
  h1_parser p;
  http1_parse_init(&p, 0);
  CHECK_INT(http1_parse_feed(&p, in, n, &used), H1_DONE);
  CHECK_INT(p.resp.status, 100);
  CHECK_INT(p.resp.is_interim, 1);
  CHECK_INT(used, strlen("HTTP/1.1 100 Continue\r\n\r\n"));
  http1_parse_free(&p);
  http1_parse_init(&p, 0);
  size_t used2;
  CHECK_INT(http1_parse_feed(&p, in + used, n - used, &used2), H1_DONE);
  CHECK_INT(p.resp.status, 200);
  CHECK_INT(p.resp.is_interim, 0);
  CHECK_STR(p.resp.body.data, "ok");
  http1_parse_free(&p);
}

TEST(body_until_eof) {
  const char *in = "HTTP/1.1 200 OK\r\nServer: old\r\n\r\nall of this";
  outcome_t o = run_whole(in, 0, 0);
  CHECK_INT(o.st, H1_NEED_MORE);
  o = run_whole(in, 0, 1);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.until_eof, 1);
  CHECK_STR(o.body, "all of this");
  /* A non-chunked final transfer coding also runs to EOF (RFC 9112 §6.3). */
  o = run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", 0, 1);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.until_eof, 1);
  CHECK_INT(o.chunked, 0);
}

TEST(http10_and_connection_close) {
  outcome_t o = run_whole("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.version_minor, 0);
  CHECK_INT(o.conn_close, 1);
  o = run_whole("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
                "Content-Length: 0\r\n\r\n", 0, 0);
  CHECK_INT(o.conn_close, 0);
  o = run_whole("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n",
                0, 0);
  CHECK_INT(o.conn_close, 1);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0);
  CHECK_INT(o.conn_close, 0);
}

TEST(gevent_400_answer) {
  const char *in = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                   "Content-length: 0\r\n\r\n";
  outcome_t o = run_whole(in, 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.status, 400);
  CHECK_STR(o.reason, "Bad Request");
  CHECK_INT(o.conn_close, 1);
  CHECK_INT(o.used, strlen(in));
}

TEST(no_body_for_head_204_304) {
  const char *in = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
  outcome_t o = run_whole(in, 1, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.used, strlen(in));
  CHECK_INT(o.body_len, 0);
  CHECK_INT(run_whole(in, 0, 0).st, H1_NEED_MORE);
  o = run_whole("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1", 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_INT(o.used, strlen("HTTP/1.1 204 No Content\r\n\r\n"));
  o = run_whole("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 0, 0);
  CHECK_INT(o.st, H1_DONE);
}

TEST(malformed_status_lines) {
  const char *bad[] = {
      "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/2.0 200 OK\r\n\r\n",  "HTTP/1.1  200 OK\r\n\r\n",
      "http/1.1 200 OK\r\n\r\n",  "HTTP/1.1 099 Low\r\n\r\n",
      "ICY 200 OK\r\n\r\n",       "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    outcome_t o = run_whole(bad[i], 0, 0);
    if (o.st != H1_ERROR)
      fprintf(stderr, "  accepted: %s\n", bad[i]);
    CHECK_INT(o.st, H1_ERROR);
    CHECK(o.errmsg[0] != '\0');
    CHECK_INT(o.too_big, 0);
  }
  /* A reason-less status line is tolerated (and noted). */
  outcome_t o = run_whole("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_STR(o.reason, "");
  CHECK(strstr(o.quirks, "no SP") != NULL);
}

TEST(not_http_fails_at_once) {
  /* An HTTP/2 SETTINGS frame has no line end: fail on the first byte rather
   * than wait for one. */
  h1_parser p;
  http1_parse_init(&p, 0);
  size_t used;
  CHECK_INT(http1_parse_feed(&p, "\x00\x00", 2, &used), H1_ERROR);
  CHECK(strstr(p.errmsg, "not an HTTP/1.x response") != NULL);
  http1_parse_free(&p);
  http1_parse_init(&p, 0);
  CHECK_INT(http1_parse_feed(&p, "HTT", 3, &used), H1_NEED_MORE);
  CHECK_INT(http1_parse_feed(&p, "X", 1, &used), H1_ERROR);
  http1_parse_free(&p);
}

TEST(content_length_validation) {
  outcome_t o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                          "Content-Length: 6\r\n\r\nabcdef", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  CHECK(strstr(o.errmsg, "conflicting") != NULL);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                0, 0);
  CHECK_INT(o.st, H1_ERROR);
  /* Identical repeats are one value (RFC 9110 §8.6). */
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n"
                "\r\nabc", 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_STR(o.body, "abc");
  /* Transfer-Encoding wins over Content-Length, and it is noted. */
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n"
                "\r\n1\r\nz\r\n0\r\n\r\n", 0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_STR(o.body, "z");
  CHECK(strstr(o.quirks, "TE wins") != NULL);
}

TEST(header_section_over_cap) {
  size_t n = H1_MAX_HEADER_BYTES + 100;
  char *in = malloc(n + 1);
  CHECK(in != NULL);
  memcpy(in, "HTTP/1.1 200 OK\r\nX-Big: ", 24);
  memset(in + 24, 'a', n - 24);
  in[n] = '\0';
  outcome_t o = run_split(in, n, 0, 0, 0, 0);
  outcome_t o2 = run_split(in, n, 0, 0, 1000, 0);
  free(in);
  CHECK_INT(o.st, H1_ERROR);
  CHECK_INT(o.too_big, 1);
  CHECK(strstr(o.errmsg, "header section larger") != NULL);
  CHECK(same(&o, &o2));
}

TEST(too_many_headers) {
  char in[8192] = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i <= H1_MAX_HEADERS; i++)
    snprintf(in + strlen(in), sizeof in - strlen(in), "X-%d: v\r\n", i);
  strcat(in, "\r\n");
  outcome_t o = run_whole(in, 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  CHECK_INT(o.too_big, 1);
}

TEST(body_over_cap) {
  char in[256];
  snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n",
           H1_MAX_BODY + 1);
  outcome_t o = run_whole(in, 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  CHECK_INT(o.too_big, 1);
  CHECK_INT(o.status, 200);
  CHECK(strstr(o.errmsg, "cap") != NULL);
  o = run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "FFFFFFFFFFFFFFFFFFFF\r\n", 0, 0);
  CHECK_INT(o.st, H1_ERROR);
  CHECK_INT(o.too_big, 1);
  /* An unframed body grows until the cap, then stops with too_big. */
  h1_parser p;
  http1_parse_init(&p, 0);
  size_t used;
  const char *head = "HTTP/1.1 200 OK\r\n\r\n";
  CHECK_INT(http1_parse_feed(&p, head, strlen(head), &used), H1_NEED_MORE);
  char *chunk = calloc(1, 65536);
  CHECK(chunk != NULL);
  h1_status st = H1_NEED_MORE;
  for (int i = 0; i < 40 && st == H1_NEED_MORE; i++)
    st = http1_parse_feed(&p, chunk, 65536, &used);
  free(chunk);
  CHECK_INT(st, H1_ERROR);
  CHECK_INT(p.resp.too_big, 1);
  http1_parse_free(&p);
}

TEST(lenient_line_ends_and_folding_are_noted) {
  outcome_t o = run_whole("\r\nHTTP/1.1 200 OK\nX-A: one\n  two\nContent-Length: 1\n\nz",
                          0, 0);
  CHECK_INT(o.st, H1_DONE);
  CHECK_STR(o.body, "z");
  CHECK(strstr(o.quirks, "LF without CR") != NULL);
  CHECK(strstr(o.quirks, "obs-fold") != NULL);
  CHECK(strstr(o.quirks, "empty line before") != NULL);
  h1_parser p;
  http1_parse_init(&p, 0);
  const char *in = "HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo  \r\nContent-Length: 0\r\n\r\n";
  size_t used;
  CHECK_INT(http1_parse_feed(&p, in, strlen(in), &used), H1_DONE);
  CHECK_STR(http1_parse_header_get(&p.resp, "X-A"), "one two");
  http1_parse_free(&p);
}

TEST(eof_messages) {
  outcome_t o = run_whole("", 0, 1);
  CHECK_INT(o.st, H1_ERROR);
  CHECK(strstr(o.errmsg, "before any byte") != NULL);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 1);
  CHECK_INT(o.st, H1_ERROR);
  CHECK(strstr(o.errmsg, "3 of 10") != NULL);
  o = run_whole("HTTP/1.1 200 OK\r\nContent-", 0, 1);
  CHECK_INT(o.st, H1_ERROR);
  CHECK(strstr(o.errmsg, "header section") != NULL);
}

CHECK_MAIN(CASE(content_length_body), CASE(header_lookup_and_tokens),
           CASE(chunked_with_extensions_and_trailers),
           CASE(chunked_without_trailers_and_hex_sizes),
           CASE(chunked_bad_framing_is_an_error),
           CASE(every_split_gives_the_same_result),
           CASE(pipelined_responses_share_a_buffer),
           CASE(switching_protocols_stops_at_header_section),
           CASE(interim_continue_then_final), CASE(body_until_eof),
           CASE(http10_and_connection_close), CASE(gevent_400_answer),
           CASE(no_body_for_head_204_304), CASE(malformed_status_lines),
           CASE(not_http_fails_at_once), CASE(content_length_validation),
           CASE(header_section_over_cap), CASE(too_many_headers),
           CASE(body_over_cap), CASE(lenient_line_ends_and_folding_are_noted),
           CASE(eof_messages))
