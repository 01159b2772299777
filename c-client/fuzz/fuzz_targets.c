/* fuzz_targets.c - libFuzzer harness for the targets loader (target.c).
 *
 * The input is used twice, as a user can give targets two ways: as a targets
 * file (target_load_file, appending to a list that already holds one target,
 * as several --targets-file options do) and, up to its first NUL or line end,
 * as a NAME=URL argument (target_parse_spec). A refusal must come with a
 * message; a refused file's message must name the file. An accepted target
 * must be usable as is: name, URL, host, port, authority and paths are
 * visible ASCII (they go into request lines and reports), and its normalised
 * URL, given back as NAME=URL, is the same target (results.json keeps the URL,
 * reproducers use it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "target.h"

static int visible(const char *s) {
  if (!s)
    return 1;
  for (; *s; s++)
    if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
      return 0;
  return 1;
}

static int same(const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}

static void check_target(const target *t) {
  const char *why = NULL;
  char again[1024], err[512] = "";
  target u;
  if (!t->name || !t->url || !t->host || !t->port || !t->authority)
    why = "a member is missing";
  else if (!visible(t->name) || !visible(t->url) || !visible(t->host) ||
           !visible(t->port) || !visible(t->authority) ||
           !visible(t->version_path) || !visible(t->patch_path))
    why = "a member holds a byte that is not visible ASCII";
  else if (snprintf(again, sizeof again, "%s=%s", t->name, t->url) >= (int)sizeof again)
    why = "name=url is over 1 KiB";
  else if (target_parse_spec(again, &u, err, sizeof err) != 0)
    why = err;
  else {
    if (!same(u.url, t->url) || !same(u.host, t->host) || !same(u.port, t->port) ||
        !same(u.authority, t->authority))
      why = "its URL given again is another target";
    target_free(&u);
  }
  if (why) {
    fprintf(stderr, "accepted target \"%s\" (url \"%s\"): %s\n",
            t->name ? t->name : "", t->url ? t->url : "", why);
    abort();
  }
}

static void spec(const uint8_t *data, size_t size) {
  char line[4096];
  size_t n = 0;
  while (n < size && n + 1 < sizeof line && data[n] && data[n] != '\n')
    n++;
  memcpy(line, data, n);
  line[n] = '\0';
  target t;
  char err[512] = "";
  memset(&t, 0, sizeof t);
  if (target_parse_spec(line, &t, err, sizeof err) == 0)
    check_target(&t);
  else if (err[0] == '\0') {
    fprintf(stderr, "target_parse_spec refused \"%s\" without a message\n", line);
    abort();
  }
  target_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  spec(data, size);
  const char *path = fuzz_file_write(data, size, "targets.json");
  if (!path)
    return 0;
  target *list = calloc(1, sizeof *list);
  int n = 0;
  char err[512] = "";
  if (list && target_parse_spec("first=http://127.0.0.1:8080", &list[0], err,
                                sizeof err) == 0)
    n = 1;
  if (target_load_file(path, &list, &n, err, sizeof err) != 0)
    fuzz_check_error(err, path);
  for (int i = 0; i < n; i++) {
    check_target(&list[i]);
    target_free(&list[i]);
  }
  free(list);
  return 0;
}
