/*
 * Reading a recording back into a profile: replay its processes' address
 * spaces, name every frame (symbolizer, JIT maps, kernel symbols), keep
 * the samples the filter selects, and build the profile model. Knows
 * nothing of any output syntax.
 */
#ifndef CPROF_RESOLVER_H
#define CPROF_RESOLVER_H

#include <stdint.h>
#include <stdio.h>

#include "cprof/profile.h"

struct sample_filter {
	const uint32_t *pids, *tids; /* only these (NULL: all) */
	size_t npids, ntids;
	const char *comm;        /* only threads or processes of this name (NULL: all) */
	double since, until;     /* seconds from the start of the recording; until < 0: no end */
};

struct resolve_opts {
	const char *input;
	int inlines;             /* expand inlined calls into frames */
	int lines;               /* find source files and lines */
	int demangle;
	const char *debug_path;
	int timeline;            /* keep every sample in time order (profile events) */
	struct sample_filter filter;
};

/* What the recording says of itself and what naming its frames found, for --stats. */
struct report_stats {
	uint64_t samples, lost, stacks, truncated[8];
	uint64_t wsamples;       /* off-CPU intervals kept */
	uint32_t offcpu;         /* enum df_offcpu of the recording */
	uint64_t recorder_cpu_ns, duration_ns;
	uint32_t stack_size;     /* bytes copied per sample; 0: frame pointers */
	int finished;            /* the recording has its FINISH record */
	int cut_short;           /* the file ends inside a record */
	uint64_t skipped;        /* damaged records passed over */
};

/*
 * Read OPTS->input into a new profile *OUT (caller frees) with the value
 * columns "samples" (count) and "cpu" (nanoseconds: samples times the
 * period) and, for a recording made with --off-cpu or --wall, "off-cpu"
 * (blocked time), "runq" (run-queue delay) and "wall" (cpu + off-cpu +
 * runq), all nanoseconds; an off-CPU interval adds to these only. STATS_OUT, if not
 * NULL, gets a human-readable statistics section (truncation per binary,
 * binaries without symbols); else WARN, if not NULL, gets a line when many
 * stacks are truncated, and warnings about changed binaries. Returns 0, or
 * -errno from opening/reading the file (-EPROTO: not a cprof file).
 */
int resolver_load(const struct resolve_opts *opts, struct profile **out,
		  struct report_stats *stats, FILE *stats_out, FILE *warn);

#endif
