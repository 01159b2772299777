/* render/vinfo.h - the verdict words as the reports show them: the
 * vocabulary's table (verdicts.h) plus the two states only a report has. */
#ifndef H2C_RENDER_VINFO_H
#define H2C_RENDER_VINFO_H

#include "verdicts.h"

/* A verdict as a report shows it (name, CSS class, legend meaning, summary
 * group, colours): an entry of verdicts.c, or one of the pseudo-states. */
typedef verdict_info vinfo;

/* The verdict of that name; a name the vocabulary does not know (or NULL)
 * gets the grey "other" entry. */
const vinfo *vinfo_lookup(const char *name);
/* Known verdicts in display order; NULL past the end. */
const vinfo *vinfo_at(int i);
/* A cell without a result ("not run"). */
extern const vinfo VINFO_MISSING;

#endif
