/* atomic_file.h - nothing lost or half-written: files are written to a
 * temporary name in the same directory, flushed, then renamed into place.
 * A report set (results.json and the reports of one run) is written as one:
 * every file under its temporary name first, renamed only when all were
 * written, so a reader never finds files of two runs side by side. */
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

/* ---- a set of files that replace the earlier set all at once ---------- */

#define ATOMIC_SET_MAX 8

typedef struct atomic_set_file {
  char *path;              /* where it goes */
  char *tmp;               /* written and flushed here, NULL once renamed */
  char *old;               /* the earlier file, kept here while committing */
} atomic_set_file;

typedef struct atomic_set {
  const char *dir;         /* not copied; NULL: names are paths */
  int n;
  atomic_set_file f[ATOMIC_SET_MAX];
} atomic_set;

/* An empty set of files for dir (which must exist; kept, not copied). */
void atomic_set_init(atomic_set *s, const char *dir);
/* Writes dir/name's content under a temporary name; the file itself is not
 * touched. 0, or -1 with err (a full disk, too many files, a name twice). */
int atomic_set_add(atomic_set *s, const char *name, const void *data,
                   size_t len, char *err, size_t errlen);
/* Renames every file into place. When a rename fails, the files already
 * renamed are put back as they were (the earlier ones restored, new names
 * removed): 0, or -1 with err and the directory as before. */
int atomic_set_commit(atomic_set *s, char *err, size_t errlen);
/* Removes whatever temporary file is left (all of them when the set was
 * never committed) and frees the set. */
void atomic_set_free(atomic_set *s);

#endif
