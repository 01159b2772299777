/* exchange.c - one request's answer: its headers, its release, and the
 * results.json names of its outcomes. */
#include "exchange.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void exchange_add_header(exchange *e, const char *name, const char *value) {
  char **p = realloc(e->headers, (size_t)(e->nheaders + 1) * 2 * sizeof *p);
  if (!p)
    return;
  e->headers = p;
  char *n = strdup(name), *v = strdup(value);
  if (!n || !v) {
    free(n);
    free(v);
    return;
  }
  p[2 * e->nheaders] = n;
  p[2 * e->nheaders + 1] = v;
  e->nheaders++;
}

const char *exchange_header(const exchange *e, const char *name) {
  for (int i = 0; i < e->nheaders; i++)
    if (strcasecmp(e->headers[2 * i], name) == 0)
      return e->headers[2 * i + 1];
  return NULL;
}

const char *exchange_outcome_name(outcome o) {
  switch (o) {
  case OUT_PENDING: return "pending";
  case OUT_ANSWERED: return "answered";
  case OUT_TIMEOUT: return "timeout";
  case OUT_CLOSED: return "closed";      /* not the verdict */
  case OUT_RESET: return "reset";
  case OUT_NOT_SENT: return "not-sent";
  case OUT_CONNECT_FAILED: return "connect-failed";
  case OUT_BAD_RESPONSE: return "bad-response";
  case OUT_TOO_BIG: return "too-big";
  }
  return "?";
}

void exchange_free(exchange *e) {
  for (int h = 0; h < 2 * e->nheaders; h++)
    free(e->headers[h]);
  free(e->headers);
  e->headers = NULL;
  e->nheaders = 0;
  buf_free(&e->body);
}
