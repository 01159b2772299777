/* render/out.c - the reports' output buffer: a capped buf with a sticky
 * failure flag, so a writer appends freely and checks once, when it writes
 * the file (a failed append never leaves half a report on disk). The file
 * is staged in its report set (atomic_file.h), which renames it into place
 * with the others. */
#include "out.h"
#include "atomic_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Report buffers never get near this: every excerpt is capped far below. */
#define OUT_MAX (256u * 1024u * 1024u)

void out_init(out *o) {
  buf_init(&o->b, OUT_MAX);
  o->failed = 0;
}

void out_free(out *o) { buf_free(&o->b); }

void out_add(out *o, const char *s, size_t n) {
  if (!o->failed && buf_add(&o->b, s, n) != BUF_OK)
    o->failed = 1;
}

void out_adds(out *o, const char *s) { out_add(o, s, strlen(s)); }

void out_vprintf(out *o, const char *fmt, va_list ap) {
  char tmp[512];
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  if (n < 0) {
    o->failed = 1;
  } else if ((size_t)n < sizeof tmp) {
    out_add(o, tmp, (size_t)n);
  } else {                           /* rare: never cut a formatted piece */
    char *big = malloc((size_t)n + 1);
    if (!big)
      o->failed = 1;
    else {
      vsnprintf(big, (size_t)n + 1, fmt, again);
      out_add(o, big, (size_t)n);
      free(big);
    }
  }
  va_end(again);
}

void out_printf(out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  out_vprintf(o, fmt, ap);
  va_end(ap);
}

int out_stage(const out *o, atomic_set *set, const char *name, char *err,
              size_t errlen) {
  if (o->failed) {
    snprintf(err, errlen, "%s: out of memory while rendering", name);
    return -1;
  }
  return atomic_set_add(set, name, o->b.data ? o->b.data : "", o->b.len, err,
                        errlen);
}
