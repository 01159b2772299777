/* render/out.h - the reports' output buffer (a capped buf
 * with a sticky failure flag). */
#ifndef H2C_RENDER_OUT_H
#define H2C_RENDER_OUT_H

#include <stdarg.h>
#include <stddef.h>
#include "atomic_file.h"
#include "buf.h"

typedef struct out {
  buf b;
  int failed;              /* an append failed (out of memory / cap) */
} out;

void out_init(out *o);
void out_free(out *o);
void out_add(out *o, const char *s, size_t n);
void out_adds(out *o, const char *s);
void out_printf(out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void out_vprintf(out *o, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Writes o as the file name of set (under its temporary name until the set
 * is committed); 0, or -1 with err (a failed buffer names the report). */
int out_stage(const out *o, atomic_set *set, const char *name, char *err,
              size_t errlen);

#endif
