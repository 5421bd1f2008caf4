/*
 * The live aggregator (live.h). The recorder appends records to PENDING
 * under QMU, encoded as the data file holds them; the naming thread swaps
 * PENDING with its own buffer (the lock is held only for the swap), then
 * replays them (replay.h: the report's replay and namer) and counts under
 * MU, which live_view() takes to copy the counts out. ENQ counts the
 * records queued, DONE those counted; live_sync() waits on QDONE for DONE
 * to catch up.
 */
#include "cprof/live.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cprof/addrsyms.h"
#include "cprof/replay.h"
#include "cprof/util.h"

#define MAX_DECAY 600

struct row {                 /* samples of one (profile stack, thread) */
	uint32_t stack, pid, tid;
	uint32_t raw;            /* the recorder's stack id, to name it again */
	uint32_t gen;            /* the process's mapping generation it was named in */
	uint64_t total, window;
};

struct bucket {              /* the rows hit in one second, once per sample */
	uint32_t *rows;
	size_t n, cap;
};

struct live {
	struct sink sink;
	struct replay_tool tool;
	struct live_config cfg;
	uint64_t start_ns;
	pthread_t thread;
	int started;

	pthread_mutex_t qmu;     /* guards pending, closed, stop, enq, done */
	pthread_cond_t qcond, qdone;
	struct buf pending;
	int closed, stop;
	uint64_t enq, done;

