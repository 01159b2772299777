/* escape.c - the lossless "escaped bytes" form (docs/formats.md).
 * Why not base64: people read these strings in reports and diffs, and the
 * interesting bytes (CR, LF, the start of a request) must stay visible. */
#include "escape.h"

#include <string.h>

int escape_bytes(buf *out, const void *data, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = p[i];
    char tmp[4];
    size_t len = 2;
    tmp[0] = '\\';
    if (ch == '\\')
      tmp[1] = '\\';
    else if (ch == '\r')
      tmp[1] = 'r';
    else if (ch == '\n')
      tmp[1] = 'n';
    else if (ch == '\t')
      tmp[1] = 't';
    else if (ch >= 0x20 && ch < 0x7f) {
      tmp[0] = (char)ch;
      len = 1;
    } else {
      tmp[1] = 'x';
      tmp[2] = hex[ch >> 4];
      tmp[3] = hex[ch & 15];
      len = 4;
    }
    int rc = buf_add(out, tmp, len);
    if (rc != BUF_OK)
      return rc;
  }
  return BUF_OK;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes one escape starting after the backslash; returns bytes used or -1. */
static int unescape_one(const char *s, unsigned char *out) {
  switch (s[0]) {
  case '\\': *out = '\\'; return 1;
  case 'r': *out = '\r'; return 1;
  case 'n': *out = '\n'; return 1;
  case 't': *out = '\t'; return 1;
  case 'x': {
    int hi = hex_value(s[1]);
    int lo = hi < 0 ? -1 : hex_value(s[2]);
    if (lo < 0)
      return -1;
    *out = (unsigned char)(hi * 16 + lo);
    return 3;
  }
  default:
    return -1;
  }
}

int escape_decode(buf *out, const char *s, const char **msg) {
  while (*s) {
    unsigned char ch = (unsigned char)*s;
    int used = 1;
    if (ch == '\\') {
      used = unescape_one(s + 1, &ch);
      if (used < 0) {
        if (msg)
          *msg = "bad escape: use \\\\ \\r \\n \\t or \\xHH";
        return -1;
      }
      used++;
    }
    if (buf_add(out, &ch, 1) != BUF_OK) {
      if (msg)
        *msg = "value too long";
      return -1;
    }
    s += used;
  }
  return 0;
}
