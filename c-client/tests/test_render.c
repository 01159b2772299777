/* test_render.c - the reports rendered from results.json.
 *
 * Golden files: every tests/fixtures/results-NAME.json is rendered and each
 * output compared byte for byte with tests/golden/NAME/{report.md,
 * report.html,junit.xml,security.md,security.html}; a mismatch prints `diff -u`. After a deliberate
 * change, or to add a fixture (e.g. one recorded by a real run):
 *     H2C_UPDATE_GOLDEN=1 make check     (then review `git diff tests/golden`)
 * Hostile input: the hostile fixture, inflated at run time with a 1 MiB
 * header, must give escaped, bounded, well-formed outputs. Reproducers are
 * run through sh/bash to prove their quoting gives back the exact bytes.
 * Runs with cwd c-client/tests. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "escape.h"
#include "json_file.h"
#include "render/doc.h"
#include "render/esc.h"
#include "render/html.h"
#include "render/md.h"
#include "render/facts.h"
#include "render/fix.h"
#include "render/model.h"
#include "render/render.h"
#include "render/repro.h"
#include "verdicts.h"

static const char *const OUTPUTS[] = {"report.md", "report.html", "junit.xml",
                                      "security.md", "security.html"};
#define NOUTPUTS (sizeof OUTPUTS / sizeof OUTPUTS[0])

/* ---- helpers ----------------------------------------------------------- */

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *p = malloc(cap + 1);
  size_t got;
  while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *q = realloc(p, 2 * cap + 1);
      if (!q) {
        free(p);
        p = NULL;
        break;
      }
      p = q;
      cap *= 2;
    }
  }
  fclose(f);
  if (p)
    p[n] = '\0';
  if (len)
    *len = n;
  return p;
}

static int spit(const char *path, const char *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  int ok = fwrite(data, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

typedef struct tmpdir { char path[64]; } tmpdir;

static int tmp_make(tmpdir *d) {
  snprintf(d->path, sizeof d->path, "/tmp/h2c-test-render-XXXXXX");
  return mkdtemp(d->path) ? 0 : -1;
}

static void tmp_remove(tmpdir *d) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
  if (system(cmd) != 0)
    fprintf(stderr, "  could not remove %s\n", d->path);
}

static char *out_file(const tmpdir *d, const char *name, size_t *len) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", d->path, name);
  return slurp(p, len);
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0, l = strlen(needle);
  for (const char *p = hay; (p = strstr(p, needle)); p += l)
    n++;
  return n;
}

static int utf8_valid(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i], len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2
                                       : (c >> 4) == 14 ? 3
                                       : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > n)
      return 0;
    for (unsigned k = 1; k < len; k++)
      if ((s[i + k] & 0xc0) != 0x80)
        return 0;
    i += len;
  }
  return 1;
}

/* No NUL or other control byte except \n (\t allowed in code). */
static int no_control_bytes(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
      return 0;
  return 1;
}

/* Markdown validity: every table row has the same number of cell-splitting
 * pipes as its header (a backslash escapes the next character, as in GFM),
 * every code fence closes, <details> and <pre> balance. */
static int md_valid(const char *md, char *why, size_t whylen) {
  int table_pipes = -1, line_no = 0;
  size_t fence = 0;
  const char *line = md;
  while (*line) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    line_no++;
    size_t ticks = 0;
    while (ticks < len && line[ticks] == '`')
      ticks++;
    if (fence) {
      if (ticks >= fence && ticks == len)
        fence = 0;
    } else if (ticks >= 3) {
      fence = ticks;
    } else if (len && line[0] == '|') {
      int pipes = 0;
      for (size_t i = 0; i < len; i++) {
        if (line[i] == '\\')
          i++;
        else if (line[i] == '|')
          pipes++;
      }
      if (table_pipes < 0)
        table_pipes = pipes;
      else if (pipes != table_pipes) {
        snprintf(why, whylen, "line %d: %d pipes, table has %d", line_no,
                 pipes, table_pipes);
        return 0;
      }
    } else {
      table_pipes = -1;
    }
    line = end ? end + 1 : line + len;
  }
  if (fence) {
    snprintf(why, whylen, "unclosed code fence");
    return 0;
  }
  if (count(md, "<details>") != count(md, "</details>") ||
      count(md, "<pre>") != count(md, "</pre>")) {
    snprintf(why, whylen, "<details>/<pre> do not balance");
    return 0;
  }
  return 1;
}

/* XML well-formedness without a parser: every '<' opens one of our tags (or
 * the declaration), every '&' is one of the five entities, tags balance. */
static int xml_plausible(const char *x, char *why, size_t whylen) {
  static const char *const tags[] = {"testsuites", "testsuite", "testcase",
      "properties", "property", "failure", "error", "skipped", "system-out",
      NULL};
  int depth = 0;
  for (const char *p = x; *p; p++) {
    if (*p == '&') {
      if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
          strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) &&
          strncmp(p, "&#39;", 5)) {
        snprintf(why, whylen, "bare & at %zu", (size_t)(p - x));
        return 0;
      }
    } else if (*p == '>' && p > x && p[-1] != '"' && p[-1] != '/' &&
               !strchr("abcdefghijklmnopqrstuvwxyz-?", p[-1])) {
      snprintf(why, whylen, "bare > at %zu", (size_t)(p - x));
      return 0;
    } else if (*p == '<') {
      if (strncmp(p, "<?xml ", 6) == 0)
        continue;
      int closing = p[1] == '/';
      const char *name = p + 1 + closing;
      int known = 0;
      for (int i = 0; tags[i] && !known; i++) {
        size_t l = strlen(tags[i]);
        known = strncmp(name, tags[i], l) == 0 && strchr(" >/", name[l]);
      }
      if (!known) {
        snprintf(why, whylen, "unknown tag at %zu: %.20s", (size_t)(p - x), p);
        return 0;
      }
      const char *close = strchr(p, '>');
      if (!close)
        return 0;
      if (closing)
        depth--;
      else if (close[-1] != '/')
        depth++;
    }
  }
  if (depth != 0) {
    snprintf(why, whylen, "tags do not balance (%d)", depth);
    return 0;
  }
  return 1;
}

/* An occurrence of s that Markdown would take as is: not backslash-escaped
 * and not inside a fenced code block (whose text is literal; inside <pre>
 * everything is entity-escaped, so there is none). */
static int raw_in_markdown(const char *md, const char *s) {
  size_t fence = 0;
  for (const char *line = md; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line), ticks = 0;
    while (ticks < len && line[ticks] == '`')
      ticks++;
    if (fence) {
      if (ticks >= fence && ticks == len)
        fence = 0;
    } else if (ticks >= 3) {
      fence = ticks;
    } else {
      for (const char *p = line; (p = strstr(p, s)) && p < line + len; p++)
        if (p == md || p[-1] != '\\')
          return 1;
    }
    line = end ? end + 1 : line + len;
  }
  return 0;
}

static char *run_shell(const char *shell, const char *script, size_t *len);

static cJSON *load_fixture(const char *path) {
  char err[512];
  cJSON *j = json_file_load(path, JSON_FILE_MAX, err, sizeof err);
  if (!j)
    fprintf(stderr, "  %s\n", err);
  return j;
}

/* ---- golden files ------------------------------------------------------ */

/* Fixture "fixtures/results-NAME.json" -> "golden/NAME". */
static void golden_dir(const char *fixture, char *dir, size_t n) {
  const char *base = strrchr(fixture, '/');
  base = base ? base + 1 : fixture;
  size_t len = strlen(base);
  snprintf(dir, n, "golden/%.*s", (int)(len - 13), base + 8);
}

static int compare_or_update(const tmpdir *d, const char *gdir,
                             const char *name, int update) {
  char gpath[512], apath[512];
  snprintf(gpath, sizeof gpath, "%s/%s", gdir, name);
  snprintf(apath, sizeof apath, "%s/%s", d->path, name);
  size_t alen, glen;
  char *actual = slurp(apath, &alen);
  if (!actual)
    return -1;
  int rc = 0;
  if (update) {
    mkdir(gdir, 0755);
    rc = spit(gpath, actual, alen);
    printf("  updated %s\n", gpath);
  } else {
    char *golden = slurp(gpath, &glen);
    if (!golden) {
      fprintf(stderr, "  %s missing: run H2C_UPDATE_GOLDEN=1 make check\n",
              gpath);
      rc = -1;
    } else if (glen != alen || memcmp(golden, actual, alen) != 0) {
      char cmd[1200];
      fprintf(stderr, "  %s differs from the golden file (first 120 lines "
                      "of diff; H2C_UPDATE_GOLDEN=1 make check accepts):\n",
              name);
      snprintf(cmd, sizeof cmd, "diff -u '%s' '%s' | head -120 >&2", gpath,
               apath);
      if (system(cmd) == -1)
        fprintf(stderr, "  (could not run diff)\n");
      rc = -1;
    }
    free(golden);
  }
  free(actual);
  return rc;
}

