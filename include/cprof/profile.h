/*
 * The profile model: the one place where frames, stacks, threads and values
 * meet. The resolver builds it from a recording; writers read it and know
 * nothing of the data file or the symbolizer.
 *
 * Writers read the public arrays of struct profile directly; only the
 * profile_* functions below change them. Ids are indexes into those arrays.
 * Every string is owned by the profile (interned once) and stays valid
 * until profile_free(); functions that take strings copy them.
 */
#ifndef CPROF_PROFILE_H
#define CPROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define PROFILE_NONE UINT32_MAX

/* The most a column totals (profile_add() saturates there), so that no sum overflows. */
#define PROFILE_MAX_TOTAL (INT64_C(1) << 62)

enum frame_kind {
	FRAME_USER,              /* code of a binary the process mapped */
	FRAME_KERNEL,
	FRAME_INLINED,           /* a call inlined into the frame below it */
	FRAME_JIT,               /* named by the process's perf map */
	FRAME_PYTHON,            /* a Python function, read from its interpreter (file, line) */
};

struct profile_column {      /* one value per sample: "samples"/"count", "cpu"/"nanoseconds" */
	const char *name, *unit;
};

struct profile_module {
	const char *path;        /* as the process saw it ("[kernel.kallsyms]", "/tmp/perf-1.map") */
	const char *build_id;    /* hex; "" if none was recorded */
};

struct profile_frame {
	const char *name;        /* display name: demangled, or a "[module]"-style placeholder */
	const char *mangled;     /* the symbol as the binary spells it; == name if not mangled */
	const char *file;        /* source file, NULL if unknown */
	uint32_t line;           /* line reached in this function (for callers: the call); 0 unknown */
	uint32_t start_line;     /* the function's first line; 0 unknown */
	uint32_t module;         /* PROFILE_NONE: no module */
	uint32_t location;       /* frames expanded from one address share it (inlined calls) */
	uint64_t address;        /* in MODULE's ELF address space; absolute for kernel and JIT */
	enum frame_kind kind;
	int symbolized;          /* NAME is a function's, not a placeholder such as "[libc.so.6]" */
};

struct profile_stack {
	const uint32_t *frames;  /* frame ids, root first */
	uint32_t depth;
};

struct profile_thread {      /* a thread under one name: a renamed or exec'd thread is a new one */
	uint32_t pid, tid;
	const char *comm;        /* thread name, "" if never seen */
	const char *process;     /* the process's main thread name, "" if never seen */
	const char *container;   /* its process's container or unit (record -a), "" if none */
};

struct profile_sample {      /* samples aggregated by (stack, thread) */
	uint32_t stack, thread;
};

struct profile_event {       /* a sample or an off-CPU interval in time; for timeline formats */
	uint64_t time;           /* nanoseconds since the start of the recording: its start */
	uint64_t weight;         /* nanoseconds it stands for: the sampling period, an interval's length */
	uint32_t sample;         /* the aggregated row it was added to */
	uint32_t count;          /* samples it stands for (0: an interval) */
	uint32_t columns;        /* bit C: it adds to column C (profile_event_value()) */
};

struct profile_meta {
	uint32_t freq;           /* sampling rate, Hz; 0 unknown */
	uint64_t period_ns;      /* CPU time one sample stands for */
	uint64_t start_realtime_ns; /* wall clock at the start; 0 unknown */
	uint64_t duration_ns;
	uint64_t lost;           /* samples the kernel dropped */
	uint64_t truncated;      /* kept samples whose user stack was cut short */
	const char *cmdline, *hostname, *release; /* "" if unknown */
};

struct profile_index;

struct profile {
	struct profile_column *columns;
	size_t ncolumns;
	struct profile_module *modules;
	size_t nmodules;
	struct profile_frame *frames;
	size_t nframes;
	struct profile_stack *stacks;
	size_t nstacks;
	struct profile_thread *threads;
	size_t nthreads;
	struct profile_sample *samples;
	int64_t *values;         /* nsamples x ncolumns, row-major: profile_value() */
	size_t nsamples;
	struct profile_event *events; /* in time order, when asked for */
	size_t nevents;
	struct profile_meta meta;
	struct profile_index *ix;/* private: interning tables, capacities */
};

int profile_new(struct profile **out);
void profile_free(struct profile *p);

/* Copy S into the profile's string table; the result lives as long as P. NULL on ENOMEM. */
const char *profile_str(struct profile *p, const char *s);

/* Add a value column; *COL is its index. Columns come before the first sample. */
int profile_add_column(struct profile *p, const char *name, const char *unit, uint32_t *col);
/* Column index of NAME, or PROFILE_NONE. */
uint32_t profile_column(const struct profile *p, const char *name);

/* Id of the module (PATH, BUILD_ID hex), added if new. */
int profile_module(struct profile *p, const char *path, const char *build_id, uint32_t *id);
/* Id of a new location (frames expanded from one address share one). */
uint32_t profile_new_location(struct profile *p);
/* Id of frame F (its strings copied), the same id for an equal frame. */
int profile_frame(struct profile *p, const struct profile_frame *f, uint32_t *id);
/* Id of the stack of N frame ids, root first (copied). */
int profile_stack(struct profile *p, const uint32_t *frames, size_t n, uint32_t *id);
/* Id of thread TID of PID under the name COMM of process name PROCESS. */
int profile_thread(struct profile *p, uint32_t pid, uint32_t tid, const char *comm,
		   const char *process, uint32_t *id);
/* The same, of a process in container (or unit) CONTAINER ("": none). */
int profile_thread_in(struct profile *p, uint32_t pid, uint32_t tid, const char *comm,
		      const char *process, const char *container, uint32_t *id);
/*
 * Add VALUES (one per column) to the row (STACK, THREAD); *ROW, if not
 * NULL, is the row's index. What a column gets above 0 (and below 0) in
 * all stops at PROFILE_MAX_TOTAL: a value past it is cut, so that no sum
 * of a column's rows overflows.
 */
int profile_add(struct profile *p, uint32_t stack, uint32_t thread, const int64_t *values,
		uint32_t *row);
/*
 * Append a timeline event (copied). Events come in time order, or
 * profile_sort_events() puts them in it once they are all there.
 */
int profile_add_event(struct profile *p, const struct profile_event *e);
/* Sort the events by time (ties by row, then weight: the same order every run). */
void profile_sort_events(struct profile *p);
/*
 * The column a timeline in time units shows for column COL: COL itself,
 * or "cpu" when COL counts samples. PROFILE_NONE if neither is there.
 */
uint32_t profile_time_column(const struct profile *p, uint32_t col);
/* What E adds to column COL: its count in a "count" column, else its weight; 0 if none. */
int64_t profile_event_value(const struct profile *p, const struct profile_event *e, uint32_t col);

static inline int64_t profile_value(const struct profile *p, size_t row, size_t col)
{
	return p->values[row * p->ncolumns + col];
}

/* Sum of column COL over every row. */
int64_t profile_total(const struct profile *p, size_t col);

#endif
