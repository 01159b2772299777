/* fuzz_load_h1.c - libFuzzer harness for load_h1.c, the in-place answer
 * scanner of `h2c-probe load` (server bytes, so hostile input).
 *
 * It holds the scanner to what its callers rely on: a complete answer lies
 * inside the bytes it was given (used <= n, the body within the first used
 * bytes); the answer does not depend on what arrived after it (the same
 * bytes cut at `used` give the same status, body and length); any shorter
 * cut says "more" (never another answer, never "bad"); and the connection
 * loop over a buffer of several answers ends. Input: the 4 option bytes of
 * fuzz_http1 (whose seeds it shares: byte 0 bit 0 HEAD, bit 1 the peer
 * closed after the bytes; bytes 1..3 unused), then the server's bytes.
 * A broken promise aborts (libFuzzer saves the input). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_h1.h"

#define FZ_OPTS 4
#define FZ_MAX_ANSWERS 64

static void die(const char *what, size_t n, size_t used) {
  fprintf(stderr, "fuzz_load_h1: %s (n %zu, used %zu)\n", what, n, used);
  abort();
}

/* Scans a private copy of data[0..n) (the scanner joins chunks in place). */
static int scan_copy(const uint8_t *data, size_t n, int head, int eof, load_h1_msg *m,
                     char **copy) {
  *copy = malloc(n ? n : 1);
  if (!*copy)
    abort();
  memcpy(*copy, data, n);
  return load_h1_scan(*copy, n, head, eof, m);
}

/* The promises for one answer at the start of data[0..n). */
static size_t check_one(const uint8_t *data, size_t n, int head, int eof) {
  load_h1_msg m;
  char *a;
  int r = scan_copy(data, n, head, eof, &m, &a);
  size_t used = r == LOAD_H1_DONE ? m.used : 0;
  if (r != LOAD_H1_DONE) {
    free(a);
    return 0;
  }
  if (m.used == 0 || m.used > n || m.body < a || m.body_len > m.used ||
      (size_t)(m.body - a) + m.body_len > m.used)
    die("a complete answer outside its bytes", n, used);
  if (!eof || m.used < n) {          /* not an answer that ran to the close */
    load_h1_msg c;
    char *b;
    int rc = scan_copy(data, m.used, head, 0, &c, &b);
    if (rc != LOAD_H1_DONE || c.used != m.used || c.status != m.status ||
        c.body_len != m.body_len || memcmp(c.body, m.body, m.body_len) != 0)
      die("the answer changed with the bytes after it", n, used);
    free(b);
    load_h1_msg s;
    char *d;
    int rs = scan_copy(data, m.used - 1, head, 0, &s, &d);
    if (rs != LOAD_H1_MORE)
      die("a shorter cut of a complete answer is not 'more'", n, used);
    free(d);
  }
  free(a);
  return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < FZ_OPTS)
    return 0;
  int head = data[0] & 1, eof = (data[0] >> 1) & 1;
  data += FZ_OPTS;
  size -= FZ_OPTS;
  for (int k = 0; k < FZ_MAX_ANSWERS && size > 0; k++) {   /* the victim's loop */
    size_t used = check_one(data, size, head, eof);
    if (used == 0)
      break;
    data += used;
    size -= used;
  }
  return 0;
}
