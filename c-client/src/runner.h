/* runner.h - runs every (target, scenario) cell with bounded concurrency
 * (--jobs worker threads), so a run costs about one timeout, not the sum. */
#ifndef H2C_RUNNER_H
#define H2C_RUNNER_H

#include "results.h"

typedef struct runner_opts {
  int timeout_ms;
  int jobs;
  int progress;          /* draw progress on stderr (a terminal) */
} runner_opts;

void runner_run(run *r, const runner_opts *o);
/* One cell, exactly as runner_run runs each: tag (unless c->tag is set),
 * instance, skipped requests, backend reset, calibration, engine, loss
 * measurement, backend log, verdict. run_t0 (now_ms clock) and run_ms (Unix
 * ms) are the run's start; idx is the cell's index (its tag's last digits).
 * tests/test_cases.c drives every data-driven case through it. */
void runner_run_cell(cell *c, int timeout_ms, int64_t run_t0, uint64_t run_ms, int idx);

#endif
