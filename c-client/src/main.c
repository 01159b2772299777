/* main.c - the h2c-probe command line: run, list, render, merge (load: load_cli.c).
 *
 * Exit codes are part of the interface (CI and lab scripts rely on them):
 *   0  the run completed (whatever the verdicts), or list/render/merge succeeded
 *   1  run --strict: some cell's verdict is not in its scenario's accept list
 *   2  usage, input or output error (bad option, malformed scenario or
 *      targets file, a results.json render does not read, shards merge
 *      refuses (docs/formats.md, "Shards and merge"), an --out that is
 *      empty, not a directory or not writable)
 * An unreachable server is not an error of the probe: it becomes `error`
 * cells in the results. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <nghttp2/nghttp2.h>

#include "atomic_file.h"
#include "json_file.h"
#include "load_cli.h"
#include "render/render.h"
#include "results.h"
#include "results_check.h"
#include "runner.h"
#include "shard.h"
#include "merge.h"
#include "verdicts.h"

#ifndef H2C_VERSION
#define H2C_VERSION "0.0.0"
#endif

#define EXIT_STRICT 1
#define EXIT_USAGE 2
#define MAX_ONLY 64
#define MAX_ATTACH 8
#define ATTACH_MAX_BYTES (256u * 1024u)

static const char usage_text[] =
    "usage: h2c-probe run [--target NAME=URL]... [--targets FILE] [--scenarios DIR]\n"
    "                     [--only ID]... [--out DIR] [--timeout-ms N] [--jobs N] [--strict]\n"
    "                     [--attach NAME=FILE]... [--shard K/N]\n"
    "       h2c-probe list [--scenarios DIR]\n"
    "       h2c-probe list --verdicts [--json]\n"
    "       h2c-probe render RESULTS.json --out DIR\n"
    "       h2c-probe merge SHARD.json... --out DIR\n"
    "       h2c-probe load (--target NAME=URL | --targets FILE) [options]  (load --help)\n"
    "       h2c-probe --help | --version\n";

static const char help_text[] =
    "\n"
    "Sends every scenario to every target (HTTP/1.1 + h2c upgrade edge cases)\n"
    "and writes DIR/results.json plus the reports rendered from it.\n"
    "\n"
    "run options:\n"
    "  --target NAME=URL   a server under test, e.g. gevent=http://127.0.0.1:8080\n"
    "  --targets FILE      targets file (docs/formats.md), e.g. lab/targets.json\n"
    "  --scenarios DIR     scenario directory (default: $H2C_SCENARIOS, else\n"
    "                      ../scenarios next to the binary, else ./scenarios)\n"
    "  --only ID           run only this scenario (repeatable)\n"
    "  --out DIR           output directory (default reports/run)\n"
    "  --timeout-ms N      per-read timeout, 1-600000 (default 2000)\n"
    "  --jobs N            cells run in parallel, 1-256 (default 64)\n"
    "  --strict            exit 1 when a verdict is not in its scenario's accept list\n"
    "  --attach NAME=FILE  embed the JSON document FILE (an object, at most 256 KiB)\n"
    "                      in results.json as attachments.NAME; upstream=FILE takes\n"
    "                      lab/upstream's upstream.json (h2c-lab-upstream/1)\n"
    "  --shard K/N         run only shard K of N (1 <= K <= N <= 1000): a fixed part\n"
    "                      of the cells, chosen from the target and scenario names\n"
    "                      (cells that must run in order stay together); writes\n"
    "                      DIR/results.json only, for merge\n"
    "\n"
    "merge: reads the results.json of all N shards of one run (run --shard K/N,\n"
    "  same probe, scenarios, targets and --timeout-ms; each shard once), writes\n"
    "  DIR/results.json as the unsharded run would and renders the reports.\n"
    "\n"
    "list options:\n"
    "  --scenarios DIR     list this directory's scenarios (default as for run)\n"
    "  --verdicts          list the verdicts instead: name, ok (counts as correct\n"
    "                      when a scenario has no accept list), security, meaning\n"
    "  --json              with --verdicts: as JSON (h2c-lab-verdicts/1), with the\n"
    "                      reports' CSS class, group heading and colours\n"
    "\n"
    "exit codes: 0 run completed, 1 --strict and some cell not ok,\n"
    "            2 usage/input/output error (merge: shards that do not add up\n"
    "            to one run)\n";

typedef struct run_args {
  const char *targets_files[16];
  int ntargets_files;
  const char *target_specs[64];
  int ntarget_specs;
  const char *scenarios_dir;
  const char *only[MAX_ONLY];
  int nonly;
  const char *out_dir;
  int timeout_ms, jobs, strict;
  const char *attach[MAX_ATTACH];   /* NAME=FILE */
  int nattach;
  int shard_k, shard_n;             /* --shard K/N, or 0/0 */
} run_args;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "h2c-probe: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n%s", usage_text);
  va_end(ap);
  return EXIT_USAGE;
}

