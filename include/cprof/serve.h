/*
 * Profiles on request, for `cprof serve`: the recorder (record.h) samples
 * the targets only while some request waits, and writes to one live
 * aggregator (live.h) and one unwinder kept for the server's life, so each
 * binary is opened and its symbols read once, however many requests come.
 *
 * A request joins the sampling session that runs (or starts one), marks
 * the counts, waits its seconds and takes the profile of what was counted
 * since its mark; requests in flight at once thus share one session. The
 * last request out stops it. A session started after a new mapping or
 * thread sees it as record does; a target that has exited is refused.
 * Targets are held from serve_new() on by what they are (procfs_proc), not
 * by their numbers: once a target has exited, a newcomer given its pid is
 * neither sampled nor listed as running. A server of every process
 * (record_opts.all, `serve -a`) has no targets: each session samples the
 * whole host, and a request narrows its own profile to a process by pid or
 * by name.
 *
 * Thread-safe: any number of threads may call serve_profile() at once.
 */
#ifndef CPROF_SERVE_H
#define CPROF_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/profile.h"
#include "cprof/record.h"
#include "cprof/view.h"

struct serve_config {
	/*
	 * The targets (pids, npids, or all with comm, exclude and
	 * max_processes) and how to sample them (freq, mode, stack_size,
	 * kernel, cmdline); copied (exclude, comm and cgroup borrowed). The rest is
	 * serve's own.
	 */
	const struct record_opts *rec;
	unsigned max_requests;   /* profiles in flight at once; more get -EBUSY */
};

struct serve;

/*
 * Returns 0, -ESRCH when a target is not (or no longer) running, with all
 * the perf_event_open errno refusing CPU-wide events (sampler_probe_cpus()),
 * or -errno.
 */
int serve_new(const struct serve_config *cfg, struct serve **out);
/* Stop sampling and free everything; no serve_profile() may be running. Accepts NULL. */
void serve_free(struct serve *s);
/* End every waiting request now (with what it has counted) and refuse new ones. */
void serve_shutdown(struct serve *s);

struct serve_request {
	unsigned seconds;        /* >= 1 */
	unsigned freq;           /* Hz; 0: the configured rate */
	uint32_t pid, tid;       /* 0, or only this target process, this thread */
	const char *comm;        /* NULL, or only threads of this name or of a process of it
				    (borrowed for the call) */
	const char *container;   /* NULL, or only processes of a container whose id starts so */
	enum view_lang lang;     /* the frames kept (view.h); VIEW_AUTO and VIEW_ALL: every one */
};

/*
 * Sample for RQ->seconds and hand back a new profile (caller frees) of
 * what the targets did meanwhile, columns "samples" and "cpu", meta
 * filled in. Returns 0, or -errno with one line in WHY: -ENOENT RQ->pid
 * is not a target, -ESRCH it (or every target) has exited (with all: no
 * process RQ->pid runs), -EBUSY too
 * many requests or a session at another rate, -ECANCELED shutting down,
 * else the recorder's error.
 */
int serve_profile(struct serve *s, const struct serve_request *rq, struct profile **out,
		  char *why, size_t whylen);

/*
 * The number of targets, and target I: its pid; *ALIVE whether that very
 * process still runs (0 once it has exited, whoever has its pid now).
 */
size_t serve_ntargets(const struct serve *s);
/* Whether S serves every process of the host (then it has no targets). */
int serve_all(const struct serve *s);
uint32_t serve_target(const struct serve *s, size_t i, int *alive);

#endif
