/*
 * The processes a recording samples: attached to by pid or launched, watched
 * until they exit, and (a launched command and what it left running)
 * stopped and reaped at the end. The recorder does the per-thread and
 * per-mapping work through hooks; this module knows the order things must
 * happen in, and the processes' lifetimes.
 *
 * Errors are -errno, with RES->stage and RES->failed_pid (record.h) set to
 * name the cause: STAGE_TARGET (no such process), STAGE_PROC (its /proc
 * not ours to read), STAGE_LAUNCH (the command could not be run),
 * STAGE_PERF (its events refused), unless a hook named a stage already.
 */
#ifndef CPROF_TARGETS_H
#define CPROF_TARGETS_H

#include <sys/types.h>

#include "cprof/procfs.h"
#include "cprof/record.h"

struct pairmap;
struct sampler;

/*
 * The descendants of attached processes are read from /proc (untrusted:
 * a process tree may be as deep and wide as its owner makes it): at most
 * TARGETS_DEPTH levels below a target, TARGETS_DESCENDANTS processes in
 * all. Those past either are not sampled (res->children_cut).
 */
#define TARGETS_DEPTH 32
#define TARGETS_DESCENDANTS 1024

struct targets {
	struct record_result *res; /* child_status, leftovers, stage (borrowed) */
	struct pairmap *alive;   /* pid -> 1 while it lives, 0 once gone */
	pid_t child;             /* the launched command; 0 when attached */
	int child_done;          /* the command was reaped */
	int children;            /* attached: the targets' descendants are targets too */
	pid_t *attached;         /* every process attached to, the given ones first */
	size_t nattached, cap;
	size_t walked;           /* descendants found, of TARGETS_DESCENDANTS */
	/*
	 * Attached without CHILDREN, for res->busy_*: (pid, 0) 1 for each
	 * process seen, (pid, 1) its CPU ns at attach, (pid, 2) its start
	 * time, and for a descendant (pid, 3) the target it descends from
	 */
	struct pairmap *before;
	uint64_t attach_end;     /* CLOCK_MONOTONIC ns */
};

/* What attaching asks of the recorder; each returns 0 or -errno (which stops). */
struct target_hooks {
	/* thread TID of process PID, found in /proc: sample it (-ESRCH: gone, fine) */
	int (*thread)(pid_t pid, pid_t tid, void *arg);
	/* a mapping of PID read from /proc/PID/maps */
	int (*map)(pid_t pid, const struct proc_map *m, void *arg);
	/* read what the rings hold (the FORKs of threads born meanwhile) */
	int (*drain)(void *arg);
	void *arg;
};

/* T empty, results into RES. targets_release() frees it. */
int targets_init(struct targets *t, struct record_result *res);
void targets_release(struct targets *t);

/*
 * Attach to PIDS[0..N): every thread of each (hook thread), then their
 * mappings (hook map), then a drain and one more scan for threads born
 * before their creator was sampled. With CHILDREN their descendants too,
 * each attached before its own children are looked for (bounded by
 * TARGETS_DEPTH and TARGETS_DESCENDANTS); a descendant that exits
 * meanwhile is skipped, one refused (another user's) is counted in
 * res->children_refused. (Processes born after their parent was
 * attached are sampled by inheritance, with or without CHILDREN.)
 */
int targets_attach(struct targets *t, const pid_t *pids, size_t n, int children,
		   const struct target_hooks *h);

/*
 * Run ARGV (searched in PATH) sampled by S from its exec on (S's events
 * enabled on exec): forked, its events opened, then let go to exec.
 * JIT_SUPPORT sets the runtimes' perf-map switches in its environment.
 * cprof becomes the subreaper of what it starts.
 */
int targets_launch(struct targets *t, char *const *argv, int jit_support, struct sampler *s);

/* Process PID exited (its EXIT record): no longer alive. */
void targets_exited(struct targets *t, pid_t pid);

/* Whether a target still runs (a launched command: reaped here when it ended). */
int targets_alive(struct targets *t);

/*
 * At the end: a launched command still running is asked to stop, killed
 * after 2 s, and reaped (RES->child_status), then what it left running
 * likewise (RES->leftovers). Attached processes are never signalled.
 * Attached without CHILDREN: RES->busy_* names the busiest descendant not
 * sampled, if it used far more CPU than its target (record.h).
 */
void targets_reap(struct targets *t);

#endif
