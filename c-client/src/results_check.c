/* results_check.c - the gate in front of `render` (results_check.h).
 *
 * The shape of results.json (docs/formats.md) is written down once here as
 * tables: for each object, its known members, the JSON types each may have,
 * whether it is required, and for an object or a list of objects the table
 * of its members. One walk checks a document against them. Unknown members
 * are let through (they render as nothing); a known member of the wrong type
 * is an error, since a renderer would read it as absent or loop on it. */
#include "results_check.h"

#include <stdio.h>
#include <string.h>

#include "scenario.h"
#include "target.h"

enum { J_STR = 1, J_NUM = 2, J_BOOL = 4, J_NULL = 8, J_OBJ = 16, J_ARR = 32,
       J_PAIRS = 64 /* a list of [string, string] */ };

typedef struct rule {
  const char *name;
  unsigned types;             /* J_* allowed */
  int required;
  const struct rule *members; /* an object's members, or each list item's */
  unsigned items;             /* J_* allowed for each item of a list (0: any) */
} rule;

#define TEXT (J_STR | J_NULL)
#define END {NULL, 0, 0, NULL, 0}

static const rule EVENT[] = {
    {"conn", TEXT, 0, NULL, 0}, {"dir", J_STR, 1, NULL, 0}, {"t_ms", J_NUM, 0, NULL, 0},
    {"offset", J_NUM, 0, NULL, 0}, {"len", J_NUM, 0, NULL, 0}, {"data", J_STR, 0, NULL, 0},
    {"text", TEXT, 0, NULL, 0}, END};
static const rule TRANSCRIPT[] = {
    {"truncated", J_BOOL, 0, NULL, 0}, {"events", J_ARR, 0, EVENT, J_OBJ}, END};
static const rule EXCHANGE[] = {
    {"request", J_NUM, 1, NULL, 0}, {"connection", TEXT, 0, NULL, 0},
    {"outcome", J_STR, 1, NULL, 0}, {"status", J_NUM | J_NULL, 0, NULL, 0},
    {"reason_phrase", TEXT, 0, NULL, 0}, {"http_version", TEXT, 0, NULL, 0},
    {"stream_id", J_NUM | J_NULL, 0, NULL, 0}, {"headers", J_ARR, 0, NULL, J_PAIRS},
    {"body", TEXT, 0, NULL, 0}, {"body_len", J_NUM, 0, NULL, 0},
    {"conn_close", J_BOOL, 0, NULL, 0}, {"new_connection", J_BOOL, 0, NULL, 0},
    {"elapsed_ms", J_NUM, 0, NULL, 0}, {"detail", TEXT, 0, NULL, 0}, END};
static const rule TIMINGS[] = {
    {"start_ms", J_NUM, 0, NULL, 0}, {"total_ms", J_NUM, 0, NULL, 0}, END};
static const rule CELL[] = {
    {"target", J_STR, 1, NULL, 0}, {"scenario", J_STR, 1, NULL, 0},
    {"verdict", J_STR, 1, NULL, 0}, {"ok", J_BOOL | J_NULL, 0, NULL, 0},
    {"reason", TEXT, 0, NULL, 0}, {"lost_bytes", J_NUM | J_NULL, 0, NULL, 0},
    {"loss_evidence", TEXT, 0, NULL, 0}, {"upgraded", J_BOOL, 0, NULL, 0},
    {"tag", TEXT, 0, NULL, 0}, {"security", J_BOOL, 0, NULL, 0},
    {"backend_log", J_ARR | J_NULL, 0, NULL, 0},  /* entries: rendered as found */
    {"calibration", J_OBJ | J_NULL, 0, NULL, 0}, {"timings", J_OBJ, 0, TIMINGS, 0},
    {"exchanges", J_ARR, 0, EXCHANGE, J_OBJ}, {"transcript", J_OBJ, 0, TRANSCRIPT, 0},
    END};
static const rule EXPECT[] = {
    {"status", J_NUM | J_NULL, 0, NULL, 0}, {"body", TEXT, 0, NULL, 0},
    {"body_is_request_body", J_BOOL, 0, NULL, 0}, END};
