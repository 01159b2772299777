/* shard.h - which shard of a run a cell belongs to (run --shard K/N, and
 * merge's messages), so that a large matrix can run on many hosts and the
 * shards still add up to exactly the unsharded run.
 *
 * Cells are cut into units that must run together on one host: the cells of
 * an isolation group (targets sharing a backend), the cells of a target
 * whose cells run in order (runner_target_serial: a proxy's pooled upstream
 * connections), else one scenario and its control on one target (so the
 * control comparison, runner_compare_controls, has both). A unit goes to
 * shard 1 + hash(its names) mod N: the same unit always lands in the same
 * shard, whatever else the targets file or the catalogue holds. */
#ifndef H2C_SHARD_H
#define H2C_SHARD_H

#include <stddef.h>
#include <stdint.h>

#define SHARD_MAX 1000

/* "K/N" with 1 <= K <= N <= SHARD_MAX, digits only. 0, or -1 with err
 * saying what was expected. */
int shard_parse(const char *s, int *k, int *n, char *err, size_t errlen);
/* The unit's hash (FNV-1a, 64 bits) from its names: group (an isolation
 * group, or NULL), else target, and scenario_root (the scenario's control,
 * else its own id; NULL when the whole target is one unit). */
uint64_t shard_unit_hash(const char *group, const char *target, const char *scenario_root);
/* Whether a target's cells run one at a time, in order (one unit): unless
 * it is said to be direct, or when it has a proxy, a backend log or reset
 * URL or an isolation group (runner.c says why). The one rule for the
 * runner (target structs) and merge (results.json's info). */
int shard_target_serial(int direct, int proxy, int backend_url, const char *group);
/* The shard (1..n) of a unit. */
int shard_of(uint64_t unit_hash, int n);

#endif
