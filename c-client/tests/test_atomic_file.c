/* test_atomic_file.c - a report set is all-or-nothing (atomic_file.h): the
 * files appear together, and a failure while writing (a temporary file that
 * cannot be made) or while renaming (a name taken by a directory) leaves the
 * earlier set as it was, with no temporary file beside it. The full-disk
 * case on a real file system is tests/hostile/report-set.sh (it needs a
 * tmpfs mount). */
#include "atomic_file.h"
#include "check.h"
#include "test_tmp.h"

#include <dirent.h>
#include <sys/stat.h>

static char dir[64];

/* dir/name's content in out[0..cap), "" when absent. */
static const char *content(const char *name, char *out, size_t cap) {
  char path[160];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(out, 1, cap - 1, f) : 0;
  out[n] = '\0';
  if (f)
    fclose(f);
  return out;
}

/* How many entries dir holds (. and .. aside). */
static int entries(void) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  if (d)
    closedir(d);
  return n;
}

/* The earlier set: a = "old a", b = "old b". */
static int earlier_set(void) {
  return test_tmp_make(dir, sizeof dir, "atomic") != 0 ||
         test_tmp_write(dir, "a", "old a") != 0 || test_tmp_write(dir, "b", "old b") != 0;
}

TEST(a_set_replaces_the_earlier_one) {
  CHECK_INT(earlier_set(), 0);
  atomic_set s;
  atomic_set_init(&s, dir);
  char err[256] = "", t1[32], t2[32], t3[32];
  int rc = atomic_set_add(&s, "a", "new a", 5, err, sizeof err) ||
           atomic_set_add(&s, "b", "new b", 5, err, sizeof err) ||
           atomic_set_add(&s, "c", "new c", 5, err, sizeof err);
  /* staged only: the earlier files are untouched, c does not exist yet */
  int untouched = strcmp(content("a", t1, sizeof t1), "old a") == 0 &&
                  content("c", t2, sizeof t2)[0] == '\0';
  rc = rc || atomic_set_commit(&s, err, sizeof err);
  atomic_set_free(&s);
  int replaced = strcmp(content("a", t1, sizeof t1), "new a") == 0 &&
                 strcmp(content("b", t2, sizeof t2), "new b") == 0 &&
                 strcmp(content("c", t3, sizeof t3), "new c") == 0;
  int n = entries();
  test_tmp_remove(dir);
  CHECK_INT(rc, 0);
  CHECK(untouched);
  CHECK(replaced);
  CHECK_INT(n, 3);                     /* no temporary file, no backup */
}

/* A file of the set that cannot be written (here: its directory is gone;
 * on a full disk it is ENOSPC) fails the set before anything is renamed. */
TEST(a_failed_write_leaves_the_earlier_set) {
  CHECK_INT(earlier_set(), 0);
  atomic_set s;
  atomic_set_init(&s, dir);
  char err[256] = "", t1[32], t2[32];
  int rc1 = atomic_set_add(&s, "a", "new a", 5, err, sizeof err);
  int rc2 = atomic_set_add(&s, "no-such-dir/b", "new b", 5, err, sizeof err);
  int named = strstr(err, "no-such-dir/b") != NULL;
  atomic_set_free(&s);                 /* never committed */
  int kept = strcmp(content("a", t1, sizeof t1), "old a") == 0 &&
             strcmp(content("b", t2, sizeof t2), "old b") == 0;
  int n = entries();
  test_tmp_remove(dir);
  CHECK_INT(rc1, 0);
  CHECK_INT(rc2, -1);
  CHECK(named);
  CHECK(kept);
  CHECK_INT(n, 2);                     /* a's temporary file removed */
}

/* The third rename fails (its name is a directory that is not empty): the
 * two files already renamed are put back, the new-only name removed. */
TEST(a_failed_rename_is_undone) {
  CHECK_INT(earlier_set(), 0);
  char sub[128];
  snprintf(sub, sizeof sub, "%s/d", dir);
  CHECK_INT(mkdir(sub, 0755), 0);
  CHECK_INT(test_tmp_write(sub, "inside", "x"), 0);
  atomic_set s;
  atomic_set_init(&s, dir);
  char err[256] = "", t1[32], t2[32], t3[32];
  int rc = atomic_set_add(&s, "a", "new a", 5, err, sizeof err) ||
           atomic_set_add(&s, "c", "new c", 5, err, sizeof err) ||
           atomic_set_add(&s, "d", "new d", 5, err, sizeof err);
  int commit = atomic_set_commit(&s, err, sizeof err);
  int named = strstr(err, "cannot rename into") && strstr(err, "/d");
  atomic_set_free(&s);
  int kept = strcmp(content("a", t1, sizeof t1), "old a") == 0 &&
             strcmp(content("b", t2, sizeof t2), "old b") == 0 &&
             content("c", t3, sizeof t3)[0] == '\0';
  int n = entries();
  test_tmp_remove(dir);
  CHECK_INT(rc, 0);
  CHECK_INT(commit, -1);
  CHECK(named);
  CHECK(kept);
  CHECK_INT(n, 3);                     /* a, b, d/: nothing else */
}

TEST(a_name_twice_is_refused) {
  CHECK_INT(earlier_set(), 0);
  atomic_set s;
  atomic_set_init(&s, dir);
  char err[256] = "";
  int rc1 = atomic_set_add(&s, "a", "1", 1, err, sizeof err);
  int rc2 = atomic_set_add(&s, "a", "2", 1, err, sizeof err);
  int named = strstr(err, "written twice") != NULL;
  atomic_set_free(&s);
  int n = entries();
  test_tmp_remove(dir);
  CHECK_INT(rc1, 0);
  CHECK_INT(rc2, -1);
  CHECK(named);
  CHECK_INT(n, 2);
}

CHECK_MAIN(CASE(a_set_replaces_the_earlier_one), CASE(a_failed_write_leaves_the_earlier_set),
           CASE(a_failed_rename_is_undone), CASE(a_name_twice_is_refused))
