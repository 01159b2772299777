/* buf.c - growable byte buffers with a hard maximum (see buf.h).
 * Growth doubles up to the cap; the cap is checked before any allocation, so
 * a hostile peer can make an append fail but never make us allocate more. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max) {
  b->data = NULL;
  b->len = 0;
  b->alloc = 0;
  b->max = max;
  b->failed = BUF_OK;
}

void buf_free(buf *b) {
  free(b->data);
  buf_init(b, b->max);
}

void buf_reset(buf *b) {
  b->len = 0;
  b->failed = BUF_OK;
  if (b->data)
    b->data[0] = '\0';
}

/* Remembers the first failure (see buf.h: failures are sticky). */
static int buf_fail(buf *b, int rc) {
  if (b->failed == BUF_OK)
    b->failed = rc;
  return rc;
}

/* Makes room for `extra` more bytes plus the terminating NUL. */
static int buf_reserve(buf *b, size_t extra) {
  if (b->failed != BUF_OK)
    return b->failed;
  if (extra > b->max || b->len > b->max - extra)
    return buf_fail(b, BUF_TOO_BIG);
  size_t need = b->len + extra + 1;
  if (need <= b->alloc)
    return BUF_OK;
  size_t want = b->alloc ? b->alloc : 64;
  while (want < need)
    want *= 2;
  if (want > b->max + 1)
    want = b->max + 1;
  char *p = realloc(b->data, want);
  if (!p)
    return buf_fail(b, BUF_NOMEM);
  b->data = p;
  b->alloc = want;
  return BUF_OK;
}

int buf_add(buf *b, const void *data, size_t n) {
  int rc = buf_reserve(b, n);
  if (rc != BUF_OK)
    return rc;
  if (n)
    memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  return BUF_OK;
}

int buf_adds(buf *b, const char *s) { return buf_add(b, s, strlen(s)); }

int buf_vprintf(buf *b, const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  int rc = n < 0 ? buf_fail(b, BUF_NOMEM) : buf_reserve(b, (size_t)n);
  if (rc == BUF_OK) {
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
    b->len += (size_t)n;
  }
  va_end(again);
  return rc;
}

int buf_printf(buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

int buf_failed(const buf *b) { return b->failed; }

void buf_consume(buf *b, size_t n) {
  if (n >= b->len) {
    buf_reset(b);
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
  b->data[b->len] = '\0';
}

char *buf_steal(buf *b) {
  char *p = b->data;
  buf_init(b, b->max);
  return p;
}
