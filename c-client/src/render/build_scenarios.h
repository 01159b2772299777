/* render/build_scenarios.h - "Scenarios". */
#ifndef H2C_RENDER_BUILD_SCENARIOS_H
#define H2C_RENDER_BUILD_SCENARIOS_H

#include "build.h"

/* Every scenario's definition. */
void build_scenarios(doc *d, const r_model *m, const build_opts *op);

#endif
