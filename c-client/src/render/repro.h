/* render/repro.h - a shell command that reproduces a cell without
 * the lab. */
#ifndef H2C_RENDER_REPRO_H
#define H2C_RENDER_REPRO_H

#include "model.h"
#include "out.h"

typedef enum { REPRO_CURL, REPRO_NC, REPRO_BASH } repro_kind;

/* A shell command that reproduces scenario s against target t without the
 * lab (curl when curl can express it, else printf | nc, or bash /dev/tcp for
 * several connections). Only scenario and target data, never server bytes.
 * upgraded: the server answered 101 (curl cannot follow the raw engine). */
repro_kind repro_build(out *o, const r_model *m, int t, int s, int upgraded);

#endif
