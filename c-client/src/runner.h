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

#endif
