/* buf.h - growable byte buffers with a hard maximum.
 *
 * Everything a server sends is hostile input: every buffer that holds server
 * bytes is created with a cap, and an append past it fails cleanly (the caller
 * turns that into a verdict reason), never a crash or a silent truncation.
 * The idea follows curl's dynbuf. */
#ifndef H2C_BUF_H
#define H2C_BUF_H

#include <stddef.h>

typedef struct buf {
  char *data;       /* always NUL-terminated when non-NULL (one spare byte) */
  size_t len;
  size_t alloc;
  size_t max;       /* hard cap on len */
} buf;

#define BUF_OK 0
#define BUF_TOO_BIG 1
#define BUF_NOMEM 2

void buf_init(buf *b, size_t max);
void buf_free(buf *b);
void buf_reset(buf *b);                         /* len = 0, keeps memory */
int buf_add(buf *b, const void *data, size_t n);
int buf_adds(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_consume(buf *b, size_t n);             /* drop n bytes from the front */
char *buf_steal(buf *b);                        /* returns data, re-inits b */

#endif
