/* render/esc.h - the only way text and bytes from results.json
 * reach a report: clean (valid UTF-8, no control bytes, capped), then one
 * format escaper; bytes in the escaped-bytes form (printable ASCII). */
#ifndef H2C_RENDER_ESC_H
#define H2C_RENDER_ESC_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "out.h"

#define ESC_ONE_LINE 0
#define ESC_KEEP_NL 1
#define ESC_KEEP_TAB 2           /* code (a diff): a tab stays a tab */

/* Valid UTF-8 kept, control bytes and invalid sequences as \xHH, newlines
 * kept or turned into spaces; at most cap bytes, then "… [N bytes cut]". */
void esc_clean(out *o, const char *s, size_t cap, int flags);
/* Clean + Markdown inline escape (all ASCII punctuation that means
 * something is backslash-escaped, so `|` never splits a table cell). */
void esc_md(out *o, const char *s, size_t cap);
/* Clean + HTML/XML escape (& < > " '); valid in text and in attributes. */
void esc_html(out *o, const char *s, size_t cap, int flags);
/* HTML/XML escape of text that is already clean (no cap). */
void esc_html_clean(out *o, const char *s, size_t n);
/* Decodes the escaped-bytes form; a malformed string is taken as raw bytes
 * (the report must render whatever the file holds). Caller buf_free's. */
void esc_decode(buf *raw, const char *s);
/* Raw bytes as printable text: the escaped-bytes form with a line break
 * after each \n; at most cap output bytes, then a note counting what was
 * cut (plus extra: bytes the caller did not even pass). */
void esc_bytes(out *o, const char *raw, size_t n, size_t cap,
                   size_t extra);
/* The longest run of backticks in s (to pick a Markdown fence). */
size_t esc_backtick_run(const char *s, size_t n);
/* A fenced Markdown code block around body (already clean text): the fence
 * is longer than any backtick run inside, so nothing in body can close it. */
void esc_md_fence(out *o, const char *body, size_t n, const char *info);
/* Id-safe form of s: [A-Za-z0-9_-] kept, everything else as .HH */
void esc_slug(out *o, const char *s);
/* A JSON value as one line of clean text: an object as "key value" pairs
 * joined by sep (strings as they are, e.g. escaped bytes), anything nested
 * as compact JSON; each value capped at cap bytes. */
void esc_json_fields(out *o, const cJSON *j, size_t cap, const char *sep);

#endif
