/*
 * Functions of a profile and their self and total values in every column:
 * frames of the same name and module are one function; self is the value
 * of the stacks it ends, total of the stacks it is in (recursion counted
 * once). The top table and the diff's significance are built on it.
 */
#ifndef CPROF_FUNCTAB_H
#define CPROF_FUNCTAB_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/profile.h"

struct functab {             /* a plain value: functab_build, functab_release */
	size_t n;                /* functions */
	size_t ncolumns;         /* the profile's */
	const char **name;       /* n names, borrowed from the profile */
	uint32_t *module;        /* n module ids, PROFILE_NONE: none */
	int64_t *self, *total;   /* n x ncolumns, row-major */
};

/* Fill T from P (T's arrays are the caller's: functab_release). Returns 0 or -ENOMEM. */
int functab_build(const struct profile *p, struct functab *t);
void functab_release(struct functab *t);

static inline int64_t functab_self(const struct functab *t, size_t f, size_t col)
{
	return t->self[f * t->ncolumns + col];
}

static inline int64_t functab_total(const struct functab *t, size_t f, size_t col)
{
	return t->total[f * t->ncolumns + col];
}

#endif
