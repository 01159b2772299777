/* render/render.h - reports rendered from results.json alone (a cJSON tree), so a
 * report can be re-rendered later, elsewhere, from that file. */
#ifndef H2C_RENDER_H
#define H2C_RENDER_H

#include <cjson/cJSON.h>

/* report.md, security.md, report.html and junit.xml, each written
 * atomically into dir (created when missing); 0 or -1 with err. */
int render_all(const cJSON *results, const char *dir, char *err, size_t errlen);

#endif
