#include "cprof/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

enum { CAP_COLUMNS, CAP_MODULES, CAP_FRAMES, CAP_STACKS, CAP_THREADS, CAP_SAMPLES, CAP_VALUES,
       CAP_EVENTS, NCAPS };

struct profile_index {
	struct strtab *strs;     /* every string of the model */
	struct strtab *keys;     /* packed keys of modules, frames, stacks, threads */
	struct pairmap *by_key;  /* (kind, key id) -> id */
	struct pairmap *rows;    /* (stack, thread) -> sample row */
	uint32_t **blocks;       /* frame ids of the stacks, in blocks that never move */
	size_t nblocks, capblocks, used; /* ids used in the last block */
	uint32_t nlocations;
	int64_t (*sums)[2];      /* of each column: what was added above 0, below 0 */
	size_t cap[NCAPS], capsums;
};

enum key_kind { KEY_MODULE, KEY_FRAME, KEY_STACK, KEY_THREAD };

int profile_new(struct profile **out)
{
	struct profile *p = calloc(1, sizeof(*p));
	int err = -ENOMEM;

	if (!p || !(p->ix = calloc(1, sizeof(*p->ix))))
		goto fail;
	if ((err = strtab_new(&p->ix->strs)) || (err = strtab_new(&p->ix->keys)) ||
	    (err = pairmap_new(&p->ix->by_key)) || (err = pairmap_new(&p->ix->rows)))
		goto fail;
	p->meta.cmdline = p->meta.hostname = p->meta.release = "";
	*out = p;
	return 0;
fail:
	profile_free(p);
	return err;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	if (p->ix) {
		strtab_free(p->ix->strs);
		strtab_free(p->ix->keys);
		pairmap_free(p->ix->by_key);
		pairmap_free(p->ix->rows);
		for (size_t i = 0; i < p->ix->nblocks; i++)
			free(p->ix->blocks[i]);
		free(p->ix->blocks);
		free(p->ix->sums);
		free(p->ix);
	}
	free(p->columns);
	free(p->modules);
	free(p->frames);
	free(p->stacks);
	free(p->threads);
	free(p->samples);
	free(p->values);
	free(p->events);
	free(p);
}

const char *profile_str(struct profile *p, const char *s)
{
	uint32_t id;

	if (strtab_intern(p->ix->strs, s, strlen(s), &id))
		return NULL;
	return strtab_str(p->ix->strs, id);
}

/* Look KEY (LEN bytes) up among keys of KIND: 1 and *ID if known, else 0 and *KEY_ID. */
static int find_key(struct profile *p, enum key_kind kind, const void *key, size_t len,
		    uint32_t *key_id, uint32_t *id)
{
	uint64_t v;
	int err = strtab_intern(p->ix->keys, key, len, key_id);

	if (err)
		return err;
	if (pairmap_get(p->ix->by_key, kind, *key_id, &v)) {
		*id = (uint32_t)v;
		return 1;
	}
	return 0;
}

int profile_add_column(struct profile *p, const char *name, const char *unit, uint32_t *col)
{
	const char *n = profile_str(p, name), *u = profile_str(p, unit);

	if (p->nsamples)
		return -EINVAL;
	if (!n || !u || array_reserve(&p->columns, &p->ix->cap[CAP_COLUMNS], p->ncolumns + 1,
				      sizeof(*p->columns)) ||
	    array_reserve(&p->ix->sums, &p->ix->capsums, p->ncolumns + 1, sizeof(*p->ix->sums)))
		return -ENOMEM;
	p->columns[p->ncolumns] = (struct profile_column){ n, u };
	*col = (uint32_t)p->ncolumns++;
	return 0;
}

uint32_t profile_column(const struct profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ncolumns; i++)
		if (!strcmp(p->columns[i].name, name))
			return (uint32_t)i;
	return PROFILE_NONE;
}

