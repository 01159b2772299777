/* json_file.h - reads one small JSON file (scenario, targets, results) with a
 * size cap, so a wrong path or a huge file is a clear error naming the file,
 * never a crash. */
#ifndef H2C_JSON_FILE_H
#define H2C_JSON_FILE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define JSON_FILE_MAX (64u * 1024u * 1024u)

/* Returns the parsed tree (caller cJSON_Delete's it), or NULL with err
 * naming the path and what went wrong (the parse position, or the object
 * and member when an object holds a member twice). */
cJSON *json_file_load(const char *path, size_t max, char *err, size_t errlen);

#endif
