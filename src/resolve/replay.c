/*
 * The replay of a record stream (replay.h): names, stacks and mappings
 * kept once for every consumer, which gets callbacks.
 */
#include "cprof/replay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/stacktab.h"
#include "cprof/util.h"

struct replay {
	struct replay_tool *tool;
	struct namer *namer;
	struct stacktab *stacks; /* the recorder's, by id */
	uint8_t *trunc;          /* enum df_trunc by stack id */
	size_t ntrunc;
	struct strtab *names;    /* comms */
	struct pairmap *comm;    /* tid -> name id (a process's name: its main thread's) */
	struct pairmap *cont;    /* pid -> name id of its container (DF_CONTAINER) */
	struct pairmap *named;   /* (pid << 32 | gen, stack id) -> profile stack */
	uint64_t recordings;     /* META records seen */
};

static uint32_t comm_id(const struct replay *rp, uint32_t tid)
{
	uint64_t id;

	return pairmap_get(rp->comm, tid, 0, &id) ? (uint32_t)id : UINT32_MAX;
}

static const char *comm_str(const struct replay *rp, uint32_t id)
{
	return id == UINT32_MAX ? "" : strtab_str(rp->names, id);
}

const char *replay_comm(const struct replay *rp, uint32_t tid)
{
	return comm_str(rp, comm_id(rp, tid));
}

/* A process's name is its main thread's (as in /proc/PID/comm). */
const char *replay_process(const struct replay *rp, uint32_t pid)
{
	return replay_comm(rp, pid);
}

const char *replay_container(const struct replay *rp, uint32_t pid)
{
	uint64_t id;

	return pairmap_get(rp->cont, pid, 0, &id) ? comm_str(rp, (uint32_t)id) : "";
}

static int on_container(struct replay *rp, const struct df_container *c)
{
	uint32_t id;
	int err = strtab_intern(rp->names, c->id, strlen(c->id), &id);

	return err ? err : pairmap_put(rp->cont, c->pid, 0, id) ? -ENOMEM : 0;
}

struct namer *replay_namer(struct replay *rp)
{
	return rp->namer;
}

static int on_comm(struct replay *rp, const struct df_comm *c)
{
	uint32_t id;
	int err = strtab_intern(rp->names, c->comm, strlen(c->comm), &id);

	if (err)
		return err;
	if (pairmap_put(rp->comm, c->tid, 0, id))
		return -ENOMEM;
	/* exec replaced the whole address space */
	return c->exec ? namer_exec(rp->namer, c->pid) : 0;
}

static int on_fork(struct replay *rp, const struct df_task *t)
{
	uint64_t name;

	/* a new thread (or process) has its parent's name until it sets its own */
	if (pairmap_get(rp->comm, t->ptid, 0, &name) && pairmap_put(rp->comm, t->tid, 0, name))
		return -ENOMEM;
	/* and its container */
	if (t->pid != t->ppid && pairmap_get(rp->cont, t->ppid, 0, &name) &&
	    pairmap_put(rp->cont, t->pid, 0, name))
		return -ENOMEM;
	/* a new process starts with a copy of its parent's mappings */
	return namer_fork(rp->namer, t->ppid, t->pid);
}

static int on_stack(struct replay *rp, const struct df_stack *st)
{
	int err;

	/* ids are dense and in order: anything else is a damaged file */
	if (st->id != stacktab_count(rp->stacks))
		return -EBADMSG;
	err = stacktab_insert(rp->stacks, st->id, st->ips, st->n);
	if (err)
		return err == -EEXIST ? -EBADMSG : err;
	if (st->id >= rp->ntrunc) {
		size_t cap = rp->ntrunc ? rp->ntrunc : 1024;
		uint8_t *t;

		while (cap <= st->id)
			cap *= 2;
		t = realloc(rp->trunc, cap);
		if (!t)
			return -ENOMEM;
		memset(t + rp->ntrunc, 0, cap - rp->ntrunc);
		rp->trunc = t;
		rp->ntrunc = cap;
	}
	rp->trunc[st->id] = (uint8_t)st->trunc;
	return 0;
}

/* Another recording of the same processes: its stack ids and names start anew. */
static int new_recording(struct replay *rp)
{
	struct stacktab *t;

	if (stacktab_new(&t))
		return -ENOMEM;
	stacktab_free(rp->stacks);
	rp->stacks = t;
	pairmap_clear(rp->named);
	pairmap_clear(rp->comm); /* the recorder names every thread again */
	pairmap_clear(rp->cont);
	namer_new_recording(rp->namer);
	return 0;
}

static int on_sample(struct replay *rp, const struct df_sample *s, enum replay_kind kind,
		     uint64_t value)
{
	struct replay_sample rs = { .time = s->time, .value = value, .pid = s->pid,
				    .tid = s->tid, .cpu = s->cpu, .stack_id = s->stack_id,
				    .kind = kind };

	if (!rp->tool->sample)
		return 0;
	rs.comm_id = comm_id(rp, s->tid);
	rs.process_id = comm_id(rp, s->pid);
	rs.comm = comm_str(rp, rs.comm_id);
	rs.process = comm_str(rp, rs.process_id);
	rs.container = replay_container(rp, s->pid);
	return rp->tool->sample(rp->tool, &rs);
}

