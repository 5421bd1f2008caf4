/*
 * Per-process state, one element for each process (or thread) id: created
 * on first use, dropped when its process exits or execs, and bounded by a
 * budget. Past the budget, making one more drops the element used longest
 * ago (the least recently sampled process on a host of many).
 *
 * Elements are allocated one by one: a pointer stays valid until its id is
 * dropped (proctab_drop(), an eviction by proctab_get(), proctab_free()).
 */
#ifndef CPROF_PROCTAB_H
#define CPROF_PROCTAB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proctab;

/* Called for an element about to be freed (dropped, evicted, or at the end). */
typedef void (*proctab_release_fn)(void *elem, pid_t id, void *arg);

/*
 * Elements of SIZE bytes, zeroed when made; RELEASE (may be NULL) is given
 * ARG. No budget until proctab_set_max(). Returns 0 or -ENOMEM.
 */
int proctab_new(size_t size, proctab_release_fn release, void *arg, struct proctab **out);
void proctab_free(struct proctab *t);

/* ID's element (now its most recently used), or NULL. */
void *proctab_find(struct proctab *t, pid_t id);
/*
 * ID's element, made (zeroed) if it had none: with the budget full, the
 * element used longest ago is released first (proctab_dropped() counts
 * them). *MADE (may be NULL) tells whether it is new. NULL on ENOMEM.
 */
void *proctab_get(struct proctab *t, pid_t id, int *made);
/* Release ID's element, if it has one. */
void proctab_drop(struct proctab *t, pid_t id);

/* At most MAX elements from now on (0: no limit); those past it are evicted now. */
void proctab_set_max(struct proctab *t, size_t max);
size_t proctab_count(const struct proctab *t);
/* Elements evicted for the budget, so far. */
uint64_t proctab_dropped(const struct proctab *t);

#endif
