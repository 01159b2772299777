/* test_tmp.h - a fresh temporary directory per test, files written into it,
 * and its removal: what the tests that write scenario, targets or results
 * files all need (header-only, like check.h: every test is one .c file). */
#ifndef H2C_TEST_TMP_H
#define H2C_TEST_TMP_H

#include <stdio.h>
#include <stdlib.h>

/* Makes /tmp/h2c-test-NAME-XXXXXX in dir[0..cap); 0 or -1. */
static inline int test_tmp_make(char *dir, size_t cap, const char *name) {
  snprintf(dir, cap, "/tmp/h2c-test-%s-XXXXXX", name);
  return mkdtemp(dir) ? 0 : -1;
}

/* Writes text to dir/name; 0 or -1. */
static inline int test_tmp_write(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  if (!fp)
    return -1;
  fputs(text, fp);
  return fclose(fp);
}

static inline void test_tmp_remove(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "  could not remove %s\n", dir);
}

#endif