	pthread_mutex_t mu;      /* guards everything below */
	struct profile *prof;    /* every frame and stack named */
	struct replay *replay;   /* names, stacks, mappings: the namer */
	struct pairmap *row_of;  /* (profile stack, pid << 32 | tid) -> row */
	struct row *rows;
	size_t nrows, caprows, dead;
	struct bucket buckets[MAX_DECAY];
	uint64_t second;         /* the bucket now filled is second % decay */
	struct pairmap *tids;    /* tid -> 1 */
	struct pairmap *renames; /* pid -> 1: sent perf-map chunks, rows to name again */
	uint64_t samples, lost, window_samples;
	uint64_t session;        /* META records seen */
	int finished;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the recorder's side: copy into the queue ---- */

/* Queue REC as the data file would hold it. */
static int enqueue(struct live *l, const struct df_record *rec)
{
	size_t len;
	int err;

	pthread_mutex_lock(&l->qmu);
	len = l->pending.len;
	err = df_encode(rec, &l->pending);
	if (err)
		l->pending.len = len;
	else
		l->enq++;
	pthread_mutex_unlock(&l->qmu);
	return err;
}

static int live_write(struct sink *s, const struct df_record *rec)
{
	struct live *l = (struct live *)s;

	switch (rec->type) {
	case DF_FINISH: /* close() says it */
	case DF_KSYM:   /* the naming thread reads every kernel symbol */
		return 0;
	case DF_META:   /* a new recording */
		pthread_mutex_lock(&l->qmu);
		l->closed = 0;
		pthread_mutex_unlock(&l->qmu);
		return enqueue(l, rec);
	default:
		return enqueue(l, rec);
	}
}

static int live_flush(struct sink *s)
{
	struct live *l = (struct live *)s;

	pthread_cond_signal(&l->qcond);
	return 0;
}

static int live_close(struct sink *s)
{
	struct live *l = (struct live *)s;

	pthread_mutex_lock(&l->qmu);
	l->closed = 1;
	pthread_cond_signal(&l->qcond);
	pthread_mutex_unlock(&l->qmu);
	return 0;
}

static const struct sink_ops live_ops = {
	.write = live_write,
	.flush = live_flush,
	.close = live_close,
};

struct sink *live_sink(struct live *l)
{
	return &l->sink;
}

/* ---- the naming thread: name and count ---- */

static int row_of(struct live *l, uint32_t stack, uint32_t pid, uint32_t tid, uint32_t raw,
		  uint32_t gen, uint32_t *idx)
{
	uint64_t *slot = pairmap_slot(l->row_of, stack, (uint64_t)pid << 32 | tid, UINT64_MAX);

	if (!slot)
		return -ENOMEM;
	if (*slot == UINT64_MAX) {
		if (array_reserve(&l->rows, &l->caprows, l->nrows + 1, sizeof(*l->rows)))
			return -ENOMEM;
		l->rows[l->nrows] = (struct row){ .stack = stack, .pid = pid, .tid = tid, .raw = raw,
						  .gen = gen };
		*slot = l->nrows++;
	}
	*idx = (uint32_t)*slot;
	return 0;
}

static int on_sample(struct replay_tool *t, const struct replay_sample *s)
{
	struct live *l = (struct live *)((char *)t - offsetof(struct live, tool));
	struct bucket *b = &l->buckets[l->second % l->cfg.decay];
	uint32_t idx, stack;
	int err;

	if (s->kind != REPLAY_CPU)
		return 0;
	err = replay_stack(l->replay, s->pid, s->stack_id, &stack);
	if (err)
		return err == -ENOENT ? 0 : err;
	if ((err = row_of(l, stack, s->pid, s->tid, s->stack_id,
			  namer_gen(replay_namer(l->replay), s->pid), &idx)))
		return err;
	if (array_reserve(&b->rows, &b->cap, b->n + 1, sizeof(*b->rows)) ||
	    pairmap_put(l->tids, s->tid, 0, 1))
		return -ENOMEM;
	b->rows[b->n++] = idx;
	l->rows[idx].total++;
	l->rows[idx].window++;
	l->samples++;
	l->window_samples++;
	return 0;
}

/*
 * PM->pid named JIT code: its stacks counted so far are to be named again
 * (rename_rows(), once the batch of records is replayed: a perf map comes in
 * many chunks), so that code seen before its names came shows by name.
 */
static int on_perfmap(struct replay_tool *t, const struct df_perfmap *pm)
{
	struct live *l = (struct live *)((char *)t - offsetof(struct live, tool));

	return pairmap_put(l->renames, pm->pid, 0, 1) ? -ENOMEM : 0;
}

/*
 * Name again the rows of the processes that sent perf-map chunks, those
 * named in the process's mappings as they are now (a row of before an
 * exec keeps its names). Two rows may then hold one (stack, thread): the
 * row map keeps the first, the view adds them up.
 */
static void rename_rows(struct live *l)
{
	struct namer *nm = replay_namer(l->replay);
	uint64_t one;
	size_t i;

	if (!pairmap_count(l->renames))
		return;
	for (i = 0; i < l->nrows; i++) {
		struct row *r = &l->rows[i];
		uint32_t stack;

		if (!pairmap_get(l->renames, r->pid, 0, &one) || r->gen != namer_gen(nm, r->pid) ||
		    replay_stack(l->replay, r->pid, r->raw, &stack) || stack == r->stack)
			continue; /* at ENOMEM a row keeps its names */
		r->stack = stack;
		pairmap_slot(l->row_of, stack, (uint64_t)r->pid << 32 | r->tid, i);
	}
	pairmap_clear(l->renames);
}

static int on_lost(struct replay_tool *t, uint64_t count)
{
	struct live *l = (struct live *)((char *)t - offsetof(struct live, tool));

	l->lost += count;
	return 0;
}

/*
 * A recording starts: forget the last one's counts, frames and stacks (a
 * JIT target's code moves: kept, they would grow for as long as `cprof
 * serve` runs); the replay forgets its stack ids and keeps what the namer
 * knows of the binaries.
 */
static int on_meta(struct replay_tool *t, const struct df_meta *m)
{
	struct live *l = (struct live *)((char *)t - offsetof(struct live, tool));
	struct profile *p;
	size_t k;
	int err;

	if (profile_new(&p))
		return -ENOMEM;
	if ((err = replay_set_profile(l->replay, p))) {
		profile_free(p);
		return err;
	}
	profile_free(l->prof);
	l->prof = p;
	pairmap_clear(l->row_of);
	pairmap_clear(l->tids);
	pairmap_clear(l->renames);
	for (k = 0; k < MAX_DECAY; k++)
		l->buckets[k].n = 0;
	l->nrows = l->dead = 0;
	l->window_samples = 0;
	if (m->freq)
		l->cfg.freq = m->freq;
	l->session++;
	return 0;
}

/*
 * Replay the queued record at P (N bytes). Decoding hands out a STACK's
 * addresses in place, so the record is copied 4 bytes into the 8-aligned
 * SCRATCH first.
 */
static int dispatch(struct live *l, const char *p, size_t n, uint64_t **scratch, size_t *cap)
{
	struct df_record rec;
	size_t words = (n + 4 + 7) / 8;

	if (words > *cap) {
		uint64_t *b = realloc(*scratch, words * 8);

		if (!b)
			return -ENOMEM;
		*scratch = b;
		*cap = words;
	}
	memcpy((char *)*scratch + 4, p, n);
	if (df_decode((char *)*scratch + 4, n, &rec))
		return -EBADMSG;
	return replay_record(l->replay, &rec);
}

/*
 * Keep only the rows seen in the window: the row map has no removal, so
 * it is rebuilt, and the buckets' row numbers renumbered.
 */
static int compact(struct live *l)
{
	struct pairmap *map;
	uint32_t *renum = malloc((l->nrows ? l->nrows : 1) * sizeof(*renum));
	size_t i, k, n = 0;
	int err = -ENOMEM;

	if (!renum || pairmap_new(&map))
		goto out;
	for (i = 0; i < l->nrows; i++) {
		if (!l->rows[i].window)
			continue;
		renum[i] = (uint32_t)n;
		l->rows[n] = l->rows[i];
		if (pairmap_put(map, l->rows[n].stack,
				(uint64_t)l->rows[n].pid << 32 | l->rows[n].tid, n)) {
			pairmap_free(map);
			goto out; /* only at ENOMEM: the counts are off from now on */
		}
		n++;
	}
	for (k = 0; k < l->cfg.decay; k++)
		for (i = 0; i < l->buckets[k].n; i++)
			l->buckets[k].rows[i] = renum[l->buckets[k].rows[i]];
	pairmap_free(l->row_of);
	l->row_of = map;
	l->nrows = n;
	l->dead = 0;
	err = 0;
out:
	free(renum);
	return err;
}

/* Start the bucket of the current second, emptying the oldest one into nothing. */
static int rotate(struct live *l)
{
	uint64_t now = (mono_ns() - l->start_ns) / 1000000000ULL;
	int err = 0;

	while (l->second < now) {
		struct bucket *b = &l->buckets[++l->second % l->cfg.decay];
		size_t i;

		for (i = 0; i < b->n; i++) {
			struct row *r = &l->rows[b->rows[i]];

			r->window--;
			l->window_samples--;
			if (!r->window)
				l->dead++;
		}
		b->n = 0;
	}
	if (!l->cfg.accumulate && l->dead > 1024 && l->dead * 2 > l->nrows)
		err = compact(l);
	return err;
}

static int add_ksym(uint64_t addr, const char *name, void *arg)
{
	return namer_ksym(arg, addr, 0, name);
}

static void *naming_thread(void *arg)
{
	struct live *l = arg;
	struct buf work;
	uint64_t *scratch = NULL; /* one record, aligned for decoding */
	size_t nscratch = 0;
	int closed = 0, stop = 0;
	uint64_t upto;

	buf_init(&work);
	if (l->cfg.kernel) {
		pthread_mutex_lock(&l->mu);
		/* unreadable: kernel frames stay [kernel.kallsyms] */
		kallsyms_read("/proc/kallsyms", add_ksym, replay_namer(l->replay));
		pthread_mutex_unlock(&l->mu);
	}
	while (!stop) {
		struct timespec until;
		struct buf t;
		size_t pos = 0;

		/*
		 * Wake for records, or every 100 ms to move the decay window on;
		 * a closed sink (between `cprof serve`'s recordings, or after
		 * top's) gets nothing to count, so once a second is enough.
		 */
		clock_gettime(CLOCK_REALTIME, &until);
		pthread_mutex_lock(&l->qmu);
		until.tv_nsec += l->closed ? 0 : 100000000;
		until.tv_sec += l->closed ? 1 : 0;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		if (!l->pending.len && !l->stop)
			pthread_cond_timedwait(&l->qcond, &l->qmu, &until);
		t = l->pending; /* swap: the recorder goes on into our old buffer */
		l->pending = work;
		l->pending.len = 0;
		work = t;
		closed = l->closed;
		stop = l->stop;
		upto = l->enq;
		pthread_mutex_unlock(&l->qmu);

		pthread_mutex_lock(&l->mu);
		while (work.len - pos >= 8) {
			uint32_t size;

			memcpy(&size, work.data + pos + 4, sizeof(size));
			if (size < 8 || size > work.len - pos)
				break; /* not ours: enqueue() writes whole records */
			/* a record it cannot take is passed over */
			dispatch(l, work.data + pos, size, &scratch, &nscratch);
			pos += size;
		}
		rename_rows(l);
		rotate(l);
		l->finished = closed;
		pthread_mutex_unlock(&l->mu);
		pthread_mutex_lock(&l->qmu);
		l->done = upto;
		pthread_cond_broadcast(&l->qdone);
		pthread_mutex_unlock(&l->qmu);
	}
	buf_release(&work);
	free(scratch);
	return NULL;
}

/* ---- the view's side ---- */

struct copy {                /* from l->prof to the view */
	struct profile *to;
	uint32_t *frame, *module;
};

static int copy_frame(struct live *l, struct copy *c, uint32_t id, uint32_t *out)
{
	struct profile_frame f;
	int err;

	if (c->frame[id] != PROFILE_NONE) {
		*out = c->frame[id];
		return 0;
	}
	f = l->prof->frames[id];
	if (f.module != PROFILE_NONE) {
		const struct profile_module *m = &l->prof->modules[f.module];

		if (c->module[f.module] == PROFILE_NONE &&
		    (err = profile_module(c->to, m->path, m->build_id, &c->module[f.module])))
			return err;
		f.module = c->module[f.module];
	}
	if ((err = profile_frame(c->to, &f, &c->frame[id])))
		return err;
	*out = c->frame[id];
	return 0;
}

static int copy_rows(struct live *l, const struct live_view_opts *o, struct copy *c)
{
	uint32_t *frames = NULL;
	size_t cap = 0, i, k;
	int err = 0;

	const struct live_mark *m = o->since && o->since->session == l->session ? o->since : NULL;

	for (i = 0; i < l->nrows && !err; i++) {
		const struct row *r = &l->rows[i];
		const struct profile_stack *st = &l->prof->stacks[r->stack];
		uint64_t before = m && i < m->n ? m->totals[i] : 0;
		int64_t v = (int64_t)(o->accumulate || o->since ? r->total - before : r->window);
		int64_t values[2] = { v, v * (int64_t)(1000000000ULL / l->cfg.freq) };
		const char *comm, *process, *cont;
		uint32_t stack, thread;
		size_t n = 0;

		if (!v || (o->pid && r->pid != o->pid) || (o->tid && r->tid != o->tid))
			continue;
		comm = replay_comm(l->replay, r->tid);
		process = replay_process(l->replay, r->pid);
		cont = replay_container(l->replay, r->pid);
		if ((o->comm && strcmp(comm, o->comm) && strcmp(process, o->comm)) ||
		    (o->container && strncmp(cont, o->container, strlen(o->container))))
			continue;
		if (array_reserve(&frames, &cap, st->depth + 1, sizeof(*frames))) {
			err = -ENOMEM;
			break;
		}
		for (k = 0; k < st->depth && !err; k++) {
			if (o->hide_kernel && l->prof->frames[st->frames[k]].kind == FRAME_KERNEL)
				continue;
			err = copy_frame(l, c, st->frames[k], &frames[n++]);
		}
		if (!err)
			err = profile_stack(c->to, frames, n, &stack);
		if (!err)
			err = profile_thread_in(c->to, r->pid, r->tid, comm, process, cont, &thread);
		if (!err)
			err = profile_add(c->to, stack, thread, values, NULL);
	}
	free(frames);
	return err;
}

int live_view(struct live *l, const struct live_view_opts *o, struct profile **out)
{
	struct copy c = { 0 };
	uint64_t span;
	uint32_t col;
	size_t i;
	int err;

	*out = NULL;
	if ((err = profile_new(&c.to)) ||
	    (err = profile_add_column(c.to, "samples", "count", &col)) ||
	    (err = profile_add_column(c.to, "cpu", "nanoseconds", &col)))
		goto fail;
	pthread_mutex_lock(&l->mu);
	c.frame = malloc((l->prof->nframes + 1) * sizeof(*c.frame));
	c.module = malloc((l->prof->nmodules + 1) * sizeof(*c.module));
	if (!c.frame || !c.module) {
		err = -ENOMEM;
	} else {
		for (i = 0; i < l->prof->nframes; i++)
			c.frame[i] = PROFILE_NONE;
		for (i = 0; i < l->prof->nmodules; i++)
			c.module[i] = PROFILE_NONE;
		err = copy_rows(l, o, &c);
	}
	span = mono_ns() - (o->since ? o->since->time_ns : l->start_ns);
	if (!o->accumulate && !o->since && span > l->cfg.decay * 1000000000ULL)
		span = l->cfg.decay * 1000000000ULL;
	c.to->meta.freq = l->cfg.freq;
	c.to->meta.period_ns = 1000000000ULL / l->cfg.freq;
	c.to->meta.duration_ns = span;
	c.to->meta.lost = l->lost - (o->since ? o->since->lost : 0);
	pthread_mutex_unlock(&l->mu);
	free(c.frame);
	free(c.module);
	if (err)
		goto fail;
	*out = c.to;
	return 0;
fail:
	profile_free(c.to);
	return err;
}

int live_mark(struct live *l, struct live_mark *m)
{
	int err = 0;
	size_t i;

	pthread_mutex_lock(&l->mu);
	m->n = 0;
	m->totals = malloc((l->nrows + 1) * sizeof(*m->totals));
	if (!m->totals) {
		err = -ENOMEM;
	} else {
		for (i = 0; i < l->nrows; i++)
			m->totals[i] = l->rows[i].total;
		m->n = l->nrows;
	}
	m->session = l->session;
	m->lost = l->lost;
	m->time_ns = mono_ns();
	pthread_mutex_unlock(&l->mu);
	return err;
}

void live_mark_release(struct live_mark *m)
{
	free(m->totals);
	m->totals = NULL;
	m->n = 0;
}

int live_sync(struct live *l, unsigned timeout_ms)
{
	struct timespec until;
	uint64_t want;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&l->qmu);
	want = l->enq;
	pthread_cond_signal(&l->qcond);
	while (l->done < want && !l->stop && !err)
		err = -pthread_cond_timedwait(&l->qdone, &l->qmu, &until);
	pthread_mutex_unlock(&l->qmu);
	return err;
}

