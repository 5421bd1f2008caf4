#include "cprof/addrspace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

/*
 * A process's mappings. A fork shares its parent's table (one more
 * reference) and the first change to either side copies it: 2000 forks
 * of a process with 20k mappings cost 2000 references, not 40M copies.
 */
struct as_table {
	unsigned long refs;
	size_t n, cap;
	struct as_map *maps;     /* sorted by start, disjoint */
};

struct as_proc {
	struct as_table *t;      /* NULL: no mappings */
	uint32_t gen;
};

struct addrspace {
	struct pairmap *by_pid;  /* pid -> index in procs */
	struct as_proc *procs;
	size_t nprocs, cap;
	uint32_t next_gen;       /* generations are unique across processes */
};

int addrspace_new(struct addrspace **out)
{
	struct addrspace *as = calloc(1, sizeof(*as));

	if (!as || pairmap_new(&as->by_pid)) {
		free(as);
		return -ENOMEM;
	}
	*out = as;
	return 0;
}

static void table_put(struct as_table *t)
{
	if (t && !--t->refs) {
		free(t->maps);
		free(t);
	}
}

void addrspace_free(struct addrspace *as)
{
	size_t i;

	if (!as)
		return;
	for (i = 0; i < as->nprocs; i++)
		table_put(as->procs[i].t);
	free(as->procs);
	pairmap_free(as->by_pid);
	free(as);
}

static const struct as_proc *proc_find(const struct addrspace *as, uint32_t pid)
{
	uint64_t idx;

	return pairmap_get(as->by_pid, pid, 0, &idx) ? &as->procs[idx] : NULL;
}

static struct as_proc *proc_get(struct addrspace *as, uint32_t pid)
{
	uint64_t idx;

	if (!pairmap_get(as->by_pid, pid, 0, &idx)) {
		if (array_reserve(&as->procs, &as->cap, as->nprocs + 1, sizeof(*as->procs)) ||
		    pairmap_put(as->by_pid, pid, 0, as->nprocs))
			return NULL;
		idx = as->nprocs++;
		as->procs[idx] = (struct as_proc){ 0 };
	}
	return &as->procs[idx];
}

/* P's own table with room for N more mappings: copied first if it is shared. */
static struct as_table *table_own(struct as_proc *p, size_t more)
{
	struct as_table *t = p->t, *c;

	if (t && t->refs == 1)
		return array_reserve(&t->maps, &t->cap, t->n + more, sizeof(*t->maps)) ? NULL : t;
	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	c->refs = 1;
	if (array_reserve(&c->maps, &c->cap, (t ? t->n : 0) + more, sizeof(*c->maps))) {
		free(c);
		return NULL;
	}
	if (t && t->n) {
		memcpy(c->maps, t->maps, t->n * sizeof(*c->maps));
		c->n = t->n;
	}
	table_put(t);
	p->t = c;
	return c;
}

static void changed(struct addrspace *as, struct as_proc *p)
{
	p->gen = ++as->next_gen;
	if (!p->gen) /* 0 means "never seen" */
		p->gen = ++as->next_gen;
}

static uint64_t map_start(const void *m)
{
	return ((const struct as_map *)m)->start;
}

static uint64_t map_end(const void *m)
{
	return ((const struct as_map *)m)->end;
}

int addrspace_map(struct addrspace *as, uint32_t pid, const struct as_map *m)
{
	struct as_proc *p = proc_get(as, pid);
	struct as_map piece[3];
	struct as_table *t;
	size_t lo, hi, k = 0;

	if (m->end <= m->start)
		return 0; /* maps nothing (a damaged length that wraps): kept out of the sorted table */
	if (!p || !(t = table_own(p, 2)))
		return -ENOMEM;
	/* the mappings M overlaps are [lo, hi): sorted and disjoint, so ends are sorted too */
	lo = upper_bound_u64(t->maps, t->n, sizeof(*t->maps), m->start, map_end);
	for (hi = lo; hi < t->n && t->maps[hi].start < m->end; hi++)
		;
	if (lo < hi && t->maps[lo].start < m->start) {
		piece[k] = t->maps[lo];
		piece[k++].end = m->start;
	}
	piece[k++] = *m;
	if (lo < hi && t->maps[hi - 1].end > m->end) {
		piece[k] = t->maps[hi - 1];
		piece[k].pgoff += m->end - piece[k].start;
		piece[k++].start = m->end;
	}
	memmove(t->maps + lo + k, t->maps + hi, (t->n - hi) * sizeof(*m));
	memcpy(t->maps + lo, piece, k * sizeof(*m));
	t->n = t->n - (hi - lo) + k;
	changed(as, p);
	return 0;
}

int addrspace_fork(struct addrspace *as, uint32_t ppid, uint32_t pid)
{
	struct as_proc *child, *parent;
	uint64_t pidx;

	if (ppid == pid)
		return 0;
	if (!proc_get(as, ppid) || !(child = proc_get(as, pid)))
		return -ENOMEM;
	pairmap_get(as->by_pid, ppid, 0, &pidx); /* proc_get may have moved the array */
	parent = &as->procs[pidx];
	if (parent->t)
		parent->t->refs++;
	table_put(child->t);
	child->t = parent->t;
	changed(as, child);
	return 0;
}

int addrspace_exec(struct addrspace *as, uint32_t pid)
{
	struct as_proc *p = proc_get(as, pid);

	if (!p)
		return -ENOMEM;
	table_put(p->t);
	p->t = NULL;
	changed(as, p);
	return 0;
}

const struct as_map *addrspace_find(const struct addrspace *as, uint32_t pid, uint64_t addr)
{
	const struct as_proc *p = proc_find(as, pid);
	const struct as_table *t = p ? p->t : NULL;
	size_t i = t ? upper_bound_u64(t->maps, t->n, sizeof(*t->maps), addr, map_start) : 0;

	/* the last mapping that starts at or below ADDR: the one if any (they are disjoint) */
	return i && addr < t->maps[i - 1].end ? &t->maps[i - 1] : NULL;
}

size_t addrspace_maps(const struct addrspace *as, uint32_t pid, const struct as_map **maps)
{
	const struct as_proc *p = proc_find(as, pid);
	const struct as_table *t = p ? p->t : NULL;

	*maps = t ? t->maps : NULL;
	return t ? t->n : 0;
}

uint32_t addrspace_gen(const struct addrspace *as, uint32_t pid)
{
	const struct as_proc *p = proc_find(as, pid);

	return p ? p->gen : 0;
}