TEST(golden_files_match) {
  glob_t g;
  CHECK(glob("fixtures/results-*.json", 0, NULL, &g) == 0);
  int update = getenv("H2C_UPDATE_GOLDEN") && *getenv("H2C_UPDATE_GOLDEN");
  int failures = 0;
  CHECK(g.gl_pathc >= 4);       /* sample, lab, security and hostile */
  for (size_t i = 0; i < g.gl_pathc; i++) {
    cJSON *j = load_fixture(g.gl_pathv[i]);
    tmpdir d;
    char err[512], gdir[256];
    if (!j || tmp_make(&d) != 0) {
      failures++;
      cJSON_Delete(j);
      continue;
    }
    golden_dir(g.gl_pathv[i], gdir, sizeof gdir);
    if (render_all(j, d.path, err, sizeof err) != 0) {
      fprintf(stderr, "  %s: %s\n", g.gl_pathv[i], err);
      failures++;
    } else {
      for (size_t k = 0; k < NOUTPUTS; k++)
        failures += compare_or_update(&d, gdir, OUTPUTS[k], update) != 0;
    }
    tmp_remove(&d);
    cJSON_Delete(j);
  }
  globfree(&g);
  CHECK_INT(failures, 0);
}

/* ---- the sample: content a maintainer relies on ------------------------ */

typedef struct rendered {
  tmpdir d;
  char *md, *html, *xml, *sec, *shtml;   /* shtml: security.html */
  size_t md_len, html_len, xml_len, sec_len, shtml_len;
} rendered;

static int render_tree(const cJSON *j, rendered *r) {
  char err[512];
  memset(r, 0, sizeof *r);
  if (tmp_make(&r->d) != 0)
    return -1;
  if (render_all(j, r->d.path, err, sizeof err) != 0) {
    fprintf(stderr, "  render_all: %s\n", err);
    return -1;
  }
  r->md = out_file(&r->d, "report.md", &r->md_len);
  r->html = out_file(&r->d, "report.html", &r->html_len);
  r->xml = out_file(&r->d, "junit.xml", &r->xml_len);
  r->sec = out_file(&r->d, "security.md", &r->sec_len);
  r->shtml = out_file(&r->d, "security.html", &r->shtml_len);
  return r->md && r->html && r->xml && r->sec && r->shtml ? 0 : -1;
}

static void rendered_free(rendered *r) {
  free(r->md);
  free(r->html);
  free(r->xml);
  free(r->sec);
  free(r->shtml);
  tmp_remove(&r->d);
}

static int render_fixture(const char *path, rendered *r) {
  cJSON *j = load_fixture(path);
  int rc = j ? render_tree(j, r) : -1;
  cJSON_Delete(j);
  return rc;
}

TEST(sample_report_md_says_what_happened) {
  rendered r;
  CHECK(render_fixture("fixtures/results-sample.json", &r) == 0);
  int ok = strstr(r.md, "gevent-bookworm (python3-gevent 22.10.2-3) on ") &&
           strstr(r.md, "seed-upgrade-h2c (13 bytes of the next request "
                        "lost)") &&
           strstr(r.md, "| gevent-bookworm | **desync** |") &&
           strstr(r.md, "### gevent-bookworm: seed-upgrade-h2c") &&
           strstr(r.md, "curl -i -m 5 --http1.1 -H 'Connection: Upgrade' "
                        "-H 'Upgrade: h2c'") &&
           strstr(r.md, "| nc -w 3 127.0.0.1 18081") &&
           strstr(r.md, "**A correct server:**") && r.md_len < 65536;
  char why[200] = "";
  int valid = md_valid(r.md, why, sizeof why);
  if (!valid)
    fprintf(stderr, "  markdown: %s\n", why);
  rendered_free(&r);
  CHECK(ok);
  CHECK(valid);
}

TEST(sample_html_has_grid_and_cells) {
  rendered r;
  CHECK(render_fixture("fixtures/results-sample.json", &r) == 0);
  int ok = strstr(r.html, "<table id=\"matrix\">") &&
           strstr(r.html, "<td class=\"cell verdict-desync fail\"") &&
           strstr(r.html, "<td class=\"cell verdict-ok-h2 pass\"") &&
           strstr(r.html, "<td class=\"cell verdict-hang fail\"") &&
           strstr(r.html, "<details id=\"cell-gevent-bookworm-seed-upgrade-h2c"
                          "\" class=\"celldetail verdict-desync fail\">") &&
           strstr(r.html, "id=\"only-failing\"") &&
           count(r.html, "<script") == 1 && !strstr(r.html, "http://www") &&
           !strstr(r.html, " src=") && !strstr(r.html, "<link");
  rendered_free(&r);
  CHECK(ok);
}

TEST(sample_junit_counts) {
  rendered r;
  CHECK(render_fixture("fixtures/results-sample.json", &r) == 0);
  char why[200] = "";
  int ok = strstr(r.xml, "<testsuites name=\"h2c-probe\" tests=\"15\" "
                         "failures=\"11\" errors=\"0\" skipped=\"0\"") &&
           strstr(r.xml, "<testsuite name=\"gevent-bookworm\" tests=\"5\" "
                         "failures=\"3\" errors=\"0\" skipped=\"0\"") &&
           strstr(r.xml, "<testsuite name=\"nghttpx\" tests=\"5\" "
                         "failures=\"3\"") &&
           strstr(r.xml, "<testsuite name=\"silent\" tests=\"5\" "
                         "failures=\"5\"") &&
           strstr(r.xml, "<testcase classname=\"gevent-bookworm\" "
                         "name=\"seed-upgrade-h2c\"") &&
           count(r.xml, "<failure ") == 11 && count(r.xml, "<testcase ") == 15;
  int plausible = xml_plausible(r.xml, why, sizeof why);
  if (!plausible)
    fprintf(stderr, "  junit.xml: %s\n", why);
  rendered_free(&r);
  CHECK(ok);
  CHECK(plausible);
}

/* ---- hostile input ----------------------------------------------------- */

#define MIB (1024u * 1024u)

/* The hostile fixture plus a 1 MiB header: in an answer's headers, in the
 * transcript and in the reason, and 1 MiB more in the proposed fix's diff
 * and in a backend log string (kept out of git, made here). */
static cJSON *hostile_tree(void) {
  cJSON *j = load_fixture("fixtures/results-hostile.json");
  if (!j)
    return NULL;
  char *big = malloc(MIB + 64);
  if (!big) {
    cJSON_Delete(j);
    return NULL;
  }
  memset(big, 'A', MIB);
  big[MIB] = '\0';
  cJSON *cell = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "cells"), 0);
  cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(cell, "exchanges"), 0);
  cJSON *hdr = cJSON_GetArrayItem(cJSON_GetObjectItem(ex, "headers"), 0);
  cJSON_ReplaceItemInArray(hdr, 1, cJSON_CreateString(big));
  cJSON_ReplaceItemInObject(cell, "reason", cJSON_CreateString(big));
  cJSON *events =
      cJSON_GetObjectItem(cJSON_GetObjectItem(cell, "transcript"), "events");
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "conn", "a");
  cJSON_AddStringToObject(ev, "dir", "in");
  cJSON_AddNumberToObject(ev, "t_ms", 3);
  cJSON_AddNumberToObject(ev, "offset", 168);
  cJSON_AddNumberToObject(ev, "len", MIB + 10);
  memcpy(big, "X-Big: ", 7);
  memcpy(big + MIB, "\\r\\n<x>", 8);
  cJSON_AddStringToObject(ev, "data", big);
  cJSON_AddItemToArray(events, ev);
  cJSON *target = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "targets"), 0);
  cJSON_ReplaceItemInObject(target, "patch", cJSON_CreateString(big));
  cJSON *sec = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "cells"), 4);
  cJSON *entry = cJSON_GetArrayItem(cJSON_GetObjectItem(sec, "backend_log"), 0);
  cJSON_ReplaceItemInObject(entry, "peer", cJSON_CreateString(big));
  free(big);
  return j;
}

TEST(hostile_html_is_escaped_and_bounded) {
  cJSON *j = hostile_tree();
  CHECK(j);
  rendered r;
  int rc = render_tree(j, &r);
  cJSON_Delete(j);
  CHECK(rc == 0);
  int ok = 1;
  for (int k = 0; k < 2; k++) {         /* report.html, security.html */
    const char *h = k ? r.shtml : r.html;
    size_t n = k ? r.shtml_len : r.html_len;
    int one = count(h, "<script") == 1 &&        /* ours, and only ours */
              !strstr(h, "alert(1)</script>") &&
              !strstr(h, "<b>target") && !strstr(h, "<b>html") &&
              !strstr(h, "<i>id") && !strstr(h, "<verdict") &&
              strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;") &&
              strstr(h, "\\x00") && strstr(h, "\\xff\\xfe") &&
              !strstr(h, "<img") && !strstr(h, "</pre></details>]]>") &&
              strstr(h, "<section id=\"proposed-fix\" class=\"fix\">") &&
              no_control_bytes(h, n) && utf8_valid((unsigned char *)h, n) &&
              strlen(h) == n && n < 256 * 1024;
    if (!one)
      fprintf(stderr, "  %s: %zu bytes\n", k ? "security.html" : "report.html",
              n);
    ok &= one;
  }
  ok &= strstr(r.shtml, "<section id=\"security\" class=\"security\">") != NULL &&
        strstr(r.shtml, "&lt;verdict") != NULL &&     /* the private cell */
        strstr(r.shtml, "&lt;/pre&gt;&lt;/details&gt;```` | &lt;script&gt;") &&
        !strstr(r.html, "SECRET");
  rendered_free(&r);
  CHECK(ok);
}