void live_get_stats(struct live *l, struct live_stats *st)
{
	pthread_mutex_lock(&l->qmu);
	st->queued = l->pending.len;
	pthread_mutex_unlock(&l->qmu);
	pthread_mutex_lock(&l->mu);
	st->samples = l->samples;
	st->lost = l->lost;
	st->window_samples = l->window_samples;
	st->threads = (uint32_t)pairmap_count(l->tids);
	st->finished = l->finished;
	pthread_mutex_unlock(&l->mu);
	st->seconds = (mono_ns() - l->start_ns) / 1e9;
}

int live_new(const struct live_config *cfg, struct live **out)
{
	struct live *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->sink.ops = &live_ops;
	l->cfg = *cfg;
	if (!l->cfg.decay)
		l->cfg.decay = 1;
	if (l->cfg.decay > MAX_DECAY)
		l->cfg.decay = MAX_DECAY;
	if (!l->cfg.freq)
		l->cfg.freq = 1;
	l->start_ns = mono_ns();
	buf_init(&l->pending);
	pthread_mutex_init(&l->qmu, NULL);
	pthread_cond_init(&l->qcond, NULL);
	pthread_cond_init(&l->qdone, NULL);
	pthread_mutex_init(&l->mu, NULL);
	l->tool = (struct replay_tool){ .meta = on_meta, .sample = on_sample,
					.perfmap = on_perfmap, .lost = on_lost };
	if ((err = profile_new(&l->prof)) ||
	    (err = replay_new(&cfg->names, l->prof, &l->tool, &l->replay)) ||
	    (err = pairmap_new(&l->row_of)) || (err = pairmap_new(&l->tids)) ||
	    (err = pairmap_new(&l->renames)))
		goto fail;
	err = -pthread_create(&l->thread, NULL, naming_thread, l);
	if (err)
		goto fail;
	l->started = 1;
	*out = l;
	return 0;
fail:
	live_free(l);
	return err;
}

void live_free(struct live *l)
{
	size_t i;

	if (!l)
		return;
	if (l->started) {
		pthread_mutex_lock(&l->qmu);
		l->stop = 1;
		pthread_cond_signal(&l->qcond);
		pthread_mutex_unlock(&l->qmu);
		pthread_join(l->thread, NULL);
	}
	replay_free(l->replay);
	profile_free(l->prof);
	pairmap_free(l->row_of);
	pairmap_free(l->tids);
	pairmap_free(l->renames);
	for (i = 0; i < MAX_DECAY; i++)
		free(l->buckets[i].rows);
	free(l->rows);
	buf_release(&l->pending);
	pthread_mutex_destroy(&l->qmu);
	pthread_cond_destroy(&l->qcond);
	pthread_cond_destroy(&l->qdone);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
