/* atomic_file.h - nothing lost or half-written: files are written to a
 * temporary name in the same directory, flushed, then renamed into place. */
#ifndef H2C_ATOMIC_FILE_H
#define H2C_ATOMIC_FILE_H

#include <stddef.h>

/* Returns 0, or -1 with err naming the path and the system error. */
int atomic_file_write(const char *path, const void *data, size_t len,
                      char *err, size_t errlen);
/* mkdir -p; 0 or -1 with err. */
int atomic_file_make_dirs(const char *path, char *err, size_t errlen);
/* An output directory (--out): created when missing; "" (the files would
 * land in /) and a path that exists as something else are refused. 0 or -1
 * with err. */
int atomic_file_out_dir(const char *path, char *err, size_t errlen);

#endif