static void print_version(void) {
  const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
  const nghttp2_info *nv = nghttp2_version(0);
  printf("h2c-probe %s\nlibcurl %s\nnghttp2 %s\ncJSON %s\n", H2C_VERSION,
         cv ? cv->version : "?", nv ? nv->version_str : "?", cJSON_Version());
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* $H2C_SCENARIOS, else <binary dir>/../scenarios (build/h2c-probe finds
 * c-client/scenarios), else ./scenarios. The returned string is static. */
static const char *default_scenarios_dir(void) {
  static char path[PATH_MAX + 32];
  const char *env = getenv("H2C_SCENARIOS");
  if (env && *env)
    return env;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      snprintf(path, sizeof path, "%s/../scenarios", exe);
      if (is_dir(path))
        return path;
    }
  }
  return "scenarios";
}

/* --out DIR of run and render (atomic_file_out_dir): "" or a path that is
 * not a directory is a usage error naming what was given. 0, or -1 with the
 * message printed. */
static int prepare_out_dir(const char *cmd, const char *dir) {
  char err[600];
  if (atomic_file_out_dir(dir, err, sizeof err) == 0)
    return 0;
  fprintf(stderr, "h2c-probe: %s: --out '%s': %s\n", cmd, dir, err);
  return -1;
}

static int parse_int(const char *s, int lo, int hi, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

/* ---- run ------------------------------------------------------------------ */

static int parse_run_args(int argc, char **argv, run_args *a) {
  static const struct option opts[] = {
      {"target", required_argument, NULL, 't'},
      {"targets", required_argument, NULL, 'T'},
      {"scenarios", required_argument, NULL, 's'},
      {"only", required_argument, NULL, 'o'},
      {"out", required_argument, NULL, 'O'},
      {"timeout-ms", required_argument, NULL, 'm'},
      {"jobs", required_argument, NULL, 'j'},
      {"strict", no_argument, NULL, 'S'},
      {"attach", required_argument, NULL, 'A'},
      {"shard", required_argument, NULL, 'H'},
      {NULL, 0, NULL, 0}};
  char err[160];
  memset(a, 0, sizeof *a);
  a->out_dir = "reports/run";
  a->timeout_ms = 2000;
  a->jobs = 64;                     /* every lab target at once: runner.c */
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    switch (ch) {
    case 't':
      if (a->ntarget_specs == 64)
        return usage_error("too many --target options (max 64)");
      a->target_specs[a->ntarget_specs++] = optarg;
      break;
    case 'T':
      if (a->ntargets_files == 16)
        return usage_error("too many --targets options (max 16)");
      a->targets_files[a->ntargets_files++] = optarg;
      break;
    case 's': a->scenarios_dir = optarg; break;
    case 'o':
      if (a->nonly == MAX_ONLY)
        return usage_error("too many --only options");
      a->only[a->nonly++] = optarg;
      break;
    case 'O': a->out_dir = optarg; break;
    case 'm':
      if (parse_int(optarg, 1, 600000, &a->timeout_ms) != 0)
        return usage_error("--timeout-ms: expected 1-600000, got \"%s\"", optarg);
      break;
    case 'j':
      if (parse_int(optarg, 1, 256, &a->jobs) != 0)
        return usage_error("--jobs: expected 1-256, got \"%s\"", optarg);
      break;
    case 'S': a->strict = 1; break;
    case 'A':
      if (a->nattach == MAX_ATTACH)
        return usage_error("too many --attach options (max %d)", MAX_ATTACH);
      a->attach[a->nattach++] = optarg;
      break;
    case 'H':
      if (shard_parse(optarg, &a->shard_k, &a->shard_n, err, sizeof err) != 0)
        return usage_error("%s", err);
      break;
    default: return usage_error("run: bad option (see --help)");
    }
  }
  if (optind < argc)
    return usage_error("run: unexpected argument \"%s\"", argv[optind]);
  if (a->ntarget_specs == 0 && a->ntargets_files == 0)
    return usage_error("run: no targets (give --target NAME=URL or --targets FILE)");
  if (!a->scenarios_dir)
    a->scenarios_dir = default_scenarios_dir();
  return 0;
}

