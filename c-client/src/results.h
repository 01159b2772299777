/* results.h - the run → results.json (the only input of the renderers),
 * written atomically (temp file in the same directory, fsync, rename). */
#ifndef H2C_RESULTS_H
#define H2C_RESULTS_H

#include <stdint.h>
#include "cell.h"
#include "target.h"
#include <cjson/cJSON.h>

typedef struct run {
  target *targets; int ntargets;
  scenario *scenarios; int nscenarios;
  cell *cells; int ncells;          /* ntargets * nscenarios, target-major */
  char started[32], finished[32];   /* ISO 8601 UTC */
  int64_t duration_ms;
  int timeout_ms, jobs;
  cJSON *attachments;                /* run --attach: {NAME: document} or NULL */
} run;

/* Returns 0 or -1 with err (names the path). */
int results_write(const run *r, const char *path, char *err, size_t errlen);
/* Builds the JSON text (caller frees). */
char *results_to_json(const run *r);

#endif
