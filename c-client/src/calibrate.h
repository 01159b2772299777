/* calibrate.h - sizes a body to the head of a later request ("calibrate" in a
 * scenario, docs/formats.md).
 *
 * The gevent bug discards a Content-Length body a second time, eating that
 * many bytes of the NEXT request on the connection. When the body is exactly
 * as long as the next request's head, what remains is that request's body -
 * parsed as a request of its own: a request that was never sent as one.
 * Behind a proxy the head the backend parses is the proxy's rewrite, so its
 * length is measured: the calibration request (request R alone, on a new
 * connection, with the cell's tag turned into its calibration tag - same
 * length) goes through the target, and the backend log says how long a head
 * it parsed. Without a backend log the head is our own wire bytes. */
#ifndef H2C_CALIBRATE_H
#define H2C_CALIBRATE_H

#include "cell.h"
#include "engine.h"

/* Resizes the cell's instance (c->inst) and fills c->cal; notes in the
 * transcript say what was measured and how. No-op without "calibrate".
 * Returns 1 when a calibration request went through the target (behind a
 * pooling proxy it leaves an idle upstream connection behind), else 0. */
int calibrate_cell(cell *c, const engine_opts *o);

#endif
