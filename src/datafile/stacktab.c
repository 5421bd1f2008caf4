#include "cprof/stacktab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

struct entry {
	size_t off;              /* in frames arena; SIZE_MAX: unused id */
	uint32_t n;
	uint64_t hash;
};

struct stacktab {
	uint64_t *frames;
	size_t nframes, capframes;
	struct entry *entries;   /* by id */
	uint32_t nentries, capentries;
	uint32_t *slots;         /* id + 1, 0 = empty */
	uint32_t nslots, used;
};

int stacktab_new(struct stacktab **out)
{
	struct stacktab *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->nslots = 1024;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void stacktab_free(struct stacktab *t)
{
	if (!t)
		return;
	free(t->frames);
	free(t->entries);
	free(t->slots);
	free(t);
}

static int same(const struct stacktab *t, const struct entry *e, uint64_t h,
		const uint64_t *ips, size_t n)
{
	return e->hash == h && e->n == n && !memcmp(t->frames + e->off, ips, n * 8);
}

static void slot_put(uint32_t *slots, uint32_t nslots, uint64_t h, uint32_t id)
{
	uint32_t s = h & (nslots - 1);

	while (slots[s])
		s = (s + 1) & (nslots - 1);
	slots[s] = id + 1;
}

static int grow_slots(struct stacktab *t)
{
	uint32_t n = t->nslots * 2, i;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < t->nentries; i++)
		if (t->entries[i].off != SIZE_MAX)
			slot_put(slots, n, t->entries[i].hash, i);
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

/* Store the chain as entry ID (growing the id space as needed). */
static int store(struct stacktab *t, uint32_t id, uint64_t h, const uint64_t *ips, size_t n)
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
	while (t->nentries <= id)
		t->entries[t->nentries++].off = SIZE_MAX;
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
	if (n)
		memcpy(t->frames + t->nframes, ips, n * 8);
	t->entries[id] = (struct entry){ .off = t->nframes, .n = (uint32_t)n, .hash = h };
	t->nframes += n;
	slot_put(t->slots, t->nslots, h, id);
	if (++t->used * 2 > t->nslots)
		return grow_slots(t);
	return 0;
}

int stacktab_intern(struct stacktab *t, const uint64_t *ips, size_t n,
		    uint32_t *id, int *is_new)
{
	uint64_t h = hash_bytes(ips, n * 8, n);
	uint32_t s = h & (t->nslots - 1);
	int err;

	while (t->slots[s]) {
		uint32_t i = t->slots[s] - 1;

		if (same(t, &t->entries[i], h, ips, n)) {
			*id = i;
			*is_new = 0;
			return 0;
		}
		s = (s + 1) & (t->nslots - 1);
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
	return store(t, id, hash_bytes(ips, n * 8, n), ips, n);
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