int profile_module(struct profile *p, const char *path, const char *build_id, uint32_t *id)
{
	const char *sp = profile_str(p, path), *sb = profile_str(p, build_id);
	const char *key[2] = { sp, sb };
	uint32_t kid;
	int err;

	if (!sp || !sb)
		return -ENOMEM;
	err = find_key(p, KEY_MODULE, key, sizeof(key), &kid, id);
	if (err)
		return err < 0 ? err : 0;
	if (array_reserve(&p->modules, &p->ix->cap[CAP_MODULES], p->nmodules + 1,
			  sizeof(*p->modules)))
		return -ENOMEM;
	p->modules[p->nmodules] = (struct profile_module){ sp, sb };
	*id = (uint32_t)p->nmodules;
	if (pairmap_put(p->ix->by_key, KEY_MODULE, kid, p->nmodules))
		return -ENOMEM;
	p->nmodules++;
	return 0;
}

uint32_t profile_new_location(struct profile *p)
{
	return p->ix->nlocations++;
}

int profile_frame(struct profile *p, const struct profile_frame *f, uint32_t *id)
{
	struct profile_frame c = *f;
	uint32_t kid;
	int err;

	/* interned strings are equal exactly when their pointers are */
	c.name = profile_str(p, f->name);
	c.mangled = f->mangled && strcmp(f->mangled, f->name) ? profile_str(p, f->mangled) : c.name;
	c.file = f->file ? profile_str(p, f->file) : NULL;
	if (!c.name || !c.mangled || (f->file && !c.file))
		return -ENOMEM;
	{
		struct {
			const char *name, *mangled, *file;
			uint64_t address;
			uint32_t line, start_line, module, location, kind, symbolized;
		} key;

		memset(&key, 0, sizeof(key));
		key.name = c.name;
		key.mangled = c.mangled;
		key.file = c.file;
		key.address = c.address;
		key.line = c.line;
		key.start_line = c.start_line;
		key.module = c.module;
		key.location = c.location;
		key.kind = c.kind;
		key.symbolized = (uint32_t)c.symbolized;
		err = find_key(p, KEY_FRAME, &key, sizeof(key), &kid, id);
	}
	if (err)
		return err < 0 ? err : 0;
	if (array_reserve(&p->frames, &p->ix->cap[CAP_FRAMES], p->nframes + 1, sizeof(*p->frames)))
		return -ENOMEM;
	p->frames[p->nframes] = c;
	*id = (uint32_t)p->nframes;
	if (pairmap_put(p->ix->by_key, KEY_FRAME, kid, p->nframes))
		return -ENOMEM;
	p->nframes++;
	return 0;
}

#define ID_BLOCK 65536

/* Room for N frame ids that stays where it is; NULL on ENOMEM. */
static uint32_t *ids_space(struct profile_index *ix, size_t n)
{
	size_t size = n > ID_BLOCK ? n : ID_BLOCK;
	uint32_t *b;

	if (ix->nblocks && ix->used + n <= ID_BLOCK) {
		b = ix->blocks[ix->nblocks - 1] + ix->used;
		ix->used += n;
		return b;
	}
	if (array_reserve(&ix->blocks, &ix->capblocks, ix->nblocks + 1, sizeof(*ix->blocks)))
		return NULL;
	b = malloc(size * sizeof(*b));
	if (!b)
		return NULL;
	ix->blocks[ix->nblocks++] = b;
	ix->used = n;
	return b;
}

int profile_stack(struct profile *p, const uint32_t *frames, size_t n, uint32_t *id)
{
	struct profile_index *ix = p->ix;
	uint32_t kid, *ids;
	int err = find_key(p, KEY_STACK, n ? (const void *)frames : "", n * sizeof(*frames), &kid, id);

	if (err)
		return err < 0 ? err : 0;
	if (n > UINT32_MAX || !(ids = ids_space(ix, n ? n : 1)) ||
	    array_reserve(&p->stacks, &ix->cap[CAP_STACKS], p->nstacks + 1, sizeof(*p->stacks)))
		return -ENOMEM;
	if (n)
		memcpy(ids, frames, n * sizeof(*ids));
	p->stacks[p->nstacks] = (struct profile_stack){ .frames = ids, .depth = (uint32_t)n };
	*id = (uint32_t)p->nstacks;
	if (pairmap_put(ix->by_key, KEY_STACK, kid, p->nstacks))
		return -ENOMEM;
	p->nstacks++;
	return 0;
}

