#include "cprof/functab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

/* Names are interned by the profile: equal names have equal pointers. */
static int assign(struct functab *t, struct pairmap *by_key, size_t cap[2],
		  const struct profile_frame *f, uint32_t *id)
{
	uint64_t *slot = pairmap_slot(by_key, (uint64_t)(uintptr_t)f->name, f->module, UINT64_MAX);

	if (!slot)
		return -ENOMEM;
	if (*slot == UINT64_MAX) {
		if (array_reserve(&t->name, &cap[0], t->n + 1, sizeof(*t->name)) ||
		    array_reserve(&t->module, &cap[1], t->n + 1, sizeof(*t->module)))
			return -ENOMEM;
		t->name[t->n] = f->name;
		t->module[t->n] = f->module;
		*slot = t->n++;
	}
	*id = (uint32_t)*slot;
	return 0;
}

int functab_build(const struct profile *p, struct functab *t)
{
	struct pairmap *by_key = NULL;
	uint32_t *of_frame = NULL, *seen = NULL; /* function of each frame; last row (+1) counted */
	size_t i, k, c, cap[2] = { 0, 0 }, nc = p->ncolumns;
	int err;

	memset(t, 0, sizeof(*t));
	t->ncolumns = nc;
	of_frame = malloc((p->nframes ? p->nframes : 1) * sizeof(*of_frame));
	err = of_frame ? pairmap_new(&by_key) : -ENOMEM;
	for (i = 0; i < p->nframes && !err; i++)
		err = assign(t, by_key, cap, &p->frames[i], &of_frame[i]);
	if (err)
		goto out;
	t->self = calloc(t->n * nc + 1, sizeof(*t->self));
	t->total = calloc(t->n * nc + 1, sizeof(*t->total));
	seen = calloc(t->n + 1, sizeof(*seen));
	if (!t->self || !t->total || !seen) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nsamples; i++) {
		const struct profile_stack *st = &p->stacks[p->samples[i].stack];
		uint32_t leaf;

		if (!st->depth)
			continue;
		leaf = of_frame[st->frames[st->depth - 1]];
		for (c = 0; c < nc; c++)
			t->self[leaf * nc + c] += profile_value(p, i, c);
		/* recursion counts once in total: mark each function per row */
		for (k = 0; k < st->depth; k++) {
			uint32_t f = of_frame[st->frames[k]];

			if (seen[f] == i + 1)
				continue;
			seen[f] = (uint32_t)(i + 1);
			for (c = 0; c < nc; c++)
				t->total[f * nc + c] += profile_value(p, i, c);
		}
	}
out:
	if (err)
		functab_release(t);
	free(seen);
	free(of_frame);
	pairmap_free(by_key);
	return err;
}

void functab_release(struct functab *t)
{
	free(t->name);
	free(t->module);
	free(t->self);
	free(t->total);
	memset(t, 0, sizeof(*t));
}
