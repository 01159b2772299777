/* load_json.h - `h2c-probe load` results as JSON: one run object per target
 * (docs/formats.md, "The load section"), the section that holds them, and
 * the section put into an existing results.json (whose reports are then
 * rendered again from it, the one input of every report). */
#ifndef H2C_LOAD_JSON_H
#define H2C_LOAD_JSON_H

#include <cjson/cJSON.h>

#include "load.h"
#include "results_check.h"

#define LOAD_JSON_FORMAT RESULTS_CHECK_LOAD_FORMAT
#define LOAD_JSON_MAX_ATTACKS 200    /* attacks listed one by one per run */

/* What the run was given, for the section's "options". */
typedef struct load_json_opts {
  const load_opts *o;
  const char *trigger_file, *trigger_scenario;
  int trigger_request;
} load_json_opts;

cJSON *load_json_section(const load_json_opts *jo);
/* One run of target name (its proxy and backend from info_json, may be NULL). */
cJSON *load_json_run(const load_report *r, const char *name, const char *url,
                     const char *info_json);
/* Replaces results.json's "load" member by section (taken over), checks the
 * document as render does, writes it atomically and renders the reports of
 * its directory again. 0, or -1 with err. */
int load_json_into_results(const char *path, cJSON *section, char *err, size_t errlen);

#endif
