/* transcript.c - every byte both ways, per connection, with offsets and times.
 * Offsets always advance (so a reader can line events up with what the peer
 * saw) even when the byte cap drops an event's data. */
#include "transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

void transcript_init(transcript *t, size_t max_bytes) {
  memset(t, 0, sizeof *t);
  t->max_bytes = max_bytes;
  t->t0_ms = clock_now_ms();
}

void transcript_free(transcript *t) {
  for (size_t i = 0; i < t->count; i++)
    free(t->events[i].data);
  free(t->events);
  t->events = NULL;
  t->count = t->alloc = 0;
}

int64_t transcript_elapsed_ms(const transcript *t) { return clock_now_ms() - t->t0_ms; }

/* The running (out, in) offsets of one connection label. */
static size_t *offset_slot(transcript *t, const char *conn, tx_dir dir) {
  size_t i;
  for (i = 0; i < t->noffsets; i++)
    if (strcmp(t->offsets[i].conn, conn) == 0)
      break;
  if (i == t->noffsets) {
    if (t->noffsets == sizeof t->offsets / sizeof t->offsets[0])
      return NULL;
    snprintf(t->offsets[i].conn, sizeof t->offsets[i].conn, "%s", conn);
    t->offsets[i].out = t->offsets[i].in = 0;
    t->noffsets++;
  }
  return dir == TX_OUT ? &t->offsets[i].out : &t->offsets[i].in;
}

/* Notes may go past the byte cap by this much: the probe's own words (a
 * timeout, a frame seen) matter most exactly when the wire bytes were cut. */
#define NOTE_ALLOWANCE (64u * 1024u)

/* Appends an event owning a copy of data; drops it (and marks truncated)
 * past the byte cap. */
static void add_event(transcript *t, const char *conn, tx_dir dir,
                      size_t offset, const void *data, size_t n) {
  size_t cap = t->max_bytes + (dir == TX_NOTE ? NOTE_ALLOWANCE : 0);
  if ((t->truncated && dir != TX_NOTE) || t->bytes_kept > cap ||
      n > cap - t->bytes_kept) {
    t->truncated = 1;
    return;
  }
  if (t->count == t->alloc) {
    size_t want = t->alloc ? t->alloc * 2 : 32;
    tx_event *ev = realloc(t->events, want * sizeof *ev);
    if (!ev) {
      t->truncated = 1;
      return;
    }
    t->events = ev;
    t->alloc = want;
  }
  char *copy = malloc(n + 1);
  if (!copy) {
    t->truncated = 1;
    return;
  }
  memcpy(copy, data, n);
  copy[n] = '\0';
  tx_event *e = &t->events[t->count++];
  snprintf(e->conn, sizeof e->conn, "%s", conn);
  e->dir = dir;
  e->t_ms = transcript_elapsed_ms(t);
  e->offset = offset;
  e->len = n;
  e->data = copy;
  t->bytes_kept += n;
}

void transcript_bytes(transcript *t, const char *conn, tx_dir dir,
                      const void *data, size_t n) {
  if (n == 0)
    return;
  size_t *slot = offset_slot(t, conn, dir);
  size_t offset = slot ? *slot : 0;
  if (slot)
    *slot += n;
  add_event(t, conn, dir, offset, data, n);
}

void transcript_note(transcript *t, const char *conn, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  add_event(t, conn, TX_NOTE, 0, text, len);
}
