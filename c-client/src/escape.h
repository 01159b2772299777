/* escape.h - the lossless "escaped bytes" form used in every JSON file.
 * Printable ASCII stays as is, \\ \r \n \t are backslash escapes, every other
 * byte is \xHH. See docs/formats.md. */
#ifndef H2C_ESCAPE_H
#define H2C_ESCAPE_H

#include "buf.h"

/* Appends the escaped form of data[0..n) to out. Returns BUF_OK or BUF_*. */
int escape_bytes(buf *out, const void *data, size_t n);
/* Decodes the escaped form; returns 0, or -1 on a malformed escape (msg set). */
int escape_decode(buf *out, const char *s, const char **msg);

#endif
