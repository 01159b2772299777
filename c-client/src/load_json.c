/* load_json.c - the load section of results.json (load_json.h). Times are
 * milliseconds with three decimals; counts are exact. A run lists its first
 * LOAD_JSON_MAX_ATTACKS attacks one by one, and always the totals. */
#include "load_json.h"

#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "json_file.h"
#include "render/render.h"
#include "results_check.h"

static double ms(uint64_t us) {
  return (double)us / 1000.0;
}

static void add_classes(cJSON *o, const char *name, const uint32_t *n32, const uint64_t *n64) {
  cJSON *c = cJSON_AddObjectToObject(o, name);
  for (int k = 0; c && k < LOAD_NCLASS; k++)
    cJSON_AddNumberToObject(c, load_class_name((load_class)k),
                            n32 ? (double)n32[k] : (double)n64[k]);
}

static uint64_t affected(const uint32_t *v) {
  return (uint64_t)v[LOAD_ERROR] + v[LOAD_CROSSED] + v[LOAD_NO_ANSWER];
}

static void add_attacks(cJSON *run, const load_report *r) {
  cJSON *a = cJSON_AddObjectToObject(run, "attacks");
  if (!a)
    return;
  uint64_t after[LOAD_NCLASS] = {0};
  int with = 0, worst = 0;
  for (int i = 0; i < r->nattacks; i++) {
    for (int k = 0; k < LOAD_NCLASS; k++)
      after[k] += r->attacks[i].failed[k];
    uint64_t n = affected(r->attacks[i].failed);
    with += n > 0;
    if (n > affected(r->attacks[worst].failed))
      worst = i;
  }
  cJSON_AddNumberToObject(a, "sent", r->nattacks);
  cJSON_AddNumberToObject(a, "answered", 0);
  cJSON_AddNumberToObject(a, "with_affected", with);
  cJSON_AddNumberToObject(a, "max_affected",
                          r->nattacks ? (double)affected(r->attacks[worst].failed) : 0);
  add_classes(a, "after", NULL, after);
  cJSON *list = cJSON_AddArrayToObject(a, "list");
  int answered = 0;
  for (int i = 0; i < r->nattacks; i++) {
    answered += r->attacks[i].status > 0;
    if (!list || i >= LOAD_JSON_MAX_ATTACKS)
      continue;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(list, e);
    cJSON_AddNumberToObject(e, "n", i + 1);
    cJSON_AddNumberToObject(e, "t_ms", ms((uint64_t)r->attacks[i].t_us));
    if (r->attacks[i].status)
      cJSON_AddNumberToObject(e, "status", r->attacks[i].status);
    else
      cJSON_AddNullToObject(e, "status");
    add_classes(e, "victims", r->attacks[i].failed, NULL);
  }
  cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(a, "answered"), answered);
  cJSON_AddBoolToObject(a, "list_truncated", r->nattacks > LOAD_JSON_MAX_ATTACKS);
}

static void add_latency(cJSON *run, const load_hist *h) {
  cJSON *l = cJSON_AddObjectToObject(run, "latency_ms");
  cJSON_AddNumberToObject(l, "p50", ms(load_hist_quantile(h, 0.50)));
  cJSON_AddNumberToObject(l, "p99", ms(load_hist_quantile(h, 0.99)));
  cJSON_AddNumberToObject(l, "max", ms(h->max_us));
}

static void add_statuses(cJSON *run, const load_report *r) {
  static const char *const slot[LOAD_STATUS_SLOTS] = {"none", "1xx", "2xx", "3xx", "4xx",
                                                      "5xx", "wrong_body"};
  cJSON *s = cJSON_AddObjectToObject(run, "not_ok_answers");
  for (int k = 0; s && k < LOAD_STATUS_SLOTS; k++)
    if (r->status_count[k])
      cJSON_AddNumberToObject(s, slot[k], (double)r->status_count[k]);
}

/* info.proxy and info.backend of the target (the lab's proxy rows). */
static void add_roles(cJSON *run, const char *info_json) {
  cJSON *info = info_json ? cJSON_Parse(info_json) : NULL;
  static const char *const keys[] = {"proxy", "backend", "family"};
  for (int i = 0; i < 3; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(info, keys[i]);
    if (cJSON_IsString(v))
      cJSON_AddStringToObject(run, keys[i], v->valuestring);
  }
  cJSON_Delete(info);
}

