/* render/jget.h - typed reads from the results.json tree. */
#ifndef H2C_RENDER_JGET_H
#define H2C_RENDER_JGET_H

#include <cjson/cJSON.h>

/* JSON helpers: NULL / dflt when missing or of another type. */
const char *jget_str(const cJSON *obj, const char *key);
double jget_num(const cJSON *obj, const char *key, double dflt);
/* A number clamped to ±1e15 (a hostile 1e300 must not overflow a cast). */
long jget_long(const cJSON *obj, const char *key, long dflt);
/* The member when it is an array, else NULL. */
const cJSON *jget_arr(const cJSON *obj, const char *key);

#endif
