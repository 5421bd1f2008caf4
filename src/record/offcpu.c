#include "cprof/offcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

struct thread_state {
	uint64_t stack_time;     /* of the last switch-out sample */
	uint64_t out_time;       /* of the open interval */
	uint64_t in_time;        /* of the last switch-in */
	uint32_t pid, stack, cpu;
	uint8_t has_stack, open, preempted, dead;
};

struct offcpu {
	struct pairmap *index;   /* tid -> index in threads */
	struct thread_state *threads;
	size_t nthreads, cap;
	struct offcpu_stats stats;
};

int offcpu_new(struct offcpu **out)
{
	struct offcpu *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	if ((err = pairmap_new(&o->index))) {
		free(o);
		return err;
	}
	*out = o;
	return 0;
}

void offcpu_free(struct offcpu *o)
{
	if (!o)
		return;
	pairmap_free(o->index);
	free(o->threads);
	free(o);
}

/* The state of TID, made on first sight (allocates once per thread). */
static struct thread_state *state_of(struct offcpu *o, uint32_t tid)
{
	uint64_t *slot = pairmap_slot(o->index, tid, 0, UINT64_MAX);

	if (!slot)
		return NULL;
	if (*slot == UINT64_MAX) {
		if (array_reserve(&o->threads, &o->cap, o->nthreads + 1, sizeof(*o->threads)))
			return NULL;
		memset(&o->threads[o->nthreads], 0, sizeof(*o->threads));
		*slot = o->nthreads++;
	}
	return &o->threads[*slot];
}

int offcpu_stack(struct offcpu *o, uint32_t pid, uint32_t tid, uint64_t time, uint32_t stack)
{
	struct thread_state *t = state_of(o, tid);

	if (!t)
		return -ENOMEM;
	t->pid = pid;
	t->stack = stack;
	t->stack_time = time;
	t->has_stack = 1;
	return 0;
}

int offcpu_out(struct offcpu *o, uint32_t pid, uint32_t tid, uint64_t time, int preempted)
{
	struct thread_state *t = state_of(o, tid);

	if (!t)
		return -ENOMEM;
	/* dead, or read out of order past its switch-in: no interval to open */
	if (t->dead || (t->in_time && time < t->in_time))
		return 0;
	t->pid = pid;
	t->out_time = time;
	t->open = 1;
	t->preempted = !!preempted;
	/* the sample of this switch, not one left from a switch-out whose record was lost */
	if (!t->has_stack || t->stack_time < t->in_time)
		t->stack = OFFCPU_NO_STACK;
	t->has_stack = 0;
	return 0;
}

static void close_interval(struct offcpu *o, struct thread_state *t, uint32_t tid,
			   uint64_t end, struct df_wsample *w)
{
	*w = (struct df_wsample){ .time = t->out_time, .pid = t->pid, .tid = tid,
				  .stack_id = t->stack, .cpu = t->cpu,
				  .kind = t->preempted ? DF_WS_RUNQ : DF_WS_OFFCPU,
				  .value = end > t->out_time ? end - t->out_time : 0 };
	t->open = 0;
	if (t->preempted)
		o->stats.preempted++;
	else
		o->stats.blocked++;
	if (t->stack == OFFCPU_NO_STACK)
		o->stats.no_stack++;
}

int offcpu_in(struct offcpu *o, uint32_t tid, uint32_t cpu, uint64_t time,
	      struct df_wsample *w)
{
	struct thread_state *t = state_of(o, tid);

	if (!t)
		return -ENOMEM;
	if (t->dead)
		return 0;
	t->in_time = time;
	t->cpu = cpu;
	if (!t->open) {
		o->stats.unpaired++;
		return 0;
	}
	close_interval(o, t, tid, time, w);
	return 1;
}

void offcpu_exit(struct offcpu *o, uint32_t tid)
{
	struct thread_state *t = state_of(o, tid);

	if (t) {
		t->dead = 1;
		t->open = 0;
	}
}

int offcpu_close_all(struct offcpu *o, uint64_t end, offcpu_fn fn, void *arg)
{
	size_t pos = 0;
	uint64_t tid, zero, idx;
	int err = 0;

	while (!err && pairmap_next(o->index, &pos, &tid, &zero, &idx)) {
		struct thread_state *t = &o->threads[idx];
		struct df_wsample w;

		if (!t->open || t->dead)
			continue;
		close_interval(o, t, (uint32_t)tid, end, &w);
		err = fn(&w, arg);
	}
	return err;
}

const struct offcpu_stats *offcpu_stats(const struct offcpu *o)
{
	return &o->stats;
}
