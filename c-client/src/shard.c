/* shard.c - the shard of a unit of cells (shard.h): a hash of names only, so
 * that a shard's cells depend on nothing but those names and N. */
#include "shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shard_parse(const char *s, int *k, int *n, char *err, size_t errlen) {
  const char *slash = s ? strchr(s, '/') : NULL;
  long kv = 0, nv = 0;
  int ok = slash && slash > s && slash[1] && strspn(s, "0123456789") == (size_t)(slash - s) &&
           strspn(slash + 1, "0123456789") == strlen(slash + 1) &&
           (size_t)(slash - s) <= 4 && strlen(slash + 1) <= 4;
  if (ok) {
    kv = strtol(s, NULL, 10);
    nv = strtol(slash + 1, NULL, 10);
    ok = kv >= 1 && nv >= 1 && kv <= nv && nv <= SHARD_MAX;
  }
  if (!ok) {
    snprintf(err, errlen, "--shard: expected K/N with 1 <= K <= N <= %d (e.g. 2/3), "
             "got \"%.40s\"", SHARD_MAX, s ? s : "");
    return -1;
  }
  *k = (int)kv;
  *n = (int)nv;
  return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ull;
  }
  h ^= 0xff;                 /* a separator no name holds: "ab"+"c" is not "a"+"bc" */
  return h * 0x100000001b3ull;
}

uint64_t shard_unit_hash(const char *group, const char *target, const char *scenario_root) {
  uint64_t h = 0xcbf29ce484222325ull;
  if (group)
    return fnv1a(fnv1a(h, "group"), group);
  h = fnv1a(fnv1a(h, "target"), target ? target : "");
  return scenario_root ? fnv1a(h, scenario_root) : h;
}

int shard_target_serial(int direct, int proxy, int backend_url, const char *group) {
  return !direct || proxy || backend_url || group;
}

int shard_of(uint64_t unit_hash, int n) {
  return n < 2 ? 1 : 1 + (int)(unit_hash % (uint64_t)n);
}
