/* render/esc.c - the only way text and bytes from results.json reach a
 * report. Two steps, always in this order:
 *   1. clean: keep valid UTF-8, write control bytes, invalid sequences and
 *      invisible direction overrides as \xHH, cap the length;
 *   2. escape for the output format (Markdown, HTML, XML).
 * Bytes (bodies, transcripts) are shown in the escaped-bytes form, which is
 * printable ASCII by construction, with a line break after each \n so that
 * HTTP messages read line by line. */
#include "esc.h"
#include "escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (2-4 bytes) or 0; *cp = code. */
static size_t utf8_seq(const unsigned char *p, size_t n, unsigned *cp) {
  unsigned c = p[0], min;
  size_t len;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2; *cp = c & 0x1f; min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3; *cp = c & 0x0f; min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4; *cp = c & 0x07; min = 0x10000;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    *cp = (*cp << 6) | (p[i] & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
    return 0;
  return len;
}

/* Code points that are valid UTF-8 but must not be shown as themselves: C1
 * controls and non-characters (not allowed in XML), and the bidi overrides
 * that can make a report display something other than what it holds. */
static int codepoint_hidden(unsigned cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void esc_clean(out *o, const char *s, size_t cap, int flags) {
  if (!s)
    return;
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), i = 0, written = 0;
  while (i < n) {
    if (written >= cap) {
      out_printf(o, "\xe2\x80\xa6 [%zu bytes cut]", n - i);
      return;
    }
    unsigned c = p[i], cp = 0;
    size_t len = c >= 0x80 ? utf8_seq(p + i, n - i, &cp) : 0;
    if (c == '\n' || c == '\t') {
      out_adds(o, c == '\n' && (flags & ESC_KEEP_NL)    ? "\n"
                  : c == '\t' && (flags & ESC_KEEP_TAB) ? "\t"
                                                         : " ");
      len = 1;
    } else if (c >= 0x20 && c < 0x7f) {
      out_add(o, (const char *)p + i, 1);
      len = 1;
    } else if (len > 0 && !codepoint_hidden(cp)) {
      out_add(o, (const char *)p + i, len);
    } else {
      /* one byte at a time, so each byte of a bad sequence is visible */
      out_printf(o, "\\x%02x", c);
      i++;
      written += 4;
      continue;
    }
    i += len;
    written += len;
  }
}

void esc_md(out *o, const char *s, size_t cap) {
  out clean;
  out_init(&clean);
  esc_clean(&clean, s, cap, ESC_ONE_LINE);
  for (size_t i = 0; i < clean.b.len; i++) {
    char c = clean.b.data[i];
    /* Inline text never starts a line (it always follows a prefix), so only
     * the characters that mean something inside a line need escaping. */
    if (strchr("\\`*_{}[]<>|&~#", c))
      out_add(o, "\\", 1);
    out_add(o, &c, 1);
  }
  if (clean.failed)
    o->failed = 1;
  out_free(&clean);
}

void esc_html_clean(out *o, const char *s, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    const char *rep = NULL;
    switch (s[i]) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&#39;"; break;
    default: continue;
    }
    out_add(o, s + start, i - start);
    out_adds(o, rep);
    start = i + 1;
  }
  out_add(o, s + start, n - start);
}

void esc_html(out *o, const char *s, size_t cap, int flags) {
  out clean;
  out_init(&clean);
  esc_clean(&clean, s, cap, flags);
  esc_html_clean(o, clean.b.data ? clean.b.data : "", clean.b.len);
  if (clean.failed)
    o->failed = 1;
  out_free(&clean);
}

void esc_decode(buf *raw, const char *s) {
  size_t n = s ? strlen(s) : 0;
  buf_init(raw, n + 1);
  if (!s)
    return;
  if (escape_decode(raw, s, NULL) != 0) {
    buf_reset(raw);
    buf_add(raw, s, n);
  }
}

void esc_bytes(out *o, const char *raw, size_t n, size_t cap,
                   size_t extra) {
  static const char hex[] = "0123456789abcdef";
  size_t written = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n ? extra > 0 : written >= cap) {
      out_printf(o, "\xe2\x80\xa6 [%zu more bytes cut]", n - i + extra);
      return;
    }
    if (i == n)
      return;
    unsigned char c = (unsigned char)raw[i];
    char tok[5];
    size_t len = 2;
    tok[0] = '\\';
    switch (c) {
    case '\\': tok[1] = '\\'; break;
    case '\r': tok[1] = 'r'; break;
    case '\t': tok[1] = 't'; break;
    case '\n': tok[1] = 'n'; tok[2] = '\n'; len = 3; break;
    default:
      if (c >= 0x20 && c < 0x7f) {
        tok[0] = (char)c;
        len = 1;
      } else {
        tok[1] = 'x';
        tok[2] = hex[c >> 4];
        tok[3] = hex[c & 15];
        len = 4;
      }
    }
    out_add(o, tok, len);
    written += len;
  }
}

size_t esc_backtick_run(const char *s, size_t n) {
  size_t best = 0, run = 0;
  for (size_t i = 0; i < n; i++) {
    run = s[i] == '`' ? run + 1 : 0;
    if (run > best)
      best = run;
  }
  return best;
}

void esc_slug(out *o, const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)(s ? s : "");
       *p && n < 200; p++, n++) {   /* ids stay short whatever the name */
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
      out_add(o, (const char *)p, 1);
    else
      out_printf(o, ".%02x", *p);
  }
}

static void json_value_text(out *o, const cJSON *v, size_t cap) {
  if (cJSON_IsString(v)) {
    esc_clean(o, v->valuestring, cap, ESC_ONE_LINE);
  } else if (cJSON_IsNumber(v)) {
    out_printf(o, "%.15g", v->valuedouble);
  } else if (cJSON_IsBool(v) || cJSON_IsNull(v)) {
    out_adds(o, cJSON_IsTrue(v) ? "true" : cJSON_IsNull(v) ? "null" : "false");
  } else {
    char *text = cJSON_PrintUnformatted(v);
    if (text)
      esc_clean(o, text, cap, ESC_ONE_LINE);
    else
      o->failed = 1;
    free(text);
  }
}

void esc_json_fields(out *o, const cJSON *j, size_t cap, const char *sep) {
  if (!cJSON_IsObject(j)) {
    json_value_text(o, j, cap);
    return;
  }
  int i = 0;
  const cJSON *f;
  cJSON_ArrayForEach(f, j) {
    if (i == 32) {                   /* a log entry has about 20 fields */
      out_printf(o, "%s\xe2\x80\xa6 %d more fields", sep,
                 cJSON_GetArraySize(j) - i);
      return;
    }
    out_adds(o, i++ ? sep : "");
    esc_clean(o, f->string ? f->string : "?", 60, ESC_ONE_LINE);
    out_adds(o, " ");
    json_value_text(o, f, cap);
  }
}

void esc_md_fence(out *o, const char *body, size_t n, const char *info) {
  size_t ticks = esc_backtick_run(body, n) + 1;
  if (ticks < 3)
    ticks = 3;
  for (size_t i = 0; i < ticks; i++)
    out_adds(o, "`");
  out_adds(o, info);
  out_adds(o, "\n");
  out_add(o, body, n);
  if (n && body[n - 1] != '\n')
    out_adds(o, "\n");
  for (size_t i = 0; i < ticks; i++)
    out_adds(o, "`");
  out_adds(o, "\n\n");
}