cJSON *load_json_run(const load_report *r, const char *name, const char *url,
                     const char *info_json) {
  cJSON *run = cJSON_CreateObject();
  cJSON_AddStringToObject(run, "target", name);
  cJSON_AddStringToObject(run, "url", url);
  add_roles(run, info_json);
  cJSON_AddNumberToObject(run, "duration_ms", ms((uint64_t)r->duration_us));
  cJSON_AddNumberToObject(run, "threads", r->threads);
  cJSON_AddNumberToObject(run, "sent", (double)r->sent);
  uint64_t answered = r->latency.n;
  cJSON_AddNumberToObject(run, "answered", (double)answered);
  cJSON_AddNumberToObject(run, "unfinished", (double)r->unfinished);
  cJSON_AddNumberToObject(run, "requests_per_s",
                          r->duration_us > 0 ? (double)answered * 1e6 / (double)r->duration_us : 0);
  add_latency(run, &r->latency);
  add_classes(run, "classes", NULL, r->by_class);
  cJSON *cf = cJSON_AddObjectToObject(run, "crossed_from");
  cJSON_AddNumberToObject(cf, "victim", (double)r->crossed_victim);
  cJSON_AddNumberToObject(cf, "attacker", (double)r->crossed_attacker);
  add_statuses(run, r);
  add_classes(run, "before_first_attack", NULL, r->before_attack);
  cJSON_AddNumberToObject(run, "connects", (double)r->connects);
  cJSON_AddNumberToObject(run, "connect_failures", (double)r->connect_failures);
  add_attacks(run, r);
  return run;
}

cJSON *load_json_section(const load_json_opts *jo) {
  const load_opts *o = jo->o;
  cJSON *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "format", LOAD_JSON_FORMAT);
  cJSON *op = cJSON_AddObjectToObject(s, "options");
  cJSON_AddStringToObject(op, "protocol", o->proto == LOAD_H2C ? "h2c" : "http/1.1");
  cJSON_AddStringToObject(op, "victim_request", o->victim_path ? "GET" : "POST /echo (token)");
  if (o->victim_path)
    cJSON_AddStringToObject(op, "victim_path", o->victim_path);
  cJSON_AddNumberToObject(op, "victims", o->victims);
  cJSON_AddNumberToObject(op, "attackers", o->attackers);
  cJSON_AddNumberToObject(op, "attack_rate", o->attackers ? o->attack_rate : 0);
  cJSON_AddNumberToObject(op, "attack_delay_ms", o->attack_delay_ms);
  cJSON_AddNumberToObject(op, "duration_ms", o->duration_ms);
  cJSON_AddNumberToObject(op, "requests", (double)o->requests);
  cJSON_AddNumberToObject(op, "deadline_ms", o->deadline_ms);
  cJSON_AddNumberToObject(op, "depth", o->depth);
  if (jo->trigger_file) {
    cJSON *t = cJSON_AddObjectToObject(op, "trigger");
    cJSON_AddStringToObject(t, "scenario", jo->trigger_scenario ? jo->trigger_scenario : "");
    cJSON_AddNumberToObject(t, "request", jo->trigger_request);
  }
  cJSON_AddArrayToObject(s, "runs");
  return s;
}

/* The directory of path ("." when it names none). */
static void dir_of(const char *path, char *dir, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(dir, cap, ".");
  else
    snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/* results.json and its reports go in as one set (atomic_set): all of them
 * replace the earlier ones, or, on any failure, none does. */
int load_json_into_results(const char *path, cJSON *section, char *err, size_t errlen) {
  cJSON *doc = json_file_load(path, JSON_FILE_MAX, err, errlen);
  if (!doc || results_check_doc(doc, path, err, errlen) != 0) {
    cJSON_Delete(section);
    cJSON_Delete(doc);
    return -1;
  }
  cJSON_DeleteItemFromObjectCaseSensitive(doc, "load");
  cJSON_AddItemToObject(doc, "load", section);
  char *text = cJSON_Print(doc), dir[4096];
  const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  dir_of(path, dir, sizeof dir);
  int rc = -1;
  atomic_set set;
  atomic_set_init(&set, dir);
  if (!text)
    snprintf(err, errlen, "out of memory");
  else if (results_check_doc(doc, path, err, errlen) == 0 &&
           atomic_set_add(&set, name, text, strlen(text), err, errlen) == 0 &&
           render_stage(doc, &set, err, errlen) == 0 &&
           atomic_set_commit(&set, err, errlen) == 0)
    rc = 0;
  atomic_set_free(&set);
  cJSON_free(text);
  cJSON_Delete(doc);
  return rc;
}
