/* cell.h - one (target, scenario) outcome: what each request got back
 * (exchanges), the transcript, and the verdict decided from them. Engines fill
 * exchanges and transcript; verdict.c fills verdict/reason. */
#ifndef H2C_CELL_H
#define H2C_CELL_H

#include <stdint.h>
#include "buf.h"
#include "scenario.h"
#include "transcript.h"

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
  char detail[256];            /* engine's words, e.g. "connect: refused" */
} exchange;

typedef enum {
  V_OK_H1, V_OK_H2, V_NO_REUSE, V_REJECTED, V_DESYNC, V_HANG, V_CLOSED,
  V_ERROR, V_NA, V_CROSS_CLIENT, V_SMUGGLED, V__COUNT
} verdict;

typedef struct cell {
  const scenario *sc;
  const struct target *tg;
  exchange ex[SC_MAX_REQUESTS];
  int upgraded;                /* a 101 was seen and HTTP/2 followed */
  size_t extra_bytes;          /* bytes after the last expected answer */
  long lost_bytes;             /* -1 unknown; set by the loss measurement */
  char loss_evidence[256];     /* how lost_bytes was established */
  transcript tx;
  int64_t start_ms, total_ms;  /* start relative to run start */
  verdict verdict;
  char reason[512];
} cell;

void cell_init(cell *c, const scenario *sc, const struct target *tg);
void cell_free(cell *c);
void exchange_add_header(exchange *e, const char *name, const char *value);
const char *exchange_header(const exchange *e, const char *name);
const char *outcome_name(outcome o);
const char *verdict_name(verdict v);
int verdict_from_name(const char *name, verdict *out);
int verdict_is_ok(verdict v);    /* ok-h1, ok-h2 */
/* The verdict is one the cell's scenario accepts (its "accept" list). n/a
 * cells are counted apart by callers: nothing was judged there. */
int cell_accepted(const cell *c);

#endif
