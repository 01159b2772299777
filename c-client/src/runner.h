/* runner.h - a run (targets x scenarios, its cells, when it ran) and the
 * runner that fills it: every (target, scenario) cell with bounded
 * concurrency (--jobs worker threads), so a run costs about one timeout, not
 * the sum. results.c writes a run out; main.c loads and frees it. */
#ifndef H2C_RUNNER_H
#define H2C_RUNNER_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "cell.h"
#include "target.h"

/* One run: what it ran on (owned), the cells it filled, and when. */
typedef struct run {
  target *targets; int ntargets;
  scenario *scenarios; int nscenarios;
  cell *cells; int ncells;          /* ntargets * nscenarios, target-major */
  char started[32], finished[32];   /* ISO 8601 UTC */
  int64_t duration_ms;
  int timeout_ms, jobs;
  cJSON *attachments;                /* run --attach: {NAME: document} or NULL */
  /* run --shard K/N: shard_n > 1 and in_run[i] says whether cell i is in
   * this shard (the others are neither run nor written); else in_run is
   * NULL and every cell runs. */
  int shard_k, shard_n;
  unsigned char *in_run;
} run;

typedef struct runner_opts {
  int timeout_ms;
  int jobs;
  int progress;          /* draw progress on stderr (a terminal) */
  int shard_k, shard_n;  /* run --shard K/N; shard_n 0 or 1: every cell */
} runner_opts;

void runner_run(run *r, const runner_opts *o);
/* Whether target t's cells must run one at a time, in catalogue order: it
 * has upstream state that outlives a cell (a proxy's pooled upstream
 * connections: info.proxy, a backend reset or log, an isolation group).
 * The cells of any other target run in parallel (runner.c says why). */
int runner_target_serial(const target *t);
/* Cell idx is run and written (every cell, unless run --shard). */
int runner_in_run(const run *r, int idx);
/* The shard (1..n) of cell (t, s) of run r (shard.h's units). */
int runner_cell_shard(const run *r, int t, int s, int n);
/* The documented bounds (docs/formats.md, "Time bounds"), in ms: what one
 * cell of scenario sc on target t may take at most (the sum of its phases'
 * deadlines), and a whole run (its version fetches, then every cell's bound
 * one after the other). Only CPU work and closing sockets come on top. */
int64_t runner_cell_bound_ms(const scenario *sc, const target *t, int timeout_ms);
int64_t runner_run_bound_ms(const run *r, int timeout_ms, int jobs);
/* After the cells: a failing cell whose scenario names a control
 * (scenario "control": the same requests without the upgrade headers) gets
 * told when the same target fails that control the same way (same verdict,
 * same first failing request): its reason then says the failure is not
 * caused by the upgrade headers. Runs by runner_run; a test may call it. */
void runner_compare_controls(run *r);
/* Frees the cells, scenarios, targets and attachments of a run (a run that
 * is all zeroes, or only partly loaded, is fine). */
void runner_free(run *r);
/* Counts accepted, n/a (neither ok nor a failure) and security cells. */
void runner_count(const run *r, int *ok, int *na, int *security);
/* One cell, exactly as runner_run runs each: tag (unless c->tag is set),
 * instance, skipped requests, backend reset, calibration, engine, loss
 * measurement, backend log, verdict. run_t0 (now_ms clock) and run_ms (Unix
 * ms) are the run's start; idx is the cell's index (its tag's last digits).
 * tests/test_cases.c drives every data-driven case through it. */
void runner_run_cell(cell *c, int timeout_ms, int64_t run_t0, uint64_t run_ms, int idx);

#endif