static int load_targets(const run_args *a, target **list, int *n) {
  char err[512];
  for (int i = 0; i < a->ntargets_files; i++)
    if (target_load_file(a->targets_files[i], list, n, err, sizeof err) != 0) {
      fprintf(stderr, "h2c-probe: %s\n", err);
      return -1;
    }
  for (int i = 0; i < a->ntarget_specs; i++) {
    target *grown = realloc(*list, (size_t)(*n + 1) * sizeof *grown);
    if (!grown)
      return -1;
    *list = grown;
    if (target_parse_spec(a->target_specs[i], &(*list)[*n], err, sizeof err) != 0) {
      fprintf(stderr, "h2c-probe: %s\n", err);
      return -1;
    }
    (*n)++;
  }
  if (*n > TARGETS_MAX) {
    fprintf(stderr, "h2c-probe: --target: %d targets in all, more than the %d a run "
            "may hold\n", *n, TARGETS_MAX);
    return -1;
  }
  for (int i = 0; i < *n; i++)
    for (int j = 0; j < i; j++)
      if (strcmp((*list)[i].name, (*list)[j].name) == 0) {
        fprintf(stderr, "h2c-probe: target name \"%s\" is given twice\n", (*list)[i].name);
        return -1;
      }
  if (*n == 0) {
    fprintf(stderr, "h2c-probe: the targets file lists no targets\n");
    return -1;
  }
  return 0;
}

/* Keeps only the --only scenarios (in catalogue order); unknown ids are an
 * error, so a typo never turns into an empty run. */
static int filter_scenarios(const run_args *a, scenario *list, int *n) {
  for (int k = 0; k < a->nonly; k++) {
    int found = 0;
    for (int i = 0; i < *n; i++)
      found |= strcmp(list[i].id, a->only[k]) == 0;
    if (!found) {
      fprintf(stderr, "h2c-probe: --only %s: no such scenario in %s (see "
              "h2c-probe list)\n", a->only[k], a->scenarios_dir);
      return -1;
    }
  }
  if (a->nonly == 0)
    return 0;
  int kept = 0;
  for (int i = 0; i < *n; i++) {
    int want = 0;
    for (int k = 0; k < a->nonly; k++)
      want |= strcmp(list[i].id, a->only[k]) == 0;
    if (want) {
      if (kept != i) {
        list[kept] = list[i];
        memset(&list[i], 0, sizeof list[i]);
      }
      kept++;
    } else {
      scenario_free(&list[i]);
    }
  }
  *n = kept;
  return 0;
}

