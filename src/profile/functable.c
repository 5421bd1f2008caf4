/* Functions of a profile with their self and total values (functable.h). */
#include "cprof/functable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

/* Names are interned by the profile: equal names have equal pointers. */
static int func_of(struct functable *t, const struct profile_frame *f, uint32_t *id)
{
	uint64_t *slot = pairmap_slot(t->by_key, (uint64_t)(uintptr_t)f->name, f->module, UINT64_MAX);

	if (!slot)
		return -ENOMEM;
	if (*slot == UINT64_MAX) {
		if (array_reserve(&t->rows, &t->cap, t->n + 1, sizeof(*t->rows)))
			return -ENOMEM;
		t->rows[t->n] = (struct func_row){ .name = f->name, .module = f->module };
		*slot = t->n++;
	}
	*id = (uint32_t)*slot;
	return 0;
}

static int count(struct functable *t, const struct profile *p, uint32_t col)
{
	uint32_t *seen = calloc(t->n ? t->n : 1, sizeof(*seen)); /* last row (+1) counted in total */
	size_t i, k;

	if (!seen)
		return -ENOMEM;
	for (i = 0; i < p->nsamples; i++) {
		const struct profile_stack *st = &p->stacks[p->samples[i].stack];
		int64_t v = profile_value(p, i, col);

		if (!st->depth)
			continue;
		t->rows[t->of_frame[st->frames[st->depth - 1]]].self += v;
		/* recursion counts once in total: mark each function per row */
		for (k = 0; k < st->depth; k++) {
			uint32_t f = t->of_frame[st->frames[k]];

			if (seen[f] != i + 1) {
				seen[f] = (uint32_t)(i + 1);
				t->rows[f].total += v;
			}
		}
	}
	free(seen);
	return 0;
}

static int by_self(const void *a, const void *b)
{
	const struct func_row *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int by_total(const void *a, const void *b)
{
	const struct func_row *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return by_self(a, b);
}

int functable_build(struct functable *t, const struct profile *p, uint32_t col, int sort_total)
{
	size_t i;
	int err;

	if ((err = pairmap_new(&t->by_key)))
		return err;
	if (!(t->of_frame = malloc((p->nframes ? p->nframes : 1) * sizeof(*t->of_frame))))
		return -ENOMEM;
	for (i = 0; i < p->nframes; i++)
		if ((err = func_of(t, &p->frames[i], &t->of_frame[i])))
			return err;
	if ((err = count(t, p, col)))
		return err;
	if (!t->n || sort_total == FUNCTABLE_UNSORTED)
		return 0;
	qsort(t->rows, t->n, sizeof(*t->rows), sort_total ? by_total : by_self);
	/* the frames' rows, in the sorted order */
	for (i = 0; i < t->n; i++)
		if (pairmap_put(t->by_key, (uint64_t)(uintptr_t)t->rows[i].name, t->rows[i].module, i))
			return -ENOMEM;
	for (i = 0; i < p->nframes; i++) {
		uint64_t row;

		pairmap_get(t->by_key, (uint64_t)(uintptr_t)p->frames[i].name, p->frames[i].module,
			    &row);
		t->of_frame[i] = (uint32_t)row;
	}
	return 0;
}

void functable_release(struct functable *t)
{
	free(t->rows);
	free(t->of_frame);
	pairmap_free(t->by_key);
	memset(t, 0, sizeof(*t));
}

const char *profile_module_name(const struct profile *p, uint32_t m)
{
	const char *path, *base;

	if (m == PROFILE_NONE)
		return "";
	path = p->modules[m].path;
	base = strrchr(path, '/');
	return base ? base + 1 : path;
}

/* Whether row ROW's function is in stack ST, and whether it is its leaf. */
static int holds(const struct functable *t, const struct profile_stack *st, size_t row, int *leaf)
{
	size_t k;

	*leaf = st->depth && t->of_frame[st->frames[st->depth - 1]] == row;
	for (k = 0; k < st->depth; k++)
		if (t->of_frame[st->frames[k]] == row)
			return 1;
	return 0;
}

void functable_by_thread(const struct functable *t, const struct profile *p, uint32_t col,
			 size_t row, int64_t *self, int64_t *total)
{
	size_t i;
	int leaf;

	memset(self, 0, p->nthreads * sizeof(*self));
	memset(total, 0, p->nthreads * sizeof(*total));
	for (i = 0; i < p->nsamples; i++) {
		if (!holds(t, &p->stacks[p->samples[i].stack], row, &leaf))
			continue;
		total[p->samples[i].thread] += profile_value(p, i, col);
		if (leaf)
			self[p->samples[i].thread] += profile_value(p, i, col);
	}
}

int functable_neighbours(const struct functable *t, const struct profile *p, uint32_t col,
			 size_t row, int64_t *callers, int64_t *callees)
{
	uint32_t *seen = calloc(2 * (t->n ? t->n : 1), sizeof(*seen));
	size_t i, k;

	if (!seen)
		return -ENOMEM;
	memset(callers, 0, t->n * sizeof(*callers));
	memset(callees, 0, t->n * sizeof(*callees));
	for (i = 0; i < p->nsamples; i++) {
		const struct profile_stack *st = &p->stacks[p->samples[i].stack];
		int64_t v = profile_value(p, i, col);

		for (k = 0; k < st->depth; k++) {
			uint32_t up, down;

			if (t->of_frame[st->frames[k]] != row)
				continue;
			up = k ? t->of_frame[st->frames[k - 1]] : UINT32_MAX;
			down = k + 1 < st->depth ? t->of_frame[st->frames[k + 1]] : UINT32_MAX;
			if (up != UINT32_MAX && up != row && seen[2 * up] != i + 1) {
				seen[2 * up] = (uint32_t)(i + 1);
				callers[up] += v;
			}
			if (down != UINT32_MAX && down != row && seen[2 * down + 1] != i + 1) {
				seen[2 * down + 1] = (uint32_t)(i + 1);
				callees[down] += v;
			}
		}
	}
	free(seen);
	return 0;
}
