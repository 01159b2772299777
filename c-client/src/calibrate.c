/* calibrate.c - measure request R's head where it is parsed, size request
 * I's body to it (calibrate.h). */
#include "calibrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend_log.h"
#include "clock.h"
#include "http_once.h"
#include "target.h"

#define CAL_LABEL "calibrate"
#define CAL_MAX_ANSWER (1024u * 1024u)
#define CAL_MAX_HEAD (64L * 1024L)

/* Replaces every occurrence of the cell's tag in b with the calibration tag
 * (same length, so every byte count stays as it is). */
static void retag(char *data, size_t len, const char *tag, const char *cal_tag) {
  size_t n = strlen(tag);
  for (char *p = data; p && (p = memmem(p, len - (size_t)(p - data), tag, n)); p += n)
    memcpy(p, cal_tag, n);
}

/* The log entry of the calibration request: method, path and X-Lab-Cell as
 * sent (path and cell under the calibration tag), with a plausible head_len. */
static const cJSON *find_entry(const cJSON *log, const sc_request *r, const char *tag,
                               const char *cal_tag, long *head_len) {
  char *path = strdup(r->path);
  if (!path)
    return NULL;
  retag(path, strlen(path), tag, cal_tag);
  const cJSON *found = NULL;
  for (const cJSON *e = log ? log->child : NULL; e && !found; e = e->next) {
    if (!backend_log_entry_is_request(e) || !backend_log_entry_is(e, "method", r->method) ||
        !backend_log_entry_is(e, "path", path) || !backend_log_entry_is(e, "cell", cal_tag))
      continue;
    if (backend_log_entry_int(e, "head_len", head_len) && *head_len > 0 &&
        *head_len <= CAL_MAX_HEAD)
      found = e;
  }
  free(path);
  return found;
}

/* Sends request R (calibration tag) alone and reads the backend's log entry
 * for it; returns the head length it parsed, or -1 (note says why). */
static long measure_via_log(cell *c, const engine_opts *o, const char *cal_tag) {
  const scenario *sc = c->sc;
  const target *tg = c->tg;
  int R = sc->cal_request;
  buf wire;
  buf_init(&wire, 4u * 1024u * 1024u);
  char err[400];
  long head_len = -1;
  if (scenario_request_wire(sc, R, tg->authority, &wire) != BUF_OK) {
    buf_free(&wire);
    return -1;
  }
  retag(wire.data, wire.len, c->tag, cal_tag);
  transcript_note(&c->tx, CAL_LABEL, "calibration: request %d alone on a new "
                  "connection, tagged %s instead of %s (same length), to learn how "
                  "long a head the backend parses for it", R + 1, cal_tag, c->tag);
  int64_t until = clock_now_ms() + 2 * (int64_t)o->timeout_ms;
  http_once h = {tg->host, tg->port, o->timeout_ms,
                 o->deadline_ms < until ? o->deadline_ms : until, CAL_MAX_ANSWER,
                 &c->tx, CAL_LABEL};
  h1_parser p;
  int answered = http_once_exchange(&h, wire.data, wire.len, &p, err, sizeof err);
  buf_free(&wire);
  if (!answered) {
    transcript_note(&c->tx, CAL_LABEL, "calibration request: %s", err);
  } else {
    transcript_note(&c->tx, CAL_LABEL, "calibration request answered %d", p.resp.status);
    clock_sleep_ms(BACKEND_LOG_GRACE_MS);
    cJSON *log = backend_log_fetch(tg, cal_tag, o->timeout_ms, o->deadline_ms, NULL, err,
                                   sizeof err);
    const cJSON *e = log ? find_entry(log, &sc->requests[R], c->tag, cal_tag, &head_len) : NULL;
    if (e) {
      char port[16];
      long seq = 0;
      backend_log_entry_port(e, port, sizeof port);
      backend_log_entry_int(e, "seq", &seq);
      transcript_note(&c->tx, CAL_LABEL, "backend log entry %ld (upstream connection "
                      ":%s): the backend parsed a %ld-byte head for request %d",
                      seq, port, head_len, R + 1);
    } else {
      head_len = -1;
      transcript_note(&c->tx, CAL_LABEL, "calibration: %s", log ? "no log entry "
                      "with a head length for the calibration request" : err);
    }
    cJSON_Delete(log);
  }
  http1_parse_free(&p);
  return head_len;
}

int calibrate_cell(cell *c, const engine_opts *o) {
  if (!c->inst || !c->sc->has_calibrate)
    return 0;
  scenario *sc = c->inst;
  int R = sc->cal_request, I = sc->cal_into;
  if (c->skipped[R]) {     /* the loader lets R and I be skipped only together */
    transcript_note(&c->tx, CAL_LABEL, "calibration: requests %d and %d are not sent "
                    "to this target, so nothing is calibrated", I + 1, R + 1);
    return 0;
  }
  char cal_tag[SC_TAG_LEN + 1];
  snprintf(cal_tag, sizeof cal_tag, "k%s", c->tag + 1);
  int sent = c->tg->backend_log_url != NULL;
  long n = sent ? measure_via_log(c, o, cal_tag) : -1;
  const char *source = "backend-log";
  if (n < 0) {
    n = (long)scenario_request_head_len(sc, R, c->tg->authority);
    source = "wire";
    transcript_note(&c->tx, CAL_LABEL, "calibration: %s, so request %d's head is "
                    "taken from the wire: %ld bytes", c->tg->backend_log_url
                    ? "the backend log gave no head length" : "the target has no "
                    "backend log (it is parsed exactly as sent)", R + 1, n);
  }
  size_t was = sc->requests[I].body.len;
  if (n <= 0 || scenario_inst_resize_body(sc, I, (size_t)n) != 0) {
    transcript_note(&c->tx, CAL_LABEL, "calibration failed: request %d keeps its "
                    "%zu-byte body", I + 1, was);
    return sent;
  }
  c->cal.done = 1;
  c->cal.request = R;
  c->cal.into = I;
  c->cal.head_len = n;
  c->cal.source = source;
  transcript_note(&c->tx, CAL_LABEL, "calibrated: request %d's body is now %ld bytes "
                  "(was %zu), the length of request %d's head (%s): a server that "
                  "discards that body a second time eats exactly request %d's head "
                  "and parses its body as the next request", I + 1, n, was, R + 1,
                  source, R + 1);
  return sent;
}
