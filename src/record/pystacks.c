#include "cprof/pystacks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cprof/cpython.h"
#include "cprof/procfs.h"
#include "cprof/util.h"

#define NOTES_MAX 64             /* processes whose Python could not be read, kept for the summary */
#define LINES_MAX (1u << 22)     /* cached lines; the cache starts over beyond */

struct pyproc {
	struct cpython *py;      /* NULL: no Python read in this process */
	uint32_t epoch;          /* this probe's number: code ids are per (epoch, address) */
	int in_ns;               /* its threads have other ids in their pid namespace */
	int err;                 /* the probe's: 0, -ENOENT (no python mapped)... */
	uint32_t next_free;      /* free-list link, index + 1 */
};

struct pystacks {
	pystacks_emit_fn emit;
	void *arg;
	struct pairmap *procs;   /* pid -> index + 1 in PROCS; 0: not probed */
	struct pyproc *slots;
	size_t nslots, capslots;
	uint32_t free_head;      /* index + 1; 0: none */
	uint32_t epoch;
	struct pairmap *codes;   /* (epoch, code address) -> code id | its fingerprint << 32 */
	struct pairmap *lines;   /* (code id, offset + 1) -> line + 1 */
	struct pairmap *nstids;  /* (epoch, tid) -> the tid inside its pid namespace */
	uint32_t ncodes;
	size_t nreaders;         /* slots holding a reader */
	struct pystacks_stats st;
	struct pystacks_note notes[NOTES_MAX];
	size_t nnotes;
	struct cpython_frame frames[PYSTACKS_DEPTH];
	uint64_t code_addrs[PYSTACKS_DEPTH];
	uint32_t keys[PYSTACKS_DEPTH];
};

int pystacks_new(pystacks_emit_fn emit, void *arg, struct pystacks **out)
{
	struct pystacks *ps = calloc(1, sizeof(*ps));

	*out = NULL;
	if (!ps)
		return -ENOMEM;
	ps->emit = emit;
	ps->arg = arg;
	if (pairmap_new(&ps->procs) || pairmap_new(&ps->codes) || pairmap_new(&ps->lines) ||
	    pairmap_new(&ps->nstids)) {
		pystacks_free(ps);
		return -ENOMEM;
	}
	*out = ps;
	return 0;
}

void pystacks_free(struct pystacks *ps)
{
	size_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->nslots; i++)
		cpython_free(ps->slots[i].py);
	free(ps->slots);
	pairmap_free(ps->procs);
	pairmap_free(ps->codes);
	pairmap_free(ps->lines);
	pairmap_free(ps->nstids);
	free(ps);
}

static void note(struct pystacks *ps, pid_t pid, int err)
{
	struct cpython_probe p;

	if (ps->nnotes == NOTES_MAX)
		return;
	if (cpython_probe(pid, &p) && p.major == 0 && err != -EPROTONOSUPPORT)
		memset(&p, 0, sizeof(p));
	ps->notes[ps->nnotes++] = (struct pystacks_note){ .pid = pid, .major = p.major,
							  .minor = p.minor, .err = err };
}

/* PID's slot, probed now if it was not; NULL when out of memory. */
static struct pyproc *proc_get(struct pystacks *ps, pid_t pid)
{
	uint64_t idx;
	struct pyproc *p;
	int err;

	if (pairmap_get(ps->procs, (uint64_t)pid, 0, &idx) && idx)
		return &ps->slots[idx - 1];
	if (ps->free_head) {
		idx = ps->free_head;
		ps->free_head = ps->slots[idx - 1].next_free;
	} else {
		if (array_reserve(&ps->slots, &ps->capslots, ps->nslots + 1, sizeof(*ps->slots)))
			return NULL;
		idx = ++ps->nslots;
	}
	if (pairmap_put(ps->procs, (uint64_t)pid, 0, idx))
		return NULL;
	p = &ps->slots[idx - 1];
	*p = (struct pyproc){ .epoch = ++ps->epoch };
	if (ps->nreaders >= PYSTACKS_READERS_MAX) {
		struct cpython_probe probe;

		/* a Python beyond the budget is counted, not read */
		p->err = -EUSERS;
		ps->st.over_cap += !cpython_probe(pid, &probe);
		return p;
	}
	err = p->err = cpython_new(pid, &p->py);
	if (!err) {
		ps->nreaders++;
		p->in_ns = procfs_ns_tid(pid, pid) != pid;
		ps->st.processes++;
	} else if (err != -ENOENT && err != -ESRCH) {
		note(ps, pid, err); /* a Python, not one we read */
	}
	return p;
}

void pystacks_forget(struct pystacks *ps, pid_t pid)
{
	uint64_t idx;

	if (!pairmap_get(ps->procs, (uint64_t)pid, 0, &idx) || !idx)
		return;
	if (ps->slots[idx - 1].py)
		ps->nreaders--;
	cpython_free(ps->slots[idx - 1].py);
	ps->slots[idx - 1] = (struct pyproc){ .next_free = ps->free_head };
	ps->free_head = (uint32_t)idx;
	pairmap_put(ps->procs, (uint64_t)pid, 0, 0); /* overwrites: cannot fail */
}

void pystacks_mapped(struct pystacks *ps, pid_t pid, const char *path)
{
	const char *base = strrchr(path, '/');
	uint64_t idx;

	base = base ? base + 1 : path;
	if (strncmp(base, "python", 6) && strncmp(base, "libpython", 9))
		return;
	if (pairmap_get(ps->procs, (uint64_t)pid, 0, &idx) && idx && ps->slots[idx - 1].err == -ENOENT)
		pystacks_forget(ps, pid);
}

