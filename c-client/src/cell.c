/* cell.c - one (target, scenario) outcome and the names of its exchanges'
 * outcomes in results.json (the verdict names live in verdicts.c). */
#include "cell.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

/* An answer body larger than this is cut (the exchange becomes too-big):
 * every lab answer is a few bytes, so a cap this size only stops abuse. */
#define CELL_MAX_BODY (1024u * 1024u)

void cell_init(cell *c, const scenario *sc, const struct target *tg) {
  memset(c, 0, sizeof *c);
  c->sc = sc;
  c->tg = tg;
  c->lost_bytes = -1;
  c->verdict = V_ERROR;
  for (int i = 0; i < SC_MAX_REQUESTS; i++)
    buf_init(&c->ex[i].body, CELL_MAX_BODY);
  transcript_init(&c->tx, TRANSCRIPT_DEFAULT_MAX);
}

void cell_free(cell *c) {
  for (int i = 0; i < SC_MAX_REQUESTS; i++) {
    exchange *e = &c->ex[i];
    for (int h = 0; h < 2 * e->nheaders; h++)
      free(e->headers[h]);
    free(e->headers);
    e->headers = NULL;
    e->nheaders = 0;
    buf_free(&e->body);
  }
  transcript_free(&c->tx);
  cJSON_Delete(c->backend_log);
  c->backend_log = NULL;
  if (c->inst) {
    scenario_free(c->inst);
    free(c->inst);
    c->inst = NULL;
  }
}

int cell_instantiate(cell *c) {
  scenario *inst = calloc(1, sizeof *inst);
  if (!inst || scenario_instantiate(c->sc, c->tag, inst) != 0) {
    free(inst);
    return -1;
  }
  c->inst = inst;
  c->sc = inst;
  return 0;
}

/* Fixed width, lower-case base 36, most significant digit first (the value
 * is cut to the width: 8 digits of Unix ms last until the year 2059). */
static void base36(char *out, uint64_t v, int width) {
  static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int i = width - 1; i >= 0; i--) {
    out[i] = digits[v % 36];
    v /= 36;
  }
}

void cell_make_tag(char *out, char kind, uint64_t run_ms, unsigned index) {
  out[0] = kind;
  base36(out + 1, run_ms, 8);
  base36(out + 9, index, 3);
  out[SC_TAG_LEN] = '\0';
}

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

const char *outcome_name(outcome o) {
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

int cell_accepted(const cell *c) {
  const char *name = verdicts_name(c->verdict);
  for (int i = 0; i < c->sc->naccept; i++)
    if (strcmp(c->sc->accept[i], name) == 0)
      return 1;
  return 0;
}
