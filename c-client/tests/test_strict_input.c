/* test_strict_input.c - input that is refused, not used (issue 12, item 4):
 * a JSON object holding a member twice, a results.json of another format
 * version or with a wrong member type, more targets than a run holds, an
 * --out that names no directory. Each error must name the file the user
 * gave and the member; the command line must exit 2. Bad files sit in
 * fixtures/{scenarios,targets,results}-bad/ beside the words their error
 * must contain (the tables below). */
#include "check.h"
#include "atomic_file.h"
#include "json_file.h"
#include "results_check.h"
#include "target.h"
#include "test_tmp.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE "../build-asan/h2c-probe"

static char dir[64];

static int make_dir(void) { return test_tmp_make(dir, sizeof dir, "strict"); }
static void remove_dir(void) { test_tmp_remove(dir); }

/* err starts with "<path>: <member>" and holds words. */
static int names(const char *err, const char *path, const char *member, const char *words) {
  char prefix[400];
  snprintf(prefix, sizeof prefix, "%s: %s", path, member);
  int ok = strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, words) != NULL;
  if (!ok)
    fprintf(stderr, "  want \"%s...%s\", got \"%s\"\n", prefix, words, err);
  return ok;
}

TEST(duplicate_members_are_refused_with_their_path) {
  CHECK_INT(make_dir(), 0);
  char path[128], err[512] = "";
  snprintf(path, sizeof path, "%s/d.json", dir);
  CHECK_INT(test_tmp_write(dir, "d.json", "{\"a\": [1, {\"x\": 1, \"y\": {\"k\": 1, "
                           "\"k\": 2}}], \"b\": {}}"), 0);
  cJSON *j = json_file_load(path, 4096, err, sizeof err);
  int ok = !j && names(err, path, "a[1].y: ", "member \"k\" is given twice");
  CHECK_INT(test_tmp_write(dir, "d.json", "{\"a\": 1, \"b\": 2, \"a\": 3}"), 0);
  cJSON *top = json_file_load(path, 4096, err, sizeof err);
  ok = ok && !top && names(err, path, "the top-level object: ", "member \"a\"");
  /* the same name in two objects is fine */
  CHECK_INT(test_tmp_write(dir, "d.json", "[{\"a\": 1}, {\"a\": 2}]"), 0);
  cJSON *fine = json_file_load(path, 4096, err, sizeof err);
  ok = ok && fine != NULL;
  cJSON_Delete(j);
  cJSON_Delete(top);
  cJSON_Delete(fine);
  remove_dir();
  CHECK(ok);
}

TEST(bad_targets_files_name_file_and_member) {
  static const struct { const char *file, *member, *words; } cases[] = {
      {"duplicate-member", "targets[0].info: ", "member \"proxy\" is given twice"},
      {"proxy-not-a-string", "targets[0].info.proxy: ", "expected a non-empty string"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "fixtures/targets-bad/%s.json", cases[i].file);
    target *list = NULL;
    int n = 0;
    int rc = target_load_file(path, &list, &n, err, sizeof err);
    for (int k = 0; k < n; k++)
      target_free(&list[k]);
    free(list);
    CHECK_INT(rc, -1);
    CHECK(names(err, path, cases[i].member, cases[i].words));
  }
}

/* Writes a targets file of n targets (or a results.json of n targets). */
static int write_many(const char *path, int n, int results) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fputs(results ? "{\"format\":\"h2c-lab-results/1\",\"scenarios\":[],\"cells\":[],"
                  "\"targets\":[" : "{\"targets\":[", f);
  for (int i = 0; i < n; i++)
    fprintf(f, "%s{\"name\":\"t%d\",\"url\":\"http://127.0.0.1:1\"}", i ? "," : "", i);
  fputs("]}", f);
  return fclose(f);
}

TEST(too_many_targets_names_the_given_path) {
  CHECK_INT(make_dir(), 0);
  char path[128], err[512] = "";
  snprintf(path, sizeof path, "%s/many.json", dir);
  CHECK_INT(write_many(path, TARGETS_MAX + 1, 0), 0);
  target *list = NULL;
  int n = 0;
  int rc = target_load_file(path, &list, &n, err, sizeof err);
  CHECK_INT(n, 0);
  free(list);
  int ok = rc == -1 && names(err, path, "targets: ", "more than the 1000");
  snprintf(path, sizeof path, "%s/many-results.json", dir);
  CHECK_INT(write_many(path, TARGETS_MAX + 1, 1), 0);
  cJSON *doc = json_file_load(path, JSON_FILE_MAX, err, sizeof err);
  ok = ok && doc && results_check_doc(doc, path, err, sizeof err) == -1 &&
       names(err, path, "targets: 1001", "more than the 1000 a report shows");
  cJSON_Delete(doc);
  remove_dir();
  CHECK(ok);
}