TEST(hostile_markdown_is_valid_and_bounded) {
  cJSON *j = hostile_tree();
  CHECK(j);
  rendered r;
  int rc = render_tree(j, &r);
  cJSON_Delete(j);
  CHECK(rc == 0);
  char why[200] = "";
  int valid = md_valid(r.md, why, sizeof why);
  if (!valid)
    fprintf(stderr, "  markdown: %s\n", why);
  int ok = !raw_in_markdown(r.md, "<script") &&
           !raw_in_markdown(r.md, "<b>") && !raw_in_markdown(r.md, "`<") &&
           strstr(r.md, "evil\\|\\<b\\>target\\</b\\>") &&
           no_control_bytes(r.md, r.md_len) &&
           utf8_valid((unsigned char *)r.md, r.md_len) &&
           strlen(r.md) == r.md_len && r.md_len < 65536 &&
           strstr(r.md, "bytes cut]") &&
           strstr(r.md, "The diff is cut at a line end") &&    /* 1 MiB */
           !strstr(r.md, "SECRET") && !strstr(r.md, "tag\\>");
  if (!ok)
    fprintf(stderr, "  report.md: %zu bytes\n", r.md_len);
  /* security.md holds the withheld cell, escaped and bounded the same way */
  char why2[200] = "";
  int sec_valid = md_valid(r.sec, why2, sizeof why2);
  if (!sec_valid)
    fprintf(stderr, "  security.md: %s\n", why2);
  int sec_ok = !raw_in_markdown(r.sec, "<script") &&
               !raw_in_markdown(r.sec, "</pre></details>") &&
               strstr(r.sec, "SECRET-REASON") &&
               strstr(r.sec, "SECRET-LOG-MARKER") &&
               strstr(r.sec, "&lt;/pre&gt;&lt;/details&gt;") &&
               strstr(r.sec, "\\<tag\\>") &&
               no_control_bytes(r.sec, r.sec_len) &&
               utf8_valid((unsigned char *)r.sec, r.sec_len) &&
               strlen(r.sec) == r.sec_len && r.sec_len < 64 * 1024 &&
               strstr(r.sec, "bytes cut]");
  if (!sec_ok)
    fprintf(stderr, "  security.md: %zu bytes\n", r.sec_len);
  rendered_free(&r);
  CHECK(valid);
  CHECK(ok);
  CHECK(sec_valid);
  CHECK(sec_ok);
}

static int xmllint_ok(const tmpdir *d) {
  if (access("/usr/bin/xmllint", X_OK) != 0) {
    printf("  (xmllint not installed: parser-free check only)\n");
    return 1;
  }
  char cmd[256];
  snprintf(cmd, sizeof cmd, "/usr/bin/xmllint --noout '%s/junit.xml'",
           d->path);
  return system(cmd) == 0;
}

TEST(hostile_junit_is_well_formed_and_bounded) {
  cJSON *j = hostile_tree();
  CHECK(j);
  rendered r;
  int rc = render_tree(j, &r);
  cJSON_Delete(j);
  CHECK(rc == 0);
  char why[200] = "";
  int plausible = xml_plausible(r.xml, why, sizeof why);
  if (!plausible)
    fprintf(stderr, "  junit.xml: %s\n", why);
  int lint = xmllint_ok(&r.d);
  int ok = no_control_bytes(r.xml, r.xml_len) &&
           utf8_valid((unsigned char *)r.xml, r.xml_len) &&
           strlen(r.xml) == r.xml_len && r.xml_len < 128 * 1024 &&
           strstr(r.xml, "<testsuite name=\"refused\" tests=\"1\" "
                         "failures=\"0\" errors=\"1\" skipped=\"0\"") &&
           strstr(r.xml, "<testsuite name=\"not-in-cells\" tests=\"1\" "
                         "failures=\"0\" errors=\"0\" skipped=\"1\"") &&
           !strstr(r.xml, "type=\"security\"") && !strstr(r.xml, "plain-get") &&
           !strstr(r.xml, "SECRET");
  rendered_free(&r);
  CHECK(plausible);
  CHECK(lint);
  CHECK(ok);
}

/* ---- GitHub's limit ---------------------------------------------------- */

/* nt targets × ns scenarios, every cell a desync with a long reason and
 * `tx` bytes of transcript. */
static cJSON *big_tree(int nt, int ns, size_t tx) {
  cJSON *j = load_fixture("fixtures/results-sample.json");
  if (!j)
    return NULL;
  cJSON *targets = cJSON_CreateArray(), *scenarios = cJSON_CreateArray(),
        *cells = cJSON_CreateArray();
  const cJSON *seed =
      cJSON_GetArrayItem(cJSON_GetObjectItem(j, "scenarios"), 0);
  char *data = malloc(tx + 1), *reason = malloc(901);
  memset(data, 'x', tx);
  data[tx] = '\0';
  memset(reason, 'r', 900);
  reason[900] = '\0';
  for (int t = 0; t < nt; t++) {
    cJSON *tg = cJSON_CreateObject();
    char name[32];
    snprintf(name, sizeof name, "server-%02d", t);
    cJSON_AddStringToObject(tg, "name", name);
    cJSON_AddStringToObject(tg, "url", "http://server:8080");
    cJSON_AddItemToArray(targets, tg);
  }
  for (int s = 0; s < ns; s++) {
    cJSON *sc = cJSON_Duplicate(seed, 1);
    char id[32];
    snprintf(id, sizeof id, "scenario-%02d", s);
    cJSON_ReplaceItemInObject(sc, "id", cJSON_CreateString(id));
    cJSON_AddItemToArray(scenarios, sc);
  }
  for (int t = 0; t < nt; t++)
    for (int s = 0; s < ns; s++) {
      cJSON *c = cJSON_CreateObject(), *tr = cJSON_CreateObject(),
            *evs = cJSON_CreateArray();
      char name[32], id[32];
      snprintf(name, sizeof name, "server-%02d", t);
      snprintf(id, sizeof id, "scenario-%02d", s);
      cJSON_AddStringToObject(c, "target", name);
      cJSON_AddStringToObject(c, "scenario", id);
      cJSON_AddStringToObject(c, "verdict", "desync");
      cJSON_AddStringToObject(c, "reason", reason);
      for (int e = 0; e < 4; e++) {
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "conn", "a");
        cJSON_AddStringToObject(ev, "dir", e % 2 ? "in" : "out");
        cJSON_AddNumberToObject(ev, "offset", (double)(e / 2) * (double)tx);
        cJSON_AddNumberToObject(ev, "len", (double)tx);
        cJSON_AddStringToObject(ev, "data", data);
        cJSON_AddItemToArray(evs, ev);
      }
      cJSON_AddItemToObject(tr, "events", evs);
      cJSON_AddItemToObject(c, "transcript", tr);
      cJSON_AddItemToArray(cells, c);
    }
  free(data);
  free(reason);
  cJSON_ReplaceItemInObject(j, "targets", targets);
  cJSON_ReplaceItemInObject(j, "scenarios", scenarios);
  cJSON_ReplaceItemInObject(j, "cells", cells);
  return j;
}

static int md_size_for(int nt, int ns, size_t tx, size_t *len, int *said) {
  cJSON *j = big_tree(nt, ns, tx);
  if (!j)
    return -1;
  rendered r;
  int rc = render_tree(j, &r);
  cJSON_Delete(j);
  if (rc != 0)
    return -1;
  char why[200];
  *len = r.md_len;
  *said = strstr(r.md, "GitHub's 65,536-character limit") != NULL;
  rc = md_valid(r.md, why, sizeof why) ? 0 : -1;
  rendered_free(&r);
  return rc;
}

TEST(default_lab_size_fits_github_with_a_note) {
  size_t len;
  int said;
  CHECK(md_size_for(12, 11, 20000, &len, &said) == 0);
  CHECK(len < 65536);
  CHECK(said);
}

TEST(huge_matrix_still_fits_compacted) {
  size_t len;
  int said;
  CHECK(md_size_for(30, 30, 5000, &len, &said) == 0);
  CHECK(len < 65536);
  CHECK(said);
}

TEST(proposed_fix_still_fits_github) {
  cJSON *j = big_tree(12, 11, 20000);
  CHECK(j);
  char *diff = malloc(60001);
  CHECK(diff);
  for (int i = 0; i < 60000; i++)
    diff[i] = i % 60 == 59 ? '\n' : "+-@ abc`|<"[i % 10];
  diff[60000] = '\0';
  cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "targets"), 0);
  cJSON_AddStringToObject(t0, "patch", diff);
  free(diff);
  rendered r;
  int rc = render_tree(j, &r);
  cJSON_Delete(j);
  CHECK(rc == 0);
  char why[200] = "";
  int valid = md_valid(r.md, why, sizeof why);
  if (!valid)
    fprintf(stderr, "  markdown: %s\n", why);
  int ok = r.md_len < 65536 && strstr(r.md, "## Proposed fix") &&
           strstr(r.md, "The diff is cut at a line end") &&
           strstr(r.md, "GitHub's 65,536-character limit");
  rendered_free(&r);
  CHECK(valid);
  CHECK(ok);
}