static const rule REQUEST[] = {
    {"connection", TEXT, 0, NULL, 0}, {"method", J_STR, 1, NULL, 0},
    {"path", J_STR, 1, NULL, 0}, {"headers", J_ARR, 1, NULL, J_PAIRS},
    {"body", TEXT, 0, NULL, 0}, {"chunks", J_ARR | J_NULL, 0, NULL, J_STR},
    {"expect", J_OBJ, 0, EXPECT, 0}, {"after_101", J_OBJ | J_NULL, 0, NULL, 0},
    {"wire", TEXT, 0, NULL, 0}, {"embedded", J_ARR | J_NULL, 0, NULL, J_OBJ},
    {"requires", TEXT, 0, NULL, 0}, {"delay_ms", J_NUM, 0, NULL, 0}, END};
static const rule SCENARIO[] = {
    {"id", J_STR, 1, NULL, 0}, {"title", TEXT, 0, NULL, 0},
    {"explanation", TEXT, 0, NULL, 0}, {"correct", TEXT, 0, NULL, 0},
    {"rfc", J_ARR, 0, NULL, J_STR}, {"engine", J_STR, 0, NULL, 0},
    {"send", J_STR, 0, NULL, 0}, {"accept", J_ARR, 0, NULL, J_STR},
    {"na_status", J_ARR, 0, NULL, J_NUM}, {"requests", J_ARR, 1, REQUEST, J_OBJ},
    {"regression_guard", J_BOOL, 0, NULL, 0}, {"measure_loss", J_BOOL, 0, NULL, 0},
    {"curl", J_OBJ | J_NULL, 0, NULL, 0}, {"calibrate", J_OBJ | J_NULL, 0, NULL, 0},
    {"audience", J_STR, 0, NULL, 0}, {"unsupported", J_ARR, 0, NULL, J_STR},
    END};
static const rule TARGET[] = {
    {"name", J_STR, 1, NULL, 0}, {"url", J_STR, 1, NULL, 0},
    {"version", TEXT, 0, NULL, 0}, {"server_header", TEXT, 0, NULL, 0},
    {"patch", TEXT, 0, NULL, 0}, {"patch_truncated", J_BOOL, 0, NULL, 0},
    {"info", J_OBJ, 0, NULL, 0}, END};
static const rule SUMMARY[] = {
    {"cells", J_NUM, 0, NULL, 0}, {"ok", J_NUM, 0, NULL, 0}, {"not_ok", J_NUM, 0, NULL, 0},
    {"na", J_NUM, 0, NULL, 0}, {"security", J_NUM, 0, NULL, 0},
    {"by_verdict", J_OBJ, 0, NULL, 0}, END};
static const rule SHARD[] = {
    {"index", J_NUM, 1, NULL, 0}, {"count", J_NUM, 1, NULL, 0}, END};
static const rule SHARD_RUN[] = {
    {"index", J_NUM, 1, NULL, 0}, {"count", J_NUM, 1, NULL, 0},
    {"started", J_STR, 0, NULL, 0}, {"duration_ms", J_NUM, 0, NULL, 0},
    {"cells", J_NUM, 0, NULL, 0}, {"host", TEXT, 0, NULL, 0}, END};
static const rule RUN[] = {
    {"started", J_STR, 0, NULL, 0}, {"finished", J_STR, 0, NULL, 0},
    {"duration_ms", J_NUM, 0, NULL, 0}, {"timeout_ms", J_NUM, 0, NULL, 0},
    {"jobs", J_NUM, 0, NULL, 0}, {"host", TEXT, 0, NULL, 0},
    {"shard", J_OBJ | J_NULL, 0, SHARD, 0}, {"shards", J_ARR, 0, SHARD_RUN, J_OBJ}, END};
/* The load section (h2c-probe load, load_json.c). */
static const rule LOAD_CLASSES[] = {
    {"ok", J_NUM, 1, NULL, 0}, {"error" /* not the verdict */, J_NUM, 1, NULL, 0},
    {"crossed", J_NUM, 1, NULL, 0},
    {"no_answer", J_NUM, 1, NULL, 0}, {"closed" /* not the verdict */, J_NUM, 1, NULL, 0}, END};
static const rule LOAD_ATTACK[] = {
    {"n", J_NUM, 1, NULL, 0}, {"t_ms", J_NUM, 0, NULL, 0}, {"status", J_NUM | J_NULL, 0, NULL, 0},
    {"victims", J_OBJ, 1, LOAD_CLASSES, 0}, END};
static const rule LOAD_ATTACKS[] = {
    {"sent", J_NUM, 1, NULL, 0}, {"answered", J_NUM, 0, NULL, 0},
    {"with_affected", J_NUM, 0, NULL, 0}, {"max_affected", J_NUM, 0, NULL, 0},
    {"after", J_OBJ, 1, LOAD_CLASSES, 0}, {"list", J_ARR, 0, LOAD_ATTACK, J_OBJ},
    {"list_truncated", J_BOOL, 0, NULL, 0}, END};
