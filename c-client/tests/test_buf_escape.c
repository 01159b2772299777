/* test_buf_escape.c - the bounded buffer and the escaped-bytes form. */
#include "check.h"
#include "buf.h"
#include "escape.h"
#include "transcript.h"

TEST(buf_refuses_past_cap) {
  buf b;
  buf_init(&b, 8);
  CHECK_INT(buf_adds(&b, "12345678"), BUF_OK);
  CHECK_INT(buf_adds(&b, "9"), BUF_TOO_BIG);
  CHECK_INT(b.len, 8);
  CHECK_STR(b.data, "12345678");
  buf_free(&b);
}

TEST(buf_printf_and_consume) {
  buf b;
  buf_init(&b, 64);
  CHECK_INT(buf_printf(&b, "%s-%d", "ab", 42), BUF_OK);
  buf_consume(&b, 3);
  CHECK_STR(b.data, "42");
  CHECK_INT(buf_printf(&b, "%0100d", 1), BUF_TOO_BIG);
  CHECK_STR(b.data, "42");
  buf_free(&b);
}

/* A failed append is sticky: a message never loses its middle while its
 * end still fits; buf_reset starts over. */
TEST(buf_failure_is_sticky_until_reset) {
  buf b;
  buf_init(&b, 8);
  CHECK_INT(buf_adds(&b, "abc"), BUF_OK);
  CHECK_INT(buf_failed(&b), BUF_OK);
  CHECK_INT(buf_adds(&b, "too long"), BUF_TOO_BIG);
  CHECK_INT(buf_adds(&b, "d"), BUF_TOO_BIG);         /* would fit: refused */
  CHECK_INT(buf_printf(&b, "%d", 1), BUF_TOO_BIG);
  CHECK_INT(buf_failed(&b), BUF_TOO_BIG);
  CHECK_STR(b.data, "abc");                          /* what fit is kept */
  buf_reset(&b);
  CHECK_INT(buf_failed(&b), BUF_OK);
  CHECK_INT(buf_adds(&b, "d"), BUF_OK);
  CHECK_STR(b.data, "d");
  buf_free(&b);
}

TEST(escape_round_trip_all_bytes) {
  unsigned char all[256];
  for (int i = 0; i < 256; i++)
    all[i] = (unsigned char)i;
  buf esc, back;
  buf_init(&esc, 4096);
  buf_init(&back, 4096);
  CHECK_INT(escape_bytes(&esc, all, sizeof all), BUF_OK);
  for (size_t i = 0; i < esc.len; i++)
    CHECK((unsigned char)esc.data[i] >= 0x20 && (unsigned char)esc.data[i] < 0x7f);
  CHECK_INT(escape_decode(&back, esc.data, NULL), 0);
  CHECK_INT(back.len, 256);
  CHECK(memcmp(back.data, all, 256) == 0);
  buf_free(&esc);
  buf_free(&back);
}

TEST(escape_is_readable) {
  buf esc;
  buf_init(&esc, 256);
  CHECK_INT(escape_bytes(&esc, "GET / HTTP/1.1\r\n\x00\\", 18), BUF_OK);
  CHECK_STR(esc.data, "GET / HTTP/1.1\\r\\n\\x00\\\\");
  buf_free(&esc);
}

TEST(unescape_rejects_bad_escapes) {
  buf out;
  buf_init(&out, 64);
  const char *msg = NULL;
  CHECK_INT(escape_decode(&out, "abc\\q", &msg), -1);
  CHECK(msg != NULL);
  buf_reset(&out);
  CHECK_INT(escape_decode(&out, "\\x4", &msg), -1);
  buf_reset(&out);
  CHECK_INT(escape_decode(&out, "\\x41\\t", &msg), 0);
  CHECK_STR(out.data, "A\t");
  buf_free(&out);
}

TEST(transcript_offsets_and_cap) {
  transcript t;
  transcript_init(&t, 12);
  transcript_bytes(&t, "a", TX_OUT, "hello", 5);
  transcript_bytes(&t, "a", TX_IN, "hi", 2);
  transcript_bytes(&t, "a", TX_OUT, "world", 5);
  transcript_bytes(&t, "a", TX_OUT, "!", 1); /* past the cap: dropped */
  transcript_bytes(&t, "a", TX_OUT, "?", 1); /* offsets still advance */
  transcript_note(&t, "a", "timeout after %d ms", 5); /* notes still kept */
  CHECK_INT(t.count, 4);
  CHECK_INT(t.events[2].offset, 5);
  CHECK_INT(t.events[3].dir, TX_NOTE);
  CHECK_INT(t.truncated, 1);
  CHECK_INT(t.offsets[0].out, 12);
  transcript_free(&t);
}

CHECK_MAIN(CASE(buf_refuses_past_cap), CASE(buf_printf_and_consume),
           CASE(buf_failure_is_sticky_until_reset),
           CASE(escape_round_trip_all_bytes), CASE(escape_is_readable),
           CASE(unescape_rejects_bad_escapes), CASE(transcript_offsets_and_cap))
