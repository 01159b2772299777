/* render/build_headline.h - the first screen of report.md and report.html:
 * the finding about the report's subject, from the data alone. */
#ifndef H2C_RENDER_BUILD_HEADLINE_H
#define H2C_RENDER_BUILD_HEADLINE_H

#include "build.h"

/* "The finding": what breaks, the reproducer, the versions as measured
 * (and what history narrows them to), the effect, the upstream issue and
 * the trigger conditions, for the targets whose info.roles holds
 * "subject". Nothing when no target has that role. */
void build_headline(doc *d, const r_model *m, const build_opts *op);

#endif
