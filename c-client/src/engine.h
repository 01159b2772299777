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

/* Raw engine, the loss check (runner.c measure_loss runs it three times:
 * docs/formats.md, "The loss check"). Replays on a new connection, in the
 * scenario's sending mode, the requests before `failed` on its connection,
 * then `filler` filler bytes and request `failed`. Returns LOSS_MATCH when
 * request `failed` was then answered as expected, LOSS_WRONG when it was not,
 * LOSS_NO_CONCLUSION when the replay could not get that far (an earlier
 * request not answered as before, no connection, the deadline). `seen`
 * (seenlen bytes) says in words what came back ("was answered `400 Bad
 * Request` (not the expected answer)"). */
enum { LOSS_NO_CONCLUSION = -1, LOSS_WRONG = 0, LOSS_MATCH = 1 };
int engine_raw_replay_loss(cell *c, const engine_opts *o, int failed, long filler,
                           char *seen, size_t seenlen);

#endif
