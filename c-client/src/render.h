/* render.h - reports rendered from results.json alone (a cJSON tree), so a
 * report can be re-rendered later, elsewhere, from that file. */
#ifndef H2C_RENDER_H
#define H2C_RENDER_H

#include <cjson/cJSON.h>

/* Each writes its file atomically into dir; 0 or -1 with err. */
int render_md(const cJSON *results, const char *dir, char *err, size_t errlen);
int render_html(const cJSON *results, const char *dir, char *err, size_t errlen);
int render_junit(const cJSON *results, const char *dir, char *err, size_t errlen);
/* security.md: the security-relevant cells that report.md withholds (always
 * written, saying so when there are none). */
int render_security(const cJSON *results, const char *dir, char *err,
                    size_t errlen);
/* All four. */
int render_all(const cJSON *results, const char *dir, char *err, size_t errlen);

#endif
