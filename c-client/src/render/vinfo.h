/* render/vinfo.h - the verdict words as the reports show them. */
#ifndef H2C_RENDER_VINFO_H
#define H2C_RENDER_VINFO_H


typedef struct vinfo {
  const char *name;          /* as in results.json */
  const char *cls;           /* CSS class suffix: verdict-<cls> */
  const char *meaning;       /* legend text */
  const char *group;         /* summary group heading */
  const char *bg, *fg;       /* report.html colours */
} vinfo;

/* Known verdicts in display order; unknown names get a grey entry. */
const vinfo *vinfo_lookup(const char *name);
const vinfo *vinfo_at(int i);   /* NULL past the end */
extern const vinfo VINFO_MISSING;

#endif