/* ---- proposed fix, n/a, after_101 (a real run against the lab's gevent
 * images: bullseye, bookworm, sid, sid + fix, and waitress) -------------- */

TEST(lab_report_md_proposes_the_fix) {
  rendered r;
  CHECK(render_fixture("fixtures/results-lab.json", &r) == 0);
  const char *results = strstr(r.md, "## Results"),
             *fix = strstr(r.md, "## Proposed fix"),
             *failures = strstr(r.md, "## Failures");
  int order = results && fix && failures && results < fix && fix < failures;
  int ok =
      strstr(r.md, "```diff\n--- a/gevent/pywsgi.py\n") &&
      strstr(r.md, "It is compared with gevent-sid (python3-gevent "
                   "25.9.1-2+b1), which its info.fix\\_of names") &&
      strstr(r.md, "2 scenarios go from not accepted to accepted: "
                   "seed-chunked (hang \xe2\x86\x92 ok-h1) and seed-upgrade-h2c "
                   "(desync \xe2\x86\x92 ok-h1).") &&
      strstr(r.md, "**Regression guard:** websocket-raw-echo: ok-h1 with the "
                   "change (gevent-fixed), ok-h1 without it (gevent-sid) "
                   "\xe2\x80\x94 kept") &&
      strstr(r.md, "gevent-bullseye (python3-gevent 20.9.0-2) is the last "
                   "version measured in sync, gevent-bookworm (python3-gevent "
                   "22.10.2-3) the first measured out of sync; no version "
                   "between them was measured.") &&
      strstr(r.md, "PR \\#1723") &&
      strstr(r.md, "fails on every unpatched image (3) and passes on every "
                   "patched one (1).") &&
      strstr(r.md, "- h2c-lab/gevent-fixed (python3-gevent 25.9.1-2+b1 + "
                   "h2c-lab fix, patched): unittest passed") &&
      strstr(r.md, "| waitress | ok-h1 | ok-h1 | ok-h1 | ok-h1 | n/a |") &&
      strstr(r.md, "1 cell is n/a") &&
      strstr(r.md, "None were found in this run") && r.md_len < 65536;
  char why[200] = "";
  int valid = md_valid(r.md, why, sizeof why);
  if (!valid)
    fprintf(stderr, "  markdown: %s\n", why);
  rendered_free(&r);
  CHECK(order);
  CHECK(ok);
  CHECK(valid);
}

/* report.md and report.html show one targets table (one builder): the
 * same columns, and each target's URL and software in both. */
TEST(environment_tables_agree) {
  rendered r;
  CHECK(render_fixture("fixtures/results-lab.json", &r) == 0);
  int md = strstr(r.md, "| Target | URL | Version | Server header | Software "
                        "| Base image | How started |\n") != NULL;
  int html = strstr(r.html, "<tr><th>Target</th><th>URL</th><th>Version</th>"
                            "<th>Server header</th><th>Software</th><th>Base "
                            "image</th><th>How started</th></tr>") != NULL;
  int url = strstr(r.md, "| gevent-bullseye | http://") &&
            strstr(r.html, "<tr><td>gevent-bullseye</td><td>http://");
  rendered_free(&r);
  CHECK(md);
  CHECK(html);
  CHECK(url);
}

TEST(lab_na_is_neither_pass_nor_failure) {
  rendered r;
  CHECK(render_fixture("fixtures/results-lab.json", &r) == 0);
  int ok = strstr(r.xml, "<testsuites name=\"h2c-probe\" tests=\"25\" "
                         "failures=\"5\" errors=\"0\" skipped=\"1\"") &&
           strstr(r.xml, "<testcase classname=\"waitress\" "
                         "name=\"websocket-raw-echo\"") &&
           strstr(r.html, "<td class=\"cell verdict-na na\"") &&
           strstr(r.html, "19 accepted, 5 not accepted, 1 n/a, 0 in a protocol "
                          "the target does not speak, 0 not run") &&
           strstr(r.html, "<section id=\"proposed-fix\" class=\"fix\">") &&
           strstr(r.html, "<pre class=\"diff\">--- a/gevent/pywsgi.py") &&
           strstr(r.html, "<section id=\"security\" class=\"security none\">");
  const char *waitress = strstr(r.xml, "<testcase classname=\"waitress\" "
                                       "name=\"websocket-raw-echo\"");
  int skipped = waitress && strncmp(strchr(waitress, '\n') + 1,
                                    "      <skipped ", 15) == 0;
  rendered_free(&r);
  CHECK(ok);
  CHECK(skipped);
}

static int target_named(const r_model *m, const char *name) {
  for (int t = 0; t < m->nt; t++)
    if (strcmp(m->t[t].name, name) == 0)
      return t;
  return -1;
}

/* The after_101 bytes follow the request a second later, on the same
 * connection; the answer shows what came back. */
TEST(after_101_reproducer_and_echo) {
  cJSON *j = load_fixture("fixtures/results-lab.json");
  CHECK(j);
  r_model m;
  char err[256];
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  int s = 0;
  while (s < m.ns && strcmp(m.s[s].id, "websocket-raw-echo") != 0)
    s++;
  out o, a;
  out_init(&o);
  out_init(&a);
  int t = target_named(&m, "gevent-bullseye");
  repro_kind k = s < m.ns && t >= 0 ? repro_build(&o, &m, t, s, 0) : REPRO_CURL;
  if (s < m.ns && t >= 0)
    facts_answers(&a, model_cell(&m, t, s));
  model_free(&m);
  cJSON_Delete(j);
  int echo = strstr(a.b.data ? a.b.data : "",
                    "after the 101 the probe sent `ping-raw-bytes\\n` and "
                    "read back `0\\r\\n\\r\\nHTTP/1.1 4`") != NULL;
  char *pipe = strstr(o.b.data ? o.b.data : "", " | nc -w 3 127.0.0.1 19101\n");
  int shape = k == REPRO_NC && pipe && strncmp(o.b.data, "{ printf '", 10) == 0;
  if (pipe)
    strcpy(pipe, "\n");
  size_t len = 0;
  char *got = shape ? run_shell("/bin/sh", o.b.data, &len) : NULL;
  const char *want = "GET /ws-echo HTTP/1.1\r\nHost: 127.0.0.1:19101\r\n"
                     "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                     "ping-raw-bytes\n";
  int same = got && len == strlen(want) && memcmp(got, want, len) == 0;
  if (!same || !echo)
    fprintf(stderr, "  repro: %s\n  answers: %s\n", o.b.data, a.b.data);
  free(got);
  out_free(&o);
  out_free(&a);
  CHECK(echo);
  CHECK(shape);
  CHECK(same);
}

TEST(fix_base_rules) {
  cJSON *j = load_fixture("fixtures/results-lab.json");
  CHECK(j);
  cJSON *fixed = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "targets"), 3);
  cJSON *info = cJSON_GetObjectItem(fixed, "info");
  r_model m;
  char err[256];
  int by_name = -1, base[3], fx, sid;
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  fx = target_named(&m, "gevent-fixed");
  sid = target_named(&m, "gevent-sid");
  base[0] = fix_base(&m, fx, &by_name);              /* info.fix_of */
  int named = by_name;
  model_free(&m);
  cJSON_DeleteItemFromObject(info, "fix_of");        /* family + base image */
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  base[1] = fix_base(&m, fx, &by_name);
  int unnamed = by_name;
  model_free(&m);
  cJSON_AddStringToObject(info, "fix_of", "not-in-this-run");
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  base[2] = fix_base(&m, fx, &by_name);              /* named: no guess */
  out o;
  out_init(&o);
  fix_lineage_text(&o, &m, fx, base[2], by_name);
  model_free(&m);
  cJSON_Delete(j);
  int says = strstr(o.b.data, "No target of the same lineage") != NULL;
  out_free(&o);
  CHECK(sid >= 0);
  CHECK_INT(base[0], sid);
  CHECK(named == 1);
  CHECK_INT(base[1], sid);
  CHECK(unnamed == 0);
  CHECK_INT(base[2], -1);
  CHECK(says);
}

/* ---- security-relevant findings: never in report.md or junit.xml -------- */

/* s, or its Markdown-escaped form, occurs in text. */
static int shows(const char *text, const char *s) {
  out e;
  out_init(&e);
  esc_md(&e, s, 4000);
  int found = strstr(text, s) || (e.b.data && strstr(text, e.b.data));
  out_free(&e);
  return found;
}

