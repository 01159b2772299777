/* render/build_summary.h - the top of a report. */
#ifndef H2C_RENDER_BUILD_SUMMARY_H
#define H2C_RENDER_BUILD_SUMMARY_H

#include "build.h"

/* The headline, the summary and (page) the counts, or (a paste) whether
 * transcripts were cut. */
void build_summary(doc *d, const r_model *m, const build_opts *op);

#endif
