/* test_merge.c - h2c-probe merge (merge.c): two shard files merge into the
 * run's results.json, and every way shards can fail to add up to one run is
 * refused with the file named. The refusals are data:
 * fixtures/merge-bad/NAME.json edits the good pair fixtures/merge/shard-1.json
 * and shard-2.json ("edits": set, delete or append at a dotted path, in
 * file "1" or "2"), passes "files" (default both) and expects "error" in
 * the message. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "json_file.h"
#include "merge.h"
#include "results_check.h"
#include "test_tmp.h"

#define GOOD_DIR "fixtures/merge"
#define BAD_DIR "fixtures/merge-bad"

static cJSON *load(const char *path) {
  char err[512];
  cJSON *doc = json_file_load(path, JSON_FILE_MAX, err, sizeof err);
  if (!doc)
    fprintf(stderr, "  %s\n", err);
  return doc;
}

/* The member at a dotted path ("cells.2.target"), its parent and key. */
static cJSON *walk(cJSON *doc, const char *path, cJSON **parent, char *last, size_t cap) {
  char copy[256];
  snprintf(copy, sizeof copy, "%s", path);
  cJSON *at = doc, *up = NULL;
  for (char *save = NULL, *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
    up = at;
    snprintf(last, cap, "%s", k);
    at = cJSON_IsArray(up) ? cJSON_GetArrayItem(up, atoi(k))
                           : cJSON_GetObjectItemCaseSensitive(up, k);
  }
  *parent = up;
  return at;
}

/* One edit of a case; 0, or -1 when the path does not fit the file. */
static int apply(cJSON *doc, const cJSON *e) {
  const char *op = cJSON_GetObjectItemCaseSensitive(e, "op")->valuestring;
  const char *path = cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring;
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(e, "value");
  char key[64];
  cJSON *parent, *at = walk(doc, path, &parent, key, sizeof key);
  if (!parent)
    return -1;
  if (strcmp(op, "append") == 0)
    return cJSON_IsArray(at) && cJSON_AddItemToArray(at, cJSON_Duplicate(value, 1)) ? 0 : -1;
  if (strcmp(op, "delete") == 0) {
    if (cJSON_IsArray(parent))
      cJSON_DeleteItemFromArray(parent, atoi(key));
    else
      cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
    return 0;
  }
  cJSON *v = cJSON_Duplicate(value, 1);
  if (cJSON_IsArray(parent))
    return cJSON_ReplaceItemInArray(parent, atoi(key), v) ? 0 : -1;
  if (at)
    return cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v) ? 0 : -1;
  return cJSON_AddItemToObject(parent, key, v) ? 0 : -1;
}

static int write_doc(const char *dir, const char *name, const cJSON *doc) {
  char *text = cJSON_Print(doc);
  int rc = text ? test_tmp_write(dir, name, text) : -1;
  free(text);
  return rc;
}

/* Runs one case file; 1 when merge refused it with the expected message. */
static int run_case(const char *file) {
  char path[512], dir[64] = "", err[1024], names[2][128];
  snprintf(path, sizeof path, "%s/%s", BAD_DIR, file);
  cJSON *c = load(path);
  cJSON *docs[2] = {load(GOOD_DIR "/shard-1.json"), load(GOOD_DIR "/shard-2.json")};
  int ok = c && docs[0] && docs[1] && test_tmp_make(dir, sizeof dir, "merge") == 0;
  const cJSON *e, *edits = ok ? cJSON_GetObjectItemCaseSensitive(c, "edits") : NULL;
  cJSON_ArrayForEach(e, edits) {
    int f = atoi(cJSON_GetObjectItemCaseSensitive(e, "file")->valuestring) - 1;
    if (f < 0 || f > 1 || apply(docs[f], e) != 0) {
      fprintf(stderr, "  %s: an edit does not apply\n", file);
      ok = 0;
    }
  }
  for (int i = 0; ok && i < 2; i++) {
    snprintf(names[i], sizeof names[i], "%s/shard-%d.json", dir, i + 1);
    ok = write_doc(dir, names[i] + strlen(dir) + 1, docs[i]) == 0;
  }
  const char *paths[4];
  int n = 0;
  const cJSON *files = ok ? cJSON_GetObjectItemCaseSensitive(c, "files") : NULL, *f;
  cJSON_ArrayForEach(f, files) paths[n++] = names[atoi(f->valuestring) == 2];
  if (ok && !files) {
    paths[n++] = names[0];
    paths[n++] = names[1];
  }
  cJSON *merged = ok ? merge_files(paths, n, err, sizeof err) : NULL;
  const char *want = ok ? cJSON_GetObjectItemCaseSensitive(c, "error")->valuestring : "";
  if (ok && (merged || !strstr(err, want))) {
    fprintf(stderr, "  %s: expected an error with \"%s\", got \"%s\"\n", file, want,
            merged ? "(a merged document)" : err);
    ok = 0;
  }
  cJSON_Delete(merged);
  cJSON_Delete(c);
  cJSON_Delete(docs[0]);
  cJSON_Delete(docs[1]);
  if (dir[0])
    test_tmp_remove(dir);
  return ok;
}

