/* cell.c - one (target, scenario) outcome: its life cycle, its tag and its
 * scenario instance, and whether its verdict is one the scenario accepts. */
#include "cell.h"

#include <stdlib.h>
#include <string.h>

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
  for (int i = 0; i < SC_MAX_REQUESTS; i++)
    exchange_free(&c->ex[i]);
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
  if (!inst || scenario_inst_create(c->sc, c->tag, inst) != 0) {
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

int cell_accepted(const cell *c) {
  const char *name = verdicts_name(c->verdict);
  for (int i = 0; i < c->sc->naccept; i++)
    if (strcmp(c->sc->accept[i], name) == 0)
      return 1;
  return 0;
}
