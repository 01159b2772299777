/* load_stats.c - the latency histogram of load_stats.h. A value v (us)
 * lands in bucket (e, m): e = position of its top bit above the first
 * LOAD_HIST_SUB values, m = the next 4 bits; values below LOAD_HIST_SUB
 * have a bucket each. */
#include "load_stats.h"

static int bucket_of(uint64_t v) {
  if (v < LOAD_HIST_SUB)
    return (int)v;
  int top = 63 - __builtin_clzll(v);              /* >= 4 */
  int e = top - 3;                                /* 1.. */
  int m = (int)((v >> (top - 4)) & (LOAD_HIST_SUB - 1));
  int b = e * LOAD_HIST_SUB + m;
  return b < LOAD_HIST_BUCKETS ? b : LOAD_HIST_BUCKETS - 1;
}

/* The largest value of bucket b. */
static uint64_t bucket_top(int b) {
  if (b < LOAD_HIST_SUB)
    return (uint64_t)b;
  int e = b / LOAD_HIST_SUB, m = b % LOAD_HIST_SUB, top = e + 3;
  uint64_t lo = (1ull << top) | ((uint64_t)m << (top - 4));
  return lo + (1ull << (top - 4)) - 1;
}

void load_hist_add(load_hist *h, uint64_t us) {
  h->count[bucket_of(us)]++;
  h->n++;
  h->sum_us += us;
  if (us > h->max_us)
    h->max_us = us;
}

void load_hist_merge(load_hist *into, const load_hist *from) {
  for (int i = 0; i < LOAD_HIST_BUCKETS; i++)
    into->count[i] += from->count[i];
  into->n += from->n;
  into->sum_us += from->sum_us;
  if (from->max_us > into->max_us)
    into->max_us = from->max_us;
}

uint64_t load_hist_quantile(const load_hist *h, double q) {
  if (h->n == 0)
    return 0;
  uint64_t rank = (uint64_t)(q * (double)h->n + 0.999999);
  if (rank < 1)
    rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < LOAD_HIST_BUCKETS; i++) {
    seen += h->count[i];
    if (seen >= rank) {
      uint64_t top = bucket_top(i);
      return top < h->max_us ? top : h->max_us;
    }
  }
  return h->max_us;
}
