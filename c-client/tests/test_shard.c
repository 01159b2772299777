/* test_shard.c - run --shard K/N (shard.c, runner_cell_shard): the split is a
 * partition (each cell in exactly one shard, for every N), the cells that
 * must run together stay together (a serial target's, a scenario with its
 * control on a direct target), a cell's shard does not move when targets are
 * added, the shards are roughly even, and K/N is parsed strictly. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "runner.h"
#include "shard.h"

/* A run of nt targets x ns scenarios, built in memory: target i is direct
 * (info.direct) when i is even; scenario 2k + 1 has scenario 2k as control. */
static void fake_run(run *r, int nt, int ns) {
  memset(r, 0, sizeof *r);
  r->ntargets = nt;
  r->nscenarios = ns;
  r->targets = calloc((size_t)nt, sizeof *r->targets);
  r->scenarios = calloc((size_t)ns, sizeof *r->scenarios);
  for (int t = 0; t < nt; t++) {
    char name[32];
    snprintf(name, sizeof name, "target-%d", t);
    r->targets[t].name = strdup(name);
    r->targets[t].direct = t % 2 == 0;
  }
  for (int s = 0; s < ns; s++) {
    char id[32];
    snprintf(id, sizeof id, "scenario-%d", s);
    r->scenarios[s].id = strdup(id);
    if (s % 2 == 1) {
      snprintf(id, sizeof id, "scenario-%d", s - 1);
      r->scenarios[s].control = strdup(id);
    }
  }
}

static void free_fake(run *r) {
  for (int t = 0; t < r->ntargets; t++)
    free(r->targets[t].name);
  for (int s = 0; s < r->nscenarios; s++) {
    free(r->scenarios[s].id);
    free(r->scenarios[s].control);
  }
  free(r->targets);
  free(r->scenarios);
}

TEST(shard_parse_strict) {
  static const struct { const char *in; int k, n; } good[] = {
      {"1/1", 1, 1}, {"1/3", 1, 3}, {"3/3", 3, 3}, {"12/1000", 12, 1000}};
  static const char *const bad[] = {"", "3", "0/3", "4/3", "1/0", "1/1001", "-1/3", "1/3x",
                                    "1//3", "/3", "1/", " 1/3", "1/+3", "00001/3"};
  char err[160];
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    int k = 0, n = 0;
    CHECK_INT(shard_parse(good[i].in, &k, &n, err, sizeof err), 0);
    CHECK_INT(k, good[i].k);
    CHECK_INT(n, good[i].n);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int k = 0, n = 0;
    if (shard_parse(bad[i], &k, &n, err, sizeof err) == 0)
      fprintf(stderr, "  \"%s\" was taken\n", bad[i]);
    CHECK_INT(shard_parse(bad[i], &k, &n, err, sizeof err), -1);
    CHECK(strstr(err, "expected K/N") != NULL);
  }
}

TEST(shards_partition_and_keep_units_together) {
  run r;
  fake_run(&r, 40, 24);
  for (int n = 1; n <= 7; n++) {
    int per[8] = {0};
    for (int t = 0; t < r.ntargets; t++)
      for (int s = 0; s < r.nscenarios; s++) {
        int k = runner_cell_shard(&r, t, s, n);
        CHECK(k >= 1 && k <= n);                 /* each cell in exactly one */
        per[k]++;
        if (!r.targets[t].direct)                /* a serial target: one shard */
          CHECK_INT(k, runner_cell_shard(&r, t, 0, n));
        if (s % 2 == 1)                          /* with its control */
          CHECK_INT(k, runner_cell_shard(&r, t, s - 1, n));
      }
    /* roughly even (a hash of whole units: measured 62-208 for a share of
     * 137 with N = 7): each shard at least a quarter of its share */
    for (int k = 1; k <= n; k++)
      CHECK(per[k] * 4 * n >= r.ntargets * r.nscenarios);
  }
  /* a direct target's cells are spread (not one unit) */
  int seen[4] = {0};
  for (int s = 0; s < r.nscenarios; s++)
    seen[runner_cell_shard(&r, 0, s, 3)] = 1;
  CHECK_INT(seen[1] + seen[2] + seen[3], 3);
  free_fake(&r);
}

TEST(shard_stable_when_targets_are_added) {
  run small, big;
  fake_run(&small, 10, 6);
  fake_run(&big, 30, 6);   /* the same ten first, twenty more after them */
  for (int t = 0; t < small.ntargets; t++)
    for (int s = 0; s < small.nscenarios; s++)
      CHECK_INT(runner_cell_shard(&small, t, s, 4), runner_cell_shard(&big, t, s, 4));
  /* and it depends on the names, not the position */
  free(big.targets[29].name);
  big.targets[29].name = strdup("target-3");
  big.targets[29].direct = big.targets[3].direct;
  for (int s = 0; s < big.nscenarios; s++)
    CHECK_INT(runner_cell_shard(&big, 29, s, 4), runner_cell_shard(&big, 3, s, 4));
  free_fake(&small);
  free_fake(&big);
}

/* The same names never depend on where a separator falls. */
TEST(unit_hash_separates_names) {
  CHECK(shard_unit_hash(NULL, "ab", "c") != shard_unit_hash(NULL, "a", "bc"));
  CHECK(shard_unit_hash(NULL, "t", NULL) != shard_unit_hash(NULL, "t", ""));
  CHECK(shard_unit_hash("t", NULL, NULL) != shard_unit_hash(NULL, "t", NULL));
  CHECK_INT(shard_of(12345, 1), 1);
}

CHECK_MAIN(CASE(shard_parse_strict), CASE(shards_partition_and_keep_units_together),
           CASE(shard_stable_when_targets_are_added), CASE(unit_hash_separates_names))
