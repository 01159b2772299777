/* target.h - a server under test: a name and an http:// URL, plus whatever the
 * lab's targets file says about it (copied into results.json as "info"). */
#ifndef H2C_TARGET_H
#define H2C_TARGET_H

#include <stddef.h>

typedef struct target {
  char *name;
  char *url;            /* http://host:port (no path) */
  char *host;
  char *port;
  char *authority;      /* host:port as sent in Host / :authority */
  char *version_path;   /* optional */
  char *patch_path;     /* optional: where the target serves the fix's diff */
  char *version;        /* filled by the runner, may be NULL */
  char *server_header;  /* first Server header seen, may be NULL */
  char *info_json;      /* serialized "info" object, may be NULL */
  char *patch;          /* filled by the runner: the diff's bytes (capped), or NULL */
  size_t patch_len;
  int patch_truncated;  /* the server sent more than the cap */
  /* info.software (the lab's rows): the package the target runs. Its /version
   * answer is kept as given (lab/scripts/check-expected.py checks that it
   * names that package); without it, only an answer that looks like a
   * version is kept (target_looks_like_version). */
  int names_package;
  /* info.direct: true says the URL is the server itself, nothing pools
   * connections behind it (no proxy, no backend) and it serves any number of
   * connections at once: a cell's state lives in its own connections only and
   * no cell waits for another's worker, so its cells may run at the same time. */
  int direct;
  /* From info (the lab's proxy rows): */
  int behind_proxy;     /* info.proxy is a non-empty string */
  char *backend_log_url;/* info.backend_log_url: http://host[:port]/path, or NULL */
  char *log_host, *log_port, *log_authority, *log_path; /* parsed from it */
  /* info.isolation_group: targets naming the same group (they share a backend)
   * never run cells at the same time; NULL: the target is its own group. */
  char *isolation_group;
  /* info.backend_reset_url: GET before each cell closes the backend's other
   * connections (a desynced one left in a proxy's pool); NULL: none. */
  char *reset_url;
  char *reset_host, *reset_port, *reset_authority, *reset_path; /* parsed from it */
} target;

/* "NAME=URL" → target. Returns 0 or -1 with err. */
int target_parse_spec(const char *spec, target *t, char *err, size_t errlen);
/* At most this many targets in one run (files and --target together): what
 * results.json may hold and a report shows. */
#define TARGETS_MAX 1000
/* Appends the targets of a targets file to *list (realloc'd). Returns 0/-1. */
int target_load_file(const char *path, target **list, int *n, char *err,
                     size_t errlen);
void target_free(target *t);
/* Does the first line of a /version answer (n bytes at s) look like a
 * version: a package name, a space or '/', then a version token (digits, a
 * dot and more, Debian epochs and revisions allowed), then the end or a
 * space: "python3-gevent 22.10.2-3", "nginx/1.22.1". An echo app's "EMPTY",
 * a fixed "static-ok" or an HTML page is not. */
int target_looks_like_version(const char *s, size_t n);

#endif