TEST(security_findings_stay_out_of_report_md) {
  cJSON *j = load_fixture("fixtures/results-security.json");
  CHECK(j);
  rendered r;
  int rc = render_tree(j, &r);
  CHECK(rc == 0);
  int leaks = 0, kept = 0, nsec = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "cells")) {
    if (!cJSON_IsTrue(cJSON_GetObjectItem(c, "security")))
      continue;
    nsec++;
    const char *reason = cJSON_GetObjectItem(c, "reason")->valuestring;
    const char *tag = cJSON_GetObjectItem(c, "tag")->valuestring;
    const cJSON *entry = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "backend_log"), 0);
    const char *peer = cJSON_GetObjectItem(entry, "peer")->valuestring;
    leaks += shows(r.md, reason) + shows(r.md, tag) + shows(r.md, peer) +
             shows(r.xml, reason) + shows(r.xml, tag) + shows(r.xml, peer) +
             (strstr(r.html, tag) != NULL);
    kept += shows(r.sec, reason) && shows(r.sec, tag) && shows(r.sec, peer) &&
            strstr(r.shtml, tag) != NULL;
  }
  cJSON_Delete(j);
  /* the public files: no proxy target, no private scenario, no withheld
   * cell; only that findings exist and how to report them privately */
  int md_ok = !strstr(r.md, "nginx-keepalive") && !strstr(r.md, "withheld") &&
              !strstr(r.md, "proxy-cross-client") &&
              strstr(r.md, "2 findings (a request smuggled past a proxy") &&
              strstr(r.md, "GitHub private vulnerability reporting") &&
              strstr(r.md, "security.md and security.html next to this file") &&
              !strstr(r.md, "## Failures") && !strstr(r.md, "<pre>");
  int xml_ok = !strstr(r.xml, "<failure") && !strstr(r.xml, "nginx-keepalive") &&
               !strstr(r.xml, "withheld");
  int pub_html_ok = !strstr(r.html, "nginx-keepalive") &&
                    !strstr(r.html, "withheld") &&
                    !strstr(r.html, "proxy-cross-client") &&
                    !strstr(r.html, "id=\"security-banner\"") &&
                    strstr(r.html, "GitHub private vulnerability reporting");
  int sec_ok = strstr(r.sec, "# Security-relevant findings \xe2\x80\x94 do not "
                             "paste publicly") &&
               strstr(r.sec, "**Calibration:** request 2's head is 96 bytes") &&
               strstr(r.sec, "backend backend-gevent (python3-gevent 22.10.2-3)") &&
               strstr(r.sec, "<summary>Backend log (2 entries") &&
               strstr(r.sec, "X-Lab-Cell: c0mh4k2x9a02\\r\\nContent-Length: 96");
  char *sec_start = strstr(r.shtml, "<section id=\"security\" class=\"security\">");
  int html_ok = sec_start && strstr(r.shtml, "id=\"security-banner\"") &&
                strstr(sec_start, "do not paste publicly</h2>") &&
                strstr(sec_start, "<details id=\"cell-nginx-keepalive-proxy-"
                                  "cross-client\"") &&
                strstr(sec_start, "<pre class=\"backend-log\">");
  char why[200] = "";
  int valid = md_valid(r.sec, why, sizeof why) && md_valid(r.md, why, sizeof why);
  if (!valid)
    fprintf(stderr, "  markdown: %s\n", why);
  rendered_free(&r);
  CHECK_INT(nsec, 2);
  CHECK_INT(leaks, 0);
  CHECK_INT(kept, 2);
  CHECK(md_ok);
  CHECK(xml_ok);
  CHECK(sec_ok);
  CHECK(html_ok);
  CHECK(pub_html_ok);
  CHECK(valid);
}

/* The first screen is the finding: report.md opens with it, at most 1,500
 * characters before its first table, with what breaks, the curl line, the
 * versions as measured, the effect and the upstream issue, all from data
 * (info.roles, info.upstream_issue); the matrix and the failures list the
 * subject first, newest version first. Without roles there is no block. */
TEST(headline_comes_first_from_the_data) {
  rendered r;
  CHECK(render_fixture("fixtures/results-lab.json", &r) == 0);
  const char *table = strstr(r.md, "\n|");
  size_t before = table ? (size_t)(table - r.md) : 0;
  const char *fail_sid = strstr(r.md, "### gevent-sid: seed-chunked");
  const char *fail_bw = strstr(r.md, "### gevent-bookworm: seed-chunked");
  const char *fail_bull = strstr(r.md, "### gevent-bullseye: websocket-raw-echo");
  int ok = strncmp(r.md, "# h2c interop lab report\n\n## The finding\n", 41) == 0 &&
           table && before <= 1500 &&
           strstr(r.md, "**What breaks:** gevent-sid (25.9.1-2+b1), on ") &&
           strstr(r.md, "curl -i -m 5 --http1.1 -H 'Connection: Upgrade' -H "
                        "'Upgrade: h2c'") &&
           strstr(r.md, "out of sync: gevent-sid (25.9.1-2+b1), gevent-bookworm "
                        "(22.10.2-3); in sync: gevent-bullseye (20.9.0-2)") &&
           strstr(r.md, "It came after gevent-bullseye and by gevent-bookworm; "
                        "no version between them was measured.") &&
           strstr(r.md, "(on gevent-sid): desync on seed-upgrade-h2c (13 bytes of "
                        "the next request lost); hang on seed-chunked.") &&
           strstr(r.md, "https://github.com/gevent/gevent/issues/2035") &&
           strstr(r.md, "| POST, Connection: Upgrade, Upgrade: h2c, 13-byte body | "
                        "seed-upgrade-h2c | **yes** | desync |") &&
           strstr(r.md, "| GET, Connection: Upgrade, Upgrade: websocket, no body | "
                        "websocket-raw-echo | no | ok-h1 |") &&
           strstr(r.md, "**History:** The raw wsgi.input branch") &&
           strstr(r.md, "| *gevent (the subject, newest first)* |") &&
           strstr(r.md, "| *other servers* |") &&
           fail_sid && fail_bw && fail_bull && fail_sid < fail_bw && fail_bw < fail_bull;
  const char *fin = strstr(r.html, "<section id=\"finding\" class=\"finding\">");
  const char *mat = strstr(r.html, "<table id=\"matrix\">");
  int page = fin && mat && fin < mat;
  if (!ok)
    fprintf(stderr, "  %zu characters before the first table\n", before);
  rendered_free(&r);
  CHECK(ok);
  CHECK(page);
  CHECK(render_fixture("fixtures/results-sample.json", &r) == 0);
  int none = !strstr(r.md, "The finding") && !strstr(r.html, "id=\"finding\"");
  rendered_free(&r);
  CHECK(none);
}

/* A verdict the scenario lists as "unsupported" (the target does not speak
 * its protocol) is shown, in italics and unframed, and never listed as a
 * failure: not in Failures, skipped in junit.xml, not in the summary. */
TEST(unsupported_verdict_is_not_a_failure) {
  cJSON *j = load_fixture("fixtures/results-lab.json");
  CHECK(j);
  const cJSON *x;
  cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "scenarios"))
    if (strcmp(cJSON_GetObjectItem(x, "id")->valuestring, "seed-chunked") == 0) {
      cJSON *u = cJSON_CreateArray();
      cJSON_AddItemToArray(u, cJSON_CreateString(verdicts_name(V_HANG)));
      cJSON_AddItemToObject((cJSON *)x, "unsupported", u);
    }
  rendered r;
  int rc = render_tree(j, &r);
  cJSON_Delete(j);
  CHECK(rc == 0);
  int ok = strstr(r.md, "## Failures (3)") &&
           !strstr(r.md, "### gevent-sid: seed-chunked") &&
           !strstr(r.md, "Hung (no answer in time)") &&
           strstr(r.md, "| gevent-sid | ok-h1 | ok-h1 | *hang* | **desync** |") &&
           strstr(r.md, "- in italics: the target does not speak") &&
           strstr(r.xml, "failures=\"3\" errors=\"0\" skipped=\"3\"") &&
           strstr(r.html, "<td class=\"cell verdict-hang unspoken\"") &&
           strstr(r.html, "2 in a protocol the target does not speak");
  rendered_free(&r);
  CHECK(ok);
}

/* ---- two audiences: the public files carry no recipe ------------------- */

/* A name the public files must not carry: a proxy-* id, an id private by
 * data, a target with info.proxy. Counts the public files that hold it. */
static int public_holds(const rendered *r, const char *s) {
  return shows(r->md, s) + (strstr(r->html, s) != NULL) +
         (strstr(r->xml, s) != NULL);
}

static int private_by_data(const cJSON *sc) {
  const cJSON *aud = cJSON_GetObjectItem(sc, "audience"), *q;
  int priv = cJSON_IsString(aud) && strcmp(aud->valuestring, "private") == 0;
  cJSON_ArrayForEach(q, cJSON_GetObjectItem(sc, "requests")) {
    const cJSON *e = cJSON_GetObjectItem(q, "embedded");
    priv |= cJSON_IsArray(e) && cJSON_GetArraySize(e) > 0;
  }
  return priv;
}

/* The grep of the public outputs: no /admin, no proxy-* or private id, no
 * proxy target, no "withheld" pointer; all of them in the private files.
 * Returns how many rules broke (each printed). */
