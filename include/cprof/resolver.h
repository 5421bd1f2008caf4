/*
 * Reading a recording back into a profile: replay its processes' address
 * spaces, name every frame (symbolizer, JIT maps, kernel symbols), keep
 * the samples the filter selects, and build the profile model. Knows
 * nothing of any output syntax.
 */
#ifndef CPROF_RESOLVER_H
#define CPROF_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/jitenv.h"
#include "cprof/namer.h"
#include "cprof/profile.h"
#include "cprof/pyframes.h"

struct sample_filter {
	const uint32_t *pids, *tids; /* only these (NULL: all) */
	size_t npids, ntids;
	const char *comm;        /* only threads or processes of this name (NULL: all) */
	const char *container;   /* only processes of a container (or unit) whose id starts so */
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

/* Samples whose stacks were cut short for one reason in one binary. */
struct report_trunc {
	uint32_t reason;         /* enum df_trunc */
	uint64_t samples;
	char *where;             /* the binary's label ("[libc.so.6]"), made printable */
};

/* A process that maps a JIT runtime and gave no names for its code. */
struct report_hint {
	uint32_t pid;
	enum jit_runtime runtime;
};

/* A namer_note, its path copied and made printable. */
struct report_note {
	enum namer_note_kind kind;
	char *path;
	char build_id[129];
};

/*
 * What the recording says of itself and what naming its frames found: the
 * command says it (--stats, warnings). The arrays are owned:
 * report_stats_release() frees them.
 */
struct report_stats {
	uint64_t samples, lost, stacks, truncated[8];
	uint64_t wsamples;       /* off-CPU intervals kept */
	uint32_t offcpu;         /* enum df_offcpu of the recording */
	uint64_t recorder_cpu_ns, duration_ns;
	uint32_t stack_size;     /* bytes copied per sample; 0: frame pointers */
	int finished;            /* the recording has its FINISH record */
	int cut_short;           /* the file ends inside a record */
	uint64_t skipped;        /* damaged records passed over */
	uint64_t cache_refused;  /* build-ids whose build-id cache copy was not used */
	struct report_trunc *trunc_where;  /* by reason and binary, as found */
	size_t ntrunc_where;
	struct report_note *warnings;      /* NAMER_CHANGED, NAMER_CACHE_REFUSED, as noticed */
	size_t nwarnings;
	struct report_note *binaries;      /* binaries used whose symbols are missing or poor */
	size_t nbinaries;
	struct report_hint *hints;         /* JIT runtimes that named nothing */
	size_t nhints;
	struct pyframes_stats python;      /* how Python stacks stood in the native ones */
	/*
	 * record -a's counts from the FINISH record (all set): samples not
	 * recorded, processes dropped and read again, not readable (df_finish)
	 */
	int all;
	uint32_t max_processes, host_processes, host_read, host_reread, host_unreadable;
	uint64_t host_filtered, host_dropped;
};

/* Free the arrays of ST. */
void report_stats_release(struct report_stats *st);

/*
 * Read OPTS->input into a new profile *OUT (caller frees) with the value
 * columns "samples" (count) and "cpu" (nanoseconds: samples times the
 * period) and, for a recording made with --off-cpu or --wall, "off-cpu"
 * (blocked time), "runq" (run-queue delay) and "wall" (cpu + off-cpu +
 * runq), all nanoseconds; an off-CPU interval adds to these only. STATS
 * gets what the recording says of itself and what naming found (release
 * it with report_stats_release(), whatever is returned). Returns 0, or
 * -errno from opening/reading the file (-EPROTO: not a cprof file).
 */
int resolver_load(const struct resolve_opts *opts, struct profile **out,
		  struct report_stats *stats);

#endif
