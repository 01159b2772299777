/* http_once.h - one HTTP/1.1 request on its own new connection, one answer
 * back, every wait bounded and every byte counted against a cap. For the
 * probe's side requests (the backend log, the calibration request, the
 * version page; that one over HTTP/2 too, for a peer that speaks only
 * HTTP/2), never for the scenarios' own exchanges (engine_raw.c). */
#ifndef H2C_HTTP_ONCE_H
#define H2C_HTTP_ONCE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "http1_parse.h"
#include "transcript.h"

typedef struct http_once {
  const char *host, *port;
  int timeout_ms;          /* per read */
  int64_t deadline_ms;     /* absolute (clock_now_ms clock) */
  size_t max_bytes;        /* all bytes received, head included */
  transcript *tx;          /* when set, bytes and notes go here ... */
  const char *label;       /* ... under this connection label */
  int *h2_frame;           /* when set: 1 if the answer began with an HTTP/2
                              frame header (an HTTP/2-only peer), else 0 */
} http_once;

/* Sends req[0..n) and reads one final answer into p (initialised here; the
 * caller frees it). Returns 1 when an answer was complete, else 0 with a
 * one-line reason in err ("connect: ...", "timed out", "over the cap"). */
int http_once_exchange(const http_once *h, const void *req, size_t n, h1_parser *p,
                       char *err, size_t errlen);

/* GET base_url + path ("http://host:port" + "/version") over HTTP/2 with
 * prior knowledge (libcurl), for a peer that answered HTTP/1.1 with an HTTP/2
 * frame (h2_frame above): the same bounds (deadline, max_bytes for the body).
 * Returns 1 with *status and body (the caller's, empty) set when an answer
 * came, else 0 with a reason in err. */
int http_once_h2_get(const http_once *h, const char *base_url, const char *path,
                     int *status, buf *body, char *err, size_t errlen);

#endif
