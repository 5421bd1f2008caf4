/*
 * A recording session: attach to (or launch) targets, sample them until
 * told to stop, and stream every record to a data file, a live view
 * (struct sink, sink.h), or both.
 */
#ifndef CPROF_RECORD_H
#define CPROF_RECORD_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof/datafile.h"
#include "cprof/pystacks.h"
#include "cprof/jitenv.h"
#include "cprof/sampler.h"
#include "cprof/v8stacks.h"

struct sink;
struct unwinder;

struct record_opts {
	const pid_t *pids;       /* attach to these ... */
	size_t npids;
	char *const *argv;       /* ... or launch this command */
	unsigned freq;
	double duration;         /* seconds; 0: until stopped */
	const char *output;      /* data file; NULL: none (then SINK is required) */
	struct sink *sink;       /* also receives every record (borrowed); NULL: none */
	enum callgraph_mode mode;
	unsigned stack_size;
	int kernel;
	int jit_support;         /* launched command: switch on Python's and Node's perf maps */
	int no_jit_unwind;       /* ignore jitdumps' unwinding info (JIT code by frame pointers) */
	enum df_offcpu offcpu;   /* also record blocked and run-queue time (DF_WSAMPLE) */
	int children;            /* attached: sample the targets' descendants too */
	int no_python;           /* do not read Python stacks from interpreters (pystacks.h) */
	/*
	 * all: every process of the host (host.h), neither PIDS nor ARGV; of
	 * them only those named COMM (NULL: any), not EXCLUDE's, in CGROUP
	 * (NULL: any) or a cgroup below it. MAX_PROCESSES
	 * bounds the processes the unwinder holds state of (0: no bound).
	 */
	int all;
	const char *comm;
	const pid_t *exclude;
	size_t nexclude;
	char *cgroup;            /* NULL, or only the tasks of this cgroup directory (perf's -G;
				    owned: record_opts_release() frees it) */
	size_t max_processes;
	const char *cmdline;     /* for the file's META record */
	volatile sig_atomic_t *stop; /* set by the caller's signal handler */
	struct unwinder *unwinder; /* dwarf mode: kept warm across runs (borrowed); NULL:
				      the run makes its own */
};

enum record_stage {
	STAGE_NONE,
	STAGE_OUTPUT,            /* creating or writing the data file */
	STAGE_TARGET,            /* failed_pid does not exist */
	STAGE_LAUNCH,            /* the command could not be run */
	STAGE_PERF,              /* perf_event_open refused for failed_pid */
	STAGE_PROC,              /* /proc/failed_pid unreadable (not ours to inspect) */
	STAGE_INTERNAL,
};

#define RECORD_HINTS 8

/*
 * A target's perf map (/tmp/perf-PID.map, anyone may write it huge or
 * sparse), followed as it grows (capture.h), is read at most
 * RECORD_PERFMAP_MAX bytes, RECORD_PERFMAP_TOTAL of all the maps of a
 * recording, and keeps at most RECORD_NAMES_LINES lines
 * (a jitdump's names too); a longer one is cut there. Only whole perf-map
 * lines the report can use are kept (PERFMAP_LINE_MAX), in records of at
 * most RECORD_NAMES_RECORD bytes.
 */
#define RECORD_PERFMAP_MAX (64u << 20)
#define RECORD_PERFMAP_TOTAL (256u << 20)
#define RECORD_NAMES_LINES (1u << 20)
#define RECORD_NAMES_RECORD (1u << 20)

struct record_result {
	/*
	 * duration_ns: wall time of the whole run, attach and the final
	 * captures included; cpu_ns, the recorder's CPU time, is counted over
	 * that same span (so cpu_ns <= duration_ns for the one-thread recorder).
	 */
	uint64_t samples, lost, bytes, duration_ns, cpu_ns;
	uint32_t threads, processes;
	uint64_t truncated;      /* stacks cut short (dwarf mode) */
	uint64_t ring_bytes;     /* the smallest per-CPU ring buffer */
	uint64_t events;         /* records read from the rings, of every kind */
	/*
	 * --off-cpu: switch_err, the perf_event_open errno that refused the
	 * context-switch source (the CPU recording went on without it), or 0;
	 * blocked and preempted intervals written, with their nanoseconds;
	 * no_stack of them lacked their stack (its sample lost); unpaired
	 * switch-ins with no switch-out read before them (nothing written).
	 */
	int switch_err;
	uint64_t blocked, preempted, blocked_ns, runq_ns, no_stack, unpaired;
	int child_status;        /* launched command: wait status, -1 if unknown */
	int targets_exited;      /* it ended because every target had exited */
	unsigned leftovers;      /* processes it left running, stopped at the end */
	enum record_stage stage; /* where it failed, on error */
	pid_t failed_pid;
	/*
	 * JIT symbol files (perf maps, jitdumps) cut at a cap (RECORD_PERFMAP_MAX,
	 * JITFOLLOW_DUMP_MAX...): code named past the cut is unnamed; the
	 * process of the first one
	 */
	unsigned jit_cut;
	pid_t jit_cut_pid;
	/*
	 * target processes whose runtime wrote no JIT names, or (dump set)
	 * named them by a jitdump alone and still ran (jit_dump_hint); at most
	 * RECORD_HINTS
	 */
	struct { pid_t pid; enum jit_runtime runtime; int dump; } hints[RECORD_HINTS];
	unsigned nhints;
	/*
	 * Attached without children: the busiest descendant of a target that
	 * ran at the attach and was not sampled, if over the recording it used
	 * a tenth of a CPU or more and at least ten times its target's CPU
	 * time (a wrapper: sh, npm, a uwsgi master); busy_pid 0: none. Names
	 * made printable.
	 */
	pid_t busy_pid, busy_target;
	uint64_t busy_ns, busy_target_ns;
	char busy_comm[16], busy_target_comm[16];
	/* with children: descendants past the caps (targets.h) and refused (not ours) */
	unsigned children_cut, children_refused;
	/* Python stacks read from interpreters (pystacks.h); the processes not read */
	struct pystacks_stats python;
	struct v8stacks_stats js;    /* JavaScript frames named from V8's memory */
	struct pystacks_note python_notes[RECORD_HINTS];
	unsigned npython_notes;
	/*
	 * all: samples not recorded (the recorder's, other names', kernel
	 * threads...), processes with samples recorded, those whose mappings
	 * were read from /proc (having run before the recording), and those
	 * whose unwinding state was dropped for MAX_PROCESSES
	 */
	uint64_t host_filtered;
	uint32_t host_processes, host_read, host_reread, host_unreadable;
	uint64_t host_dropped;
};

/* Run a recording. Returns 0 or -errno with RES->stage saying where it failed. */
int record_run(const struct record_opts *opts, struct record_result *res);

#endif
