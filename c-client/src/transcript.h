/* transcript.h - every byte both ways, per client connection, with offsets and
 * times, plus the probe's own notes. Capped per cell: past the cap, events are
 * dropped and `truncated` is set (the verdict never depends on the transcript,
 * only on the parsed exchanges). Thread-confined: one transcript per cell. */
#ifndef H2C_TRANSCRIPT_H
#define H2C_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

typedef enum { TX_OUT, TX_IN, TX_NOTE } tx_dir;

typedef struct tx_event {
  char conn[16];         /* connection label, e.g. "a" */
  tx_dir dir;
  int64_t t_ms;          /* since the transcript started */
  size_t offset;         /* byte offset within (conn, dir); 0 for notes */
  size_t len;            /* bytes on the wire; for notes the text length */
  char *data;            /* raw bytes (not escaped), or note text */
} tx_event;

typedef struct transcript {
  tx_event *events;
  size_t count, alloc;
  size_t bytes_kept, max_bytes;
  int truncated;
  int64_t t0_ms;
  struct { char conn[16]; size_t out, in; } offsets[8];
  size_t noffsets;
} transcript;

#define TRANSCRIPT_DEFAULT_MAX (256u * 1024u)

void transcript_init(transcript *t, size_t max_bytes);
void transcript_free(transcript *t);
void transcript_bytes(transcript *t, const char *conn, tx_dir dir,
                      const void *data, size_t n);
void transcript_note(transcript *t, const char *conn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t transcript_elapsed_ms(const transcript *t);

#endif