int profile_thread(struct profile *p, uint32_t pid, uint32_t tid, const char *comm,
		   const char *process, uint32_t *id)
{
	const char *c = profile_str(p, comm), *pr = profile_str(p, process);
	struct {
		const char *comm, *process;
		uint32_t pid, tid;
	} key;
	uint32_t kid;
	int err;

	if (!c || !pr)
		return -ENOMEM;
	memset(&key, 0, sizeof(key));
	key.comm = c;
	key.process = pr;
	key.pid = pid;
	key.tid = tid;
	err = find_key(p, KEY_THREAD, &key, sizeof(key), &kid, id);
	if (err)
		return err < 0 ? err : 0;
	if (array_reserve(&p->threads, &p->ix->cap[CAP_THREADS], p->nthreads + 1,
			  sizeof(*p->threads)))
		return -ENOMEM;
	p->threads[p->nthreads] = (struct profile_thread){ pid, tid, c, pr };
	*id = (uint32_t)p->nthreads;
	if (pairmap_put(p->ix->by_key, KEY_THREAD, kid, p->nthreads))
		return -ENOMEM;
	p->nthreads++;
	return 0;
}

int profile_add(struct profile *p, uint32_t stack, uint32_t thread, const int64_t *values,
		uint32_t *row)
{
	struct profile_index *ix = p->ix;
	uint64_t *slot = pairmap_slot(ix->rows, stack, thread, UINT64_MAX);
	size_t c;

	if (!slot)
		return -ENOMEM;
	if (*slot == UINT64_MAX) {
		if (array_reserve(&p->samples, &ix->cap[CAP_SAMPLES], p->nsamples + 1,
				  sizeof(*p->samples)) ||
		    array_reserve(&p->values, &ix->cap[CAP_VALUES], (p->nsamples + 1) * p->ncolumns,
				  sizeof(*p->values)))
			return -ENOMEM;
		p->samples[p->nsamples] = (struct profile_sample){ stack, thread };
		*slot = p->nsamples++;
	}
	/*
	 * What is added above 0 and below 0 in a column stops at
	 * PROFILE_MAX_TOTAL: then no row, no total and no sum of rows a
	 * writer makes overflows, whatever a damaged input says.
	 */
	for (c = 0; c < p->ncolumns; c++) {
		int64_t v = values[c], *sum = &ix->sums[c][v < 0];

		if (v > 0 && v > PROFILE_MAX_TOTAL - *sum)
			v = PROFILE_MAX_TOTAL - *sum;
		else if (v < 0 && v < -PROFILE_MAX_TOTAL - *sum)
			v = -PROFILE_MAX_TOTAL - *sum;
		*sum += v;
		p->values[*slot * p->ncolumns + c] += v;
	}
	if (row)
		*row = (uint32_t)*slot;
	return 0;
}

int profile_add_event(struct profile *p, const struct profile_event *e)
{
	if (array_reserve(&p->events, &p->ix->cap[CAP_EVENTS], p->nevents + 1, sizeof(*p->events)))
		return -ENOMEM;
	p->events[p->nevents++] = *e;
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const struct profile_event *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->sample != y->sample)
		return x->sample < y->sample ? -1 : 1;
	return (x->weight > y->weight) - (x->weight < y->weight);
}

void profile_sort_events(struct profile *p)
{
	size_t i;

	for (i = 1; i < p->nevents; i++)
		if (p->events[i].time < p->events[i - 1].time)
			break;
	if (i < p->nevents)
		qsort(p->events, p->nevents, sizeof(*p->events), event_cmp);
}

uint32_t profile_time_column(const struct profile *p, uint32_t col)
{
	if (col < p->ncolumns && strcmp(p->columns[col].unit, "count"))
		return col;
	return profile_column(p, "cpu");
}

int64_t profile_event_value(const struct profile *p, const struct profile_event *e, uint32_t col)
{
	if (col >= p->ncolumns || col >= 32 || !(e->columns >> col & 1))
		return 0;
	return strcmp(p->columns[col].unit, "count") ? (int64_t)e->weight : (int64_t)e->count;
}

int64_t profile_total(const struct profile *p, size_t col)
{
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < p->nsamples; i++)
		sum += profile_value(p, i, col);
	return sum;
}
