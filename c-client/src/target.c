/* target.c - servers under test: "NAME=URL" specs and the lab's targets file.
 *
 * Only http:// URLs of the form http://host[:port][/] are accepted: the probe
 * tests cleartext HTTP/1.1 → h2c behaviour, and the scenarios choose the
 * paths, so a URL with a path, a query or credentials is a mistake we report
 * rather than guess about. */
#include "target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "json_file.h"

#define TARGETS_MAX_FILE (4u * 1024u * 1024u)
#define TARGET_MAX_NAME 64

/* Names end up in file names and report anchors: keep them plain. */
static int valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > TARGET_MAX_NAME)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
      return 0;
  return 1;
}

static int valid_hostname(const char *s, size_t n) {
  if (n == 0 || n > 253)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' || s[i] == '_'))
      return 0;
  return 1;
}

static int valid_ipv6(const char *s, size_t n) {
  if (n < 2 || n > 45)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
          (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':' || s[i] == '.'))
      return 0;
  return 1;
}

/* "1".."65535", digits only. */
static int valid_port(const char *s, size_t n) {
  if (n == 0 || n > 5)
    return 0;
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    v = v * 10 + (s[i] - '0');
  }
  return v >= 1 && v <= 65535;
}

static char *dup_n(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

/* Fills host/port/authority/url of t from an http:// URL. */
static int parse_url(const char *url, target *t, char *err, size_t errlen) {
  static const char scheme[] = "http://";
  if (strncasecmp(url, scheme, sizeof scheme - 1) != 0) {
    snprintf(err, errlen, "URL \"%.200s\": only http:// URLs are supported", url);
    return -1;
  }
  const char *hp = url + sizeof scheme - 1;
  size_t hplen = strcspn(hp, "/?#");
  const char *rest = hp + hplen;
  if (*rest && strcmp(rest, "/") != 0) {
    snprintf(err, errlen, "URL \"%.200s\": give only http://host[:port]; the "
             "scenarios choose the paths", url);
    return -1;
  }
  if (memchr(hp, '@', hplen)) {
    snprintf(err, errlen, "URL \"%.200s\": credentials in URLs are not supported", url);
    return -1;
  }
  const char *host, *port = NULL;
  size_t hostlen, portlen = 0;
  int v6 = hplen > 0 && hp[0] == '[';
  if (v6) {
    const char *close = memchr(hp, ']', hplen);
    if (!close || !valid_ipv6(hp + 1, (size_t)(close - hp - 1))) {
      snprintf(err, errlen, "URL \"%.200s\": bad IPv6 literal", url);
      return -1;
    }
    host = hp + 1;
    hostlen = (size_t)(close - hp - 1);
    const char *after = close + 1;
    if (after < hp + hplen) {
      if (*after != ':') {
        snprintf(err, errlen, "URL \"%.200s\": expected :port after ]", url);
        return -1;
      }
      port = after + 1;
      portlen = (size_t)(hp + hplen - port);
    }
  } else {
    const char *colon = memchr(hp, ':', hplen);
    host = hp;
    hostlen = colon ? (size_t)(colon - hp) : hplen;
    if (colon) {
      port = colon + 1;
      portlen = (size_t)(hp + hplen - port);
    }
    if (!valid_hostname(host, hostlen)) {
      snprintf(err, errlen, "URL \"%.200s\": bad host name", url);
      return -1;
    }
  }
  if (port && !valid_port(port, portlen)) {
    snprintf(err, errlen, "URL \"%.200s\": port must be 1-65535", url);
    return -1;
  }
  t->host = dup_n(host, hostlen);
  t->port = port ? dup_n(port, portlen) : strdup("80");
  char auth[300];
  snprintf(auth, sizeof auth, v6 ? "[%s]:%s" : "%s:%s", t->host ? t->host : "",
           t->port ? t->port : "");
  t->authority = strdup(auth);
  char norm[320];
  snprintf(norm, sizeof norm, "http://%s", auth);
  t->url = strdup(norm);
  if (!t->host || !t->port || !t->authority || !t->url) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

static int set_name(target *t, const char *name, char *err, size_t errlen) {
  if (!valid_name(name)) {
    snprintf(err, errlen, "target name \"%.80s\": use 1-%d letters, digits, . - _",
             name, TARGET_MAX_NAME);
    return -1;
  }
  t->name = strdup(name);
  return t->name ? 0 : -1;
}

int target_parse_spec(const char *spec, target *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  const char *eq = strchr(spec, '=');
  if (!eq) {
    snprintf(err, errlen, "--target \"%.200s\": expected NAME=URL", spec);
    return -1;
  }
  char name[TARGET_MAX_NAME + 2];
  size_t n = (size_t)(eq - spec);
  snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name - 1 ? n : sizeof name - 1),
           spec);
  if (n >= sizeof name - 1)
    name[sizeof name - 2] = '!';     /* too long: force the name check to fail */
  char sub[400];
  if (set_name(t, name, sub, sizeof sub) != 0 || parse_url(eq + 1, t, sub, sizeof sub) != 0) {
    snprintf(err, errlen, "--target %.200s: %s", spec, sub);
    target_free(t);
    return -1;
  }
  /* The app contract's /version, as the lab's targets file names it: a
   * server outside the lab may answer it or not (target_looks_like_version
   * decides what is kept). */
  t->version_path = strdup("/version");
  return 0;
}