static int load_scenarios(const char *dir, scenario **list, int *n) {
  char err[512];
  int count = scenario_load_dir(dir, list, err, sizeof err);
  if (count < 0) {
    fprintf(stderr, "h2c-probe: %s\n", err);
    return -1;
  }
  if (count == 0) {
    fprintf(stderr, "h2c-probe: %s: no *.json scenario files (set --scenarios "
            "or H2C_SCENARIOS)\n", dir);
    return -1;
  }
  *n = count;
  return 0;
}

/* ---- --attach ------------------------------------------------------------- */

/* Well-formed UTF-8 (no overlong forms, surrogates or bytes past U+10FFFF). */
static int utf8_ok(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int n = *p < 0x80 ? 0 : *p >= 0xc2 && *p <= 0xdf ? 1 : *p >= 0xe0 && *p <= 0xef ? 2
          : *p >= 0xf0 && *p <= 0xf4 ? 3 : -1;
    if (n < 0)
      return 0;
    for (int k = 1; k <= n; k++)     /* stops at a NUL: it is not 10xxxxxx */
      if ((p[k] & 0xc0) != 0x80)
        return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
      return 0;
    p += n + 1;
  }
  return 1;
}

/* Every key and string of the tree is text, so results.json stays UTF-8. */
static int json_text_ok(const cJSON *j) {
  for (; j; j = j->next)
    if ((j->string && !utf8_ok(j->string)) || (cJSON_IsString(j) && !utf8_ok(j->valuestring)) ||
        (j->child && !json_text_ok(j->child)))
      return 0;
  return 1;
}

/* What is wrong with attachment NAME's document, or NULL. */
static const char *attachment_problem(const char *name, const cJSON *doc) {
  if (!cJSON_IsObject(doc))
    return "not a JSON object";
  if (!json_text_ok(doc))
    return "holds a string that is not valid UTF-8";
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
  if (strcmp(name, "upstream") == 0 &&
      !(cJSON_IsString(fmt) && strncmp(fmt->valuestring, "h2c-lab-upstream/", 17) == 0))
    return "not an h2c-lab-upstream/1 document (lab/upstream/results_json.py)";
  return NULL;
}

/* Every --attach NAME=FILE as one object {NAME: document}, read before the
 * run so a bad file costs nothing; errors name the file (exit 2). */
