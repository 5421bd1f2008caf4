/*
 * Reading a recording back: replay its processes' mappings, name every
 * frame, and fold the samples into stacks.
 */
#ifndef CPROF_REPORT_H
#define CPROF_REPORT_H

#include <stdint.h>
#include <stdio.h>

enum report_group {
	GROUP_COMM,              /* first frame: thread name */
	GROUP_PID,               /* comm-PID */
	GROUP_TID,               /* comm-PID/TID */
};

struct report_opts {
	const char *input;
	FILE *out;
	enum report_group group;
	int annotate;            /* _[k] kernel, _[i] inlined, _[j] JIT suffixes */
	int inlines;
	int lines;               /* "name (file.c:12)" frames */
	int demangle;
	const char *debug_path;
	const uint32_t *pids, *tids; /* select only these (NULL: all) */
	size_t npids, ntids;
};

/* Per-binary trouble found while naming frames, for --stats. */
struct report_stats {
	uint64_t samples, lost, stacks, truncated[8];
	uint64_t recorder_cpu_ns, duration_ns;
	uint32_t stack_size;     /* bytes copied per sample; 0: frame pointers */
	int finished;            /* the recording has its FINISH record */
	int cut_short;           /* the file ends inside a record */
	uint64_t skipped;        /* damaged records passed over */
};

/*
 * Write folded stacks of OPTS->input to OPTS->out. STATS_OUT, if not
 * NULL, gets a human-readable statistics section (truncation per binary,
 * binaries without symbols). Returns 0, or -errno from opening/reading
 * the file (-EPROTO: not a cprof file).
 */
int report_run(const struct report_opts *opts, struct report_stats *stats, FILE *stats_out,
	       FILE *warn);

#endif
