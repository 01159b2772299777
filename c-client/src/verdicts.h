/* verdicts.h - the verdict vocabulary: each verdict's results.json name, its
 * meaning, whether it counts as correct by default and whether it is a
 * security finding, and how the reports show it. This is the bottom layer:
 * the probe, the scenario loader, the reports, `h2c-probe list --verdicts`
 * (and through it lab/scripts/check-expected.py and docs/formats.md) all read
 * the one table in verdicts.c, so no other file spells a verdict's name. */
#ifndef H2C_VERDICTS_H
#define H2C_VERDICTS_H

#include <stddef.h>

/* In display order: the reports' legends and summaries list them so. */
typedef enum {
  V_OK_H1, V_OK_H2, V_NO_REUSE, V_REJECTED, V_DESYNC, V_WRONG_ANSWER, V_POISONED,
  V_SMUGGLED, V_CROSS_CLIENT, V_HANG, V_CLOSED, V_ERROR, V_NA, V__COUNT
} verdict;

typedef struct verdict_info {
  const char *name;          /* as in results.json */
  const char *cls;           /* CSS class suffix: verdict-<cls> */
  const char *meaning;       /* legend text */
  const char *group;         /* summary group heading */
  const char *bg, *fg;       /* report.html colours */
  int ok;                    /* correct when a scenario has no accept list */
  int security;              /* results.json cells[].security */
} verdict_info;

int verdicts_count(void);                        /* V__COUNT */
/* NULL when v is not a verdict. */
const verdict_info *verdicts_info(verdict v);
/* NULL when name is NULL or no verdict's name. */
const verdict_info *verdicts_lookup(const char *name);
/* Returns 0 and sets *out, or -1 for an unknown name. */
int verdicts_from_name(const char *name, verdict *out);
const char *verdicts_name(verdict v);            /* "?" when not a verdict */
int verdicts_is_ok(verdict v);                   /* ok-h1, ok-h2 */
/* One client can act on another's requests or past the proxy's rules. */
int verdicts_is_security(verdict v);
/* Writes the names of the ok verdicts joined by sep ("ok-h1; ok-h2"), the
 * accept list of a scenario that gives none. Returns 0, or -1 when out
 * (n bytes) is too small (out is then ""). */
int verdicts_ok_names(char *out, size_t n, const char *sep);

#endif
