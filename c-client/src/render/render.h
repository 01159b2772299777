/* render/render.h - reports rendered from results.json alone (a cJSON tree), so a
 * report can be re-rendered later, elsewhere, from that file. */
#ifndef H2C_RENDER_H
#define H2C_RENDER_H

#include <cjson/cJSON.h>
#include "atomic_file.h"

/* Stages report.md, report.html, junit.xml, security.md and security.html
 * in set (nothing is renamed into place: the caller commits the set, with
 * its results.json); 0 or -1 with err. */
int render_stage(const cJSON *results, atomic_set *set, char *err,
                 size_t errlen);
/* The five reports written into dir (created when missing) as one set: all
 * of them replace the earlier ones, or none does; 0 or -1 with err. */
int render_all(const cJSON *results, const char *dir, char *err, size_t errlen);

#endif
