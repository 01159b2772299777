/* results_check.h - is this results.json one that `render` may read? The
 * renderers trust the shape of their input (a member that is a string, an
 * array of [name, value] pairs); this check is the gate in front of them, so
 * a file of another format version or with a wrong member type is refused
 * with its path and member named instead of rendered into nonsense. */
#ifndef H2C_RESULTS_CHECK_H
#define H2C_RESULTS_CHECK_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* The one format this probe writes and reads. */
#define RESULTS_CHECK_FORMAT "h2c-lab-results/1"
/* The one format of its "load" section (h2c-probe load, load_json.h). */
#define RESULTS_CHECK_LOAD_FORMAT "h2c-lab-load/1"

/* 0 when doc is an RESULTS_CHECK_FORMAT document whose known members have
 * their documented types (docs/formats.md) and whose targets and scenarios
 * are within TARGETS_MAX and SC_MAX_SCENARIOS; else -1 with err
 * "PATH: MEMBER: problem" (path: the file the user gave). */
int results_check_doc(const cJSON *doc, const char *path, char *err, size_t errlen);

#endif
