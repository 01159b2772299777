/* fuzz_file.h - the loaders read files, not strings: a harness writes each
 * input to a file in its own directory and gives the loader that path, so
 * the whole way a user's file takes (json_file.c's size cap and parse errors
 * included) is what is fuzzed. Header-only: each harness is one program. */
#ifndef H2C_FUZZ_FILE_H
#define H2C_FUZZ_FILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The process's directory (made once under $TMPDIR, else /dev/shm, else
 * /tmp; removed at exit) and the file written last in it. Memory-backed
 * /dev/shm keeps the writes (and render's fsyncs) off the disk. */
static char fuzz_dir[256];
static char fuzz_path[512];

static void fuzz_file_cleanup(void) {
  if (fuzz_path[0])
    unlink(fuzz_path);
  if (fuzz_dir[0])
    rmdir(fuzz_dir);
}

static int fuzz_make_dir(void) {
  if (fuzz_dir[0])
    return 0;
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp)
    tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(fuzz_dir, sizeof fuzz_dir, "%s/h2c-fuzz.XXXXXX", tmp);
  if (!mkdtemp(fuzz_dir)) {
    perror(fuzz_dir);
    abort();   /* every input would be skipped: say so at once */
  }
  atexit(fuzz_file_cleanup);
  return 0;
}

/* Writes data to <dir>/<name>; returns the path, or NULL. */
static const char *fuzz_file_write(const uint8_t *data, size_t n, const char *name) {
  fuzz_make_dir();
  if (fuzz_path[0])
    unlink(fuzz_path);
  snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir, name);
  int fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return NULL;
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(fd, data + off, n - off);
    if (w <= 0)
      break;
    off += (size_t)w;
  }
  close(fd);
  return off == n ? fuzz_path : NULL;
}

/* A loader that fails must say why, naming the file it was given. */
static void fuzz_check_error(const char *err, const char *path) {
  if (err[0] == '\0' || !strstr(err, path)) {
    fprintf(stderr, "loader failed with message \"%s\" (must name %s)\n", err,
            path);
    abort();
  }
}

#endif
