/* load_classify.h - what one victim request of `h2c-probe load` got back,
 * decided from the answer's bytes alone.
 *
 * Each victim request carries a token (load_token_*) that names the run,
 * the victim connection and the request's number; the echo app answers
 * with exactly the request body, so the answer says whose request it
 * answers. A token of another connection, or the attacker's own answer (its
 * body echoed, or a body only its hidden request's answer carries), is
 * another client's response: a confidentiality breach. */
#ifndef H2C_LOAD_CLASSIFY_H
#define H2C_LOAD_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  LOAD_OK = 0,        /* its own answer: 2xx (and its own token when echoed) */
  LOAD_ERROR,         /* an error status, a body that is nobody's, malformed */
  LOAD_CROSSED,       /* another client's response */
  LOAD_NO_ANSWER,     /* nothing complete before the deadline, or the connection
                         closed in the middle of the answer */
  LOAD_CLOSED,        /* the connection closed (FIN or reset) before any byte of
                         the answer came: the keep-alive race a client may retry
                         (RFC 9112 §9.3.1); counted apart, not as damage */
  LOAD_NCLASS
} load_class;

#define LOAD_MAX_MARKERS 8
/* Non-ok answers by status: slot 0 malformed/none, then 1xx..5xx, then
 * "2xx with a body that is nobody's". */
#define LOAD_STATUS_SLOTS 7
#define LOAD_SLOT_WRONG_BODY 6

/* What the attacker's answers look like, so a victim that gets one knows. */
typedef struct load_expect {
  const char *attacker_body;      /* the trigger's body (the echo app returns it) */
  size_t attacker_body_len;
  const char *markers[LOAD_MAX_MARKERS]; /* bodies of the hidden requests' answers */
  size_t marker_len[LOAD_MAX_MARKERS];
  int nmarkers;
} load_expect;

/* "h2cload-" 8 hex (run) "-" 5 digits (connection) "-" 10 digits (request). */
#define LOAD_TOKEN_LEN 33

/* Writes the token (LOAD_TOKEN_LEN bytes, no NUL) into out. */
void load_token_write(char *out, uint32_t run, uint32_t conn, uint64_t seq);
/* 1 when p[0..n) is exactly a token of run (then *conn and *seq are set). */
int load_token_parse(const char *p, size_t n, uint32_t run, uint32_t *conn, uint64_t *seq);

typedef struct load_answer {
  int status;                     /* 0: malformed */
  const char *body;
  size_t body_len;
} load_answer;

/* Classifies the answer to request seq of connection conn. echo: the
 * request was the token POST (else any 2xx is its own answer). *from_attacker
 * is set when a crossed answer is the attacker's. */
load_class load_classify(const load_answer *a, const load_expect *e, int echo, uint32_t run,
                         uint32_t conn, uint64_t seq, int *from_attacker);
/* The slot of LOAD_STATUS_SLOTS a non-ok answer is counted in. */
int load_status_slot(const load_answer *a, load_class c);
const char *load_class_name(load_class c);

#endif
