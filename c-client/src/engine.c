/* engine.c - picks the engine a scenario names (raw, curl, h2). */
#include "engine.h"

void engine_run(cell *c, const engine_opts *o) {
  switch (c->sc->engine) {
  case ENGINE_RAW: engine_raw_run(c, o); break;
  case ENGINE_CURL: engine_curl_run(c, o); break;
  case ENGINE_H2: engine_h2_run(c, o); break;
  }
}
