/* fuzz_http1.c - libFuzzer harness for the HTTP/1.1 response parser.
 *
 * http1_parse.c promises that any split of the input, down to one byte per
 * call, gives the same result (its decisions depend only on bytes seen). This
 * harness holds it to that: the same server bytes are parsed whole, one byte
 * at a time and in random pieces, the way the engines drive the parser
 * (after a complete response the rest belongs to the next one; a 101 hands
 * the rest over to HTTP/2), and every observable result must be the same:
 * each response's status, headers, body, framing flags, quirks and where it
 * ended, the error message, and what the end of the connection says.
 *
 * Input: 4 bytes of options, then the server's bytes.
 *   byte 0, bit 0: the request was HEAD (no body expected)
 *   byte 0, bit 1: the connection ends after the bytes (http1_parse_eof)
 *   bytes 1..3:    seed of the random split points
 * A mismatch prints both results and aborts (a crash libFuzzer saves), as
 * does a complete response that breaks its own framing (a Content-Length
 * body of another length, a body over the cap). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http1_parse.h"

#define FZ_OPTS 4
#define FZ_MAX_RESPONSES 64   /* a bound on the loop, far above real use */
#define FZ_DIGEST_MAX (8u * 1024u * 1024u)

/* Where the next piece ends: the whole rest, one byte, or a random length. */
typedef enum { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_RANDOM } split_mode;

typedef struct splitter {
  split_mode mode;
  uint32_t state;             /* xorshift32, never 0 */
} splitter;

static size_t next_piece(splitter *s, size_t left) {
  if (s->mode == SPLIT_WHOLE || left == 0)
    return left;
  if (s->mode == SPLIT_BYTES)
    return 1;
  s->state ^= s->state << 13;
  s->state ^= s->state >> 17;
  s->state ^= s->state << 5;
  /* Mostly short pieces (line and chunk boundaries), sometimes long ones. */
  size_t len = (s->state & 0x100) ? 1 + (s->state >> 20) % 4096
                                   : 1 + (s->state >> 20) % 8;
  return len < left ? len : left;
}

/* What a complete response promises whatever the split. */
static void check_response(const h1_response *r, int head) {
  int bodyless = head || r->status < 200 || r->status == 204 || r->status == 304;
  const char *why = NULL;
  if (r->body.len > H1_MAX_BODY)
    why = "body over H1_MAX_BODY";
  else if (bodyless && r->body.len)
    why = "a body on a response that has none";
  else if (!bodyless && !r->chunked && !r->until_eof && r->content_length >= 0 &&
           (long long)r->body.len != r->content_length)
    why = "body length is not the Content-Length";
  else if (r->nheaders > H1_MAX_HEADERS)
    why = "more headers than H1_MAX_HEADERS";
  if (why) {
    fprintf(stderr, "complete response %d: %s (cl=%lld, body %zu)\n", r->status,
            why, r->content_length, r->body.len);
    abort();
  }
}

/* Everything the engines can see of one complete response. */
static void digest_response(buf *d, const h1_response *r, size_t end) {
  buf_printf(d, "DONE at %zu: HTTP/1.%d %d [%s] cl=%lld chunked=%d eof=%d "
             "interim=%d close=%d big=%d quirks=[%s]\n",
             end, r->version_minor, r->status, r->reason, r->content_length,
             r->chunked, r->until_eof, r->is_interim, r->conn_close,
             r->too_big, r->quirks);
  for (int i = 0; i < r->nheaders; i++)
    buf_printf(d, "  %s: %s\n", r->headers[i].name, r->headers[i].value);
  buf_printf(d, "  body %zu bytes: ", r->body.len);
  buf_add(d, r->body.data ? r->body.data : "", r->body.len);
  buf_adds(d, "\n");
}

/* On an error only what is settled counts: the message and the cap flag
 * (a partial body depends on where the bytes stopped). */
static void digest_error(buf *d, const h1_parser *p, const char *when) {
  buf_printf(d, "ERROR %s: %s big=%d\n", when, p->errmsg, p->resp.too_big);
}

/* Parses data[0..n) as the engines do; writes the results into d. */
static void parse_all(const uint8_t *data, size_t n, int head, int eof,
                      splitter *s, buf *d) {
  h1_parser p;
  http1_parse_init(&p, head);
  size_t pos = 0;
  int responses = 0, live = 1;
  while (pos < n) {
    size_t len = next_piece(s, n - pos), used = 0;
    h1_status st = http1_parse_feed(&p, (const char *)data + pos, len, &used);
    if (used > len || (st == H1_NEED_MORE && used != len)) {
      fprintf(stderr, "feed(%zu bytes) returned %d and used %zu\n", len, st, used);
      abort();   /* the contract of http1_parse_feed itself */
    }
    pos += used;
    if (st == H1_ERROR) {
      digest_error(d, &p, "in feed");
      live = 0;
      break;
    }
    if (st != H1_DONE)
      continue;
    check_response(&p.resp, head);
    digest_response(d, &p.resp, pos);
    int switched = p.resp.status == 101;
    if (switched || ++responses == FZ_MAX_RESPONSES) {
      buf_printf(d, "%s, %zu bytes left\n", switched ? "101" : "enough", n - pos);
      live = 0;
      break;
    }
    http1_parse_free(&p);
    http1_parse_init(&p, head);
  }
  if (live && eof) {
    h1_status st = http1_parse_eof(&p);
    if (st == H1_DONE)
      digest_response(d, &p.resp, pos);
    else
      digest_error(d, &p, "at EOF");
  }
  http1_parse_free(&p);
}

static void compare(const buf *a, const buf *b, const char *what) {
  if (a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0))
    return;
  fprintf(stderr, "split mismatch (%s)\n--- whole input:\n%.*s--- %s:\n%.*s",
          what, (int)(a->len > 4000 ? 4000 : a->len), a->data ? a->data : "", what,
          (int)(b->len > 4000 ? 4000 : b->len), b->data ? b->data : "");
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < FZ_OPTS)
    return 0;
  int head = data[0] & 1, eof = (data[0] >> 1) & 1;
  uint32_t seed = 1u + ((uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3]);
  const uint8_t *wire = data + FZ_OPTS;
  size_t n = size - FZ_OPTS;

  buf whole, bytes, pieces;
  buf_init(&whole, FZ_DIGEST_MAX);
  buf_init(&bytes, FZ_DIGEST_MAX);
  buf_init(&pieces, FZ_DIGEST_MAX);
  splitter sw = {SPLIT_WHOLE, 1}, sb = {SPLIT_BYTES, 1}, sr = {SPLIT_RANDOM, seed};
  parse_all(wire, n, head, eof, &sw, &whole);
  parse_all(wire, n, head, eof, &sr, &pieces);
  compare(&whole, &pieces, "random pieces");
  parse_all(wire, n, head, eof, &sb, &bytes);
  compare(&whole, &bytes, "one byte per call");
  buf_free(&whole);
  buf_free(&bytes);
  buf_free(&pieces);
  return 0;
}
