/* fuzz_render.c - libFuzzer harness for results.json -> every report.
 *
 * `h2c-probe render` reads a results.json anyone can hand it, and the
 * strings in it came from servers. The input goes the way of cmd_render in
 * main.c: json_file_load, the gate results_check_doc, then render_all into a
 * directory. Each report written (report.md, security.md, report.html,
 * junit.xml) must then be valid UTF-8, hold no control byte but TAB, CR and
 * LF (nor a C1 control, U+0080..U+009F, which terminals also obey), stay
 * within FZ_OUT_FACTOR times the input plus FZ_OUT_SLACK, and the render
 * must finish (libFuzzer's -timeout). A refused document needs a message
 * naming the file. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "escape.h"
#include "fuzz_file.h"
#include "json_file.h"
#include "render/render.h"
#include "results_check.h"

#define FZ_OUT_FACTOR 64u
#define FZ_OUT_SLACK (256u * 1024u)

static const char *const reports[] = {"report.md", "security.md", "report.html",
                                      "junit.xml"};

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong form, no
 * surrogate, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  if (s[0] < 0x80)
    return 1;
  size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
  if (len == 0 || len > n || s[0] > 0xf4)
    return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
      (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
    return 0;
  return len;
}

/* NULL when text is fine for a report, else what is wrong with it. */
static const char *bad_text(const unsigned char *s, size_t n, size_t *at) {
  for (size_t i = 0; i < n;) {
    *at = i;
    unsigned char c = s[i];
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
      return "a control byte";
    size_t len = utf8_len(s + i, n - i);
    if (len == 0)
      return "invalid UTF-8";
    if (len == 2 && c == 0xc2 && s[i + 1] < 0xa0)
      return "a C1 control character";
    i += len;
  }
  return NULL;
}

static void check_report(const char *dir, const char *name, size_t input) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "render_all succeeded without writing %s\n", name);
    abort();
  }
  size_t cap = FZ_OUT_FACTOR * input + FZ_OUT_SLACK;
  unsigned char *text = malloc(cap + 1);
  size_t n = text ? fread(text, 1, cap + 1, f) : 0;
  fclose(f);
  remove(path);
  size_t at = 0;
  const char *why = !text ? "out of memory"
                    : n > cap ? "larger than the bound"
                              : bad_text(text, n, &at);
  if (why) {
    buf near;   /* the bytes there, escaped: the terminal gets no raw bytes */
    buf_init(&near, 1024);
    if (text && at < n)
      escape_bytes(&near, text + at, n - at > 60 ? 60 : n - at);
    fprintf(stderr, "%s: %s at byte %zu (%zu bytes from %zu of input): %s\n",
            name, why, at, n, input, near.data ? near.data : "");
    abort();
  }
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_file_write(data, size, "results.json");
  if (!path)
    return 0;
  char err[512] = "", dir[600];
  cJSON *tree = json_file_load(path, JSON_FILE_MAX, err, sizeof err);
  if (!tree || results_check_doc(tree, path, err, sizeof err) != 0) {
    fuzz_check_error(err, path);
    cJSON_Delete(tree);
    return 0;
  }
  snprintf(dir, sizeof dir, "%s/out", fuzz_dir);
  if (render_all(tree, dir, err, sizeof err) != 0) {
    /* A document the gate let through must render. */
    fprintf(stderr, "render_all refused a checked document: %s\n", err);
    abort();
  }
  cJSON_Delete(tree);
  for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
    check_report(dir, reports[i], size);
  rmdir(dir);
  return 0;
}