static const rule LOAD_LATENCY[] = {
    {"p50", J_NUM, 1, NULL, 0}, {"p99", J_NUM, 1, NULL, 0}, {"max", J_NUM, 1, NULL, 0}, END};
static const rule LOAD_CROSSED_FROM[] = {
    {"victim", J_NUM, 1, NULL, 0}, {"attacker", J_NUM, 1, NULL, 0}, END};
static const rule LOAD_RUN[] = {
    {"target", J_STR, 1, NULL, 0}, {"url", TEXT, 0, NULL, 0}, {"proxy", TEXT, 0, NULL, 0},
    {"backend", TEXT, 0, NULL, 0}, {"family", TEXT, 0, NULL, 0},
    {"backend_subject", J_BOOL, 0, NULL, 0}, {"duration_ms", J_NUM, 1, NULL, 0}, {"threads", J_NUM, 0, NULL, 0},
    {"sent", J_NUM, 1, NULL, 0}, {"answered", J_NUM, 1, NULL, 0},
    {"unfinished", J_NUM, 0, NULL, 0}, {"requests_per_s", J_NUM, 1, NULL, 0},
    {"latency_ms", J_OBJ, 1, LOAD_LATENCY, 0}, {"classes", J_OBJ, 1, LOAD_CLASSES, 0},
    {"crossed_from", J_OBJ, 0, LOAD_CROSSED_FROM, 0},
 {"not_ok_answers", J_OBJ, 0, NULL, 0},
    {"before_first_attack", J_OBJ, 0, LOAD_CLASSES, 0}, {"connects", J_NUM, 0, NULL, 0},
    {"connect_failures", J_NUM, 0, NULL, 0}, {"attacks", J_OBJ, 0, LOAD_ATTACKS, 0}, END};
static const rule LOAD_SECTION[] = {
    {"format", J_STR, 1, NULL, 0}, {"options", J_OBJ, 0, NULL, 0},
    {"runs", J_ARR, 1, LOAD_RUN, J_OBJ}, END};
static const rule ROOT[] = {
    {"format", J_STR, 1, NULL, 0}, {"tool", J_OBJ, 0, NULL, 0}, {"run", J_OBJ, 0, RUN, 0},
    {"targets", J_ARR, 1, TARGET, J_OBJ}, {"scenarios", J_ARR, 1, SCENARIO, J_OBJ},
    {"cells", J_ARR, 1, CELL, J_OBJ}, {"summary", J_OBJ, 0, SUMMARY, 0},
    {"attachments", J_OBJ, 0, NULL, 0}, {"load", J_OBJ, 0, LOAD_SECTION, 0}, END};

static unsigned type_of(const cJSON *j) {
  return cJSON_IsString(j) ? J_STR : cJSON_IsNumber(j) ? J_NUM : cJSON_IsBool(j) ? J_BOOL
       : cJSON_IsNull(j) ? J_NULL : cJSON_IsObject(j) ? J_OBJ : cJSON_IsArray(j) ? J_ARR : 0;
}

static int is_pair(const cJSON *j) {
  return cJSON_IsArray(j) && cJSON_GetArraySize(j) == 2 && cJSON_IsString(j->child) &&
         cJSON_IsString(j->child->next);
}

/* "a string or null" for an error message. */
static void type_words(unsigned t, char *out, size_t cap) {
  static const char *const names[] = {"a string", "a number", "true or false", "null",
                                      "an object", "a list", "[name, value]"};
  out[0] = '\0';
  for (unsigned k = 0, first = 1; k < sizeof names / sizeof names[0]; k++)
    if (t & (1u << k)) {
      size_t len = strlen(out);
      snprintf(out + len, cap - len, "%s%s", first ? "" : " or ", names[k]);
      first = 0;
    }
}

typedef struct walk {
  const char *file;
  char *err;
  size_t errlen;
} walk;

static int bad(const walk *w, const char *where, const char *what, unsigned want) {
  char words[96];
  type_words(want, words, sizeof words);
  snprintf(w->err, w->errlen, "%s: %s: %s %s", w->file, where, what, words);
  return -1;
}

static int check_object(const walk *w, const cJSON *o, const rule *rules, const char *where);

