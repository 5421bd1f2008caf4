/*
 * Sampling sessions shared by the requests in flight (serve.h). Under MU:
 * RUNNING while a recorder thread exists, DONE once record_run() returned,
 * JOINING while the last request out waits for the thread (new requests
 * wait for it too), INFLIGHT the requests between their mark and their
 * view. COND is broadcast on each change and on shutdown.
 */
#include "cprof/serve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cprof/live.h"
#include "cprof/procfs.h"
#include "cprof/unwind.h"

#define SYNC_MS 2000             /* the most a request waits for the naming to catch up */

struct serve {
	struct record_opts tmpl; /* how to sample; pids point into PIDS */
	pid_t *pids, *alive;     /* the targets; the live ones of this session */
	struct procfs_proc *procs; /* the targets as they were at the start: a pid reused
				      by another process is not theirs */
	unsigned max_requests;
	struct live *live;
	struct unwinder *unwinder;

	pthread_mutex_t mu;
	pthread_cond_t cond;
	int running, done, joining, shutdown;
	unsigned inflight, freq;
	pthread_t thread;
	struct record_opts rec;  /* of the running session */
	struct record_result res;
	int err;
	volatile sig_atomic_t rec_stop;
};

static void *recorder_main(void *arg)
{
	struct serve *s = arg;
	int err = record_run(&s->rec, &s->res);

	pthread_mutex_lock(&s->mu);
	s->err = err;
	s->done = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* With MU held and no request in flight: stop the session and wait for its thread. */
static void end_session(struct serve *s)
{
	s->rec_stop = 1;
	s->joining = 1;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_lock(&s->mu);
	s->running = s->done = s->joining = 0;
	pthread_cond_broadcast(&s->cond);
}

/* With MU held: start a session at FREQ over the live targets (or only PID). */
static int start_session(struct serve *s, unsigned freq, char *why, size_t whylen)
{
	size_t i, n = 0;
	int err;

	for (i = 0; i < s->tmpl.npids; i++)
		if (procfs_proc_alive(&s->procs[i]))
			s->alive[n++] = s->pids[i];
	if (!n && !s->tmpl.all) {
		snprintf(why, whylen, "every target process has exited");
		return -ESRCH;
	}
	s->rec = s->tmpl;
	s->rec.pids = s->alive;
	s->rec.npids = n;
	s->rec.freq = freq;
	s->rec.duration = 0;
	s->rec.output = NULL;
	s->rec.argv = NULL;
	s->rec.sink = live_sink(s->live);
	s->rec.unwinder = s->unwinder;
	s->rec.stop = &s->rec_stop;
	s->rec_stop = 0;
	s->done = 0;
	s->err = 0;
	if ((err = -pthread_create(&s->thread, NULL, recorder_main, s))) {
		snprintf(why, whylen, "cannot start the recorder: %s", strerror(-err));
		return err;
	}
	s->running = 1;
	s->freq = freq;
	return 0;
}

/* The index of target PID, or -1. */
static ssize_t target_index(const struct serve *s, uint32_t pid)
{
	size_t i;

	for (i = 0; i < s->tmpl.npids; i++)
		if ((uint32_t)s->pids[i] == pid)
			return (ssize_t)i;
	return -1;
}

/* With MU held: join the running session or start one. */
static int join_session(struct serve *s, const struct serve_request *rq, char *why,
			size_t whylen)
{
	unsigned freq = rq->freq ? rq->freq : s->tmpl.freq;
	ssize_t t = rq->pid ? target_index(s, rq->pid) : -1;

	while (s->joining && !s->shutdown)
		pthread_cond_wait(&s->cond, &s->mu);
	if (s->shutdown) {
		snprintf(why, whylen, "the server is shutting down");
		return -ECANCELED;
	}
	if (rq->pid && s->tmpl.all && !procfs_alive((pid_t)rq->pid)) {
		snprintf(why, whylen, "no process %u is running", rq->pid);
		return -ESRCH;
	}
	if (rq->pid && !s->tmpl.all && t < 0) {
		snprintf(why, whylen, "pid=%u is not a target of this server", rq->pid);
		return -ENOENT;
	}
	if (rq->pid && t >= 0 && !procfs_proc_alive(&s->procs[t])) {
		snprintf(why, whylen, "process %u has exited%s", rq->pid,
			 procfs_alive((pid_t)rq->pid) ? " (pid reused: another process has it now, "
							"and it is not a target)"
						      : "");
		return -ESRCH;
	}
	if (s->running && s->done && !s->inflight)
		end_session(s); /* its targets exited: see who is left */
	if (s->inflight >= s->max_requests) {
		snprintf(why, whylen, "too many profiles in progress (%u); retry later",
			 s->max_requests);
		return -EBUSY;
	}
	if (s->running && s->done) {
		snprintf(why, whylen, "a profile is ending; retry in a second");
		return -EBUSY;
	}
	if (s->running && s->freq != freq) {
		snprintf(why, whylen, "a profile at %u Hz is in progress; retry later or ask for hz=%u",
			 s->freq, s->freq);
		return -EBUSY;
	}
	return s->running ? 0 : start_session(s, freq, why, whylen);
}

/* Wait until SECONDS after START, the session ends, or shutdown. */
static void wait_until(struct serve *s, const struct timespec *start, unsigned seconds)
{
	struct timespec until = *start;

	until.tv_sec += seconds;
	pthread_mutex_lock(&s->mu);
	while (!s->shutdown && !s->done &&
	       pthread_cond_timedwait(&s->cond, &s->mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&s->mu);
}

static void fill_meta(struct profile *p, const struct record_opts *o, uint64_t start_ns)
{
	struct utsname u;
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	p->meta.start_realtime_ns = start_ns;
	p->meta.hostname = profile_str(p, host);
	p->meta.release = uname(&u) ? "" : profile_str(p, u.release);
	p->meta.cmdline = profile_str(p, o->cmdline ? o->cmdline : "");
	if (!p->meta.hostname)
		p->meta.hostname = "";
	if (!p->meta.release)
		p->meta.release = "";
	if (!p->meta.cmdline)
		p->meta.cmdline = "";
}

static void recorder_why(const struct serve *s, char *why, size_t whylen)
{
	const char *what = s->res.stage == STAGE_PERF   ? "perf_event_open refused for"
			   : s->res.stage == STAGE_PROC   ? "cannot read /proc of"
			   : s->res.stage == STAGE_TARGET ? "no such process"
							  : "recording failed for";

	if (s->tmpl.all && s->res.stage == STAGE_PERF)
		snprintf(why, whylen, "perf_event_open refused for the events of every CPU (-a): %s",
			 strerror(-s->err));
	else
		snprintf(why, whylen, "%s %d: %s", what, (int)s->res.failed_pid, strerror(-s->err));
}

int serve_profile(struct serve *s, const struct serve_request *rq, struct profile **out,
		  char *why, size_t whylen)
{
	struct live_view_opts vo = { .accumulate = 1, .pid = rq->pid, .tid = rq->tid,
				     .comm = rq->comm, .container = rq->container };
	struct live_mark mark = { 0 };
	struct timespec start, real;
	int err;

	*out = NULL;
	pthread_mutex_lock(&s->mu);
	err = join_session(s, rq, why, whylen);
	if (!err)
		s->inflight++;
	pthread_mutex_unlock(&s->mu);
	if (err)
		return err;

	clock_gettime(CLOCK_REALTIME, &start);
	real = start;
	live_sync(s->live, SYNC_MS); /* what came before the request is not its own */
	err = live_mark(s->live, &mark);
	if (!err) {
		wait_until(s, &start, rq->seconds);
		live_sync(s->live, SYNC_MS);
		vo.since = &mark;
		err = live_view(s->live, &vo, out);
	}
	if (!err)
		fill_meta(*out, &s->tmpl, (uint64_t)real.tv_sec * 1000000000ULL + (uint64_t)real.tv_nsec);
	if (!err && rq->lang != VIEW_ALL && rq->lang != VIEW_AUTO) {
		struct profile *v; /* after the meta: the view copies it */

		if (!(err = view_lang(*out, rq->lang, &v))) {
			profile_free(*out);
			*out = v;
		}
	}
	if (err)
		snprintf(why, whylen, "cannot build the profile: %s", strerror(-err));
	live_mark_release(&mark);

	pthread_mutex_lock(&s->mu);
	if (!err && s->done && s->err) {
		recorder_why(s, why, whylen);
		err = s->err;
	}
	if (!--s->inflight && s->running)
		end_session(s);
	pthread_mutex_unlock(&s->mu);
	if (err) {
		profile_free(*out);
		*out = NULL;
	}
	return err;
}

void serve_shutdown(struct serve *s)
{
	pthread_mutex_lock(&s->mu);
	s->shutdown = 1;
	s->rec_stop = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

size_t serve_ntargets(const struct serve *s)
{
	return s->tmpl.npids;
}

int serve_all(const struct serve *s)
{
	return s->tmpl.all;
}

uint32_t serve_target(const struct serve *s, size_t i, int *alive)
{
	*alive = procfs_proc_alive(&s->procs[i]);
	return (uint32_t)s->pids[i];
}

int serve_new(const struct serve_config *cfg, struct serve **out)
{
	struct serve *s = calloc(1, sizeof(*s));
	size_t n = cfg->rec->npids, i;
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	/* refused now rather than at every request */
	if (cfg->rec->all && (err = sampler_probe_cpus())) {
		free(s);
		return err;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->tmpl = *cfg->rec;
	s->max_requests = cfg->max_requests ? cfg->max_requests : 1;
	s->pids = calloc(n + 1, sizeof(*s->pids));
	s->alive = calloc(n + 1, sizeof(*s->alive));
	s->procs = calloc(n + 1, sizeof(*s->procs));
	if (!s->pids || !s->alive || !s->procs) {
		err = -ENOMEM;
		goto fail;
	}
	memcpy(s->pids, cfg->rec->pids, n * sizeof(*s->pids));
	s->tmpl.pids = s->pids;
	for (i = 0; i < n; i++)
		s->procs[i].pidfd = -1;
	for (i = 0; i < n; i++)
		if ((err = procfs_proc_open(s->pids[i], &s->procs[i])))
			goto fail;
	struct live_config lc = { .freq = s->tmpl.freq, .kernel = s->tmpl.kernel, .decay = 1,
				  .accumulate = 1, .names = { .inlines = 1, .demangle = 1 } };
	if ((err = live_new(&lc, &s->live)))
		goto fail;
	if (s->tmpl.mode == CALLGRAPH_DWARF && (err = unwinder_new(&s->unwinder)))
		goto fail;
	*out = s;
	return 0;
fail:
	serve_free(s);
	return err;
}

void serve_free(struct serve *s)
{
	size_t i;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->running)
		end_session(s);
	pthread_mutex_unlock(&s->mu);
	live_free(s->live);
	unwinder_free(s->unwinder);
	for (i = 0; s->procs && i < s->tmpl.npids; i++)
		procfs_proc_release(&s->procs[i]);
	free(s->procs);
	free(s->pids);
	free(s->alive);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
