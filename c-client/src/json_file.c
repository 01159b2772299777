/* json_file.c - reads and parses one JSON file with a size cap (json_file.h).
 * A parse error reports the line and column, because scenario files are
 * written by hand and the error must say where to look. */
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

cJSON *json_file_load(const char *path, size_t max, char *err, size_t errlen) {
  buf b;
  buf_init(&b, max);
  if (read_all(path, &b, err, errlen) != 0) {
    buf_free(&b);
    return NULL;
  }
  if (b.len == 0) {
    snprintf(err, errlen, "%s: empty file", path);
    buf_free(&b);
    return NULL;
  }
  if (memchr(b.data, '\0', b.len)) {
    snprintf(err, errlen, "%s: not JSON (contains a NUL byte)", path);
    buf_free(&b);
    return NULL;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(b.data, &end, 1);
  if (!root) {
    int line, col;
    parse_position(b.data, end ? end : b.data, &line, &col);
    snprintf(err, errlen, "%s: line %d, column %d: invalid JSON", path, line, col);
  }
  buf_free(&b);
  return root;
}
