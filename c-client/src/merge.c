/* merge.c - N shard results into the results.json of the whole run
 * (merge.h, docs/formats.md "Shards and merge").
 *
 * The first file given is the reference: every other must have been
 * written by the same tool (name, version, libcurl, nghttp2, cJSON), for
 * the same scenarios (the whole definitions, so a changed catalogue file is
 * caught, not only a renamed one), the same targets (name, url, info) and
 * the same --timeout-ms, since any of these changes what a verdict means.
 * A target's version, Server header and patch come from the shards that
 * ran its cells (a shard fetches only those); two shards that saw different
 * ones ran different software, and are refused. The cells are put back in
 * the order run writes them (target-major, catalogue order), and the
 * summary is counted again from them. */
#include "merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_file.h"
#include "results.h"
#include "results_check.h"
#include "shard.h"
#include "verdicts.h"

typedef struct shard_in {
  const char *path;
  cJSON *doc;
  int index, count;
} shard_in;

typedef struct merge {
  shard_in *in;
  int n, nt, ns;
  const cJSON *targets, *scenarios;   /* of the first file */
  const cJSON **cells;                /* nt * ns, from the file from[i] */
  int *from;
  char *err;
  size_t errlen;
} merge;

static cJSON *get(const cJSON *o, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *str_or(const cJSON *o, const char *key, const char *dflt) {
  const cJSON *v = get(o, key);
  return cJSON_IsString(v) ? v->valuestring : dflt;
}

static int fail(merge *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(merge *m, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->err, m->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

/* ---- the files and their shard numbers -------------------------------- */

static int load_one(merge *m, shard_in *s) {
  char err[600];
  s->doc = json_file_load(s->path, JSON_FILE_MAX, err, sizeof err);
  if (!s->doc || results_check_doc(s->doc, s->path, err, sizeof err) != 0)
    return fail(m, "%s", err);
  const cJSON *sh = get(get(s->doc, "run"), "shard");
  const cJSON *k = get(sh, "index"), *n = get(sh, "count");
  if (!cJSON_IsNumber(k) || !cJSON_IsNumber(n))
    return fail(m, "%s: run.shard: not the results of a shard (h2c-probe run --shard "
                "K/N writes them); an unsharded run needs no merge", s->path);
  s->index = k->valueint;
  s->count = n->valueint;
  return 0;
}

/* Same N everywhere, each K once, none missing. */
static int check_shard_numbers(merge *m) {
  const shard_in *a = &m->in[0];
  for (int i = 0; i < m->n; i++) {
    const shard_in *s = &m->in[i];
    if (s->count != a->count)
      return fail(m, "%s: shard %d/%d, but %s is shard %d/%d: merge the shards of one "
                  "split", s->path, s->index, s->count, a->path, a->index, a->count);
    for (int j = 0; j < i; j++)
      if (m->in[j].index == s->index)
        return fail(m, "%s: shard %d/%d is given twice (also %s)", s->path, s->index,
                    s->count, m->in[j].path);
  }
  for (int k = 1; k <= a->count; k++) {
    int found = 0;
    for (int i = 0; i < m->n; i++)
      found |= m->in[i].index == k;
    if (!found)
      return fail(m, "shard %d/%d is missing: give all %d shard files (%d given)", k,
                  a->count, a->count, m->n);
  }
  return 0;
}

/* ---- what must be the same in every file ------------------------------- */

static int check_tool(merge *m, const shard_in *s) {
  const cJSON *a = get(m->in[0].doc, "tool"), *b = get(s->doc, "tool");
  if ((!a && !b) || (a && b && cJSON_Compare(a, b, 1)))
    return 0;
  return fail(m, "%s: written by h2c-probe %s (libcurl %s, nghttp2 %s), but %s by "
              "h2c-probe %s (libcurl %s, nghttp2 %s): run every shard with the same probe",
              s->path, str_or(b, "version", "?"), str_or(b, "libcurl", "?"),
              str_or(b, "nghttp2", "?"), m->in[0].path, str_or(a, "version", "?"),
              str_or(a, "libcurl", "?"), str_or(a, "nghttp2", "?"));
}

static int check_scenarios(merge *m, const shard_in *s) {
  const cJSON *list = get(s->doc, "scenarios");
  int n = cJSON_GetArraySize(list);
  for (int i = 0; i < n || i < m->ns; i++) {
    const cJSON *a = cJSON_GetArrayItem(m->scenarios, i), *b = cJSON_GetArrayItem(list, i);
    if (a && b && cJSON_Compare(a, b, 1))
      continue;
    return fail(m, "%s: its catalogue differs from %s's at scenario %d (%s there, %s "
                "here): run every shard with the same scenarios and --only", s->path,
                m->in[0].path, i + 1, a ? str_or(a, "id", "?") : "none",
                b ? str_or(b, "id", "?") : "none");
  }
  return 0;
}

static int same_member(const cJSON *a, const cJSON *b, const char *key) {
  const cJSON *x = get(a, key), *y = get(b, key);
  return (!x && !y) || (x && y && cJSON_Compare(x, y, 1));
}

static int check_targets(merge *m, const shard_in *s) {
  const cJSON *list = get(s->doc, "targets");
  int n = cJSON_GetArraySize(list);
  for (int i = 0; i < n || i < m->nt; i++) {
    const cJSON *a = cJSON_GetArrayItem(m->targets, i), *b = cJSON_GetArrayItem(list, i);
    if (a && b && same_member(a, b, "name") && same_member(a, b, "url") &&
        same_member(a, b, "info"))
      continue;
    return fail(m, "%s: its targets differ from %s's at target %d (%s there, %s here; "
                "name, url and info must be the same): run every shard with the same "
                "targets file", s->path, m->in[0].path, i + 1,
                a ? str_or(a, "name", "?") : "none", b ? str_or(b, "name", "?") : "none");
  }
  return 0;
}

static int check_timeout(merge *m, const shard_in *s) {
  const cJSON *a = get(get(m->in[0].doc, "run"), "timeout_ms");
  const cJSON *b = get(get(s->doc, "run"), "timeout_ms");
  if ((!a && !b) || (a && b && cJSON_Compare(a, b, 1)))
    return 0;
  return fail(m, "%s: run with --timeout-ms %g, but %s with %g: a hang or a slow answer "
              "means something else under another timeout; run every shard with the same",
              s->path, cJSON_IsNumber(b) ? b->valuedouble : -1.0, m->in[0].path,
              cJSON_IsNumber(a) ? a->valuedouble : -1.0);
}

/* ---- the cells ----------------------------------------------------------- */

static int index_of(const cJSON *list, const char *key, const char *name) {
  int i = 0;
  for (const cJSON *it = list ? list->child : NULL; it; it = it->next, i++)
    if (name && strcmp(str_or(it, key, ""), name) == 0)
      return i;
  return -1;
}

static int collect_cells(merge *m, int f) {
  const shard_in *s = &m->in[f];
  int i = 0;
  for (const cJSON *c = get(s->doc, "cells")->child; c; c = c->next, i++) {
    const char *tn = str_or(c, "target", ""), *sn = str_or(c, "scenario", "");
    int t = index_of(m->targets, "name", tn), k = index_of(m->scenarios, "id", sn);
    if (t < 0 || k < 0)
      return fail(m, "%s: cells[%d]: %s \"%.80s\" is not in its %s", s->path, i,
                  t < 0 ? "target" : "scenario", t < 0 ? tn : sn,
                  t < 0 ? "targets" : "scenarios");
    int at = t * m->ns + k;
    if (m->cells[at])
      return fail(m, "%s: cell %s × %s is also in %s: each cell belongs to one shard",
                  s->path, tn, sn, m->in[m->from[at]].path);
    m->cells[at] = c;
    m->from[at] = f;
  }
  return 0;
}

/* The shard that runs cell (t, s): run's rule (runner_cell_shard) read from
 * the target's info and the scenario's control. */
static int shard_of_cell(const merge *m, int t, int s) {
  const cJSON *tg = cJSON_GetArrayItem(m->targets, t), *info = get(tg, "info");
  const cJSON *sc = cJSON_GetArrayItem(m->scenarios, s);
  const char *proxy = str_or(info, "proxy", ""), *group = str_or(info, "isolation_group", NULL);
  int serial = shard_target_serial(cJSON_IsTrue(get(info, "direct")), proxy[0] != '\0',
                                   str_or(info, "backend_log_url", NULL) ||
                                   str_or(info, "backend_reset_url", NULL), group);
  const char *root = serial ? NULL : str_or(sc, "control", str_or(sc, "id", ""));
  return shard_of(shard_unit_hash(group, str_or(tg, "name", ""), root), m->in[0].count);
}

static int check_complete(merge *m) {
  for (int i = 0; i < m->nt * m->ns; i++) {
    if (m->cells[i])
      continue;
    int k = shard_of_cell(m, i / m->ns, i % m->ns), f = 0;
    while (f < m->n - 1 && m->in[f].index != k)
      f++;
    return fail(m, "%s: shard %d/%d lacks cell %s × %s, which is in none of the %d files: "
                "that shard was cut short or run with other options; run it again",
                m->in[f].path, k, m->in[f].count,
                str_or(cJSON_GetArrayItem(m->targets, i / m->ns), "name", "?"),
                str_or(cJSON_GetArrayItem(m->scenarios, i % m->ns), "id", "?"), m->n);
  }
  return 0;
}

/* ---- the merged document ------------------------------------------------ */

/* What a shard saw of target t (version, Server header, patch): taken from
 * the shards that ran its cells; two that saw different ones are refused. */
static int merge_target(merge *m, int t, cJSON *out) {
  static const char *const seen[] = {"version", "server_header", "patch", "patch_truncated"};
  int from = -1;
  for (int i = 0; i < m->ns; i++) {
    int f = m->from[t * m->ns + i];
    if (from < 0) {
      from = f;
      continue;
    }
    const cJSON *a = cJSON_GetArrayItem(get(m->in[from].doc, "targets"), t);
    const cJSON *b = cJSON_GetArrayItem(get(m->in[f].doc, "targets"), t);
    for (size_t k = 0; f != from && k < sizeof seen / sizeof seen[0]; k++)
      if (!same_member(a, b, seen[k]))
        return fail(m, "target %s: its %s in %s differs from that in %s: the shards "
                    "ran different software", str_or(a, "name", "?"), seen[k],
                    m->in[f].path, m->in[from].path);
  }
  const cJSON *src = cJSON_GetArrayItem(get(m->in[from < 0 ? 0 : from].doc, "targets"), t);
  cJSON_AddItemToArray(out, cJSON_Duplicate(src, 1));
  return 0;
}

/* started: the earliest; finished: the latest; duration_ms and jobs: the
 * largest (shards run at once); host: the one host, else null; shards: each
 * shard's own run facts. */
static cJSON *merged_run(const merge *m) {
  cJSON *o = cJSON_Duplicate(get(m->in[0].doc, "run"), 1), *list = cJSON_CreateArray();
  const char *started = NULL, *finished = NULL, *host = str_or(o, "host", NULL);
  double dur = 0, jobs = 0;
  for (int k = 1; k <= m->n; k++)
    for (int i = 0; i < m->n; i++) {
      const cJSON *r = get(m->in[i].doc, "run");
      if (m->in[i].index != k)
        continue;
      const char *a = str_or(r, "started", NULL), *b = str_or(r, "finished", NULL);
      const char *h = str_or(r, "host", NULL);
      started = a && (!started || strcmp(a, started) < 0) ? a : started;
      finished = b && (!finished || strcmp(b, finished) > 0) ? b : finished;
      host = host && h && strcmp(h, host) == 0 ? host : NULL;   /* one host, or none */
      const cJSON *d = get(r, "duration_ms"), *j = get(r, "jobs");
      dur = cJSON_IsNumber(d) && d->valuedouble > dur ? d->valuedouble : dur;
      jobs = cJSON_IsNumber(j) && j->valuedouble > jobs ? j->valuedouble : jobs;
      cJSON *s = cJSON_CreateObject();
      cJSON_AddNumberToObject(s, "index", k);
      cJSON_AddNumberToObject(s, "count", m->in[i].count);
      cJSON_AddStringToObject(s, "started", a ? a : "");
      cJSON_AddNumberToObject(s, "duration_ms", cJSON_IsNumber(d) ? d->valuedouble : 0);
      cJSON_AddNumberToObject(s, "cells", cJSON_GetArraySize(get(m->in[i].doc, "cells")));
      cJSON_AddItemToObject(s, "host", h ? cJSON_CreateString(h) : cJSON_CreateNull());
      cJSON_AddItemToArray(list, s);
    }
  cJSON_ReplaceItemInObjectCaseSensitive(o, "started", cJSON_CreateString(started ? started : ""));
  cJSON_ReplaceItemInObjectCaseSensitive(o, "finished", cJSON_CreateString(finished ? finished : ""));
  cJSON_ReplaceItemInObjectCaseSensitive(o, "duration_ms", cJSON_CreateNumber(dur));
  cJSON_ReplaceItemInObjectCaseSensitive(o, "jobs", cJSON_CreateNumber(jobs));
  cJSON_ReplaceItemInObjectCaseSensitive(o, "host", host ? cJSON_CreateString(host)
                                                          : cJSON_CreateNull());
  cJSON_ReplaceItemInObjectCaseSensitive(o, "shard", cJSON_CreateNull());
  cJSON_AddItemToObject(o, "shards", list);
  return o;
}

/* Counted as results.c counts: n/a apart, ok from each cell's "ok". */
static cJSON *merged_summary(const cJSON *cells) {
  int by[V__COUNT] = {0}, ok = 0, na = 0, security = 0, n = 0;
  for (const cJSON *c = cells->child; c; c = c->next, n++) {
    const char *v = str_or(c, "verdict", "");
    for (int k = 0; k < V__COUNT; k++)
      by[k] += strcmp(verdicts_name((verdict)k), v) == 0;
    na += strcmp(v, verdicts_name(V_NA)) == 0;
    ok += cJSON_IsTrue(get(c, "ok"));
    security += cJSON_IsTrue(get(c, "security"));
  }
  return results_summary(n, ok, na, security, by);
}

/* Every file's --attach documents; one name with two different documents
 * is refused. */
static int merge_attachments(merge *m, cJSON *out) {
  for (int i = 0; i < m->n; i++) {
    const cJSON *a = get(m->in[i].doc, "attachments");
    for (const cJSON *it = a ? a->child : NULL; it; it = it->next) {
      const cJSON *have = get(out, it->string);
      if (have && !cJSON_Compare(have, it, 1))
        return fail(m, "%s: attachment %s differs from another file's: attach the "
                    "same document to every shard, or to one", m->in[i].path, it->string);
      if (!have)
        cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, 1));
    }
  }
  return 0;
}

static cJSON *build(merge *m) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "format", RESULTS_CHECK_FORMAT);
  cJSON_AddItemToObject(root, "tool", cJSON_Duplicate(get(m->in[0].doc, "tool"), 1));
  cJSON_AddItemToObject(root, "run", merged_run(m));
  cJSON *ts = cJSON_AddArrayToObject(root, "targets");
  for (int t = 0; t < m->nt; t++)
    if (merge_target(m, t, ts) != 0) {
      cJSON_Delete(root);
      return NULL;
    }
  cJSON_AddItemToObject(root, "scenarios", cJSON_Duplicate(m->scenarios, 1));
  cJSON *cs = cJSON_AddArrayToObject(root, "cells");
  for (int i = 0; i < m->nt * m->ns; i++)
    cJSON_AddItemToArray(cs, cJSON_Duplicate(m->cells[i], 1));
  cJSON_AddItemToObject(root, "summary", merged_summary(cs));
  cJSON *att = cJSON_AddObjectToObject(root, "attachments");
  if (merge_attachments(m, att) != 0) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

