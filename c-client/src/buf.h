/* buf.h - growable byte buffers with a hard maximum.
 *
 * Everything a server sends is hostile input: every buffer that holds server
 * bytes is created with a cap, and an append past it fails cleanly (the caller
 * turns that into a verdict reason), never a crash or a silent truncation.
 * The idea follows curl's dynbuf: the appends are warn_unused_result, so no
 * caller can ignore a failed one, and a failure is sticky (every later append
 * to the same buffer fails too, until buf_reset), so a message never loses
 * its middle while its end still fits. Unlike dynbuf, a failed append keeps
 * what was there: a transcript still shows the bytes that fit. */
#ifndef H2C_BUF_H
#define H2C_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
  char *data;       /* always NUL-terminated when non-NULL (one spare byte) */
  size_t len;
  size_t alloc;
  size_t max;       /* hard cap on len */
  int failed;       /* an append failed: later ones fail too (BUF_TOO_BIG or
                       BUF_NOMEM, the first failure's code) */
} buf;

#define BUF_OK 0
#define BUF_TOO_BIG 1
#define BUF_NOMEM 2

#define BUF_MUST_CHECK __attribute__((warn_unused_result))

void buf_init(buf *b, size_t max);
void buf_free(buf *b);
void buf_reset(buf *b);                         /* len = 0, keeps memory, clears failed */
BUF_MUST_CHECK int buf_add(buf *b, const void *data, size_t n);
BUF_MUST_CHECK int buf_adds(buf *b, const char *s);
BUF_MUST_CHECK int buf_printf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* buf_printf with a va_list (for callers that wrap it). */
BUF_MUST_CHECK int buf_vprintf(buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* 0, or the code of the first append that failed since init or reset. */
int buf_failed(const buf *b);
void buf_consume(buf *b, size_t n);             /* drop n bytes from the front */
char *buf_steal(buf *b);                        /* returns data, re-inits b */

#endif
