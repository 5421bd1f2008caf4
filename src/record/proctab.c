#include "cprof/proctab.h"

#include <errno.h>
#include <stdlib.h>

#include "cprof/util.h"

struct slot {
	pid_t id;                /* 0: free */
	uint64_t used;           /* t->tick when last found or made */
	void *elem;
};

struct proctab {
	struct pairmap *by_id;   /* id -> index + 1 in slots (0: none) */
	struct slot *slots;
	size_t nslots, cap, live, max, size;
	uint64_t tick, dropped;
	proctab_release_fn release;
	void *arg;
};

int proctab_new(size_t size, proctab_release_fn release, void *arg, struct proctab **out)
{
	struct proctab *t = calloc(1, sizeof(*t));

	if (!t || pairmap_new(&t->by_id)) {
		free(t);
		return -ENOMEM;
	}
	t->size = size ? size : 1;
	t->release = release;
	t->arg = arg;
	*out = t;
	return 0;
}

static void slot_release(struct proctab *t, struct slot *s)
{
	pid_t id = s->id;
	void *elem = s->elem;

	/* out of the table first: RELEASE may look ID up, or drop it again */
	s->id = 0;
	s->elem = NULL;
	t->live--;
	pairmap_put(t->by_id, (uint64_t)id, 0, 0); /* an existing key: cannot fail */
	if (t->release)
		t->release(elem, id, t->arg);
	free(elem);
}

void proctab_free(struct proctab *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].id)
			slot_release(t, &t->slots[i]);
	free(t->slots);
	pairmap_free(t->by_id);
	free(t);
}

static struct slot *slot_of(const struct proctab *t, pid_t id)
{
	uint64_t v;

	if (!id || !pairmap_get(t->by_id, (uint64_t)id, 0, &v) || !v)
		return NULL;
	return &t->slots[v - 1];
}

void *proctab_find(struct proctab *t, pid_t id)
{
	struct slot *s = slot_of(t, id);

	if (!s)
		return NULL;
	s->used = ++t->tick;
	return s->elem;
}

/* The budget is full: release the element used longest ago. */
static void evict(struct proctab *t)
{
	struct slot *lru = NULL;
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].id && (!lru || t->slots[i].used < lru->used))
			lru = &t->slots[i];
	if (!lru)
		return;
	t->dropped++;
	slot_release(t, lru);
}

void *proctab_get(struct proctab *t, pid_t id, int *made)
{
	struct slot *s;
	void *elem;
	size_t i;

	if (made)
		*made = 0;
	if ((elem = proctab_find(t, id)))
		return elem;
	if (!id)
		return NULL;
	while (t->max && t->live >= t->max)
		evict(t);
	for (i = 0; i < t->nslots && t->slots[i].id; i++)
		;
	if (i == t->nslots &&
	    array_reserve(&t->slots, &t->cap, t->nslots + 1, sizeof(*t->slots)))
		return NULL;
	if (!(elem = calloc(1, t->size)))
		return NULL;
	if (pairmap_put(t->by_id, (uint64_t)id, 0, i + 1)) {
		free(elem);
		return NULL;
	}
	if (i == t->nslots)
		t->nslots++;
	s = &t->slots[i];
	*s = (struct slot){ .id = id, .used = ++t->tick, .elem = elem };
	t->live++;
	if (made)
		*made = 1;
	return elem;
}

void proctab_drop(struct proctab *t, pid_t id)
{
	struct slot *s = slot_of(t, id);

	if (s)
		slot_release(t, s);
}

void proctab_set_max(struct proctab *t, size_t max)
{
	t->max = max;
	while (max && t->live > max)
		evict(t);
}

size_t proctab_count(const struct proctab *t)
{
	return t->live;
}

uint64_t proctab_dropped(const struct proctab *t)
{
	return t->dropped;
}
