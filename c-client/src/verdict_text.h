/* verdict_text.h - building blocks of verdict reasons (verdict_text.c): one
 * line, valid UTF-8, wire bytes escaped and cut. Internal to the verdict. */
#ifndef H2C_VERDICT_TEXT_H
#define H2C_VERDICT_TEXT_H

#include "buf.h"
#include "cell.h"

#define SNIP_BYTES 40        /* bytes quoted from the wire in a reason */

/* A reason is written fragment by fragment into one capped buf. A fragment
 * that does not fit fails the buf for good (buf.h: failures are sticky), so
 * the reason is cut at a fragment boundary, never missing a middle piece;
 * verdict_decide marks a cut reason with "…". These are the only appends
 * whose result nobody checks one by one: buf_failed says it once. */
void verdict_text_add(buf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void verdict_text_adds(buf *why, const char *s);

/* data escaped, at most SNIP_BYTES of it, "…" when cut */
void verdict_text_snippet(buf *out, const void *data, size_t n);
/* the engine's words (may hold server bytes): one line, UTF-8, escaped */
void verdict_text_words(buf *out, const char *s);
/* the previous request SENT on request i's connection, or -1 */
int verdict_text_prev_on_conn(const cell *c, int i);
/* the body a correct server answers request r with, when the scenario says */
int verdict_text_expected_body(const sc_request *r, buf *out);
/* "request 2 (POST /echo)" */
void verdict_text_request_name(buf *out, const scenario *sc, int i);
/* "expected 200 with body `abc`" */
void verdict_text_expectation(buf *out, const cell *c, int i);
/* "`400 Bad Request` with body `...`" */
void verdict_text_answer(buf *out, const exchange *e);
/* "got `400 Bad Request`" / "got no complete answer ..." */
void verdict_text_got(buf *out, const exchange *e);

#endif
