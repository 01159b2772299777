/* atomic_file.c - write-to-temp, fsync, rename: a reader (or a crash) never
 * sees a half-written results.json or report. */
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

int atomic_file_write(const char *path, const void *data, size_t len,
                      char *err, size_t errlen) {
  size_t tlen = strlen(path) + 32;
  char *tmp = malloc(tlen);
  if (!tmp)
    return fail(err, errlen, "out of memory writing", path);
  snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(err, errlen, "cannot create", tmp);
    free(tmp);
    return -1;
  }
  int rc = write_all(fd, data, len);
  if (rc == 0)
    rc = fsync(fd);
  if (rc != 0)
    fail(err, errlen, "cannot write", tmp);
  if (close(fd) != 0 && rc == 0)
    rc = fail(err, errlen, "cannot close", tmp);
  if (rc == 0 && rename(tmp, path) != 0)
    rc = fail(err, errlen, "cannot rename into", path);
  if (rc != 0)
    unlink(tmp);
  free(tmp);
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
