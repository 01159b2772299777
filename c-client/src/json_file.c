/* json_file.c - reads and parses one JSON file with a size cap (json_file.h).
 * A parse error reports the line and column, because scenario files are
 * written by hand and the error must say where to look. cJSON keeps every
 * member of an object, duplicates included, and lookups return the first:
 * a second "status" would be silently ignored, so a duplicate is an error
 * naming the object's path and the member. */
#include "json_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Reads the whole file into b; 0 or -1 with err. */
static int read_all(const char *path, buf *b, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  char chunk[8192];
  size_t n;
  int rc = 0;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (buf_add(b, chunk, n) != BUF_OK) {
      snprintf(err, errlen, "%s: file too large (over %zu bytes)", path, b->max);
      rc = -1;
      break;
    }
  }
  if (rc == 0 && ferror(f)) {
    snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
    rc = -1;
  }
  fclose(f);
  return rc;
}

/* Turns cJSON's error pointer into "line L, column C". */
static void parse_position(const char *text, const char *at, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (const char *p = text; p < at && *p; p++) {
    if (*p == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The member name given twice in object o, or NULL (sorted, so an object of
 * many members costs n log n). *oom set when the scratch array failed. */
static const char *duplicate_member(const cJSON *o, int *oom) {
  int n = cJSON_GetArraySize(o);
  if (n < 2)
    return NULL;
  const char **names = malloc((size_t)n * sizeof *names);
  if (!names) {
    *oom = 1;
    return NULL;
  }
  int k = 0;
  for (const cJSON *m = o->child; m; m = m->next)
    names[k++] = m->string ? m->string : "";
  qsort(names, (size_t)k, sizeof *names, by_name);
  const char *dup = NULL;
  for (int i = 1; i < k && !dup; i++)
    if (strcmp(names[i - 1], names[i]) == 0)
      dup = names[i];
  free(names);
  return dup;
}

/* Appends ".name" or "[i]" to the path at path[len] (cut to fit). */
static size_t path_push(char *path, size_t cap, size_t len, const cJSON *m, int i) {
  int w = m->string ? snprintf(path + len, cap - len, "%s%.60s", len ? "." : "", m->string)
                    : snprintf(path + len, cap - len, "[%d]", i);
  size_t nl = len + (w > 0 ? (size_t)w : 0);
  return nl < cap ? nl : cap - 1;
}

/* Walks the tree; -1 with err at the first object holding a member twice.
 * depth: cJSON itself refuses nesting past CJSON_NESTING_LIMIT. */
static int check_members(const cJSON *j, char *path, size_t cap, size_t len,
                         const char *file, char *err, size_t errlen) {
  int oom = 0;
  const char *dup = cJSON_IsObject(j) ? duplicate_member(j, &oom) : NULL;
  if (dup || oom) {
    if (oom)
      snprintf(err, errlen, "%s: out of memory checking member names", file);
    else
      snprintf(err, errlen, "%s: %s: member \"%.60s\" is given twice (a JSON object "
               "holds each member once)", file, len ? path : "the top-level object", dup);
    return -1;
  }
  int i = 0;
  for (const cJSON *m = j->child; m; m = m->next, i++) {
    size_t nl = path_push(path, cap, len, m, i);
    if ((m->child && check_members(m, path, cap, nl, file, err, errlen) != 0))
      return -1;
    path[len] = '\0';
  }
  return 0;
}

cJSON *json_text_parse(const char *name, const char *text, size_t len,
                       char *err, size_t errlen) {
  if (len == 0) {
    snprintf(err, errlen, "%s: empty file", name);
    return NULL;
  }
  if (memchr(text, '\0', len)) {
    snprintf(err, errlen, "%s: not JSON (contains a NUL byte)", name);
    return NULL;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
  if (!root) {
    int line, col;
    parse_position(text, end ? end : text, &line, &col);
    snprintf(err, errlen, "%s: line %d, column %d: invalid JSON", name, line, col);
    return NULL;
  }
  char where[512] = "";
  if (check_members(root, where, sizeof where, 0, name, err, errlen) != 0) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

cJSON *json_file_load_raw(const char *path, size_t max, buf *raw, char *err,
                          size_t errlen) {
  buf_init(raw, max);
  if (read_all(path, raw, err, errlen) != 0)
    return NULL;
  return json_text_parse(path, raw->data ? raw->data : "", raw->len, err, errlen);
}

cJSON *json_file_load(const char *path, size_t max, char *err, size_t errlen) {
  buf b;
  cJSON *root = json_file_load_raw(path, max, &b, err, errlen);
  buf_free(&b);
  return root;
}
