/* results.h - the run → results.json (the only input of the renderers),
 * written atomically (temp file in the same directory, fsync, rename). */
#ifndef H2C_RESULTS_H
#define H2C_RESULTS_H

#include <stddef.h>
#include "runner.h"

/* Returns 0 or -1 with err (names the path). */
int results_write(const run *r, const char *path, char *err, size_t errlen);
/* Builds the JSON text (caller frees). */
char *results_to_json(const run *r);
/* The same as a text file (ending in a newline), its length in *len; NULL
 * when out of memory. What results_write writes and `run` stages. */
char *results_text(const run *r, size_t *len);

#endif
