/* render/fix.h - the facts of a proposed fix. */
#ifndef H2C_RENDER_FIX_H
#define H2C_RENDER_FIX_H

#include <stddef.h>
#include "model.h"
#include "out.h"

/* A target with a patch runs a proposed fix. It is compared with the
 * unpatched target of the same lineage (fix_base) to list what the change
 * repairs; regression-guard scenarios show what it keeps; the targets of the
 * same info.family ordered by version give the regression window; the
 * upstream-style unittest results come from attachments.upstream. Every
 * function writes clean text (one line) for the writers to escape. */

/* info.fix_of when it names a target without a patch, else the first
 * target without a patch of the same info.family and info.base_image;
 * -1 when none. *by_name: found through info.fix_of. */
int fix_base(const r_model *m, int t, int *by_name);
/* Whether the report has a "Proposed fix" section at all. */
int fix_section_wanted(const r_model *m);
/* "gevent-fixed (…) runs the change below; it is compared with …". */
void fix_lineage_text(out *o, const r_model *m, int t, int base, int by_name);
/* Scenarios the change turns from not accepted to accepted (and back). */
void fix_effect_text(out *o, const r_model *m, int t, int base);
/* Regression-guard scenarios with and without the change; 0 when none. */
int fix_guard_text(out *o, const r_model *m, int t, int base);
/* The last version in sync and the first out of sync; 0 when unknown. */
int fix_window_text(out *o, const r_model *m, int t, int base);
/* info.upstream_note of the lineage; 0 when none. */
int fix_upstream_note(out *o, const r_model *m, int t, int base);
/* The upstream-style unittest: the verdict sentence, then one line per
 * image (lines separated by \n); 0 when there is no attachment. */
int fix_upstream_test(out *o, const r_model *m);
/* The diff as clean text (tabs and newlines kept), cut at a line end
 * after about cap bytes; returns 1 when it was cut. */
int fix_diff_text(out *o, const r_target *t, size_t cap);

#endif
