/* render/jget.c - typed reads from results.json's cJSON tree: a member of
 * another type is as good as missing, and numbers are clamped, so a hostile
 * file can neither crash a report nor overflow a cast. */
#include "jget.h"

const char *jget_str(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

double jget_num(const cJSON *obj, const char *key, double dflt) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

long jget_long(const cJSON *obj, const char *key, long dflt) {
  double d = jget_num(obj, key, (double)dflt);
  if (d > 1e15)
    d = 1e15;
  if (d < -1e15)
    d = -1e15;
  return (long)d;
}

const cJSON *jget_arr(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsArray(v) ? v : NULL;
}

