/* atomic_file.c - write-to-temp, fsync, rename: a reader (or a crash) never
 * sees a half-written results.json or report, and a report set is renamed
 * into place only once every file of it was written (a full disk fails the
 * set before the earlier one is touched). A rename that fails halfway (rare:
 * the temporary files already sit in the directory) is undone from hard
 * links to the earlier files, taken before the first rename. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *what, const char *path) {
  snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
  return -1;
}

static int write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Writes data to a fresh temporary name beside path, flushed; returns that
 * name (malloc'd), or NULL with err and nothing left behind. */
static char *write_temp(const char *path, const void *data, size_t len,
                        char *err, size_t errlen) {
  size_t tlen = strlen(path) + 32;
  char *tmp = malloc(tlen);
  if (!tmp) {
    fail(err, errlen, "out of memory writing", path);
    return NULL;
  }
  snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(err, errlen, "cannot create", tmp);
    free(tmp);
    return NULL;
  }
  int rc = write_all(fd, data, len);
  if (rc == 0)
    rc = fsync(fd);
  if (rc != 0)
    fail(err, errlen, "cannot write", tmp);
  if (close(fd) != 0 && rc == 0)
    rc = fail(err, errlen, "cannot close", tmp);
  if (rc != 0) {
    unlink(tmp);
    free(tmp);
    return NULL;
  }
  return tmp;
}

int atomic_file_write(const char *path, const void *data, size_t len,
                      char *err, size_t errlen) {
  atomic_set s;
  atomic_set_init(&s, NULL);
  int rc = atomic_set_add(&s, path, data, len, err, errlen) != 0 ||
           atomic_set_commit(&s, err, errlen) != 0 ? -1 : 0;
  atomic_set_free(&s);
  return rc;
}

int atomic_file_make_dirs(const char *path, char *err, size_t errlen) {
  if (!path[0])
    return 0;
  char *p = strdup(path);
  if (!p)
    return fail(err, errlen, "out of memory for", path);
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char saved = *s;
    *s = '\0';
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
      fail(err, errlen, "cannot create directory", p);
      free(p);
      return -1;
    }
    *s = saved;
    if (saved == '\0')
      break;
  }
  free(p);
  return 0;
}

int atomic_file_out_dir(const char *path, char *err, size_t errlen) {
  struct stat st;
  if (!path[0]) {
    snprintf(err, errlen, "an empty path names no directory (give one, e.g. "
             "reports/run)");
    return -1;
  }
  if (atomic_file_make_dirs(path, err, errlen) != 0)
    return -1;
  if (stat(path, &st) != 0)
    return fail(err, errlen, "cannot use", path);
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s exists and is not a directory", path);
    return -1;
  }
  return 0;
}

/* ---- the set ----------------------------------------------------------- */

void atomic_set_init(atomic_set *s, const char *dir) {
  memset(s, 0, sizeof *s);
  s->dir = dir;
}

int atomic_set_add(atomic_set *s, const char *name, const void *data,
                   size_t len, char *err, size_t errlen) {
  size_t plen = (s->dir ? strlen(s->dir) + 1 : 0) + strlen(name) + 1;
  char *path = malloc(plen);
  if (!path)
    return fail(err, errlen, "out of memory writing", name);
  snprintf(path, plen, "%s%s%s", s->dir ? s->dir : "", s->dir ? "/" : "", name);
  int dup = 0;
  for (int i = 0; i < s->n; i++)
    dup |= strcmp(s->f[i].path, path) == 0;
  if (dup || s->n == ATOMIC_SET_MAX) {
    snprintf(err, errlen, "%s: %s", path, dup ? "written twice in one set"
                                              : "too many files in one set");
    free(path);
    return -1;
  }
  char *tmp = write_temp(path, data, len, err, errlen);
  if (!tmp) {
    free(path);
    return -1;
  }
  s->f[s->n].path = path;
  s->f[s->n].tmp = tmp;
  s->f[s->n].old = NULL;
  s->n++;
  return 0;
}

/* Keeps a hard link to the file f replaces, so a failed commit can put it
 * back. 0 when kept or when there is none; -1 with err. A file system
 * without hard links gets no backup (EPERM, ENOTSUP): the set is still
 * renamed only after every file was written. */
static int keep_old(atomic_set_file *f, char *err, size_t errlen) {
  size_t olen = strlen(f->tmp) + 5;
  f->old = malloc(olen);
  if (!f->old)
    return fail(err, errlen, "out of memory keeping", f->path);
  snprintf(f->old, olen, "%s.old", f->tmp);
  unlink(f->old);                  /* a leftover of a crashed process */
  if (link(f->path, f->old) == 0)
    return 0;
  int e = errno;
  free(f->old);
  f->old = NULL;
  if (e == ENOENT || e == EPERM || e == ENOTSUP)
    return 0;
  errno = e;
  return fail(err, errlen, "cannot keep the earlier", f->path);
}

/* Undoes the renames of f[0..k): each earlier file back, or the new one
 * removed where there was none. An earlier file that cannot be put back
 * stays under its backup name rather than being lost. */
static void undo(atomic_set *s, int k) {
  for (int i = 0; i < k; i++) {
    atomic_set_file *f = &s->f[i];
    if (!f->old)
      unlink(f->path);
    else
      (void)rename(f->old, f->path);
    free(f->old);
    f->old = NULL;
  }
}

static void drop_backups(atomic_set *s) {
  for (int i = 0; i < s->n; i++) {
    if (s->f[i].old)
      unlink(s->f[i].old);
    free(s->f[i].old);
    s->f[i].old = NULL;
  }
}

/* Flushes the directory's entries (the renames), as far as it can. */
static void sync_dir(const char *path) {
  char *dir = strdup(path);
  if (!dir)
    return;
  char *slash = strrchr(dir, '/');
  if (slash)
    *(slash == dir ? slash + 1 : slash) = '\0';
  int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  free(dir);
}

int atomic_set_commit(atomic_set *s, char *err, size_t errlen) {
  int rc = 0, k = 0;
  for (int i = 0; i < s->n && rc == 0; i++)
    rc = keep_old(&s->f[i], err, errlen);
  for (; rc == 0 && k < s->n; k++) {
    if (rename(s->f[k].tmp, s->f[k].path) != 0) {
      rc = fail(err, errlen, "cannot rename into", s->f[k].path);
      break;
    }
    free(s->f[k].tmp);
    s->f[k].tmp = NULL;
  }
  if (rc != 0)
    undo(s, k);
  drop_backups(s);
  if (rc == 0 && s->n > 0)
    sync_dir(s->f[0].path);
  return rc;
}

void atomic_set_free(atomic_set *s) {
  drop_backups(s);
  for (int i = 0; i < s->n; i++) {
    if (s->f[i].tmp)
      unlink(s->f[i].tmp);
    free(s->f[i].tmp);
    free(s->f[i].path);
  }
  memset(s, 0, sizeof *s);
}