static int public_split_holds(const cJSON *j, const char *what) {
  rendered r;
  if (render_tree(j, &r) != 0)
    return 1;
  int bad = 0, kept = 0, names = 0;
  static const char *const never[] = {"/admin", "withheld", "GET /secret",
                                      "DOCTORED"};
  for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
    if (public_holds(&r, never[i])) {
      fprintf(stderr, "  %s: a public file holds \"%s\"\n", what, never[i]);
      bad++;
    }
  const cJSON *x;
  cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "scenarios")) {
    const char *id = cJSON_GetObjectItem(x, "id")->valuestring;
    if (strncmp(id, "proxy-", 6) != 0 && !private_by_data(x))
      continue;
    names++;
    kept += strstr(r.sec, id) && strstr(r.shtml, id);
    if (public_holds(&r, id)) {
      fprintf(stderr, "  %s: a public file names scenario %s\n", what, id);
      bad++;
    }
  }
  cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "targets")) {
    const cJSON *proxy = cJSON_GetObjectItem(cJSON_GetObjectItem(x, "info"), "proxy");
    const char *name = cJSON_GetObjectItem(x, "name")->valuestring;
    if (!cJSON_IsString(proxy))
      continue;
    names++;
    kept += strstr(r.sec, name) && strstr(r.shtml, name);
    if (public_holds(&r, name)) {
      fprintf(stderr, "  %s: a public file names proxied target %s\n", what, name);
      bad++;
    }
  }
  if (kept != names) {
    fprintf(stderr, "  %s: %d of %d private names in security.md and "
                    "security.html\n", what, kept, names);
    bad++;
  }
  if (names && !strstr(r.md, "GitHub private vulnerability reporting")) {
    fprintf(stderr, "  %s: report.md does not say how to report privately\n", what);
    bad++;
  }
  rendered_free(&r);
  return bad;
}

/* The lab fixture and the security fixture as they are, and one run that
 * holds both (direct gevent targets, proxies, proxy-* scenarios). */
TEST(public_files_carry_no_recipe) {
  cJSON *lab = load_fixture("fixtures/results-lab.json");
  cJSON *sec = load_fixture("fixtures/results-security.json");
  CHECK(lab && sec);
  int bad = public_split_holds(lab, "lab") + public_split_holds(sec, "security");
  static const char *const arrays[] = {"targets", "scenarios", "cells"};
  for (size_t i = 0; i < 3; i++) {
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(sec, arrays[i]))
      cJSON_AddItemToArray(cJSON_GetObjectItem(lab, arrays[i]),
                           cJSON_Duplicate(x, 1));
  }
  cJSON_ReplaceItemInObject(lab, "summary", cJSON_Duplicate(
                                cJSON_GetObjectItem(sec, "summary"), 1));
  bad += public_split_holds(lab, "lab+security");
  cJSON_Delete(lab);
  cJSON_Delete(sec);
  CHECK_INT(bad, 0);
}

/* A copy of seed-upgrade-h2c (scenario and cells) under a new id, with a
 * recipe-looking body and reason; audience as given (NULL: none), and an
 * embedded request when emb. */
static void add_doctored(cJSON *j, const char *id, const char *audience,
                         int emb) {
  const cJSON *x;
  cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "scenarios")) {
    if (strcmp(cJSON_GetObjectItem(x, "id")->valuestring, "seed-upgrade-h2c"))
      continue;
    cJSON *sc = cJSON_Duplicate(x, 1);
    cJSON_ReplaceItemInObject(sc, "id", cJSON_CreateString(id));
    cJSON_ReplaceItemInObject(sc, "title", cJSON_CreateString("DOCTORED title"));
    cJSON_DeleteItemFromObject(sc, "audience");
    if (audience)
      cJSON_AddStringToObject(sc, "audience", audience);
    cJSON *req = cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "requests"), 1);
    cJSON_ReplaceItemInObject(req, "body", cJSON_CreateString(
        "GET /secret?x=1 HTTP/1.1\\r\\nHost: b\\r\\n\\r\\n"));
    cJSON_DeleteItemFromObject(req, "embedded");
    cJSON *e = cJSON_CreateArray();
    if (emb) {
      cJSON *one = cJSON_CreateObject();
      cJSON_AddStringToObject(one, "method", "GET");
      cJSON_AddStringToObject(one, "path", "/secret?x=1");
      cJSON_AddNullToObject(one, "marker");
      cJSON_AddItemToArray(e, one);
      cJSON_AddItemToObject(req, "embedded", e);
    } else {
      cJSON_Delete(e);
      cJSON_AddNullToObject(req, "embedded");
    }
    cJSON_AddItemToArray(cJSON_GetObjectItem(j, "scenarios"), sc);
    break;
  }
  cJSON *cells = cJSON_GetObjectItem(j, "cells"), *add = cJSON_CreateArray();
  cJSON_ArrayForEach(x, cells) {
    if (strcmp(cJSON_GetObjectItem(x, "scenario")->valuestring, "seed-upgrade-h2c"))
      continue;
    cJSON *c = cJSON_Duplicate(x, 1);
    cJSON_ReplaceItemInObject(c, "scenario", cJSON_CreateString(id));
    cJSON_ReplaceItemInObject(c, "reason", cJSON_CreateString("DOCTORED reason"));
    cJSON_AddItemToArray(add, c);
  }
  while (cJSON_GetArraySize(add) > 0)
    cJSON_AddItemToArray(cells, cJSON_DetachItemFromArray(add, 0));
  cJSON_Delete(add);
}

/* The split follows the data whatever a scenario is called: a new id marked
 * private, and one whose only mark is an embedded request, stay out of every
 * public file and are in both private ones; a third copy marked public is
 * shown (the test would pass vacuously if nothing were ever shown). */
TEST(doctored_private_scenario_stays_private) {
  cJSON *j = load_fixture("fixtures/results-lab.json");
  CHECK(j);
  add_doctored(j, "zz-boundary-check", "private", 0);
  add_doctored(j, "aa-body-probe", NULL, 1);
  int bad = public_split_holds(j, "doctored");
  add_doctored(j, "mm-public-copy", "public", 0);
  rendered r;
  int rc = render_tree(j, &r);
  cJSON_Delete(j);
  CHECK(rc == 0);
  int shown = strstr(r.md, "mm-public-copy") && strstr(r.html, "mm-public-copy") &&
              strstr(r.xml, "mm-public-copy");
  int hidden = !public_holds(&r, "zz-boundary-check") &&
               !public_holds(&r, "aa-body-probe");
  int private_has = strstr(r.sec, "zz-boundary-check") &&
                    strstr(r.shtml, "<details id=\"cell-gevent-sid-zz-boundary-check\"") &&
                    strstr(r.shtml, "DOCTORED reason") &&
                    strstr(r.shtml, "aa-body-probe");
  rendered_free(&r);
  CHECK_INT(bad, 0);
  CHECK(shown);
  CHECK(hidden);
  CHECK(private_has);
}

TEST(no_security_findings_still_writes_security_md) {
  rendered r;
  CHECK(render_fixture("fixtures/results-sample.json", &r) == 0);
  int ok = strstr(r.sec, "No security-relevant findings: no cell of this run "
                         "(3 targets, 5 scenarios)") &&
           strstr(r.md, "## Security-relevant findings\n\nNone were found") &&
           strstr(r.html, "<section id=\"security\" class=\"security none\">") &&
           !strstr(r.html, "security-banner\"") && !strstr(r.xml, "security");
  rendered_free(&r);
  CHECK(ok);
}

/* security.md's overview answers the proxy question for every proxied
 * target, finding or not: one column per multi-client scenario only (the
 * fixture's proxy-smuggle-admin uses one connection), the finding in bold,
 * a clean cell as its verdict; a run without proxied targets has none. */
TEST(security_overview_covers_every_proxied_target) {
  rendered r;
  CHECK(render_fixture("fixtures/results-security.json", &r) == 0);
  int ok = strstr(r.sec, "## Overview: 1 multi-client scenario behind 2 proxied "
                         "targets\n") &&
           strstr(r.sec, "| Target | Proxy | Backend | proxy-cross-client |\n"
                         "|---|---|---|---|\n") &&
           strstr(r.sec, "| nginx-keepalive | nginx | backend-gevent "
                         "(python3-gevent 22.10.2-3) | **cross-client** |\n") &&
           strstr(r.sec, "| haproxy-default | haproxy | backend-fixed "
                         "(python3-gevent 25.9.1-2+b1 + h2c-lab fix) | ok-h1 |\n") &&
           strstr(r.sec, "## Overview") < strstr(r.sec, "## nginx-keepalive:");
  rendered_free(&r);
  CHECK(ok);
  CHECK(render_fixture("fixtures/results-sample.json", &r) == 0);
  ok = !strstr(r.sec, "## Overview");
  rendered_free(&r);
  CHECK(ok);
}

/* A calibrated cell: {cell} is the cell's tag and the body has the measured
 * size, so the reproducer sends exactly what the transcript says was sent. */