static int on_wsample(struct replay *rp, const struct df_wsample *w)
{
	struct df_sample s = { .time = w->time, .pid = w->pid, .tid = w->tid,
			       .stack_id = w->stack_id, .cpu = w->cpu };

	if (w->kind != DF_WS_OFFCPU && w->kind != DF_WS_RUNQ)
		return 0;
	return on_sample(rp, &s, w->kind == DF_WS_OFFCPU ? REPLAY_OFFCPU : REPLAY_RUNQ,
			 w->value);
}

int replay_record(struct replay *rp, const struct df_record *rec)
{
	struct replay_tool *t = rp->tool;
	int err;

	switch (rec->type) {
	case DF_META:
		if (rp->recordings++ && (err = new_recording(rp)))
			return err;
		return t->meta ? t->meta(t, &rec->meta) : 0;
	case DF_COMM:
		return on_comm(rp, &rec->comm);
	case DF_FORK:
		return on_fork(rp, &rec->task);
	case DF_MMAP:
		if ((err = namer_mmap(rp->namer, &rec->mmap)))
			return err;
		return t->mmap ? t->mmap(t, &rec->mmap) : 0;
	case DF_PERFMAP:
		if ((err = namer_perfmap(rp->namer, &rec->perfmap)))
			return err;
		/* stacks named before these JIT names name differently now */
		if (pairmap_count(rp->named))
			pairmap_clear(rp->named);
		return t->perfmap ? t->perfmap(t, &rec->perfmap) : 0;
	case DF_KSYM:
		return namer_ksym(rp->namer, rec->ksym.start, rec->ksym.size, rec->ksym.name);
	case DF_PYCODE:
		return namer_pycode(rp->namer, &rec->pycode);
	case DF_JSFUNC:
		return namer_jsfunc(rp->namer, &rec->jsfunc);
	case DF_CONTAINER:
		return on_container(rp, &rec->container);
	case DF_STACK:
		return on_stack(rp, &rec->stack);
	case DF_SAMPLE:
		return on_sample(rp, &rec->sample, REPLAY_CPU, 0);
	case DF_WSAMPLE:
		return on_wsample(rp, &rec->wsample);
	case DF_LOST:
		return t->lost ? t->lost(t, rec->lost.count) : 0;
	case DF_FINISH:
		return t->finish ? t->finish(t, &rec->finish) : 0;
	case DF_EXIT:
	default:
		return 0;
	}
}

int replay_stack(struct replay *rp, uint32_t pid, uint32_t stack_id, uint32_t *out)
{
	uint64_t key = (uint64_t)pid << 32 | namer_gen(rp->namer, pid), sid;
	const uint64_t *chain;
	size_t n;
	int err;

	if (pairmap_get(rp->named, key, stack_id, &sid)) {
		*out = (uint32_t)sid;
		return 0;
	}
	chain = stacktab_get(rp->stacks, stack_id, &n);
	if (!chain)
		return -ENOENT;
	if ((err = namer_chain(rp->namer, pid, chain, n, out)))
		return err;
	return pairmap_put(rp->named, key, stack_id, *out) ? -ENOMEM : 0;
}

const uint64_t *replay_chain(const struct replay *rp, uint32_t stack_id, size_t *n,
			     uint32_t *trunc)
{
	const uint64_t *chain = stacktab_get(rp->stacks, stack_id, n);

	*trunc = chain && stack_id < rp->ntrunc ? rp->trunc[stack_id] : DF_TRUNC_NONE;
	return chain;
}

uint32_t replay_stack_count(const struct replay *rp)
{
	return stacktab_count(rp->stacks);
}

int replay_set_profile(struct replay *rp, struct profile *prof)
{
	int err = namer_set_profile(rp->namer, prof);

	if (!err)
		pairmap_clear(rp->named);
	return err;
}

int replay_new(const struct namer_config *cfg, struct profile *prof, struct replay_tool *tool,
	       struct replay **out)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	int err;

	*out = NULL;
	if (!rp)
		return -ENOMEM;
	rp->tool = tool;
	if ((err = namer_new(cfg, prof, &rp->namer)) || (err = stacktab_new(&rp->stacks)) ||
	    (err = strtab_new(&rp->names)) || (err = pairmap_new(&rp->comm)) ||
	    (err = pairmap_new(&rp->cont)) ||
	    (err = pairmap_new(&rp->named))) {
		replay_free(rp);
		return err;
	}
	*out = rp;
	return 0;
}

void replay_free(struct replay *rp)
{
	if (!rp)
		return;
	namer_free(rp->namer);
	stacktab_free(rp->stacks);
	free(rp->trunc);
	strtab_free(rp->names);
	pairmap_free(rp->comm);
	pairmap_free(rp->cont);
	pairmap_free(rp->named);
	free(rp);
}
