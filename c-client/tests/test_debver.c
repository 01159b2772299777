/* test_debver.c - Debian version ordering against the examples of Debian
 * Policy 5.6.12 and the cases where strverscmp (what the report used
 * before) orders differently: epochs, '~', letters against punctuation. */
#include <string.h>

#include "check.h"
#include "debver.h"

static int sign(int v) { return (v > 0) - (v < 0); }

/* a < b, and the comparison is antisymmetric. */
static int before(const char *a, const char *b) {
  return sign(debver_cmp(a, b)) == -1 && sign(debver_cmp(b, a)) == 1;
}

TEST(equal_versions) {
  CHECK_INT(debver_cmp("22.10.2-3", "22.10.2-3"), 0);
  CHECK_INT(debver_cmp("0:1.0", "1.0"), 0);          /* epoch 0 is no epoch */
  CHECK_INT(debver_cmp("1.0-0", "1.0"), 0);          /* revision 0 is none */
  CHECK_INT(debver_cmp("1.001", "1.1"), 0);          /* numbers, not strings */
  CHECK_INT(debver_cmp("", ""), 0);
}

TEST(lab_gevent_versions_in_order) {
  CHECK(before("20.9.0-2", "22.10.2-3"));
  CHECK(before("22.10.2-3", "24.11.1-1+b1"));
  CHECK(before("24.11.1-1+b1", "25.9.1-2"));
  CHECK(before("25.9.1-2", "25.9.1-2+b1"));          /* binNMU is newer */
  CHECK(before("9.0", "10.0"));
}

TEST(tilde_sorts_before_everything) {
  CHECK(before("1.0~rc1", "1.0"));
  CHECK(before("1.0~~", "1.0~"));
  CHECK(before("1.0~rc1", "1.0~rc2"));
  CHECK(before("1.0~rc1-1", "1.0-1"));
  CHECK(strverscmp("1.0~rc1", "1.0") > 0);           /* what strverscmp got wrong */
}

TEST(epoch_wins) {
  CHECK(before("2.0", "1:0.9"));
  CHECK(before("1:2.0", "2:0.1"));
  CHECK(strverscmp("1:0.9", "2.0") < 0);             /* strverscmp again */
}

TEST(letters_before_punctuation_and_revision_after_upstream) {
  CHECK(before("1.0a", "1.0+"));                     /* letters sort before non-letters */
  CHECK(before("1.0", "1.0a"));
  CHECK(before("1.0-1", "1.0-1.1"));
  CHECK(before("1.0-9", "1.0-10"));
  CHECK(before("1.0-1-1", "1.0-1-2"));               /* the LAST hyphen starts the revision */
  CHECK(before("1.2.3", "1.2.3.0"));
}

TEST(null_and_malformed) {
  CHECK(sign(debver_cmp(NULL, "1.0")) == -1);
  CHECK(sign(debver_cmp("1.0", NULL)) == 1);
  CHECK_INT(debver_cmp(NULL, NULL), 0);
  CHECK(before("a:1", "b:1"));                       /* not an epoch: compared as text */
  CHECK(before("99999999999999999999999999.0", "99999999999999999999999999.1"));
}

TEST(labelled_compares_the_version_word) {
  CHECK(sign(debver_cmp_labelled("python3-gevent 20.9.0-2", "python3-gevent 22.10.2-3")) == -1);
  CHECK(sign(debver_cmp_labelled("python3-gevent 25.9.1-2+b1 + h2c-lab fix",
                                 "python3-gevent 25.9.1-2")) == 1);
  CHECK(sign(debver_cmp_labelled("pkg 1.0~rc1", "pkg 1.0")) == -1);
  CHECK(sign(debver_cmp_labelled("1.0", "2.0")) == -1);   /* no label: whole strings */
}

CHECK_MAIN(CASE(equal_versions), CASE(lab_gevent_versions_in_order),
           CASE(tilde_sorts_before_everything), CASE(epoch_wins),
           CASE(letters_before_punctuation_and_revision_after_upstream),
           CASE(null_and_malformed), CASE(labelled_compares_the_version_word))
