/* verdict.h - decides a cell's verdict and a one-line reason a person
 * understands, from the exchanges alone (never from a target's name). */
#ifndef H2C_VERDICT_H
#define H2C_VERDICT_H

#include "cell.h"

/* Is exchange i what scenario request i expects? why gets "got ..." text. */
int verdict_exchange_ok(const cell *c, int i, char *why, size_t whylen);
/* Index of the first request not answered as expected, or -1. */
int verdict_first_failure(const cell *c);
/* Decides in this order: n/a (na_status), poisoned (a client's answer
 * carries another client's token), smuggled (a hidden request was
 * parsed: backend log or marker), cross-client (the first wrong answer is
 * another client's), then the per-request rules; sets c->security. */
void verdict_decide(cell *c);

/* verdict_proxy.c - the rules above that a reverse proxy makes possible.
 * Each returns 1 and appends its reason to why when it applies. */
int verdict_proxy_smuggled(const cell *c, buf *why);
/* verdict_poison.c: a client got the answer to another client's request. */
int verdict_proxy_poisoned(const cell *c, buf *why);
int verdict_proxy_cross_client(const cell *c, int first_failure, buf *why);
/* Request r asks for e's resource itself (same method, path before '?'):
 * an answer carrying e's marker is then r's own, e.g. a direct GET /admin. */
int verdict_proxy_same_resource(const sc_request *r, const sc_embedded *e);
/* Appends that the backend log lacks request i (when the cell has a log). */
void verdict_proxy_add_log_absence(buf *why, const cell *c, int i);
/* Appends how a calibrated body was sized, when request i was calibrated. */
void verdict_proxy_add_calibration(buf *why, const cell *c, int i);

#endif