/*
 * The id of the code object at CODE in P, whose fingerprint is KEY
 * (cpython_code_keys()), into *ID, its names handed to EMIT the first
 * time; a code object at an address cached with another fingerprint is
 * another (its address was reused) and gets a new id. 0 (no name) when it
 * cannot be read or ids ran out.
 */
static int code_id(struct pystacks *ps, struct pyproc *p, pid_t pid, uint64_t code, uint32_t key,
		   uint32_t *id)
{
	struct df_record rec = { .type = DF_PYCODE };
	struct cpython_code c;
	uint64_t v;
	int err;

	*id = 0;
	if (pairmap_get(ps->codes, p->epoch, code, &v) && key && (uint32_t)(v >> 32) == key) {
		*id = (uint32_t)v;
		return 0;
	}
	if (!key || ps->ncodes + 1 >= PYSTACKS_CODES_MAX || cpython_code(p->py, code, &c))
		return 0; /* not cached: a code object half made may read later */
	rec.pycode = (struct df_pycode){ .pid = (uint32_t)pid, .id = ps->ncodes + 1,
					 .firstlineno = c.firstlineno, .qualname = c.qualname,
					 .filename = c.filename };
	if ((err = ps->emit(&rec, ps->arg)))
		return err;
	if (pairmap_put(ps->codes, p->epoch, code, (uint64_t)key << 32 | rec.pycode.id))
		return -ENOMEM;
	*id = ++ps->ncodes;
	return 0;
}

/* The line frame F runs in code ID; 0 unknown. */
static uint32_t frame_line(struct pystacks *ps, struct pyproc *p, uint32_t id,
			   const struct cpython_frame *f)
{
	uint64_t key = (uint64_t)(uint32_t)f->lasti + 1, v;
	uint32_t line = 0;
	int err;

	if (pairmap_get(ps->lines, id, key, &v))
		return (uint32_t)v - 1;
	err = cpython_line(p->py, f->code, f->lasti, &line);
	if (err && err != -ENOENT && err != -E2BIG)
		return 0; /* a failed read: not cached */
	if (pairmap_count(ps->lines) >= LINES_MAX)
		pairmap_clear(ps->lines);
	pairmap_put(ps->lines, id, key, (uint64_t)(line & DF_PYFRAME_LINE) + 1); /* a cache */
	return line;
}

/* TID as P's threads know it (their own pid namespace's id). */
static pid_t thread_id(struct pystacks *ps, struct pyproc *p, pid_t pid, pid_t tid)
{
	uint64_t v;
	pid_t ns;

	if (!p->in_ns)
		return tid;
	if (pairmap_get(ps->nstids, p->epoch, (uint64_t)tid, &v))
		return (pid_t)v;
	ns = procfs_ns_tid(pid, tid);
	if (ns > 0)
		pairmap_put(ps->nstids, p->epoch, (uint64_t)tid, (uint64_t)ns); /* a cache */
	return ns > 0 ? ns : tid;
}

int pystacks_append(struct pystacks *ps, pid_t pid, pid_t tid, uint64_t time, uint64_t *chain,
		    size_t max, size_t *n)
{
	struct pyproc *p = pid > 0 ? proc_get(ps, pid) : NULL;
	size_t got = 0, i, room;
	uint64_t lag;
	int err;

	if (pid > 0 && !p)
		return -ENOMEM;
	if (!p || !p->py || *n + 2 > max)
		return 0;
	room = max - *n - 1 < PYSTACKS_DEPTH ? max - *n - 1 : PYSTACKS_DEPTH;
	err = cpython_stack(p->py, thread_id(ps, p, pid, tid), ps->frames, room, &got);
	lag = now_ns(CLOCK_MONOTONIC);
	lag = lag > time ? lag - time : 0;
	ps->st.lag_sum_ns += lag;
	if (lag > ps->st.lag_max_ns)
		ps->st.lag_max_ns = lag;
	ps->st.late += lag > PYSTACKS_LATE_NS;
	if (err == -ESRCH && !got)
		return 0; /* a thread that runs no Python (yet) */
	if (err && err != -E2BIG) {
		ps->st.failed++;
		return 0;
	}
	if (!got)
		return 0;
	/* one read tells whether the code objects cached are still the ones named */
	for (i = 0; i < got; i++)
		ps->code_addrs[i] = ps->frames[i].code;
	cpython_code_keys(p->py, ps->code_addrs, got, ps->keys);
	chain[(*n)++] = DF_CONTEXT_PYTHON;
	for (i = 0; i < got; i++) {
		const struct cpython_frame *f = &ps->frames[i];
		uint32_t id;

		if ((err = code_id(ps, p, pid, f->code, ps->keys[i], &id)))
			return err;
		chain[(*n)++] = DF_PYFRAME(id, id ? frame_line(ps, p, id, f) : 0, f->entry);
	}
	ps->st.stacks++;
	ps->st.frames += got;
	return 0;
}

const struct pystacks_stats *pystacks_stats(const struct pystacks *ps)
{
	return &ps->st;
}

int pystacks_note(const struct pystacks *ps, size_t i, struct pystacks_note *out)
{
	if (i >= ps->nnotes)
		return -ENOENT;
	*out = ps->notes[i];
	return 0;
}
