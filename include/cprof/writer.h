/*
 * Output formats: each writer turns a profile into one file format and is
 * the only place that knows that format's syntax. A new format is a new
 * write_NAME.c and a row in the table of writer.c.
 */
#ifndef CPROF_WRITER_H
#define CPROF_WRITER_H

#include <stdint.h>
#include <stdio.h>

#include "cprof/profile.h"
#include "cprof/view.h"

struct diff_verdict;

enum report_group {
	GROUP_COMM,              /* folded: first frame is the thread name */
	GROUP_PID,               /* comm-PID */
	GROUP_TID,               /* comm-PID/TID */
};

struct writer_opts {
	enum view_lang lang;     /* --lang: the command makes the view (view.h) */
	uint32_t column;         /* the value column to show (samples by default) */
	enum report_group group;
	int annotate;            /* folded: _[k] kernel, _[i] inlined, _[j] JIT suffixes */
	int lines;               /* show source positions in names */
	int sort_total;          /* top: by total instead of self */
	unsigned limit;          /* top: rows, 0 = all */
	int tty;                 /* the output is a terminal: fit its width */
	unsigned columns;        /* terminal width when tty */
	const char *title;       /* svg */
	unsigned width;          /* svg: pixels */
	int inverted;            /* svg: icicle graph */
	double minwidth;         /* svg: pixels below which frames are merged */
	int diff;                /* P is a diff (diff.h): folded prints both columns; svg
				    draws each frame as wide as the larger of its two
				    costs, coloured by the change; top shows the changes */
	int diff_column_only;    /* svg of a diff: the widths of COLUMN alone (--negate) */
	const struct diff_verdict *verdict; /* diff: costs and noise (diff.h); NULL: those
					       of P's counts alone (shares) */
};

/* The options of `cprof report` when none is given. */
#define WRITER_OPTS_INIT { .limit = 25, .width = 1200, .minwidth = 0.1 }

/* What a writer needs from the resolver beyond frames and counts. */
#define WRITER_NEEDS_LINES 1u    /* source files and lines */
#define WRITER_NEEDS_TIMELINE 2u /* profile events in time order */

struct writer {
	const char *name;
	const char *const *extensions; /* NULL-terminated, with the dot: ".svg" */
	unsigned needs;
	const char *summary;
	/* Write P to OUT. Returns 0 or -errno (-EIO: OUT failed). */
	int (*write)(const struct profile *p, const struct writer_opts *o, FILE *out);
};

/* The writer called NAME, or NULL. */
const struct writer *writer_find(const char *name);
/* The writer whose extension ends PATH, or NULL. */
const struct writer *writer_for_path(const char *path);
/* Every writer: *N of them. */
const struct writer *const *writer_all(size_t *n);

#endif