static int load_attachments(const run_args *a, cJSON **out) {
  *out = a->nattach ? cJSON_CreateObject() : NULL;
  for (int i = 0; i < a->nattach; i++) {
    const char *spec = a->attach[i], *eq = strchr(spec, '=');
    size_t n = eq ? (size_t)(eq - spec) : 0;
    char name[65], err[600];
    if (!eq || n == 0 || n >= sizeof name || !eq[1] ||
        strspn(spec, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") < n) {
      fprintf(stderr, "h2c-probe: --attach %s: expected NAME=FILE, NAME of [A-Za-z0-9._-] "
              "(at most 64)\n", spec);
      return -1;
    }
    memcpy(name, spec, n);
    name[n] = '\0';
    if (cJSON_GetObjectItemCaseSensitive(*out, name)) {
      fprintf(stderr, "h2c-probe: --attach %s: the name \"%s\" is given twice\n", spec, name);
      return -1;
    }
    cJSON *doc = json_file_load(eq + 1, ATTACH_MAX_BYTES, err, sizeof err);
    const char *why = doc ? attachment_problem(name, doc) : NULL;
    if (!doc || why) {
      if (doc)
        fprintf(stderr, "h2c-probe: --attach %s: %s: %s\n", name, eq + 1, why);
      else
        fprintf(stderr, "h2c-probe: --attach %s: %s\n", name, err);
      cJSON_Delete(doc);
      return -1;
    }
    cJSON_AddItemToObject(*out, name, doc);
  }
  return 0;
}

/* results.json (text, n bytes) and the reports rendered from that same
 * text, written into dir as one set: all of them replace the earlier set,
 * or, on any failure (a full disk), none does and no temporary file stays.
 * A shard's results.json (run --shard) goes alone: a part of a run is no
 * report. 0, or -1 with err. */
static int write_set(const char *text, size_t n, const char *dir, int reports, char *err,
                     size_t errlen) {
  char name[600];
  snprintf(name, sizeof name, "%s/results.json", dir);
  cJSON *tree = json_text_parse(name, text, n, err, errlen);
  if (!tree)
    return -1;
  atomic_set set;
  atomic_set_init(&set, dir);
  int rc = atomic_set_add(&set, "results.json", text, n, err, errlen) != 0 ||
           (reports && render_stage(tree, &set, err, errlen) != 0) ||
           atomic_set_commit(&set, err, errlen) != 0 ? -1 : 0;
  atomic_set_free(&set);
  cJSON_Delete(tree);
  return rc;
}

/* Writes results.json and the reports (write_set); path gets results.json's. */
static int write_outputs(const run *r, const char *dir, char *path, size_t pathlen) {
  char err[512];
  size_t n;
  snprintf(path, pathlen, "%s/results.json", dir);
  char *text = results_text(r, &n);
  int rc = -1;
  if (!text)
    snprintf(err, sizeof err, "out of memory building results.json");
  else if (atomic_file_make_dirs(dir, err, sizeof err) == 0)
    rc = write_set(text, n, dir, r->shard_n < 2, err, sizeof err);
  free(text);
  if (rc != 0)
    fprintf(stderr, "h2c-probe: writing the reports: %s (the files of an earlier run "
            "in %s, if any, are left as they were)\n", err, dir);
  return rc;
}

static int cmd_run(int argc, char **argv) {
  run_args a;
  int rc = parse_run_args(argc, argv, &a);
  if (rc != 0)
    return rc;
  run r;
  memset(&r, 0, sizeof r);
  if (load_targets(&a, &r.targets, &r.ntargets) != 0 ||
      load_scenarios(a.scenarios_dir, &r.scenarios, &r.nscenarios) != 0 ||
      filter_scenarios(&a, r.scenarios, &r.nscenarios) != 0 ||
      load_attachments(&a, &r.attachments) != 0) {
    runner_free(&r);
    return EXIT_USAGE;
  }
  if (prepare_out_dir("run", a.out_dir) != 0) {   /* fail before the run */
    runner_free(&r);
    return EXIT_USAGE;
  }
  runner_opts o = {a.timeout_ms, a.jobs, isatty(STDERR_FILENO), a.shard_k, a.shard_n};
  runner_run(&r, &o);
  char path[4096];
  if (r.ncells != r.ntargets * r.nscenarios || write_outputs(&r, a.out_dir, path, sizeof path) != 0) {
    runner_free(&r);
    return EXIT_USAGE;
  }
  int ok, na, security, n = 0;
  runner_count(&r, &ok, &na, &security);
  for (int i = 0; i < r.ncells; i++)
    n += runner_in_run(&r, i);
  if (r.shard_n > 1)
    printf("h2c-probe: shard %d/%d: %d of the run's %d cells; no reports (h2c-probe merge "
           "the %d shards' results.json renders them)\n", r.shard_k, r.shard_n, n, r.ncells,
           r.shard_n);
  printf("h2c-probe: %d cells, %d ok, %d not ok, %d %s (%.1f s) → %s\n", n, ok,
         n - ok - na, na, verdicts_name(V_NA), (double)r.duration_ms / 1000.0, path);
  if (security)
    printf("h2c-probe: %d security finding(s): %s, %s or %s (results.json cells[].security)\n",
           security, verdicts_name(V_CROSS_CLIENT), verdicts_name(V_SMUGGLED),
           verdicts_name(V_POISONED));
  rc = (a.strict && ok + na != n) ? EXIT_STRICT : 0;
  runner_free(&r);
  return rc;
}

/* ---- list / render ---------------------------------------------------------- */

/* The vocabulary for scripts (lab/scripts/check-expected.py) and for the
 * verdict table of docs/formats.md (c-client/scripts/verdicts-doc.sh). */
static int print_verdicts_json(void) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "format", "h2c-lab-verdicts/1");
  cJSON *arr = cJSON_AddArrayToObject(root, "verdicts");
  for (int v = 0; arr && v < verdicts_count(); v++) {
    const verdict_info *vi = verdicts_info((verdict)v);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "name", vi->name);
    cJSON_AddStringToObject(o, "meaning", vi->meaning);
    cJSON_AddBoolToObject(o, "ok", vi->ok);
    cJSON_AddBoolToObject(o, "security", vi->security);
    cJSON_AddStringToObject(o, "css", vi->cls);
    cJSON_AddStringToObject(o, "group", vi->group);
    cJSON_AddStringToObject(o, "bg", vi->bg);
    cJSON_AddStringToObject(o, "fg", vi->fg);
  }
  char *text = arr ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) {
    fprintf(stderr, "h2c-probe: out of memory\n");
    return EXIT_USAGE;
  }
  printf("%s\n", text);
  free(text);
  return 0;
}

