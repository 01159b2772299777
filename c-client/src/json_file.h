/* json_file.h - reads one small JSON file (scenario, targets, results) with a
 * size cap, so a wrong path or a huge file is a clear error naming the file,
 * never a crash. */
#ifndef H2C_JSON_FILE_H
#define H2C_JSON_FILE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"

#define JSON_FILE_MAX (64u * 1024u * 1024u)

/* Returns the parsed tree (caller cJSON_Delete's it), or NULL with err
 * naming the path and what went wrong (the parse position, or the object
 * and member when an object holds a member twice). */
cJSON *json_file_load(const char *path, size_t max, char *err, size_t errlen);
/* The same, keeping the file's bytes in raw (buf_init'ed here, NUL-terminated;
 * the caller buf_free's it, also on failure): render copies them as is. */
cJSON *json_file_load_raw(const char *path, size_t max, buf *raw, char *err,
                          size_t errlen);
/* The same rules for text already in memory (text[len] must be '\0'); name
 * is what the messages call it. */
cJSON *json_text_parse(const char *name, const char *text, size_t len,
                       char *err, size_t errlen);

#endif
