/*
 * The stack table deduplicates call chains: each distinct sequence of
 * addresses gets a small id, so a recording stores every stack once and
 * each sample as a reference to it.
 */
#ifndef CPROF_STACKTAB_H
#define CPROF_STACKTAB_H

#include <stddef.h>
#include <stdint.h>

struct stacktab;

int stacktab_new(struct stacktab **out);
void stacktab_free(struct stacktab *t);

/*
 * Id of the chain IPS[0..N); *IS_NEW tells whether it was just added.
 * Ids are dense, starting at 0. Returns 0 or -ENOMEM.
 */
int stacktab_intern(struct stacktab *t, const uint64_t *ips, size_t n,
		    uint32_t *id, int *is_new);

/* Add a chain under a given ID (when reading a file). -EEXIST if taken. */
int stacktab_insert(struct stacktab *t, uint32_t id, const uint64_t *ips, size_t n);

/* The chain of ID, borrowed until the table changes; NULL if unknown. */
const uint64_t *stacktab_get(const struct stacktab *t, uint32_t id, size_t *n);
uint32_t stacktab_count(const struct stacktab *t);

#endif
