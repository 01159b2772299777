/* render/facts.h - the sentences and excerpts every report shows,
 * written once as clean plain text for the writers to escape. */
#ifndef H2C_RENDER_FACTS_H
#define H2C_RENDER_FACTS_H

#include "model.h"
#include "out.h"

/* The answer of each request, e.g. "request 1: 200 OK (HTTP/1.1, 13-byte
 * body); request 2: 400 Bad Request (...)". Clean text, one line. */
void facts_answers(out *o, const r_cell *c);
/* "13 bytes of the following request were consumed (how we know)". */
void facts_loss(out *o, const r_cell *c);
/* Transcript excerpt as clean text (ASCII, newlines): about budget bytes in
 * all, at most per_event bytes of any one event (0: a fair share of what is
 * left, so a huge first event cannot hide the answers after it). */
void facts_transcript(out *o, const r_cell *c, size_t budget, size_t per_event);
/* The one-paragraph summary as clean plain text. Security-relevant cells
 * are only counted, never described; security_where says where they are. */
void facts_summary(out *o, const r_model *m, const char *security_where);
/* After a 101 with after_101: what was sent and what came back, or nothing. */
void facts_after_101(out *o, const r_cell *c, const cJSON *exchange);
/* How a calibrated cell was sized: "request 2's head is 96 bytes as the
 * server parses it (source backend-log); request 1's body was sized to
 * that", or the fields as given when they are not all there. */
void facts_calibration(out *o, const r_cell *c);
/* A scenario's "calibrate": "request 1's body is sized to request 2's head
 * as the server parses it (measured per cell)", or the value as given. */
void facts_calibrate(out *o, const cJSON *calibrate);
/* A request's "embedded" list: "GET /admin?cell={cell} (its answer carries
 * `MARKER`)", joined by "; "; other shapes as given. */
void facts_embedded(out *o, const cJSON *embedded);
/* The backend's log lines of a cell (escaped strings as they are), bounded. */
void facts_backend_log(out *o, const r_cell *c, size_t budget);
/* The probe line: "h2c-probe 0.1.0 (libcurl …); run …". Clean text. */
void facts_probe(out *o, const r_model *m);

#endif
