/* merge.h - `h2c-probe merge`: the results.json files of the N shards of
 * one run (run --shard K/N on as many hosts) made into the one results.json
 * the unsharded run would have written, so the reports render from it as
 * from any run. Whatever would make the sum differ from that run is
 * refused with the file named: another probe or library version, another
 * catalogue (scenarios), other targets, another --timeout-ms, a shard
 * missing or given twice, a cell twice or in no file. */
#ifndef H2C_MERGE_H
#define H2C_MERGE_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* The merged document (caller cJSON_Delete's it), or NULL with err
 * ("PATH: what differs from FIRST; what to do"). */
cJSON *merge_files(const char *const *paths, int n, char *err, size_t errlen);

#endif
