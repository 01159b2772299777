/* engine.h - the three ways a scenario is driven on the wire. Each fills
 * cell->ex[] and cell->tx and never blocks past opts->deadline. */
#ifndef H2C_ENGINE_H
#define H2C_ENGINE_H

#include <stdint.h>
#include "cell.h"
#include "target.h"

typedef struct engine_opts {
  int timeout_ms;        /* per read / per request */
  int64_t deadline_ms;   /* absolute (clock_now_ms clock) end of this cell */
} engine_opts;

void engine_raw_run(cell *c, const engine_opts *o);
void engine_curl_run(cell *c, const engine_opts *o);
void engine_h2_run(cell *c, const engine_opts *o);
/* Dispatch on c->sc->engine. */
void engine_run(cell *c, const engine_opts *o);

/* Raw engine: replays the requests before `failed` on a new connection, then
 * `k` filler bytes and request `failed`; returns 1 when request `failed` is
 * then answered as expected (so the server consumed exactly k bytes). */
int engine_raw_confirm_loss(cell *c, const engine_opts *o, int failed, long k);

#endif