static int print_verdicts(int json) {
  if (json)
    return print_verdicts_json();
  printf("%-13s %-3s %-8s %s\n", "verdict", "ok", "security", "meaning");
  for (int v = 0; v < verdicts_count(); v++) {
    const verdict_info *vi = verdicts_info((verdict)v);
    printf("%-13s %-3s %-8s %s\n", vi->name, vi->ok ? "yes" : "-",
           vi->security ? "yes" : "-", vi->meaning);
  }
  return 0;
}

static int cmd_list(int argc, char **argv) {
  static const struct option opts[] = {{"scenarios", required_argument, NULL, 's'},
                                       {"verdicts", no_argument, NULL, 'v'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const char *dir = NULL;
  int ch, verdicts = 0, json = 0;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    if (ch == 's')
      dir = optarg;
    else if (ch == 'v')
      verdicts = 1;
    else if (ch == 'j')
      json = 1;
    else
      return usage_error("list: bad option (see --help)");
  }
  if (optind < argc)
    return usage_error("list: unexpected argument \"%s\"", argv[optind]);
  if (json && !verdicts)
    return usage_error("list: --json goes with --verdicts");
  if (verdicts && dir)
    return usage_error("list: --verdicts lists no scenarios (drop --scenarios)");
  if (verdicts)
    return print_verdicts(json);
  if (!dir)
    dir = default_scenarios_dir();
  scenario *list = NULL;
  int n = 0;
  if (load_scenarios(dir, &list, &n) != 0)
    return EXIT_USAGE;
  for (int i = 0; i < n; i++)
    printf("%-28s %-5s %s\n", list[i].id, scenario_engine_name(list[i].engine), list[i].title);
  scenario_free_all(list, n);
  return 0;
}

/* The options of render and merge: --out DIR only, then one or more files
 * (at argv[*first..argc)). 0, or a usage error's exit code. */
static int parse_out_files(int argc, char **argv, const char *cmd, const char **out,
                           int *first) {
  static const struct option opts[] = {
      {"out", required_argument, NULL, 'O'}, {NULL, 0, NULL, 0}};
  int ch;
  *out = NULL;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (ch != 'O')
      return usage_error("%s: bad option (see --help)", cmd);
    *out = optarg;
  }
  if (optind >= argc)
    return usage_error("%s: expected %s", cmd, strcmp(cmd, "merge") == 0
                       ? "the shards' results.json files" : "exactly one RESULTS.json");
  if (!*out)
    return usage_error("%s: --out DIR is required", cmd);
  *first = optind;
  return 0;
}