/* Each item of list a (at where) has one of the types r->items. */
static int check_items(const walk *w, const cJSON *a, const rule *r, const char *where) {
  int i = 0;
  for (const cJSON *it = a->child; it; it = it->next, i++) {
    char at[256];
    snprintf(at, sizeof at, "%.200s[%d]", where, i);
    int ok = r->items == J_PAIRS ? is_pair(it) : !r->items || (type_of(it) & r->items);
    if (!ok)
      return bad(w, at, "expected", r->items);
    if (r->members && cJSON_IsObject(it) && check_object(w, it, r->members, at) != 0)
      return -1;
  }
  return 0;
}

static int check_object(const walk *w, const cJSON *o, const rule *rules, const char *where) {
  for (const rule *r = rules; r->name; r++) {
    char at[256];
    snprintf(at, sizeof at, "%.200s%s%.40s", where, *where ? "." : "", r->name);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, r->name);
    if (!m) {
      if (r->required)
        return bad(w, at, "missing: expected", r->types);
      continue;
    }
    if (!(type_of(m) & r->types))
      return bad(w, at, "expected", r->types);
    if (cJSON_IsArray(m) && check_items(w, m, r, at) != 0)
      return -1;
    if (cJSON_IsObject(m) && r->members && check_object(w, m, r->members, at) != 0)
      return -1;
  }
  return 0;
}

/* A target's url is what target.c made of the user's URL (http://host:port,
 * visible ASCII): reproducers put it into a shell command and the reports.
 * Any other string did not come from this probe. */
static int check_urls(const walk *w, const cJSON *targets) {
  int i = 0;
  for (const cJSON *t = targets->child; t; t = t->next, i++) {
    const char *url = cJSON_GetObjectItemCaseSensitive(t, "url")->valuestring;
    char spec[600], sub[512];
    target parsed;
    int ok = strlen(url) < 500;
    snprintf(spec, sizeof spec, "t=%s", ok ? url : "");
    ok = ok && target_parse_spec(spec, &parsed, sub, sizeof sub) == 0;
    if (ok) {
      ok = strcmp(parsed.url, url) == 0;
      target_free(&parsed);
    }
    if (!ok) {
      snprintf(w->err, w->errlen, "%s: targets[%d].url: not a URL this probe "
               "writes (http://host:port, visible ASCII)", w->file, i);
      return -1;
    }
  }
  return 0;
}

/* The load section's format is the one this probe writes, and it holds at
 * most as many runs as a report shows targets. */
static int check_load(const cJSON *doc, const char *path, char *err, size_t errlen) {
  const cJSON *load = cJSON_GetObjectItemCaseSensitive(doc, "load");
  if (!load)
    return 0;
  const char *fmt = cJSON_GetObjectItemCaseSensitive(load, "format")->valuestring;
  if (strcmp(fmt, RESULTS_CHECK_LOAD_FORMAT) != 0) {
    snprintf(err, errlen, "%s: load.format: \"%.40s\" is not %s, the one this h2c-probe "
             "reads", path, fmt, RESULTS_CHECK_LOAD_FORMAT);
    return -1;
  }
  int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(load, "runs"));
  if (n > TARGETS_MAX) {
    snprintf(err, errlen, "%s: load.runs: %d, more than the %d a report shows", path, n,
             TARGETS_MAX);
    return -1;
  }
  return 0;
}

int results_check_doc(const cJSON *doc, const char *path, char *err, size_t errlen) {
  walk w = {path, err, errlen};
  if (!cJSON_IsObject(doc))
    return bad(&w, "the top level", "expected", J_OBJ);
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
  if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, RESULTS_CHECK_FORMAT) != 0) {
    snprintf(err, errlen, "%s: format: \"%.40s\" is not %s, the one format this "
             "h2c-probe reads (render it with the h2c-probe that wrote it, or run "
             "again)", path, fmt->valuestring, RESULTS_CHECK_FORMAT);
    return -1;
  }
  if (check_object(&w, doc, ROOT, "") != 0 ||
      check_urls(&w, cJSON_GetObjectItemCaseSensitive(doc, "targets")) != 0 ||
      check_load(doc, path, err, errlen) != 0)
    return -1;
  int nt = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "targets"));
  int ns = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "scenarios"));
  if (nt > TARGETS_MAX || ns > SC_MAX_SCENARIOS) {
    snprintf(err, errlen, "%s: %s: %d, more than the %d a report shows", path,
             nt > TARGETS_MAX ? "targets" : "scenarios", nt > TARGETS_MAX ? nt : ns,
             nt > TARGETS_MAX ? TARGETS_MAX : SC_MAX_SCENARIOS);
    return -1;
  }
  return 0;
}
