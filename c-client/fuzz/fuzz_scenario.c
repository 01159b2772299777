/* fuzz_scenario.c - libFuzzer harness for the scenario loader (scenario.c).
 *
 * The input is a scenario file as a user could write it. A file the loader
 * accepts then goes where every loaded scenario goes in a run: each request's
 * wire bytes and head length, a cell's instance ({cell} replaced), and a
 * calibrated body size, so anything the loader lets through that the rest of
 * the probe cannot handle shows up here. Each request's head must be what
 * the file says, line for line: one line per header (plus Content-Length or
 * Transfer-Encoding the wire adds), no CR or LF of its own anywhere, so no
 * value can smuggle a header or a request into the bytes the probe sends. A refused file must come with a
 * message naming the file. The file is named after the input's "id" when it
 * has a plausible one: the loader wants a scenario's id to be its file name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fuzz_file.h"
#include "scenario.h"

#define FZ_AUTHORITY "fuzz.test:8080"
#define FZ_TAG "cfuzz0000000"   /* SC_TAG_LEN bytes of [a-z0-9] */

static int listed(const sc_request *r, const char *name) {
  for (int i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].name, name) == 0)
      return 1;
  return 0;
}

/* The head of request i on the wire has exactly the lines the file gave. */
static void check_head(const scenario *sc, int i, const buf *wire) {
  const sc_request *r = &sc->requests[i];
  const char *end = wire->data ? memmem(wire->data, wire->len, "\r\n\r\n", 4) : NULL;
  if (!end)
    return;   /* over a cap: the run refuses to send it */
  size_t head = (size_t)(end - wire->data) + 4, crlf = 0, lone = 0;
  for (size_t k = 0; k < head; k++) {
    if (wire->data[k] == '\r' && k + 1 < head && wire->data[k + 1] == '\n')
      crlf++, k++;
    else if (wire->data[k] == '\r' || wire->data[k] == '\n' || wire->data[k] == '\0')
      lone++;
  }
  int te = listed(r, "Transfer-Encoding");
  size_t want = 2 + (size_t)r->nheaders +
                (r->has_body && !te && !listed(r, "Content-Length")) +
                (r->nchunks > 0 && !te);
  if (crlf != want || lone) {
    fprintf(stderr, "request %d: head has %zu lines and %zu stray CR/LF/NUL, the "
            "file gives %zu lines:\n%.*s\n", i, crlf, lone, want, (int)head,
            wire->data);
    abort();
  }
}

/* What a run does with a loaded scenario. */
static void use_scenario(const scenario *sc) {
  for (int i = 0; i < sc->nrequests; i++) {
    buf wire, body;
    buf_init(&wire, 16u * 1024u * 1024u);
    buf_init(&body, 16u * 1024u * 1024u);
    scenario_request_wire(sc, i, FZ_AUTHORITY, &wire);
    check_head(sc, i, &wire);
    scenario_request_body(&sc->requests[i], &body);
    scenario_request_head_len(sc, i, FZ_AUTHORITY);
    scenario_request_is_upgrade(&sc->requests[i]);
    buf_free(&wire);
    buf_free(&body);
  }
  scenario inst;
  if (scenario_inst_create(sc, FZ_TAG, &inst) != 0)
    return;
  if (inst.has_calibrate)
    scenario_inst_resize_body(&inst, inst.cal_into,
                              scenario_request_head_len(&inst, inst.cal_request,
                                                        FZ_AUTHORITY));
  for (int i = 0; i < inst.nrequests; i++) {
    buf wire;
    buf_init(&wire, 16u * 1024u * 1024u);
    scenario_request_wire(&inst, i, FZ_AUTHORITY, &wire);
    check_head(&inst, i, &wire);
    buf_free(&wire);
  }
  scenario_free(&inst);
}

/* "<id>.json" when the input's top-level "id" could be a file name. */
static void file_name(const uint8_t *data, size_t size, char *out, size_t n) {
  snprintf(out, n, "scenario.json");
  cJSON *root = cJSON_ParseWithLength((const char *)data, size);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
  const char *s = cJSON_IsString(id) ? id->valuestring : "";
  size_t len = strlen(s);
  int plain = len > 0 && len < 100 && s[0] != '.';
  for (size_t i = 0; i < len; i++)
    plain &= s[i] != '/' && (unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x7f;
  if (plain)
    snprintf(out, n, "%s.json", s);
  cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char name[128];
  file_name(data, size, name, sizeof name);
  const char *path = fuzz_file_write(data, size, name);
  if (!path)
    return 0;
  scenario sc;
  char err[512] = "";
  if (scenario_load_file(path, &sc, err, sizeof err) != 0) {
    fuzz_check_error(err, path);
    return 0;
  }
  use_scenario(&sc);
  scenario_free(&sc);
  return 0;
}
