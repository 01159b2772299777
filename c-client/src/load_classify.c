/* load_classify.c - a victim request's class from the answer's bytes
 * (load_classify.h). The rules, in order: no status line → error; the body
 * is the attacker's (its echo, or a hidden request's marker) → crossed,
 * whatever the status; a token of this run that is not this request's →
 * crossed when another connection's, error when this connection's own
 * earlier one (its own queue is off by one: no other client is involved);
 * a status other than 2xx → error; 2xx with the own token (or, for a plain
 * GET, any 2xx) → ok; anything else → error (a body that is nobody's). */
#include "load_classify.h"

#include <stdio.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

void load_token_write(char *out, uint32_t run, uint32_t conn, uint64_t seq) {
  memcpy(out, "h2cload-", 8);
  for (int i = 0; i < 8; i++)
    out[8 + i] = hexd[(run >> (28 - 4 * i)) & 0xf];
  out[16] = '-';
  for (int i = 4; i >= 0; i--, conn /= 10)
    out[17 + i] = (char)('0' + conn % 10);
  out[22] = '-';
  for (int i = 9; i >= 0; i--, seq /= 10)
    out[23 + i] = (char)('0' + seq % 10);
}

static int digits(const char *p, int n, uint64_t *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return 0;
    *v = *v * 10 + (uint64_t)(p[i] - '0');
  }
  return 1;
}

int load_token_parse(const char *p, size_t n, uint32_t run, uint32_t *conn, uint64_t *seq) {
  char want[LOAD_TOKEN_LEN];
  load_token_write(want, run, 0, 0);      /* its first 17 bytes name the run */
  uint64_t c;
  if (n != LOAD_TOKEN_LEN || memcmp(p, want, 17) != 0 || p[22] != '-' ||
      !digits(p + 17, 5, &c) || !digits(p + 23, 10, seq))
    return 0;
  *conn = (uint32_t)c;
  return 1;
}

static int contains(const char *hay, size_t n, const char *needle, size_t m) {
  return m > 0 && m <= n && memmem(hay, n, needle, m) != NULL;
}

/* The body is an answer to the attacker's requests: its own echo (exactly)
 * or one carrying a hidden request's marker. */
static int is_attackers(const load_answer *a, const load_expect *e) {
  if (e->attacker_body_len && a->body_len == e->attacker_body_len &&
      memcmp(a->body, e->attacker_body, a->body_len) == 0)
    return 1;
  for (int i = 0; i < e->nmarkers; i++)
    if (contains(a->body, a->body_len, e->markers[i], e->marker_len[i]))
      return 1;
  return 0;
}

load_class load_classify(const load_answer *a, const load_expect *e, int echo, uint32_t run,
                         uint32_t conn, uint64_t seq, int *from_attacker) {
  *from_attacker = 0;
  if (a->status < 100 || a->status > 999)
    return LOAD_ERROR;
  if (is_attackers(a, e)) {
    *from_attacker = 1;
    return LOAD_CROSSED;
  }
  uint32_t c;
  uint64_t s;
  if (load_token_parse(a->body, a->body_len, run, &c, &s) && (c != conn || s != seq))
    return c != conn ? LOAD_CROSSED : LOAD_ERROR;
  if (a->status < 200 || a->status > 299)
    return LOAD_ERROR;
  if (!echo)
    return LOAD_OK;
  return load_token_parse(a->body, a->body_len, run, &c, &s) ? LOAD_OK : LOAD_ERROR;
}

int load_status_slot(const load_answer *a, load_class c) {
  if (a->status < 100 || a->status > 599)
    return 0;
  if (c != LOAD_OK && a->status >= 200 && a->status <= 299)
    return LOAD_SLOT_WRONG_BODY;
  return a->status / 100;
}

const char *load_class_name(load_class c) {
  /* a load class, not the verdict: */
  static const char *const names[LOAD_NCLASS] = {"ok", "error" /* not the verdict */,
                                                 "crossed", "no_answer",
                                                 "closed" /* not the verdict */};
  return (unsigned)c < LOAD_NCLASS ? names[c] : "?";
}