static size_t span_of(const char *s, size_t n, const char *set) {
  size_t i = 0;
  while (i < n && s[i] && strchr(set, s[i]))
    i++;
  return i;
}

#define DIGITS "0123456789"
#define ALNUM DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

int target_looks_like_version(const char *s, size_t n) {
  size_t i = 0, k;
  if (n == 0 || !strchr(ALNUM, s[0]) || strchr(DIGITS, s[0]))
    return 0;                                   /* a name starts with a letter */
  i = span_of(s, n, ALNUM "._+-");
  if (i > 64 || i >= n || (s[i] != ' ' && s[i] != '/'))
    return 0;
  i++;
  k = span_of(s + i, n - i, DIGITS);            /* an epoch "1:" or the version */
  if (k && i + k < n && s[i + k] == ':')
    i += k + 1;
  k = span_of(s + i, n - i, DIGITS);
  if (k == 0)
    return 0;
  i += k;
  if (i + 1 >= n || s[i] != '.' || !strchr(ALNUM, s[i + 1]))
    return 0;                                   /* at least "N.x" */
  i += span_of(s + i, n - i, ALNUM ".+~:_-");
  return i == n || s[i] == ' ';
}

/* An optional path member ("version_path", "patch_path"): a path starting
 * with / in visible ASCII, since it goes into a request line as is. */
static int load_path(const char *path, int idx, const cJSON *o, const char *key,
                     char **out, char *err, size_t errlen) {
  const cJSON *vp = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!vp || cJSON_IsNull(vp))
    return 0;
  const char *v = cJSON_IsString(vp) ? vp->valuestring : NULL;
  int bad = !v || v[0] != '/';
  for (const char *p = v; !bad && *p; p++)
    bad = (unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f;
  if (bad) {
    snprintf(err, errlen, "%s: targets[%d].%s: expected a path starting with / "
             "(visible ASCII)", path, idx, key);
    return -1;
  }
  *out = strdup(v);
  if (!*out) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  return 0;
}

/* Where one of the backend's lab endpoints lives (info.backend_log_url,
 * info.backend_reset_url), parsed into its parts. */
typedef struct lab_url { char **url, **host, **port, **authority, **path; } lab_url;

/* An info member naming a lab endpoint of the backend behind a proxy
 * (docs/formats.md): an http:// URL with a path and no query, checked here
 * so a typo fails the load, not every cell. */
