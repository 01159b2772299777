/* load_cli.c - `h2c-probe load`: options, the targets it runs against (given
 * one by one, or a targets file filtered by what their info says, never by
 * their names), one load run per target in turn (after a backend reset
 * where the target has one), a line per run on stdout, and the load
 * section written to --out DIR/load.json and/or into an existing
 * results.json (--into), whose reports are rendered again. */
#include "load_cli.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "atomic_file.h"
#include "backend_log.h"
#include "load.h"
#include "load_json.h"
#include "load_trigger.h"
#include "target.h"

#define EXIT_USAGE 2
#define MAX_SPECS 64
#define LOAD_CLI_MAX_PARALLEL 16

static const char help_text[] =
    "usage: h2c-probe load (--target NAME=URL | --targets FILE [--with-info KEY])...\n"
    "                      [--roles-from FILE] [--parallel N]\n"
    "                      [--victims N] [--attackers N] [--attack-rate R]\n"
    "                      [--trigger SCENARIO.json] [--trigger-request N]\n"
    "                      [--duration-ms N] [--requests N] [--deadline-ms N]\n"
    "                      [--depth N] [--threads N] [--h2c] [--get PATH]\n"
    "                      [--out DIR] [--into RESULTS.json]\n"
    "\n"
    "Victim connections send keep-alive requests, each with its own token (POST\n"
    "/echo, the token as body: the echo app returns it), while attacker\n"
    "connections send a trigger request at a fixed rate. Every victim request is\n"
    "classified from the bytes: ok, error (an error status, a body that is\n"
    "nobody's), crossed (another client's token, or the attacker's answer),\n"
    "no_answer (nothing within --deadline-ms, or closed mid-answer), closed (the\n"
    "connection closed before any byte of the answer: a keep-alive race, not\n"
    "counted as damage). Prints requests per second, latency p50/p99/max and\n"
    "the victim requests affected (error, crossed, no_answer) after each attack.\n"
    "\n"
    "  --target NAME=URL     a target (repeatable)\n"
    "  --targets FILE        the targets of a targets file (lab/targets.json)\n"
    "  --with-info KEY       only targets whose info has a non-empty KEY\n"
    "                        (e.g. proxy: every target behind a proxy)\n"
    "  --roles-from FILE     the targets file whose rows say which backend\n"
    "                        (info.backend) is a subject and which a control\n"
    "                        (default: the --targets files)\n"
    "  --parallel N          load up to N targets at once, 1-16 (default 1);\n"
    "                        (never two that name the same info.isolation_group)\n"
    "  --victims N           victim connections (default 50)\n"
    "  --attackers N         attacker connections (default 0; each attack on a\n"
    "                        new connection)\n"
    "  --attack-rate R       attacker requests per second, all attackers (default 20)\n"
    "  --attack-delay-ms N   the first attack after N ms (default 200: a baseline)\n"
    "  --trigger FILE        the scenario file whose request the attackers send\n"
    "  --trigger-request N   which request of it, from 0 (default: the first\n"
    "                        with an Upgrade header)\n"
    "  --duration-ms N       the run's hard bound, 1-600000 (default 2000)\n"
    "  --requests N          stop after N victim requests (still bounded by the\n"
    "                        duration)\n"
    "  --deadline-ms N       per request: no answer after N ms (default 1000)\n"
    "  --depth N             requests in flight per victim connection, 1-64\n"
    "                        (default 1: HTTP/1.1 pipelining above 1)\n"
    "  --threads N           event-loop threads (default: one per core)\n"
    "  --h2c                 victims speak HTTP/2 with prior knowledge\n"
    "  --get PATH            victims send GET PATH, judged by status (a server\n"
    "                        without the echo app, e.g. a benchmark)\n"
    "  --out DIR             write DIR/load.json (the load section)\n"
    "  --into FILE           put the load section into this results.json and\n"
    "                        render its reports again\n"
    "\n"
    "exit codes: 0 every run completed, 2 usage/input/output error\n";