TEST(bad_results_name_file_and_member) {
  static const struct { const char *file, *member, *words; } cases[] = {
      {"format-9", "format: ", "\"h2c-lab-results/9\" is not h2c-lab-results/1"},
      {"request-without-headers", "scenarios[0].requests[0].headers: ", "missing"},
      {"exchanges-not-a-list", "cells[0].exchanges: ", "expected a list"},
      {"status-a-string", "cells[0].exchanges[0].status: ", "expected a number or null"},
      {"duplicate-member", "summary: ", "member \"ok\" is given twice"},
      {"url-control-byte", "targets[0].url: ", "not a URL this probe writes"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "fixtures/results-bad/%s.json", cases[i].file);
    cJSON *doc = json_file_load(path, JSON_FILE_MAX, err, sizeof err);
    int rc = doc ? results_check_doc(doc, path, err, sizeof err) : -1;
    cJSON_Delete(doc);
    CHECK_INT(rc, -1);
    CHECK(names(err, path, cases[i].member, cases[i].words));
  }
}

/* The check must let through everything the probe writes. */
TEST(the_fixture_results_pass_the_check) {
  static const char *const good[] = {"sample", "lab", "security", "hostile"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "fixtures/results-%s.json", good[i]);
    cJSON *doc = json_file_load(path, JSON_FILE_MAX, err, sizeof err);
    int rc = doc ? results_check_doc(doc, path, err, sizeof err) : -1;
    cJSON_Delete(doc);
    if (rc != 0)
      fprintf(stderr, "  %s\n", err);
    CHECK_INT(rc, 0);
  }
}

TEST(out_dir_must_name_a_directory) {
  CHECK_INT(make_dir(), 0);
  char file[128], sub[160], fresh[160], err[512] = "";
  snprintf(file, sizeof file, "%s/a-file", dir);
  snprintf(sub, sizeof sub, "%s/x", file);
  snprintf(fresh, sizeof fresh, "%s/new/deeper", dir);
  CHECK_INT(test_tmp_write(dir, "a-file", ""), 0);
  struct stat st;
  int ok = atomic_file_out_dir("", err, sizeof err) == -1 && strstr(err, "empty path");
  ok = ok && atomic_file_out_dir(file, err, sizeof err) == -1 &&
       strstr(err, "is not a directory") && strstr(err, file);
  ok = ok && atomic_file_out_dir(sub, err, sizeof err) == -1 && strstr(err, sub);
  ok = ok && atomic_file_out_dir(fresh, err, sizeof err) == 0 && stat(fresh, &st) == 0 &&
       S_ISDIR(st.st_mode);
  remove_dir();
  CHECK(ok);
}

/* Runs the probe with args (a shell fragment); its exit status, stderr in err. */
static int probe(const char *args, char *err, size_t errlen) {
  char cmd[1024], path[160];
  snprintf(path, sizeof path, "%s/stderr", dir);
  snprintf(cmd, sizeof cmd, PROBE " %s >/dev/null 2>'%s'", args, path);
  int st = system(cmd);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(err, 1, errlen - 1, f) : 0;
  err[n] = '\0';
  if (f)
    fclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The command line: exit 2 and the path given, for run and render. */
TEST(command_line_refuses_bad_out_and_bad_results) {
  CHECK(access(PROBE, X_OK) == 0);      /* built by make check (asan) */
  CHECK_INT(make_dir(), 0);
  char args[512], err[1024], file[128];
  snprintf(file, sizeof file, "%s/a-file", dir);
  CHECK_INT(test_tmp_write(dir, "a-file", ""), 0);
  int ok = 1;
  snprintf(args, sizeof args, "render fixtures/results-sample.json --out '%s'", file);
  ok &= probe(args, err, sizeof err) == 2 && strstr(err, file) && strstr(err, "not a directory");
  snprintf(args, sizeof args, "render fixtures/results-sample.json --out ''");
  ok &= probe(args, err, sizeof err) == 2 && strstr(err, "--out ''");
  snprintf(args, sizeof args, "run --target a=http://127.0.0.1:1 --out ''");
  ok &= probe(args, err, sizeof err) == 2 && strstr(err, "--out ''");
  snprintf(args, sizeof args, "run --target a=http://127.0.0.1:1 --out '%s/x'", file);
  ok &= probe(args, err, sizeof err) == 2 && strstr(err, file);
  snprintf(args, sizeof args, "render fixtures/results-bad/format-9.json --out '%s/r'", dir);
  ok &= probe(args, err, sizeof err) == 2 &&
        strstr(err, "fixtures/results-bad/format-9.json: format: ");
  if (!ok)
    fprintf(stderr, "  last stderr: %s\n", err);
  remove_dir();
  CHECK(ok);
}

CHECK_MAIN(CASE(duplicate_members_are_refused_with_their_path),
           CASE(bad_targets_files_name_file_and_member),
           CASE(too_many_targets_names_the_given_path),
           CASE(bad_results_name_file_and_member),
           CASE(the_fixture_results_pass_the_check),
           CASE(out_dir_must_name_a_directory),
           CASE(command_line_refuses_bad_out_and_bad_results))