static int check_all(merge *m) {
  for (int i = 0; i < m->n; i++) {
    m->in[i].path = m->in[i].path ? m->in[i].path : "?";
    if (load_one(m, &m->in[i]) != 0)
      return -1;
  }
  if (check_shard_numbers(m) != 0)
    return -1;
  m->targets = get(m->in[0].doc, "targets");
  m->scenarios = get(m->in[0].doc, "scenarios");
  m->nt = cJSON_GetArraySize(m->targets);
  m->ns = cJSON_GetArraySize(m->scenarios);
  for (int i = 1; i < m->n; i++)
    if (check_tool(m, &m->in[i]) != 0 || check_scenarios(m, &m->in[i]) != 0 ||
        check_targets(m, &m->in[i]) != 0 || check_timeout(m, &m->in[i]) != 0)
      return -1;
  size_t cells = (size_t)m->nt * (size_t)m->ns + 1;
  m->cells = calloc(cells, sizeof *m->cells);
  m->from = calloc(cells, sizeof *m->from);
  if (!m->cells || !m->from)
    return fail(m, "out of memory for %d x %d cells", m->nt, m->ns);
  for (int i = 0; i < m->n; i++)
    if (collect_cells(m, i) != 0)
      return -1;
  return check_complete(m);
}

cJSON *merge_files(const char *const *paths, int n, char *err, size_t errlen) {
  merge m = {.n = n, .err = err, .errlen = errlen};
  if (n < 1) {
    snprintf(err, errlen, "no shard files given");
    return NULL;
  }
  m.in = calloc((size_t)n, sizeof *m.in);
  if (!m.in) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  for (int i = 0; i < n; i++)
    m.in[i].path = paths[i];
  cJSON *out = check_all(&m) == 0 ? build(&m) : NULL;
  for (int i = 0; i < n; i++)
    cJSON_Delete(m.in[i].doc);
  free(m.in);
  free(m.cells);
  free(m.from);
  return out;
}