TEST(calibrated_reproducer_sends_what_the_cell_sent) {
  cJSON *j = load_fixture("fixtures/results-security.json");
  CHECK(j);
  r_model m;
  char err[256];
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  out o;
  out_init(&o);
  repro_kind k = repro_build(&o, &m, 0, 1, 0);   /* nginx, smuggle-admin */
  buf sent;
  buf_init(&sent, 1 << 20);
  const cJSON *ev;
  cJSON_ArrayForEach(ev, model_cell(&m, 0, 1)->events) {
    const cJSON *dir = cJSON_GetObjectItem(ev, "dir");
    if (cJSON_IsString(dir) && strcmp(dir->valuestring, "out") == 0)
      escape_decode(&sent, cJSON_GetObjectItem(ev, "data")->valuestring, NULL);
  }
  model_free(&m);
  cJSON_Delete(j);
  char *pipe = strstr(o.b.data, " | nc -w 3 nginx-keepalive 8080\n");
  int shape = k == REPRO_NC && pipe;
  if (pipe)
    strcpy(pipe, "\n");
  size_t len = 0;
  char *got = shape ? run_shell("/bin/sh", o.b.data, &len) : NULL;
  int same = got && len == sent.len && memcmp(got, sent.data, len) == 0;
  if (!same)
    fprintf(stderr, "  repro printed %zu bytes, the cell sent %zu:\n%s\n", len,
            sent.len, o.b.data);
  free(got);
  buf_free(&sent);
  out_free(&o);
  CHECK(shape);
  CHECK(same);
}

/* A request the probe did not send (a "requires" the target does not meet)
 * has no exchange in results.json, so the reproducer leaves it out and says
 * so; its bytes are not taken from the transcript either. */
TEST(reproducer_leaves_out_requests_not_sent) {
  cJSON *j = load_fixture("fixtures/results-security.json");
  CHECK(j);
  cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "cells"), 0);
  out with, without;
  out_init(&with);
  out_init(&without);
  r_model m;
  char err[256];
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  repro_build(&with, &m, 0, 0, 0);               /* proxy-cross-client */
  model_free(&m);
  cJSON_DeleteItemFromArray(cJSON_GetObjectItem(c0, "exchanges"), 1);
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  repro_kind k = repro_build(&without, &m, 0, 0, 0);
  model_free(&m);
  cJSON_Delete(j);
  int ok = strstr(with.b.data, "exec 4<>") &&
           strstr(with.b.data, "client b\\047s own request") &&
           k == REPRO_CURL && !strstr(without.b.data, "client b") &&
           strncmp(without.b.data, "# 1 of the scenario's requests were not "
                                   "sent to this target", 56) == 0;
  if (!ok)
    fprintf(stderr, "  with:\n%s\n  without:\n%s\n", with.b.data,
            without.b.data);
  out_free(&with);
  out_free(&without);
  CHECK(ok);
}

/* ---- the document ------------------------------------------------------ */

/* d written by both writers (md and html initialised here), then freed. */
static void emit_both(doc *d, out *md, out *html) {
  out_init(md);
  out_init(html);
  md_emit(md, d);
  html_emit(html, d);
  doc_free(d);
}

/* The writers' rules on one small document: data is escaped everywhere
 * (in HTML its apostrophe too, the report's own words keep theirs), a code
 * span stays escaped text in Markdown, and a collapsible block is raw HTML
 * there, its code HTML-escaped in a <pre>. */
TEST(writers_escape_data_and_keep_their_rules) {
  doc d;
  doc_init(&d);
  doc_node *p = doc_para(&d, NULL);
  doc_set_cls(&d, p, "x\"y");
  doc_words(&d, p, "the lab's words ");
  doc_span_add(&d, p, DOC_CODE, "a|b'<c>", 100, NULL);
  doc_node *det = doc_add(&d, NULL, DOC_DETAILS);
  doc_words(&d, det, "--> sent");
  out code;
  out_init(&code);
  out_adds(&code, "</pre>`x`");
  doc_code_out(&d, det, &code, NULL, "transcript");
  out_free(&code);
  out md, html;
  emit_both(&d, &md, &html);
  const char *want_md = "the lab's words a\\|b'\\<c\\>\n\n"
                        "<details><summary>--&gt; sent</summary>\n\n<pre>\n"
                        "&lt;/pre&gt;`x`</pre>\n\n</details>\n\n";
  const char *want_html = "<p class=\"x&quot;y\">the lab's words "
                          "<code>a|b&#39;&lt;c&gt;</code></p>\n"
                          "<details>\n<summary>--&gt; sent</summary>\n"
                          "<pre class=\"transcript\">&lt;/pre&gt;`x`</pre>\n"
                          "</details>\n";
  int md_ok = md.b.data && strcmp(md.b.data, want_md) == 0;
  int html_ok = html.b.data && strcmp(html.b.data, want_html) == 0;
  if (!md_ok || !html_ok)
    fprintf(stderr, "  md:\n%s\n  html:\n%s\n", md.b.data, html.b.data);
  out_free(&md);
  out_free(&html);
  CHECK(md_ok);
  CHECK(html_ok);
}

/* A document past its memory cap is failed, building on it is harmless, and
 * no writer gives a file for it (the report says "out of memory" instead of
 * being written half). */
TEST(document_cap_fails_the_report) {
  doc d;
  doc_init(&d);
  d.max = 4096;
  for (int i = 0; i < 200; i++) {
    doc_node *p = doc_para(&d, NULL);
    doc_text(&d, p, "some data text that takes room", 100);
    doc_words(&d, doc_add(&d, p, DOC_ITEM), "words");
  }
  int failed = d.failed, bounded = d.used <= 4096 + 256;
  out md, html;
  emit_both(&d, &md, &html);
  char err[256] = "";
  atomic_set set;
  atomic_set_init(&set, "/nonexistent");
  int refused = out_stage(&md, &set, "report.md", err, sizeof err) != 0 &&
                strstr(err, "out of memory") != NULL && set.n == 0;
  atomic_set_free(&set);
  int html_failed = html.failed;
  out_free(&md);
  out_free(&html);
  CHECK(failed);
  CHECK(bounded);
  CHECK(refused);
  CHECK(html_failed);
}

/* ---- escapers ---------------------------------------------------------- */

TEST(escapers) {
  out o;
  out_init(&o);
  esc_md(&o, "a|b`c<d>\\e\nf*_[x]", 100);
  int md_ok = strcmp(o.b.data, "a\\|b\\`c\\<d\\>\\\\e f\\*\\_\\[x\\]") == 0;
  out_free(&o);
  out_init(&o);
  esc_html(&o, "<a href='x'>&\"", 100, ESC_ONE_LINE);
  int html_ok =
      strcmp(o.b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;") == 0;
  out_free(&o);
  out_init(&o);
  /* invalid UTF-8, a C0 control, a bidi override (U+202E), valid é */
  esc_clean(&o, "\xff\xfe\x01\xe2\x80\xae\xc3\xa9", 100, ESC_ONE_LINE);
  int clean_ok =
      strcmp(o.b.data, "\\xff\\xfe\\x01\\xe2\\x80\\xae\xc3\xa9") == 0;
  out_free(&o);
  out_init(&o);
  esc_clean(&o, "abcdefghij", 4, ESC_ONE_LINE);
  int cap_ok = strcmp(o.b.data, "abcd\xe2\x80\xa6 [6 bytes cut]") == 0;
  out_free(&o);
  out_init(&o);
  esc_bytes(&o, "GET\r\n\0\\", 7, 100, 0);
  int bytes_ok = strcmp(o.b.data, "GET\\r\\n\n\\x00\\\\") == 0;
  out_free(&o);
  CHECK(md_ok);
  CHECK(html_ok);
  CHECK(clean_ok);
  CHECK(cap_ok);
  CHECK(bytes_ok);
}

/* ---- reproducers ------------------------------------------------------- */

/* Runs script with shell, stdout to a file; returns the bytes (malloc). */
static char *run_shell(const char *shell, const char *script, size_t *len) {
  tmpdir d;
  if (tmp_make(&d) != 0)
    return NULL;
  char sp[128], op[128], cmd[512];
  snprintf(sp, sizeof sp, "%s/script.sh", d.path);
  snprintf(op, sizeof op, "%s/out", d.path);
  char *res = NULL;
  if (spit(sp, script, strlen(script)) == 0) {
    snprintf(cmd, sizeof cmd, "timeout 10 %s '%s' > '%s'", shell, sp, op);
    if (system(cmd) == 0)
      res = slurp(op, len);
  }
  tmp_remove(&d);
  return res;
}

/* One raw pipelined request carrying every byte value 0..255 and the
 * characters shells and printf care about: as the cell's transcript
 * recorded it (host filled in), and as the request's wire ({authority}). */
static cJSON *all_bytes_tree(buf *sent, const char *host) {
  cJSON *j = load_fixture("fixtures/results-sample.json");
  if (!j)
    return NULL;
  buf_init(sent, 4096);
  if (buf_printf(sent, "POST /e'%%s\\%%%%$(id)`x` HTTP/1.1\r\nHost: %s\r\n"
                       "Content-Length: 256\r\n\r\n", host) != BUF_OK) {
    cJSON_Delete(j);
    return NULL;
  }
  for (int i = 0; i < 256; i++) {
    char c = (char)i;
    if (buf_add(sent, &c, 1) != BUF_OK) {
      cJSON_Delete(j);
      return NULL;
    }
  }
  buf esc;
  buf_init(&esc, 16384);
  if (escape_bytes(&esc, sent->data, sent->len) != BUF_OK) {
    buf_free(&esc);
    cJSON_Delete(j);
    return NULL;
  }
  cJSON *sc = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "scenarios"), 1);
  cJSON *req = cJSON_GetArrayItem(cJSON_GetObjectItem(sc, "requests"), 0);
  cJSON_ReplaceItemInObject(req, "wire", cJSON_CreateString(esc.data));
  cJSON_DeleteItemFromArray(cJSON_GetObjectItem(sc, "requests"), 1);
  /* the cell (gevent, seed-pipelined): one write of exactly these bytes */
  cJSON *cell = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "cells"), 1);
  cJSON *tx = cJSON_GetObjectItem(cell, "transcript");
  cJSON *evs = cJSON_CreateArray(), *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "conn", "a");
  cJSON_AddStringToObject(ev, "dir", "out");
  cJSON_AddNumberToObject(ev, "t_ms", 0);
  cJSON_AddNumberToObject(ev, "offset", 0);
  cJSON_AddNumberToObject(ev, "len", (double)sent->len);
  cJSON_AddStringToObject(ev, "data", esc.data);
  cJSON_AddItemToArray(evs, ev);
  cJSON_ReplaceItemInObject(tx, "events", evs);
  cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cell, "exchanges"), 1);
  buf_free(&esc);
  return j;
}

