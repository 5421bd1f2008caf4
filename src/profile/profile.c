#include "cprof/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

enum { CAP_COLUMNS, CAP_MODULES, CAP_FRAMES, CAP_STACKS, CAP_THREADS, CAP_SAMPLES, CAP_VALUES,
       CAP_EVENTS, NCAPS };

/*
 * Each table of the model is indexed by an idtab of its ids: the hash of an
 * entry's content, and equality checked against the stored entry. Nothing
 * is kept twice (a frame, a stack's ids, a row are stored once, in the
 * public arrays), and the ids are the order in which entries came.
 */
struct profile_index {
	struct strtab *strs;     /* every string of the model */
	struct idtab modules, frames, stacks, threads, rows;
	uint32_t **blocks;       /* frame ids of the stacks, in blocks that never move */
	size_t nblocks, capblocks, used; /* ids used in the last block */
	uint32_t nlocations;
	int64_t (*sums)[2];      /* of each column: what was added above 0, below 0 */
	size_t cap[NCAPS], capsums;
};

int profile_new(struct profile **out)
{
	struct profile *p = calloc(1, sizeof(*p));
	int err = -ENOMEM;

	if (!p || !(p->ix = calloc(1, sizeof(*p->ix))))
		goto fail;
	if ((err = strtab_new(&p->ix->strs)))
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
		idtab_release(&p->ix->modules);
		idtab_release(&p->ix->frames);
		idtab_release(&p->ix->stacks);
		idtab_release(&p->ix->threads);
		idtab_release(&p->ix->rows);
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

/* 32 bits of the hash of LEN bytes at KEY. */
static uint32_t hash32(const void *key, size_t len)
{
	return (uint32_t)hash_bytes(key, len, 0);
}

/* What a lookup compares an id's entry with: the profile and the entry looked for. */
struct probe {
	const struct profile *p;
	const void *want;
	size_t n;                /* of a stack: its depth */
};

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

/*
 * The id of Q's entry (of hash H) in TAB, found by EQ: 1 if it is there.
 * Else 0, with room for entry N in *ARR (capacity *CAP, ELEM bytes) and
 * *ID = N in TAB: the caller stores the entry there and counts it, and
 * may fail no more. -ENOMEM if there is no room.
 */
static int find_or_room(struct idtab *tab, uint32_t h, int (*eq)(const void *, uint32_t),
			const struct probe *q, void *arr, size_t *cap, size_t n, size_t elem,
			uint32_t *id)
{
	if ((*id = idtab_find(tab, h, eq, q)) != UINT32_MAX)
		return 1;
	if (n >= UINT32_MAX || array_grow(arr, cap, n + 1, elem) || idtab_add(tab, h, (uint32_t)n))
		return -ENOMEM;
	*id = (uint32_t)n;
	return 0;
}

static int module_eq(const void *ctx, uint32_t id)
{
	const struct probe *q = ctx;
	const struct profile_module *m = &q->p->modules[id], *w = q->want;

	return m->path == w->path && m->build_id == w->build_id;
}

int profile_module(struct profile *p, const char *path, const char *build_id, uint32_t *id)
{
	struct profile_module m = { profile_str(p, path), profile_str(p, build_id) };
	struct probe q = { p, &m, 0 };
	int err;

	if (!m.path || !m.build_id)
		return -ENOMEM;
	/* interned strings are equal exactly when their pointers are */
	err = find_or_room(&p->ix->modules, hash32(&m, sizeof(m)), module_eq, &q, &p->modules,
			   &p->ix->cap[CAP_MODULES], p->nmodules, sizeof(*p->modules), id);
	if (err)
		return err < 0 ? err : 0;
	p->modules[p->nmodules++] = m;
	return 0;
}

uint32_t profile_new_location(struct profile *p)
{
	return p->ix->nlocations++;
}

static int frame_eq(const void *ctx, uint32_t id)
{
	const struct probe *q = ctx;
	const struct profile_frame *f = &q->p->frames[id], *w = q->want;

	return f->name == w->name && f->mangled == w->mangled && f->file == w->file &&
	       f->address == w->address && f->line == w->line && f->start_line == w->start_line &&
	       f->module == w->module && f->location == w->location && f->kind == w->kind &&
	       f->symbolized == w->symbolized;
}

/* The hash of frame F whose strings are interned (equal when their pointers are). */
static uint32_t frame_hash(const struct profile_frame *f)
{
	struct {
		const char *name, *mangled, *file;
		uint64_t address;
		uint32_t line, start_line, module, location, kind, symbolized;
	} key;

	memset(&key, 0, sizeof(key)); /* no padding byte is hashed unset */
	key.name = f->name;
	key.mangled = f->mangled;
	key.file = f->file;
	key.address = f->address;
	key.line = f->line;
	key.start_line = f->start_line;
	key.module = f->module;
	key.location = f->location;
	key.kind = f->kind;
	key.symbolized = (uint32_t)f->symbolized;
	return hash32(&key, sizeof(key));
}

int profile_frame(struct profile *p, const struct profile_frame *f, uint32_t *id)
{
	struct profile_frame c = *f;
	struct probe q = { p, &c, 0 };
	int err;

	c.name = profile_str(p, f->name);
	c.mangled = f->mangled && strcmp(f->mangled, f->name) ? profile_str(p, f->mangled) : c.name;
	c.file = f->file ? profile_str(p, f->file) : NULL;
	if (!c.name || !c.mangled || (f->file && !c.file))
		return -ENOMEM;
	err = find_or_room(&p->ix->frames, frame_hash(&c), frame_eq, &q, &p->frames,
			   &p->ix->cap[CAP_FRAMES], p->nframes, sizeof(*p->frames), id);
	if (err)
		return err < 0 ? err : 0;
	p->frames[p->nframes++] = c;
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

static int stack_eq(const void *ctx, uint32_t id)
{
	const struct probe *q = ctx;
	const struct profile_stack *s = &q->p->stacks[id];

	return s->depth == q->n && (!q->n || !memcmp(s->frames, q->want, q->n * sizeof(*s->frames)));
}

int profile_stack(struct profile *p, const uint32_t *frames, size_t n, uint32_t *id)
{
	struct profile_index *ix = p->ix;
	struct probe q = { p, frames, n };
	uint32_t h = hash32(n ? (const void *)frames : "", n * sizeof(*frames)), *ids;

	if ((*id = idtab_find(&ix->stacks, h, stack_eq, &q)) != UINT32_MAX)
		return 0;
	if (n > UINT32_MAX || p->nstacks >= UINT32_MAX || !(ids = ids_space(ix, n ? n : 1)) ||
	    array_grow(&p->stacks, &ix->cap[CAP_STACKS], p->nstacks + 1, sizeof(*p->stacks)) ||
	    idtab_add(&ix->stacks, h, (uint32_t)p->nstacks))
		return -ENOMEM;
	if (n)
		memcpy(ids, frames, n * sizeof(*ids));
	p->stacks[p->nstacks] = (struct profile_stack){ .frames = ids, .depth = (uint32_t)n };
	*id = (uint32_t)p->nstacks++;
	return 0;
}

static int thread_eq(const void *ctx, uint32_t id)
{
	const struct probe *q = ctx;
	const struct profile_thread *t = &q->p->threads[id], *w = q->want;

	return t->pid == w->pid && t->tid == w->tid && t->comm == w->comm &&
	       t->process == w->process && t->container == w->container;
}

int profile_thread(struct profile *p, uint32_t pid, uint32_t tid, const char *comm,
		   const char *process, uint32_t *id)
{
	return profile_thread_in(p, pid, tid, comm, process, "", id);
}

int profile_thread_in(struct profile *p, uint32_t pid, uint32_t tid, const char *comm,
		      const char *process, const char *container, uint32_t *id)
{
	struct profile_thread t = { pid, tid, profile_str(p, comm), profile_str(p, process),
				    profile_str(p, container) };
	struct probe q = { p, &t, 0 };
	int err;

	if (!t.comm || !t.process || !t.container)
		return -ENOMEM;
	err = find_or_room(&p->ix->threads, hash32(&t, sizeof(t)), thread_eq, &q, &p->threads,
			   &p->ix->cap[CAP_THREADS], p->nthreads, sizeof(*p->threads), id);
	if (err)
		return err < 0 ? err : 0;
	p->threads[p->nthreads++] = t;
	return 0;
}

static int row_eq(const void *ctx, uint32_t id)
{
	const struct probe *q = ctx;
	const struct profile_sample *s = &q->p->samples[id], *w = q->want;

	return s->stack == w->stack && s->thread == w->thread;
}

int profile_add(struct profile *p, uint32_t stack, uint32_t thread, const int64_t *values,
		uint32_t *row)
{
	struct profile_index *ix = p->ix;
	struct profile_sample key = { stack, thread };
	struct probe q = { p, &key, 0 };
	uint32_t h = hash32(&key, sizeof(key)), r = idtab_find(&ix->rows, h, row_eq, &q);
	size_t c;

	if (r == UINT32_MAX) {
		if (p->nsamples >= UINT32_MAX - 1 ||
		    array_grow(&p->samples, &ix->cap[CAP_SAMPLES], p->nsamples + 1,
			       sizeof(*p->samples)) ||
		    array_grow(&p->values, &ix->cap[CAP_VALUES], (p->nsamples + 1) * p->ncolumns,
			       sizeof(*p->values)) ||
		    idtab_add(&ix->rows, h, (uint32_t)p->nsamples))
			return -ENOMEM;
		p->samples[p->nsamples] = key;
		if (p->ncolumns) /* no values array without columns */
			memset(&p->values[p->nsamples * p->ncolumns], 0,
			       p->ncolumns * sizeof(*p->values));
		r = (uint32_t)p->nsamples++;
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
		p->values[(size_t)r * p->ncolumns + c] += v;
	}
	if (row)
		*row = r;
	return 0;
}

int profile_add_event(struct profile *p, const struct profile_event *e)
{
	if (array_grow(&p->events, &p->ix->cap[CAP_EVENTS], p->nevents + 1, sizeof(*p->events)))
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