static int load_lab_url(const char *path, int idx, const cJSON *info, const char *key,
                        const lab_url *out, char *err, size_t errlen) {
  const cJSON *u = cJSON_GetObjectItemCaseSensitive(info, key);
  if (!u || cJSON_IsNull(u))
    return 0;
  const char *v = cJSON_IsString(u) ? u->valuestring : NULL;
  size_t hp = 0;
  if (v && strncasecmp(v, "http://", 7) == 0)
    hp = 7 + strcspn(v + 7, "/?#");
  const char *lpath = v ? v + hp : "";
  int bad = hp == 0 || lpath[0] != '/' || strlen(v) > 1024;
  for (const char *p = lpath; !bad && *p; p++)
    bad = (unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?' || *p == '#';
  target tmp;
  char sub[400] = "";
  memset(&tmp, 0, sizeof tmp);
  char *base = bad ? NULL : strndup(v, hp);
  if (!bad && (!base || parse_url(base, &tmp, sub, sizeof sub) != 0))
    bad = 1;
  free(base);
  if (bad) {
    target_free(&tmp);
    snprintf(err, errlen, "%s: targets[%d].info.%s: expected "
             "http://host[:port]/path (no query)%s%s", path, idx, key, sub[0] ? ": " : "",
             sub);
    return -1;
  }
  *out->url = strdup(v);
  *out->path = strdup(lpath);
  *out->host = tmp.host;
  *out->port = tmp.port;
  *out->authority = tmp.authority;
  free(tmp.url);
  if (!*out->url || !*out->path || !*out->host || !*out->port || !*out->authority) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  return 0;
}

/* info.isolation_group: a plain name (like a target's), since it only has
 * to be compared; anything else is a mistake in the targets file. */
static int load_isolation_group(const char *path, int idx, const cJSON *info, target *t,
                                char *err, size_t errlen) {
  const cJSON *g = cJSON_GetObjectItemCaseSensitive(info, "isolation_group");
  if (!g || cJSON_IsNull(g))
    return 0;
  if (!cJSON_IsString(g) || !valid_name(g->valuestring)) {
    snprintf(err, errlen, "%s: targets[%d].info.isolation_group: expected a name of "
             "1-%d letters, digits, . - _", path, idx, TARGET_MAX_NAME);
    return -1;
  }
  t->isolation_group = strdup(g->valuestring);
  if (!t->isolation_group) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  return 0;
}

/* What the probe itself reads from info; the rest is only copied. */
/* The info members the probe or the reports read as text: present means a
 * string (proxy: a non-empty one), not silently "absent" when mistyped. */
static int check_info_text(const char *path, int idx, const cJSON *info, char *err,
                           size_t errlen) {
  static const char *const keys[] = {"proxy", "family", "base_image", "fix_of",
                                     "upstream_note", "upstream_issue", "software",
                                     NULL};
  for (const char *const *k = keys; *k; k++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(info, *k);
    int empty_proxy = cJSON_IsString(v) && !v->valuestring[0] && strcmp(*k, "proxy") == 0;
    if (v && (!cJSON_IsString(v) || empty_proxy)) {
      snprintf(err, errlen, "%s: targets[%d].info.%s: expected a %sstring", path, idx, *k,
               strcmp(*k, "proxy") == 0 ? "non-empty " : "");
      return -1;
    }
  }
  return 0;
}

static int load_info(const char *path, int idx, const cJSON *info, target *t,
                     char *err, size_t errlen) {
  if (check_info_text(path, idx, info, err, errlen) != 0)
    return -1;
  const cJSON *proxy = cJSON_GetObjectItemCaseSensitive(info, "proxy");
  t->behind_proxy = cJSON_IsString(proxy) && proxy->valuestring[0];
  const cJSON *direct = cJSON_GetObjectItemCaseSensitive(info, "direct");
  if (direct && !cJSON_IsBool(direct)) {
    snprintf(err, errlen, "%s: targets[%d].info.direct: expected true or false", path, idx);
    return -1;
  }
  t->direct = cJSON_IsTrue(direct);
  const cJSON *software = cJSON_GetObjectItemCaseSensitive(info, "software");
  t->names_package = cJSON_IsString(software) && software->valuestring[0];
  lab_url log = {&t->backend_log_url, &t->log_host, &t->log_port, &t->log_authority,
                 &t->log_path};
  lab_url reset = {&t->reset_url, &t->reset_host, &t->reset_port, &t->reset_authority,
                   &t->reset_path};
  if (load_lab_url(path, idx, info, "backend_log_url", &log, err, errlen) != 0 ||
      load_lab_url(path, idx, info, "backend_reset_url", &reset, err, errlen) != 0)
    return -1;
  return load_isolation_group(path, idx, info, t, err, errlen);
}

/* One entry of the targets list. */
static int load_one(const char *path, int idx, const cJSON *o, target *t,
                    char *err, size_t errlen) {
  static const char *const keys[] = {"name", "url", "version_path", "patch_path",
                                     "info", NULL};
  char sub[400];
  memset(t, 0, sizeof *t);
  if (!cJSON_IsObject(o)) {
    snprintf(err, errlen, "%s: targets[%d]: expected an object", path, idx);
    return -1;
  }
  for (const cJSON *it = o->child; it; it = it->next) {
    int known = 0;
    for (const char *const *k = keys; *k; k++)
      known |= strcmp(*k, it->string) == 0;
    if (!known) {
      snprintf(err, errlen, "%s: targets[%d].%.60s: unknown field (name, url, "
               "version_path, patch_path, info)", path, idx, it->string);
      return -1;
    }
  }
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
  const cJSON *url = cJSON_GetObjectItemCaseSensitive(o, "url");
  const cJSON *info = cJSON_GetObjectItemCaseSensitive(o, "info");
  if (!cJSON_IsString(name)) {
    snprintf(err, errlen, "%s: targets[%d].name: expected a string", path, idx);
    return -1;
  }
  if (set_name(t, name->valuestring, sub, sizeof sub) != 0) {
    snprintf(err, errlen, "%s: targets[%d].name: %s", path, idx, sub);
    return -1;
  }
  if (!cJSON_IsString(url)) {
    snprintf(err, errlen, "%s: targets[%d].url: expected a string", path, idx);
    return -1;
  }
  if (parse_url(url->valuestring, t, sub, sizeof sub) != 0) {
    snprintf(err, errlen, "%s: targets[%d].url: %s", path, idx, sub);
    return -1;
  }
  if (load_path(path, idx, o, "version_path", &t->version_path, err, errlen) != 0 ||
      load_path(path, idx, o, "patch_path", &t->patch_path, err, errlen) != 0)
    return -1;
  if (info && !cJSON_IsNull(info)) {
    if (!cJSON_IsObject(info)) {
      snprintf(err, errlen, "%s: targets[%d].info: expected an object", path, idx);
      return -1;
    }
    t->info_json = cJSON_PrintUnformatted(info);
    return load_info(path, idx, info, t, err, errlen);
  }
  return 0;
}

int target_load_file(const char *path, target **list, int *n, char *err,
                     size_t errlen) {
  cJSON *root = json_file_load(path, TARGETS_MAX_FILE, err, errlen);
  if (!root)
    return -1;
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "targets");
  int rc = 0;
  if (!cJSON_IsObject(root) || !cJSON_IsArray(arr)) {
    snprintf(err, errlen, "%s: targets: expected {\"targets\": [ ... ]}", path);
    rc = -1;
  }
  int count = rc == 0 ? cJSON_GetArraySize(arr) : 0;
  if (rc == 0 && count > TARGETS_MAX - *n) {
    snprintf(err, errlen, "%s: targets: %d targets%s, more than the %d a run may hold",
             path, count, *n ? " after those given before" : "", TARGETS_MAX);
    rc = -1;
  }
  target *grown = NULL;
  if (rc == 0 && count > 0) {
    grown = realloc(*list, (size_t)(*n + count) * sizeof *grown);
    if (!grown) {
      snprintf(err, errlen, "%s: out of memory", path);
      rc = -1;
    } else {
      *list = grown;
    }
  }
  int idx = 0;
  for (const cJSON *o = rc == 0 ? arr->child : NULL; o; o = o->next, idx++) {
    target *t = &(*list)[*n];
    if (load_one(path, idx, o, t, err, errlen) != 0) {
      target_free(t);
      rc = -1;
      break;
    }
    (*n)++;
  }
  cJSON_Delete(root);
  return rc;
}

void target_free(target *t) {
  if (!t)
    return;
  free(t->name);
  free(t->url);
  free(t->host);
  free(t->port);
  free(t->authority);
  free(t->version_path);
  free(t->patch_path);
  free(t->patch);
  free(t->version);
  free(t->server_header);
  cJSON_free(t->info_json);
  free(t->backend_log_url);
  free(t->log_host);
  free(t->log_port);
  free(t->log_authority);
  free(t->log_path);
  free(t->isolation_group);
  free(t->reset_url);
  free(t->reset_host);
  free(t->reset_port);
  free(t->reset_authority);
  free(t->reset_path);
  memset(t, 0, sizeof *t);
}
