/* results.h - the run → results.json (the only input of the renderers),
 * written atomically (temp file in the same directory, fsync, rename). */
#ifndef H2C_RESULTS_H
#define H2C_RESULTS_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "runner.h"

/* Returns 0 or -1 with err (names the path). */
int results_write(const run *r, const char *path, char *err, size_t errlen);
/* The "summary" object: n/a apart from ok and not ok, by_verdict in the
 * vocabulary's order (by_verdict[v] for each verdict v, V__COUNT of them). */
cJSON *results_summary(int cells, int ok, int na, int security, const int *by_verdict);
/* Builds the JSON text (caller frees). */
char *results_to_json(const run *r);
/* The same as a text file (ending in a newline), its length in *len; NULL
 * when out of memory. What results_write writes and `run` stages. */
char *results_text(const run *r, size_t *len);
/* The same for a document built elsewhere (merge.c), printed as run prints
 * its own, so the reports render alike from either. */
char *results_doc_text(const cJSON *doc, size_t *len);

#endif