static int cmd_render(int argc, char **argv) {
  const char *out;
  int first, rc0 = parse_out_files(argc, argv, "render", &out, &first);
  if (rc0 != 0)
    return rc0;
  if (first != argc - 1)
    return usage_error("render: expected exactly one RESULTS.json");
  char err[512];
  const char *path = argv[first];
  buf raw;
  cJSON *tree = json_file_load_raw(path, JSON_FILE_MAX, &raw, err, sizeof err);
  int rc = tree ? results_check_doc(tree, path, err, sizeof err) : -1;
  if (rc == 0 && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
                     cJSON_GetObjectItemCaseSensitive(tree, "run"), "shard"))) {
    snprintf(err, sizeof err, "%s: run.shard: the results of one shard, a part of the "
             "run: merge all shards first (h2c-probe merge SHARD.json... --out DIR)", path);
    rc = -1;
  }
  cJSON_Delete(tree);
  if (rc == 0 && prepare_out_dir("render", out) != 0) {
    buf_free(&raw);
    return EXIT_USAGE;
  }
  /* results.json goes with its reports: a directory that held another run
   * holds this one's results.json and reports, never a mix */
  if (rc == 0)
    rc = write_set(raw.data, raw.len, out, 1, err, sizeof err);
  buf_free(&raw);
  if (rc != 0) {
    fprintf(stderr, "h2c-probe: %s\n", err);
    return EXIT_USAGE;
  }
  printf("h2c-probe: reports rendered into %s\n", out);
  return 0;
}

static int cmd_merge(int argc, char **argv) {
  const char *out;
  int first, rc0 = parse_out_files(argc, argv, "merge", &out, &first);
  if (rc0 != 0)
    return rc0;
  char err[1024], path[4096];
  cJSON *doc = merge_files((const char *const *)argv + first, argc - first, err,
                           sizeof err);
  if (!doc) {
    fprintf(stderr, "h2c-probe: merge: %s\n", err);
    return EXIT_USAGE;
  }
  snprintf(path, sizeof path, "%s/results.json", out);
  size_t n;
  char *text = results_doc_text(doc, &n);
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(doc, "summary");
  int cells = cJSON_GetObjectItemCaseSensitive(sum, "cells")->valueint;
  cJSON_Delete(doc);
  int rc = prepare_out_dir("merge", out);
  if (rc == 0 && !text) {
    snprintf(err, sizeof err, "out of memory building results.json");
    rc = -1;
  }
  if (rc == 0 && (atomic_file_make_dirs(out, err, sizeof err) != 0 ||
                  write_set(text, n, out, 1, err, sizeof err) != 0)) {
    fprintf(stderr, "h2c-probe: merge: writing the reports: %s\n", err);
    rc = -1;
  }
  free(text);
  if (rc != 0)
    return EXIT_USAGE;
  printf("h2c-probe: merged %d shards, %d cells → %s\n", argc - first, cells, path);
  return 0;
}

int main(int argc, char **argv) {
  /* A server closing mid-write must be an outcome, not a dead process. */
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2)
    return usage_error("missing command");
  const char *cmd = argv[1];
  if (strcmp(cmd, "load") == 0)          /* its own options and --help: load_cli.c */
    return load_cli_main(argc - 1, argv + 1);
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      cmd = "--help";
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    printf("%s%s", usage_text, help_text);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    print_version();
    return 0;
  }
  int rc;
  if (strcmp(cmd, "run") == 0) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      fprintf(stderr, "h2c-probe: curl_global_init failed\n");
      return EXIT_USAGE;
    }
    rc = cmd_run(argc - 1, argv + 1);
    curl_global_cleanup();
  } else if (strcmp(cmd, "list") == 0) {
    rc = cmd_list(argc - 1, argv + 1);
  } else if (strcmp(cmd, "render") == 0) {
    rc = cmd_render(argc - 1, argv + 1);
  } else if (strcmp(cmd, "merge") == 0) {
    rc = cmd_merge(argc - 1, argv + 1);
  } else {
    rc = usage_error("unknown command \"%s\"", cmd);
  }
  return rc;
}
