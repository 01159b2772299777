/* load_h1.h - the HTTP/1.1 answers of `h2c-probe load`, read in place.
 * http1_parse.c copies every header and body into buffers of their own,
 * which is right for a transcript and too slow for a load generator; this
 * scanner finds one answer's status, framing and body inside the
 * connection's read buffer without copying or allocating (a chunked body is
 * joined in place). The framing rules are RFC 9112 §6.3's. */
#ifndef H2C_LOAD_H1_H
#define H2C_LOAD_H1_H

#include <stddef.h>

#define LOAD_H1_MORE 0
#define LOAD_H1_DONE 1
#define LOAD_H1_BAD (-1)

typedef struct load_h1_msg {
  int status;
  int minor;           /* HTTP/1.minor */
  int close;           /* the server closes after it (Connection: close, 1.0) */
  size_t used;         /* bytes of the buffer this answer took */
  char *body;          /* inside the buffer */
  size_t body_len;
} load_h1_msg;

/* One answer at the start of p[0..n). head_only: the request was HEAD (no
 * body). eof: the peer closed after these bytes (completes a body that runs
 * to the close). LOAD_H1_DONE with *m filled, LOAD_H1_MORE, or LOAD_H1_BAD
 * (not an HTTP/1.x answer, a framing it cannot trust). */
int load_h1_scan(char *p, size_t n, int head_only, int eof, load_h1_msg *m);

#endif
