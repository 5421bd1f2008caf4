/*
 * The live aggregator of `cprof top`: a sink (sink.h) the recorder writes
 * to, and a profile of the last seconds (or of the whole run) built from
 * it on demand.
 *
 * Three threads meet here. The recorder's calls to the sink only copy the
 * record into a queue (no naming, no allocation once the queue has grown
 * to its working size). A naming thread, started by live_new(), takes the
 * queue, names each new (process, stack) once with the namer (namer.h, the
 * resolver's code, so a slow first look at a big debug file delays only
 * it) and counts samples per (stack, thread). The view thread calls
 * live_view() for a profile of what has been counted.
 *
 * In decay mode a (stack, thread) unseen for DECAY seconds is dropped with
 * its counts, so memory follows what the target does now, not how long it
 * ran; started with ACCUMULATE nothing is dropped.
 *
 * The sink may be handed to one recording after another (`cprof serve`):
 * each recording's META record starts a new session, which forgets the
 * counts and the recorder's stack ids of the one before and takes its
 * sampling rate, but keeps the namer, so no binary is opened twice.
 */
#ifndef CPROF_LIVE_H
#define CPROF_LIVE_H

#include <stdint.h>

#include "cprof/namer.h"
#include "cprof/profile.h"
#include "cprof/sink.h"

struct live_config {
	unsigned freq;           /* sampling rate, for the profile's period */
	int kernel;              /* name kernel frames from /proc/kallsyms */
	unsigned decay;          /* seconds of the window, 1..600 */
	int accumulate;          /* keep every count (nothing is dropped) */
	struct namer_config names;
};

struct live;

/* Start the naming thread. Returns 0 or -errno. */
int live_new(const struct live_config *cfg, struct live **out);
/* Stop the naming thread and free everything. Accepts NULL. */
void live_free(struct live *l);
/* The sink for record_opts.sink; borrowed until live_free(). */
struct sink *live_sink(struct live *l);

/* Where the counts of a session stood at one moment: live_view() can count from there. */
struct live_mark {
	uint64_t *totals;        /* per row; owned, live_mark_release() frees it */
	size_t n;
	uint64_t session, lost, time_ns;
};

/*
 * Mark the counts as they are now into M (zeroed or released before).
 * Returns 0 or -ENOMEM. A mark of an earlier session counts as the start
 * of a later one.
 */
int live_mark(struct live *l, struct live_mark *m);
void live_mark_release(struct live_mark *m);
/*
 * Wait (at most TIMEOUT_MS) until every record the sink was given before
 * the call has been named and counted. Returns 0 or -ETIMEDOUT.
 */
int live_sync(struct live *l, unsigned timeout_ms);

struct live_view_opts {
	int accumulate;          /* counts since the start, else of the window */
	int hide_kernel;         /* leave kernel frames out of the stacks */
	const struct live_mark *since; /* NULL, or count only what came after it (and
					  give the span since it) */
	uint32_t pid, tid;       /* 0, or only the samples of this process, thread */
	const char *comm;        /* NULL, or only the samples of threads of this name or of a
				    process of this name (borrowed for the call) */
	const char *container;   /* NULL, or only processes of a container whose id starts so */
};

/*
 * A new profile (caller frees) of what has been named so far, with the
 * columns "samples" and "cpu" and meta (rate, span, lost) filled in.
 * Returns 0 or -ENOMEM.
 */
int live_view(struct live *l, const struct live_view_opts *o, struct profile **out);

struct live_stats {
	uint64_t samples, lost;  /* since the start */
	uint64_t window_samples; /* in the decay window */
	uint32_t threads;        /* distinct threads sampled */
	uint64_t queued;         /* bytes waiting to be named */
	double seconds;          /* since live_new() */
	int finished;            /* the recorder has closed the sink */
};

void live_get_stats(struct live *l, struct live_stats *st);

#endif