typedef struct load_args {
  const char *specs[MAX_SPECS], *files[16], *with_info, *trigger, *out, *into, *roles_from;
  int nspecs, nfiles, trigger_request, parallel;
  load_opts o;
} load_args;

static int usage(const char *msg, const char *arg) {
  fprintf(stderr, "h2c-probe load: %s%s%s\n(h2c-probe load --help)\n", msg, arg ? ": " : "",
          arg ? arg : "");
  return EXIT_USAGE;
}

static int num(const char *s, long long lo, long long hi, long long *out) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (!*s || *end || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

/* One numeric option into an int field. */
static int int_opt(const char *name, long long lo, long long hi, int *field) {
  long long v;
  if (num(optarg, lo, hi, &v) != 0) {
    fprintf(stderr, "h2c-probe load: --%s: expected %lld-%lld, got \"%s\"\n", name, lo, hi,
            optarg);
    return -1;
  }
  *field = (int)v;
  return 0;
}

static void defaults(load_args *a) {
  memset(a, 0, sizeof *a);
  a->trigger_request = -1;
  a->parallel = 1;
  a->o.victims = 50;
  a->o.attack_rate = 20;
  a->o.attack_delay_ms = 200;
  a->o.duration_ms = 2000;
  a->o.deadline_ms = 1000;
  a->o.depth = 1;
}

static int parse_one(load_args *a, int ch) {
  load_opts *o = &a->o;
  char *end;
  long long v;
  switch (ch) {
  case 't': if (a->nspecs == MAX_SPECS) return usage("too many --target", NULL);
            a->specs[a->nspecs++] = optarg; return 0;
  case 'T': if (a->nfiles == 16) return usage("too many --targets", NULL);
            a->files[a->nfiles++] = optarg; return 0;
  case 'I': a->with_info = optarg; return 0;
  case 'B': a->roles_from = optarg; return 0;
  case 'P': return int_opt("parallel", 1, LOAD_CLI_MAX_PARALLEL, &a->parallel);
  case 'v': return int_opt("victims", 1, LOAD_MAX_CONNS, &o->victims);
  case 'a': return int_opt("attackers", 0, LOAD_MAX_CONNS, &o->attackers);
  case 'r': o->attack_rate = strtod(optarg, &end);
            return *end || !(o->attack_rate > 0 && o->attack_rate <= 10000)
                       ? usage("--attack-rate: expected more than 0, at most 10000", optarg) : 0;
  case 'D': return int_opt("attack-delay-ms", 0, LOAD_MAX_DURATION_MS, &o->attack_delay_ms);
  case 'g': a->trigger = optarg; return 0;
  case 'q': return int_opt("trigger-request", 0, SC_MAX_REQUESTS - 1, &a->trigger_request);
  case 'd': return int_opt("duration-ms", 1, LOAD_MAX_DURATION_MS, &o->duration_ms);
  case 'n': if (num(optarg, 1, 1000000000000ll, &v) != 0)
              return usage("--requests: expected 1-1000000000000", optarg);
            o->requests = v; return 0;
  case 'w': return int_opt("deadline-ms", 1, LOAD_MAX_DURATION_MS, &o->deadline_ms);
  case 'p': return int_opt("depth", 1, LOAD_MAX_DEPTH, &o->depth);
  case 'j': return int_opt("threads", 1, LOAD_MAX_THREADS, &o->threads);
  case '2': o->proto = LOAD_H2C; return 0;
  case 'G': if (optarg[0] != '/' || strpbrk(optarg, " \r\n"))
              return usage("--get: a path starting with / and without spaces", optarg);
            o->victim_path = optarg; return 0;
  case 'O': a->out = optarg; return 0;
  case 'R': a->into = optarg; return 0;
  default: return usage("bad option", NULL);
  }
}

static int parse_args(int argc, char **argv, load_args *a, int *help) {
  static const struct option opts[] = {
      {"target", 1, NULL, 't'}, {"targets", 1, NULL, 'T'}, {"with-info", 1, NULL, 'I'},
      {"roles-from", 1, NULL, 'B'}, {"parallel", 1, NULL, 'P'},
      {"victims", 1, NULL, 'v'}, {"attackers", 1, NULL, 'a'}, {"attack-rate", 1, NULL, 'r'},
      {"attack-delay-ms", 1, NULL, 'D'}, {"trigger", 1, NULL, 'g'},
      {"trigger-request", 1, NULL, 'q'}, {"duration-ms", 1, NULL, 'd'},
      {"requests", 1, NULL, 'n'}, {"deadline-ms", 1, NULL, 'w'}, {"depth", 1, NULL, 'p'},
      {"threads", 1, NULL, 'j'}, {"h2c", 0, NULL, '2'}, {"get", 1, NULL, 'G'},
      {"out", 1, NULL, 'O'}, {"into", 1, NULL, 'R'}, {"help", 0, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  defaults(a);
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (ch == 'h') {
      *help = 1;
      return 0;
    }
    if (parse_one(a, ch) != 0)
      return EXIT_USAGE;
  }
  if (optind < argc)
    return usage("unexpected argument", argv[optind]);
  if (a->nspecs == 0 && a->nfiles == 0)
    return usage("no targets (give --target NAME=URL or --targets FILE)", NULL);
  if (a->o.attackers > 0 && !a->trigger)
    return usage("--attackers needs --trigger SCENARIO.json (the request they send)", NULL);
  return 0;
}

static int wanted(const load_args *a, const target *t) {
  if (!a->with_info)
    return 1;
  cJSON *info = t->info_json ? cJSON_Parse(t->info_json) : NULL;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(info, a->with_info);
  int ok = cJSON_IsString(v) && v->valuestring[0];
  cJSON_Delete(info);
  return ok;
}

/* The role of the backend a target stands behind (info.backend), from the
 * targets file: 1 a subject of the report, 0 not (a control: the fixed
 * gevent, waitress), -1 unknown. By the backend target's info.roles. */
static int backend_subject(const target *all, int n, const target *t) {
  cJSON *info = t->info_json ? cJSON_Parse(t->info_json) : NULL;
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(info, "backend");
  int role = -1;
  for (int i = 0; cJSON_IsString(b) && i < n; i++) {
    if (strcmp(all[i].name, b->valuestring) != 0)
      continue;
    cJSON *bi = all[i].info_json ? cJSON_Parse(all[i].info_json) : NULL;
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(bi, "roles"), *r;
    role = 0;
    cJSON_ArrayForEach(r, roles) {
      role |= cJSON_IsString(r) && strcmp(r->valuestring, "subject") == 0;
    }
    cJSON_Delete(bi);
  }
  cJSON_Delete(info);
  return role;
}

/* The targets to run, in file order, then the --target ones; *roles gets
 * each one's backend_subject (malloc'd). */
static int load_targets(const load_args *a, target **list, int *n, int **roles) {
  char err[512];
  for (int i = 0; i < a->nfiles; i++)
    if (target_load_file(a->files[i], list, n, err, sizeof err) != 0) {
      fprintf(stderr, "h2c-probe load: %s\n", err);
      return -1;
    }
  *roles = malloc((size_t)(*n + a->nspecs + 1) * sizeof **roles);
  if (!*roles)
    return -1;
  target *ref = *list;
  int nref = *n;
  if (a->roles_from && (ref = NULL, nref = 0,
                        target_load_file(a->roles_from, &ref, &nref, err, sizeof err) != 0)) {
    fprintf(stderr, "h2c-probe load: --roles-from %s\n", err);
    return -1;
  }
  for (int i = 0; i < *n; i++)
    (*roles)[i] = backend_subject(ref, nref, &(*list)[i]);
  for (int i = 0; ref != *list && i < nref; i++)
    target_free(&ref[i]);
  if (ref != *list)
    free(ref);
  int kept = 0;
  for (int i = 0; i < *n; i++) {
    if (wanted(a, &(*list)[i])) {
      (*roles)[kept] = (*roles)[i];
      (*list)[kept++] = (*list)[i];
    } else
      target_free(&(*list)[i]);
  }
  *n = kept;
  for (int i = 0; i < a->nspecs; i++) {
    target *grown = realloc(*list, (size_t)(*n + 1) * sizeof *grown);
    if (!grown)
      return -1;
    *list = grown;
    if (target_parse_spec(a->specs[i], &(*list)[*n], err, sizeof err) != 0) {
      fprintf(stderr, "h2c-probe load: %s\n", err);
      return -1;
    }
    (*roles)[(*n)++] = -1;
  }
  if (*n == 0)
    fprintf(stderr, "h2c-probe load: no target%s\n",
            a->with_info ? " has that info member (--with-info)" : "");
  return *n ? 0 : -1;
}

static void print_run(const target *t, const load_report *r) {
  double s = (double)r->duration_us / 1e6;
  uint64_t aff = 0;
  for (int i = 0; i < r->nattacks; i++)
    aff += (uint64_t)r->attacks[i].failed[LOAD_ERROR] + r->attacks[i].failed[LOAD_CROSSED] +
           r->attacks[i].failed[LOAD_NO_ANSWER];
  printf("h2c-probe load: %s: %.0f req/s (%llu answered in %.2f s), p50 %.3f ms, p99 %.3f ms, "
         "max %.3f ms; ok %llu, error %llu, crossed %llu, no_answer %llu, closed %llu, "
         "unfinished %llu; "
         "%d attacks, %llu victim requests affected after them\n",
         t->name, s > 0 ? (double)r->latency.n / s : 0, (unsigned long long)r->latency.n, s,
         (double)load_hist_quantile(&r->latency, 0.5) / 1000,
         (double)load_hist_quantile(&r->latency, 0.99) / 1000,
         (double)r->latency.max_us / 1000, (unsigned long long)r->by_class[LOAD_OK],
         (unsigned long long)r->by_class[LOAD_ERROR], (unsigned long long)r->by_class[LOAD_CROSSED],
         (unsigned long long)r->by_class[LOAD_NO_ANSWER],
         (unsigned long long)r->by_class[LOAD_CLOSED], (unsigned long long)r->unfinished,
         r->nattacks, (unsigned long long)aff);
  fflush(stdout);
}

/* One target: reset its backend (a connection an earlier test left desynced
 * would count against this run), build its trigger, run, add its object. */
static int run_target(const load_args *a, const target *t, int subject, cJSON **out) {
  char err[600];
  if (t->reset_url) {
    long closed;
    if (backend_log_reset(t, 2000, &closed, err, sizeof err) != 0)
      fprintf(stderr, "h2c-probe load: %s: backend reset failed (%s); running anyway\n",
              t->name, err);
  }
  load_trigger trig;
  memset(&trig, 0, sizeof trig);
  load_opts o = a->o;
  o.host = t->host;
  o.port = t->port;
  o.authority = t->authority;
  if (a->trigger) {
    if (load_trigger_load(&trig, a->trigger, a->trigger_request, t->authority, err,
                          sizeof err) != 0) {
      fprintf(stderr, "h2c-probe load: --trigger %s\n", err);
      load_trigger_free(&trig);
      return -1;
    }
    o.trigger = trig.wire.data;
    o.trigger_len = trig.wire.len;
    load_trigger_expect(&trig, &o.expect);
  }
  load_report r;
  int rc = load_run(&o, &r, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "h2c-probe load: %s: %s\n", t->name, err);
  else {
    print_run(t, &r);
    *out = load_json_run(&r, t->name, t->url, t->info_json);
    if (subject >= 0)
      cJSON_AddBoolToObject(*out, "backend_subject", subject);
  }
  load_report_free(&r);
  load_trigger_free(&trig);
  return rc;
}

/* --parallel: up to that many targets at once, each with its own load
 * run (its own threads); their objects go into runs in target order. */
typedef struct job {
  const load_args *a;
  const target *t;
  int subject, rc, started;
  cJSON *run;
  pthread_t th;
} job;

static void *job_main(void *p) {
  job *j = p;
  j->rc = run_target(j->a, j->t, j->subject, &j->run);
  return NULL;
}

/* Whether list[i] may join the batch list[from..i): no target of it names
 * the same info.isolation_group (targets that share a backend). */
static int may_join(const target *list, int from, int i) {
  for (int j = from; list[i].isolation_group && j < i; j++)
    if (list[j].isolation_group && strcmp(list[j].isolation_group, list[i].isolation_group) == 0)
      return 0;
  return 1;
}

static int run_all(const load_args *a, const target *list, const int *roles, int n,
                   cJSON *runs) {
  int rc = 0;
  for (int i = 0; i < n && rc == 0;) {
    job jobs[LOAD_CLI_MAX_PARALLEL];
    int k = 0;
    while (k < a->parallel && i + k < n && may_join(list, i, i + k))
      k++;
    for (int j = 0; j < k; j++) {
      jobs[j] = (job){a, &list[i + j], roles[i + j], -1, 0, NULL, 0};
      jobs[j].started = pthread_create(&jobs[j].th, NULL, job_main, &jobs[j]) == 0;
      if (!jobs[j].started)
        job_main(&jobs[j]);              /* no thread: run it here */
    }
    for (int j = 0; j < k; j++) {
      if (jobs[j].started)
        pthread_join(jobs[j].th, NULL);
      rc |= jobs[j].rc != 0;
      if (jobs[j].run)
        cJSON_AddItemToArray(runs, jobs[j].run);
    }
    i += k;
  }
  return rc ? -1 : 0;
}

/* The trigger's scenario id and the request it picks, for the section's
 * options (the same file is loaded again per target, with its authority). */
static char *trigger_id(const char *path, int *request) {
  load_trigger t;
  char err[600], *id = NULL;
  memset(&t, 0, sizeof t);
  if (path && load_trigger_load(&t, path, *request, "localhost", err, sizeof err) == 0) {
    id = strdup(t.sc.id);
    *request = t.request;
  }
  load_trigger_free(&t);
  return id;
}

static int write_out(const load_args *a, cJSON *section) {
  char err[600], path[4096];
  int rc = 0;
  if (a->out) {
    char *text = cJSON_Print(section);
    snprintf(path, sizeof path, "%s/load.json", a->out);
    if (!text || atomic_file_out_dir(a->out, err, sizeof err) != 0 ||
        atomic_file_write(path, text, strlen(text), err, sizeof err) != 0) {
      fprintf(stderr, "h2c-probe load: --out %s: %s\n", a->out, text ? err : "out of memory");
      rc = -1;
    } else
      printf("h2c-probe load: wrote %s\n", path);
    cJSON_free(text);
  }
  if (a->into) {
    if (load_json_into_results(a->into, cJSON_Duplicate(section, 1), err, sizeof err) != 0) {
      fprintf(stderr, "h2c-probe load: --into %s: %s\n", a->into, err);
      rc = -1;
    } else
      printf("h2c-probe load: load section written into %s, its reports rendered again\n",
             a->into);
  }
  return rc;
}

int load_cli_main(int argc, char **argv) {
  load_args a;
  int help = 0, rc = parse_args(argc, argv, &a, &help);
  if (help) {
    fputs(help_text, stdout);
    return 0;
  }
  if (rc != 0)
    return rc;
  target *list = NULL;
  int n = 0, *roles = NULL;
  if (load_targets(&a, &list, &n, &roles) != 0) {
    for (int i = 0; i < n; i++)
      target_free(&list[i]);
    free(list);
    free(roles);
    return EXIT_USAGE;
  }
  int picked = a.trigger_request;
  char *id = trigger_id(a.trigger, &picked);
  load_json_opts jo = {&a.o, a.trigger, id, picked};
  cJSON *section = load_json_section(&jo);
  cJSON *runs = cJSON_GetObjectItemCaseSensitive(section, "runs");
  rc = run_all(&a, list, roles, n, runs);
  if (rc == 0)
    rc = write_out(&a, section);
  cJSON_Delete(section);
  free(id);
  for (int i = 0; i < n; i++)
    target_free(&list[i]);
  free(list);
  free(roles);
  return rc == 0 ? 0 : EXIT_USAGE;
}
