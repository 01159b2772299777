/* verdict_text.h - building blocks of verdict reasons (verdict_text.c): one
 * line, valid UTF-8, wire bytes escaped and cut. Internal to the verdict. */
#ifndef H2C_VERDICT_TEXT_H
#define H2C_VERDICT_TEXT_H

#include "buf.h"
#include "cell.h"

#define SNIP_BYTES 40        /* bytes quoted from the wire in a reason */

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
