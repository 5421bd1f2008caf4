#include "cprof/addrspace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

struct as_proc {
	struct as_map *maps;     /* sorted by start, disjoint */
	size_t n, cap;
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

void addrspace_free(struct addrspace *as)
{
	size_t i;

	if (!as)
		return;
	for (i = 0; i < as->nprocs; i++)
		free(as->procs[i].maps);
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
	}
	return &as->procs[idx];
}

static void changed(struct addrspace *as, struct as_proc *p)
{
	p->gen = ++as->next_gen;
	if (!p->gen) /* 0 means "never seen" */
		p->gen = ++as->next_gen;
}

int addrspace_map(struct addrspace *as, uint32_t pid, const struct as_map *m)
{
	struct as_proc *p = proc_get(as, pid);
	struct as_map tail;
	size_t i, k = 0;
	int have_tail = 0;

	if (!p || array_reserve(&p->maps, &p->cap, p->n + 2, sizeof(*p->maps)))
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		struct as_map x = p->maps[i];

		if (x.end <= m->start || x.start >= m->end) {
			p->maps[k++] = x;
			continue;
		}
		if (x.start < m->start) {
			struct as_map left = x;

			left.end = m->start;
			p->maps[k++] = left;
		}
		if (x.end > m->end) {
			tail = x;
			tail.pgoff += m->end - x.start;
			tail.start = m->end;
			have_tail = 1;
		}
	}
	p->n = k;
	for (i = 0; i < p->n && p->maps[i].start < m->start; i++)
		;
	memmove(p->maps + i + 1, p->maps + i, (p->n - i) * sizeof(*m));
	p->maps[i] = *m;
	p->n++;
	if (have_tail) {
		i++;
		memmove(p->maps + i + 1, p->maps + i, (p->n - i) * sizeof(*m));
		p->maps[i] = tail;
		p->n++;
	}
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
	if (array_reserve(&child->maps, &child->cap, parent->n, sizeof(*child->maps)))
		return -ENOMEM;
	if (parent->n)
		memcpy(child->maps, parent->maps, parent->n * sizeof(*child->maps));
	child->n = parent->n;
	changed(as, child);
	return 0;
}

int addrspace_exec(struct addrspace *as, uint32_t pid)
{
	struct as_proc *p = proc_get(as, pid);

	if (!p)
		return -ENOMEM;
	p->n = 0;
	changed(as, p);
	return 0;
}

const struct as_map *addrspace_find(const struct addrspace *as, uint32_t pid, uint64_t addr)
{
	const struct as_proc *p = proc_find(as, pid);
	size_t lo = 0, hi = p ? p->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

size_t addrspace_maps(const struct addrspace *as, uint32_t pid, const struct as_map **maps)
{
	const struct as_proc *p = proc_find(as, pid);

	*maps = p ? p->maps : NULL;
	return p ? p->n : 0;
}

uint32_t addrspace_gen(const struct addrspace *as, uint32_t pid)
{
	const struct as_proc *p = proc_find(as, pid);

	return p ? p->gen : 0;
}
