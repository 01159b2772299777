/* fuzz_targets.c - libFuzzer harness for the targets loader (target.c).
 *
 * The input is used twice, as a user can give targets two ways: as a targets
 * file (target_load_file, appending to a list that already holds one target,
 * as several --targets-file options do) and, up to its first NUL or line end,
 * as a NAME=URL argument (target_parse_spec). A refusal must come with a
 * message; a refused file's message must name the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "target.h"

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
  if (target_parse_spec(line, &t, err, sizeof err) != 0 && err[0] == '\0') {
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
  for (int i = 0; i < n; i++)
    target_free(&list[i]);
  free(list);
  return 0;
}
