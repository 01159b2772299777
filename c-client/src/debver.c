/* debver.c - Debian version ordering (debver.h).
 *
 * A version is [epoch:]upstream[-revision]. Epochs compare as numbers; the
 * upstream part and the revision each compare by alternating runs: a run of
 * non-digits compared character by character (letters before non-letters,
 * '~' before everything, even the end of the run), then a run of digits
 * compared as a number. The revision is everything after the LAST hyphen;
 * without one it is empty ("0" by policy, and compares the same). Works on
 * (pointer, length) slices so nothing is copied or allocated. */
#include "debver.h"

#include <ctype.h>
#include <string.h>

typedef struct slice { const char *p; size_t n; } slice;

/* Sort weight of one non-digit character (0 = end of the run). */
static int order(int c) {
  if (c == '~')
    return -1;
  if (c == 0 || isdigit(c))
    return 0;
  if (isalpha(c))
    return c;
  return c + 256;
}

static int cmp_nondigits(slice *a, slice *b) {
  while ((a->n && !isdigit((unsigned char)*a->p)) || (b->n && !isdigit((unsigned char)*b->p))) {
    int ca = a->n ? (unsigned char)*a->p : 0, cb = b->n ? (unsigned char)*b->p : 0;
    int d = order(ca) - order(cb);
    if (d)
      return d;
    a->p++, a->n--;
    b->p++, b->n--;
  }
  return 0;
}

/* Compares two digit runs as numbers, however long: skip leading zeros,
 * then the longer run is larger, then the first differing digit decides. */
static int cmp_digits(slice *a, slice *b) {
  while (a->n && *a->p == '0')
    a->p++, a->n--;
  while (b->n && *b->p == '0')
    b->p++, b->n--;
  size_t la = 0, lb = 0;
  while (la < a->n && isdigit((unsigned char)a->p[la]))
    la++;
  while (lb < b->n && isdigit((unsigned char)b->p[lb]))
    lb++;
  int d = la != lb ? (la < lb ? -1 : 1) : memcmp(a->p, b->p, la);
  a->p += la, a->n -= la;
  b->p += lb, b->n -= lb;
  return d;
}

static int cmp_part(slice a, slice b) {
  while (a.n || b.n) {
    int d = cmp_nondigits(&a, &b);
    if (!d)
      d = cmp_digits(&a, &b);
    if (d)
      return d;
  }
  return 0;
}

/* Splits v into epoch (as a number), upstream and revision. */
static void split(const char *v, unsigned long *epoch, slice *up, slice *rev) {
  const char *colon = strchr(v, ':');
  *epoch = 0;
  if (colon && colon > v && strspn(v, "0123456789") == (size_t)(colon - v)) {
    for (const char *p = v; p < colon && *epoch < 100000000ul; p++)
      *epoch = *epoch * 10 + (unsigned long)(*p - '0');
    v = colon + 1;
  }
  const char *hyphen = strrchr(v, '-');
  up->p = v;
  up->n = hyphen ? (size_t)(hyphen - v) : strlen(v);
  rev->p = hyphen ? hyphen + 1 : v + up->n;
  rev->n = strlen(rev->p);
}

int debver_cmp(const char *a, const char *b) {
  if (!a || !b)
    return (a != NULL) - (b != NULL);
  unsigned long ea, eb;
  slice ua, ra, ub, rb;
  split(a, &ea, &ua, &ra);
  split(b, &eb, &ub, &rb);
  if (ea != eb)
    return ea < eb ? -1 : 1;
  int d = cmp_part(ua, ub);
  return d ? d : cmp_part(ra, rb);
}

/* The second space-separated word of s, or NULL when there is none. */
static const char *second_word(const char *s, size_t *len) {
  const char *sp = s ? strchr(s, ' ') : NULL;
  if (!sp || !sp[1] || sp[1] == ' ')
    return NULL;
  *len = strcspn(sp + 1, " ");
  return sp + 1;
}

int debver_cmp_labelled(const char *a, const char *b) {
  size_t la = 0, lb = 0;
  const char *va = second_word(a, &la), *vb = second_word(b, &lb);
  if (!va || !vb)
    return debver_cmp(a, b);
  char ba[128], bb[128];
  if (la >= sizeof ba || lb >= sizeof bb)
    return debver_cmp(a, b);
  memcpy(ba, va, la);
  ba[la] = '\0';
  memcpy(bb, vb, lb);
  bb[lb] = '\0';
  return debver_cmp(ba, bb);
}