TEST(merge_refusals_from_cases) {
  DIR *d = opendir(BAD_DIR);
  CHECK(d != NULL);
  int n = 0, failed = 0;
  for (struct dirent *de; (de = readdir(d));) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
      continue;
    n++;
    failed += !run_case(de->d_name);
  }
  closedir(d);
  CHECK(n >= 15);
  CHECK_INT(failed, 0);
}

static const cJSON *get(const cJSON *o, const char *k) {
  return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The good pair: cells back in run order, the summary counted again, each
 * target's version from a shard that ran it, the run's facts combined. */
TEST(merge_two_shards) {
  const char *paths[] = {GOOD_DIR "/shard-2.json", GOOD_DIR "/shard-1.json"};
  char err[1024] = "";
  cJSON *m = merge_files(paths, 2, err, sizeof err);
  if (!m)
    fprintf(stderr, "  %s\n", err);
  CHECK(m != NULL);
  CHECK_INT(results_check_doc(m, "merged", err, sizeof err), 0);
  const cJSON *cells = get(m, "cells");
  CHECK_INT(cJSON_GetArraySize(cells), 4);
  static const char *const order[4][2] = {
      {"t-a", "sc-x"}, {"t-a", "sc-y"}, {"t-b", "sc-x"}, {"t-b", "sc-y"}};
  for (int i = 0; i < 4; i++) {
    CHECK_STR(get(cJSON_GetArrayItem(cells, i), "target")->valuestring, order[i][0]);
    CHECK_STR(get(cJSON_GetArrayItem(cells, i), "scenario")->valuestring, order[i][1]);
  }
  const cJSON *sum = get(m, "summary");
  CHECK_INT(get(sum, "cells")->valueint, 4);
  CHECK_INT(get(sum, "ok")->valueint, 2);
  CHECK_INT(get(sum, "not_ok")->valueint, 1);
  CHECK_INT(get(sum, "na")->valueint, 1);
  CHECK_INT(get(get(sum, "by_verdict"), "ok-h1")->valueint, 2);
  const cJSON *t = get(m, "targets");
  CHECK_STR(get(cJSON_GetArrayItem(t, 0), "version")->valuestring, "srv-a 1.0");
  CHECK_STR(get(cJSON_GetArrayItem(t, 1), "version")->valuestring, "srv-b 2.0");
  const cJSON *run = get(m, "run");
  CHECK(cJSON_IsNull(get(run, "shard")));
  CHECK(cJSON_IsNull(get(run, "host")));               /* ci-1 and ci-2 */
  CHECK_STR(get(run, "started")->valuestring, "2026-12-04T10:00:01Z");
  CHECK_INT(get(run, "duration_ms")->valueint, 2500);  /* the longest shard */
  const cJSON *shards = get(run, "shards");
  CHECK_INT(cJSON_GetArraySize(shards), 2);
  CHECK_INT(get(cJSON_GetArrayItem(shards, 0), "index")->valueint, 1);
  CHECK_INT(get(cJSON_GetArrayItem(shards, 0), "cells")->valueint, 3);
  CHECK_STR(get(cJSON_GetArrayItem(shards, 1), "host")->valuestring, "ci-2");
  cJSON_Delete(m);
}

CHECK_MAIN(CASE(merge_refusals_from_cases), CASE(merge_two_shards))
