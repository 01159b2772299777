/* load_stats.h - latency of `h2c-probe load` without a sample per request:
 * a fixed log-linear histogram (16 steps per power of two, so a percentile
 * is exact to within 1/16 = 6.25 %), the exact maximum, merged per thread.
 * No allocation, whatever the request count. */
#ifndef H2C_LOAD_STATS_H
#define H2C_LOAD_STATS_H

#include <stdint.h>

#define LOAD_HIST_SUB 16
#define LOAD_HIST_BUCKETS (40 * LOAD_HIST_SUB)   /* up to 2^40 us */

typedef struct load_hist {
  uint64_t count[LOAD_HIST_BUCKETS];
  uint64_t n, max_us, sum_us;
} load_hist;

void load_hist_add(load_hist *h, uint64_t us);
void load_hist_merge(load_hist *into, const load_hist *from);
/* The q-quantile (0 < q <= 1) in microseconds: the upper edge of the bucket
 * that holds it, never more than max; 0 when empty. */
uint64_t load_hist_quantile(const load_hist *h, double q);

#endif
