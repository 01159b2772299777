/* check.h - a tiny unit-test harness. Each test_*.c defines TESTS with
 * TEST(name) { CHECK(...); } and ends with CHECK_MAIN(). Output: one line per
 * test and a closing "N passed, N failed" line; exit 1 when any failed. */
#ifndef H2C_CHECK_H
#define H2C_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*check_fn)(int *failed);
struct check_case { const char *name; check_fn fn; };

#define TEST(name) static void name(int *check_failed_)
#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
              #cond);                                                       \
      *check_failed_ = 1;                                                   \
      return;                                                               \
    }                                                                       \
  } while (0)
#define CHECK_STR(a, b)                                                     \
  do {                                                                      \
    const char *ca_ = (a), *cb_ = (b);                                      \
    if (!ca_ || !cb_ || strcmp(ca_, cb_) != 0) {                            \
      fprintf(stderr, "  %s:%d: expected \"%s\", got \"%s\"\n", __FILE__,   \
              __LINE__, cb_ ? cb_ : "(null)", ca_ ? ca_ : "(null)");        \
      *check_failed_ = 1;                                                   \
      return;                                                               \
    }                                                                       \
  } while (0)
#define CHECK_INT(a, b)                                                     \
  do {                                                                      \
    long long ca_ = (long long)(a), cb_ = (long long)(b);                   \
    if (ca_ != cb_) {                                                       \
      fprintf(stderr, "  %s:%d: %s: expected %lld, got %lld\n", __FILE__,   \
              __LINE__, #a, cb_, ca_);                                      \
      *check_failed_ = 1;                                                   \
      return;                                                               \
    }                                                                       \
  } while (0)

/* Tests build their fixtures with buf appends that must not fail: a fixture
 * built in part would make the test check something else, so the test
 * program stops at once, naming the append. */
#define MUST_BUF(expr)                                                      \
  do {                                                                      \
    if ((expr) != 0) {                                                      \
      fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #expr);    \
      abort();                                                              \
    }                                                                       \
  } while (0)
#define CASE(name) {#name, name}
#define CHECK_MAIN(...)                                                     \
  int main(void) {                                                          \
    struct check_case cases[] = {__VA_ARGS__};                              \
    int passed = 0, failed = 0;                                             \
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {           \
      int f = 0;                                                            \
      cases[i].fn(&f);                                                      \
      printf("%s - %s\n", f ? "FAIL" : "ok", cases[i].name);                \
      if (f) failed++; else passed++;                                       \
    }                                                                       \
    printf("%d passed, %d failed\n", passed, failed);                       \
    return failed ? 1 : 0;                                                  \
  }

#endif
