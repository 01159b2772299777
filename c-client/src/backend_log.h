/* backend_log.h - the request log of the backend behind a proxy (the lab's
 * lab_backend.py: GET /__lab/requests?cell=TAG on the backend itself).
 *
 * The log is what the backend really parsed, request by request: method,
 * path, X-Lab-Cell, the raw head and its length, the peer (one port = one
 * upstream connection) and what gevent discarded after a body. The probe
 * fetches the entries of one cell after its exchanges, keeps the known
 * fields (typed, strings in escaped-bytes form) and judges from them:
 * a request that only existed inside a body shows up there when it was
 * smuggled. Everything in it is hostile input: bounded, typed, escaped.
 *
 * The same backend also offers GET /__lab/reset (info.backend_reset_url):
 * it closes every other connection to it, so a connection one cell left
 * desynced in a proxy's pool cannot eat the start of the next cell's
 * request. The runner calls it before each cell of such a target. */
#ifndef H2C_BACKEND_LOG_H
#define H2C_BACKEND_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "target.h"

struct cJSON;

#define BACKEND_LOG_MAX_BYTES (256u * 1024u)  /* the whole answer, head included */
#define BACKEND_LOG_MAX_ENTRIES 100           /* kept per fetch */
#define BACKEND_LOG_MAX_STRING 16384          /* bytes kept of one string field */
/* The backend adds an entry when it parses a request but fills some fields
 * (status, overread) only after it answered; the engine's own wait for stray
 * bytes (200 ms) plus this delay lets those land before the fetch. */
#define BACKEND_LOG_GRACE_MS 100

/* Parses a log answer body: {"entries": [...]} (lab_backend.py) or a bare
 * list. Returns a new array holding, per entry, only the known fields with
 * the right types; NULL with err when it is not such a document. *dropped
 * (may be NULL) gets the number of entries past BACKEND_LOG_MAX_ENTRIES. */
struct cJSON *backend_log_parse(const char *body, size_t n, int *dropped,
                                char *err, size_t errlen);

/* GET <log path>?cell=<tag> from the target's backend_log_url, bounded by
 * 2 x timeout_ms, the absolute deadline_ms (clock_now_ms clock; the caller's
 * own, e.g. the calibration's) and BACKEND_LOG_MAX_BYTES. Returns the parsed
 * array or NULL with err ("connect ...", "answered 404", "not a log: ..."). */
struct cJSON *backend_log_fetch(const target *t, const char *tag, int timeout_ms,
                                int64_t deadline_ms,
                                int *dropped, char *err, size_t errlen);

#define BACKEND_RESET_MAX_BYTES (64u * 1024u)  /* the reset answer, head included */
/* After a reset that closed connections, the proxies in front must notice
 * the closes (each watches its idle upstream connections and drops one on
 * EOF) before the next request, or they may pick a dead one and answer 502.
 * Measured in the compose lab: see docs/formats.md ("Backend reset"). */
#define BACKEND_RESET_SETTLE_MS 100

/* GET the target's backend_reset_url (Connection: close), bounded by 2 x
 * timeout_ms and BACKEND_RESET_MAX_BYTES. Returns 0 when it answered 200;
 * *closed is then the answer's "closed" count (0 with "supported": false:
 * the backend closes nothing), or -1 when it gives none. Else -1 with err. */
int backend_log_reset(const target *t, int timeout_ms, long *closed, char *err,
                  size_t errlen);

/* Typed reads of one entry: NULL / 0 when absent, null or of another type. */
const char *backend_log_entry_str(const struct cJSON *e, const char *key);
int backend_log_entry_int(const struct cJSON *e, const char *key, long *out);
/* The entry's string field is exactly raw, in escaped-bytes form. */
int backend_log_entry_is(const struct cJSON *e, const char *key, const char *raw);
/* A parsed request (kind "request", or no kind), not one the server refused. */
int backend_log_entry_is_request(const struct cJSON *e);
/* The port of the entry's peer ("ip:port" → "port"), or "?" */
void backend_log_entry_port(const struct cJSON *e, char *out, size_t outlen);

#endif
