#include "cprof/stacktab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

struct entry {
	size_t off;              /* in frames arena; SIZE_MAX: unused id */
	uint32_t n;
};

struct stacktab {
	uint64_t *frames;
	size_t nframes, capframes;
	struct entry *entries;   /* by id */
	uint32_t nentries, capentries;
	struct idtab index;      /* the ids of the entries in use, by their chains */
};

int stacktab_new(struct stacktab **out)
{
	struct stacktab *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	idtab_init(&t->index);
	*out = t;
	return 0;
}

void stacktab_free(struct stacktab *t)
{
	if (!t)
		return;
	free(t->frames);
	free(t->entries);
	idtab_release(&t->index);
	free(t);
}

struct chain {
	const struct stacktab *t;
	const uint64_t *ips;
	size_t n;
};

/* idtab's question: is entry ID chain Q? */
static int same(const void *q, uint32_t id)
{
	const struct chain *c = q;
	const struct entry *e = &c->t->entries[id];

	return e->n == c->n && !memcmp(c->t->frames + e->off, c->ips, c->n * 8);
}

static uint32_t chain_hash(const uint64_t *ips, size_t n)
{
	return (uint32_t)hash_bytes(ips, n * 8, n);
}

/* Store the chain as entry ID (growing the id space as needed). */
static int store(struct stacktab *t, uint32_t id, uint32_t h, const uint64_t *ips, size_t n)
{
	if (id >= t->capentries) {
		uint32_t cap = t->capentries ? t->capentries : 256;
		struct entry *e;

		while (cap <= id)
			cap *= 2;
		e = realloc(t->entries, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		t->entries = e;
		t->capentries = cap;
	}
	if (t->nframes + n > t->capframes) {
		size_t cap = t->capframes ? t->capframes : 4096;
		uint64_t *f;

		while (cap < t->nframes + n)
			cap *= 2;
		f = realloc(t->frames, cap * 8);
		if (!f)
			return -ENOMEM;
		t->frames = f;
		t->capframes = cap;
	}
	if (idtab_add(&t->index, h, id)) /* last to fail: the table then stays as it was */
		return -ENOMEM;
	while (t->nentries <= id)
		t->entries[t->nentries++].off = SIZE_MAX;
	if (n)
		memcpy(t->frames + t->nframes, ips, n * 8);
	t->entries[id] = (struct entry){ .off = t->nframes, .n = (uint32_t)n };
	t->nframes += n;
	return 0;
}

int stacktab_intern(struct stacktab *t, const uint64_t *ips, size_t n,
		    uint32_t *id, int *is_new)
{
	struct chain q = { t, ips, n };
	uint32_t h = chain_hash(ips, n);
	int err;

	if ((*id = idtab_find(&t->index, h, same, &q)) != UINT32_MAX) {
		*is_new = 0;
		return 0;
	}
	err = store(t, t->nentries, h, ips, n);
	if (err)
		return err;
	*id = t->nentries - 1;
	*is_new = 1;
	return 0;
}

int stacktab_insert(struct stacktab *t, uint32_t id, const uint64_t *ips, size_t n)
{
	if (id < t->nentries && t->entries[id].off != SIZE_MAX)
		return -EEXIST;
	if (id > (1u << 30))
		return -ERANGE;
	return store(t, id, chain_hash(ips, n), ips, n);
}

const uint64_t *stacktab_get(const struct stacktab *t, uint32_t id, size_t *n)
{
	static const uint64_t empty[1];

	if (id >= t->nentries || t->entries[id].off == SIZE_MAX)
		return NULL;
	*n = t->entries[id].n;
	/* an empty chain is known, not NULL, even before any frame is stored */
	return *n ? t->frames + t->entries[id].off : empty;
}

uint32_t stacktab_count(const struct stacktab *t)
{
	return t->nentries;
}
