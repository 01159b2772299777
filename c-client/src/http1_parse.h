/* http1_parse.h - an incremental HTTP/1.1 *response* parser (RFC 9112).
 *
 * Feed it bytes as they arrive, in any split; it says when one response is
 * complete and how many bytes it used, so the rest of the buffer belongs to the
 * next response (pipelining) or, after a 101, to the new protocol. Bounded:
 * header section and body have caps; passing one is an error, not a crash. */
#ifndef H2C_HTTP1_PARSE_H
#define H2C_HTTP1_PARSE_H

#include <stddef.h>
#include "buf.h"

#define H1_MAX_HEADER_BYTES (64u * 1024u)
#define H1_MAX_HEADERS 100
#define H1_MAX_BODY (1024u * 1024u)
/* Interim (1xx) answers a reader takes before one final answer; past it an
 * endless 1xx stream is an error, not a loop (the byte caps hold as well). */
#define H1_MAX_INTERIM 32

typedef enum {
  H1_NEED_MORE = 0,   /* all input used, response not complete yet */
  H1_DONE = 1,        /* a complete response; *used says how much input */
  H1_ERROR = -1       /* malformed or over a cap; see errmsg */
} h1_status;

typedef struct h1_header { char *name; char *value; } h1_header;

typedef struct h1_response {
  int version_minor;           /* HTTP/1.x */
  int status;
  char reason[128];
  h1_header headers[H1_MAX_HEADERS];
  int nheaders;
  buf body;                    /* decoded body (de-chunked), capped */
  int conn_close;              /* Connection: close, or HTTP/1.0 without keep-alive */
  int chunked;
  long long content_length;    /* -1 when absent */
  int until_eof;               /* no framing: body runs to EOF */
  int is_interim;              /* 1xx other than 101 */
  int too_big;                 /* a cap was reached */
  char quirks[128];            /* leniencies used (bare LF, obs-fold ...), "" if none */
} h1_response;

typedef struct h1_parser {
  int state;                   /* private */
  buf line;                    /* private: header-section bytes */
  long long remaining;         /* private */
  int request_was_head;        /* set by caller: no body expected */
  char errmsg[160];
  h1_response resp;
} h1_parser;

void http1_parse_init(h1_parser *p, int request_was_head);
void http1_parse_free(h1_parser *p);
/* After an interim (1xx) answer: makes p ready for the next answer to the
 * same request and counts it in *interim. -1 (errmsg set, resp.too_big)
 * when that is more than H1_MAX_INTERIM: an endless 1xx stream. */
int http1_parse_next_after_interim(h1_parser *p, int *interim);
/* Feeds data[0..n). *used is set to the bytes consumed (<= n). */
h1_status http1_parse_feed(h1_parser *p, const char *data, size_t n, size_t *used);
/* Tells the parser the peer closed: completes an until-EOF body (H1_DONE),
 * otherwise H1_ERROR ("closed before the response was complete"). */
h1_status http1_parse_eof(h1_parser *p);
const char *http1_parse_header_get(const h1_response *r, const char *name);
/* True when a comma-separated header value contains token (case-insensitive). */
int http1_parse_header_has_token(const h1_response *r, const char *name, const char *token);
/* An HTTP/2-only server reads HTTP/1.1 bytes as a bad client preface and
 * answers with its own SETTINGS (RFC 9113 §3.4) or a GOAWAY, then closes.
 * Returns "a SETTINGS frame" or "a GOAWAY frame" when data[0..n) begins with
 * such a frame header (that type, on stream 0, with a length the type allows),
 * else NULL. No HTTP/1.x status line starts like that ("HTTP/" is 0x48...). */
const char *http1_parse_h2_frame(const void *data, size_t n);

#endif
