/* exchange.h - what one request got back: its outcome, status line, headers
 * and capped body, filled by the engines and judged by verdict.c. Split from
 * cell.h so the parsers' and engines' view of an answer stands on its own. */
#ifndef H2C_EXCHANGE_H
#define H2C_EXCHANGE_H

#include <stdint.h>
#include "buf.h"

typedef enum {
  OUT_PENDING = 0,     /* engine has not got to it */
  OUT_ANSWERED,
  OUT_TIMEOUT,
  OUT_CLOSED,          /* EOF before a complete answer */
  OUT_RESET,
  OUT_NOT_SENT,        /* its connection was already gone */
  OUT_CONNECT_FAILED,
  OUT_BAD_RESPONSE,    /* unparseable */
  OUT_TOO_BIG          /* a cap was reached */
} outcome;

typedef struct exchange {
  outcome outcome;
  int status;                  /* final status; 0 when none */
  char reason_phrase[128];
  char http_version[8];        /* "1.0" "1.1" "2" */
  int32_t stream_id;           /* HTTP/2 stream, 0 for HTTP/1 */
  char **headers;              /* name, value, name, value ... (owned) */
  int nheaders;
  buf body;                    /* capped */
  int conn_close;              /* server announced close */
  int new_connection;          /* curl: went over a new connection */
  int64_t elapsed_ms;
  int sent_upgrade;            /* an Upgrade header went out with the request,
                                  whoever wrote it (libcurl adds its own) */
  char speaks[64];             /* the answer was in another protocol than the
                                  request ("HTTP/2 (a SETTINGS frame)"), else "" */
  char detail[256];            /* engine's words, e.g. "connect: refused" */
} exchange;

/* Appends a header (copies both); on out of memory the header is dropped. */
void exchange_add_header(exchange *e, const char *name, const char *value);
/* The first header of that name (case-insensitive), or NULL. */
const char *exchange_header(const exchange *e, const char *name);
/* Frees the headers and the body; the exchange can be reused after buf_init. */
void exchange_free(exchange *e);
/* The outcome's results.json name ("connect-failed"). */
const char *exchange_outcome_name(outcome o);

#endif
