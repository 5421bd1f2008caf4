/*
 * Views of a profile: the same samples seen through one language's frames
 * (`--lang`), as py-spy shows Python alone and the Firefox Profiler
 * "JavaScript only". The frames of other languages are dropped from each
 * stack, so their time is charged to the nearest kept caller; a stack
 * with no frame of the language keeps one placeholder frame ("[native]"),
 * so that totals stay whole.
 */
#ifndef CPROF_VIEW_H
#define CPROF_VIEW_H

#include "cprof/profile.h"

enum view_lang {
	VIEW_AUTO,               /* the top table's default: the language of the profile (Python
				    first, then JavaScript) if it has one, else every frame;
				    every frame in the other formats */
	VIEW_ALL,                /* every frame */
	VIEW_NATIVE,             /* compiled code and the kernel: FRAME_USER, _INLINED, _KERNEL */
	VIEW_PYTHON,             /* Python functions: read from memory, or CPython's trampolines */
	VIEW_JS,                 /* JIT-compiled code named by perf maps or jitdumps (JavaScript
				    under node), but CPython's trampolines */
};

/* The language NAME ("all", "native", "python", "js"); -EINVAL for another. */
int view_lang_parse(const char *name, enum view_lang *out);
const char *view_lang_name(enum view_lang lang);

/* The language frame F is in (never VIEW_ALL or VIEW_AUTO). */
enum view_lang view_frame_lang(const struct profile_frame *f);

/* What VIEW_AUTO means for P: VIEW_PYTHON, VIEW_JS or VIEW_ALL. */
enum view_lang view_auto(const struct profile *p);

/*
 * A new profile *OUT (caller frees) of P's samples, columns, threads and
 * timeline with only LANG's frames in its stacks (VIEW_ALL: a copy).
 * Returns 0 or -ENOMEM.
 */
int view_lang(const struct profile *p, enum view_lang lang, struct profile **out);

#endif