/* The reproducer of cell (0, 1) run through sh and bash gives back want. */
static int nc_gives_back(cJSON *j, const buf *want, int truncate) {
  r_model m;
  char err[256];
  if (truncate)
    cJSON_ReplaceItemInObject(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "cells"),
                                               1), "transcript"),
        "truncated", cJSON_CreateTrue());
  if (model_load(&m, j, MODEL_PRIVATE, err, sizeof err) != 0)
    return 0;
  out o;
  out_init(&o);
  repro_kind k = repro_build(&o, &m, 0, 1, 0);   /* gevent, seed-pipelined */
  model_free(&m);
  char *pipe = strstr(o.b.data, " | nc -w 3 127.0.0.1 18081\n");
  const char *start = strstr(o.b.data, "printf '");
  int shape = k == REPRO_NC && pipe && start &&
              (start == o.b.data || start[-1] == '\n');
  if (pipe)
    strcpy(pipe, "\n");                         /* keep only the printf */
  const char *shells[2] = {"/bin/sh", "/bin/bash"};
  for (int s = 0; s < 2 && shape; s++) {
    size_t len = 0;
    char *got = run_shell(shells[s], o.b.data, &len);
    if (!got || len != want->len || memcmp(got, want->data, len) != 0) {
      fprintf(stderr, "  %s printed %zu bytes, want %zu\n", shells[s], len,
              want->len);
      shape = 0;
    }
    free(got);
  }
  out_free(&o);
  return shape;
}

/* The bytes the transcript recorded, and without a whole transcript the
 * wire with {authority} filled in the head only. */
TEST(nc_reproducer_gives_back_the_exact_bytes) {
  buf sent, wire;
  cJSON *j = all_bytes_tree(&sent, "127.0.0.1:18081");
  CHECK(j);
  int from_transcript = nc_gives_back(j, &sent, 0);
  cJSON_Delete(j);
  j = all_bytes_tree(&wire, "{authority}");
  CHECK(j);
  int from_wire = nc_gives_back(j, &sent, 1);
  cJSON_Delete(j);
  buf_free(&sent);
  buf_free(&wire);
  CHECK(from_transcript);
  CHECK(from_wire);
}

TEST(curl_reproducer_for_the_seed_case) {
  cJSON *j = load_fixture("fixtures/results-sample.json");
  CHECK(j);
  r_model m;
  char err[256];
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  out o;
  out_init(&o);
  repro_kind k = repro_build(&o, &m, 0, 0, 0);    /* seed-upgrade-h2c */
  model_free(&m);
  cJSON_Delete(j);
  int ok = k == REPRO_CURL &&
           strcmp(o.b.data,
                  "curl -i -m 5 --http1.1 -H 'Connection: Upgrade' -H "
                  "'Upgrade: h2c' -H 'Content-Type: application/x-www-form-"
                  "urlencoded' --data-binary 'Hello, World!' "
                  "http://127.0.0.1:18081/echo \\\n  --next -i -m 5 --http1.1 "
                  "-H 'Content-Type: application/x-www-form-urlencoded' "
                  "--data-binary 'second request' http://127.0.0.1:18081/echo"
                  "\n") == 0;
  if (!ok)
    fprintf(stderr, "  got: %s\n", o.b.data);
  out_free(&o);
  CHECK(ok);
}

/* curl's method follows the data: GET with a body needs -X GET, POST
 * without one -X POST, a POST with a body nothing. */
TEST(curl_reproducer_methods) {
  cJSON *j = load_fixture("fixtures/results-sample.json");
  CHECK(j);
  cJSON *reqs = cJSON_GetObjectItem(
      cJSON_GetArrayItem(cJSON_GetObjectItem(j, "scenarios"), 0), "requests");
  cJSON *r1 = cJSON_GetArrayItem(reqs, 0), *r2 = cJSON_GetArrayItem(reqs, 1);
  cJSON_ReplaceItemInObject(r1, "method", cJSON_CreateString("GET"));
  cJSON_ReplaceItemInObject(r2, "body", cJSON_CreateNull());
  r_model m;
  char err[256];
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  out o;
  out_init(&o);
  repro_kind k = repro_build(&o, &m, 0, 0, 0);
  model_free(&m);
  cJSON_Delete(j);
  int ok = k == REPRO_CURL &&
           strstr(o.b.data, "curl -i -m 5 --http1.1 -X GET -H ") &&
           strstr(o.b.data, "--next -i -m 5 --http1.1 -X POST -H ");
  if (!ok)
    fprintf(stderr, "  got: %s\n", o.b.data);
  out_free(&o);
  CHECK(ok);
}

TEST(bash_reproducer_for_two_clients_parses) {
  cJSON *j = load_fixture("fixtures/results-hostile.json");
  CHECK(j);
  /* both requests sent (the fixture records an exchange for the first) */
  cJSON *ex = cJSON_CreateObject();
  cJSON_AddNumberToObject(ex, "request", 1);
  cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetArrayItem(
                           cJSON_GetObjectItem(j, "cells"), 0), "exchanges"),
                       ex);
  r_model m;
  char err[256];
  CHECK(model_load(&m, j, MODEL_PRIVATE, err, sizeof err) == 0);
  out o;
  out_init(&o);
  repro_kind k = repro_build(&o, &m, 0, 0, 0);
  model_free(&m);
  cJSON_Delete(j);
  int shape = k == REPRO_BASH && strstr(o.b.data, "exec 3<>/dev/tcp/") &&
              strstr(o.b.data, "exec 4<>/dev/tcp/") &&
              strstr(o.b.data, "it\\047s 100%% \\\\ done `x` $(id)");
  /* bash -n: the script parses, so no quote of the scenario escaped */
  tmpdir d;
  int parses = 0;
  if (tmp_make(&d) == 0) {
    char p[128], cmd[256];
    snprintf(p, sizeof p, "%s/r.sh", d.path);
    if (spit(p, o.b.data, o.b.len) == 0) {
      snprintf(cmd, sizeof cmd, "bash -n '%s'", p);
      parses = system(cmd) == 0;
    }
    tmp_remove(&d);
  }
  out_free(&o);
  CHECK(shape);
  CHECK(parses);
}

CHECK_MAIN(CASE(golden_files_match), CASE(sample_report_md_says_what_happened),
           CASE(sample_html_has_grid_and_cells), CASE(sample_junit_counts),
           CASE(hostile_html_is_escaped_and_bounded),
           CASE(hostile_markdown_is_valid_and_bounded),
           CASE(hostile_junit_is_well_formed_and_bounded),
           CASE(default_lab_size_fits_github_with_a_note),
           CASE(huge_matrix_still_fits_compacted),
           CASE(proposed_fix_still_fits_github),
           CASE(lab_report_md_proposes_the_fix),
           CASE(environment_tables_agree),
           CASE(lab_na_is_neither_pass_nor_failure),
           CASE(after_101_reproducer_and_echo), CASE(fix_base_rules),
           CASE(security_findings_stay_out_of_report_md),
           CASE(no_security_findings_still_writes_security_md),
           CASE(public_files_carry_no_recipe),
           CASE(unsupported_verdict_is_not_a_failure),
           CASE(headline_comes_first_from_the_data),
           CASE(doctored_private_scenario_stays_private),
           CASE(security_overview_covers_every_proxied_target),
           CASE(calibrated_reproducer_sends_what_the_cell_sent),
           CASE(reproducer_leaves_out_requests_not_sent),
           CASE(writers_escape_data_and_keep_their_rules),
           CASE(document_cap_fails_the_report), CASE(escapers),
           CASE(nc_reproducer_gives_back_the_exact_bytes),
           CASE(curl_reproducer_for_the_seed_case),
           CASE(curl_reproducer_methods),
           CASE(bash_reproducer_for_two_clients_parses))
