/* verdict.h - decides a cell's verdict and a one-line reason a person
 * understands, from the exchanges alone (never from a target's name). */
#ifndef H2C_VERDICT_H
#define H2C_VERDICT_H

#include "cell.h"

/* Is exchange i what scenario request i expects? why gets "got ..." text. */
int verdict_exchange_ok(const cell *c, int i, char *why, size_t whylen);
/* Index of the first request not answered as expected, or -1. */
int verdict_first_failure(const cell *c);
void verdict_decide(cell *c);

#endif
