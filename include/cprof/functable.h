/*
 * The function table of a profile: each function (name, module) with its
 * self value (stacks ending in it) and total value (stacks holding it,
 * recursion counted once) of one value column, sorted by self or total.
 * The top writer prints it, the live view of `cprof top` draws it, the
 * diff compares two of them.
 */
#ifndef CPROF_FUNCTABLE_H
#define CPROF_FUNCTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/profile.h"

struct func_row {            /* a plain value */
	const char *name;        /* the profile's string */
	uint32_t module;         /* profile module, PROFILE_NONE if none */
	int64_t self, total;
};

struct functable {
	struct func_row *rows;   /* sorted; n of them */
	size_t n;
	uint32_t *of_frame;      /* row of each frame of the profile */
	size_t cap;
	struct pairmap *by_key;  /* private */
};

/* functable_build's order when the rows must stay as the profile's frames first name them. */
#define FUNCTABLE_UNSORTED (-1)

/*
 * Build T (zeroed by the caller, released with functable_release) from
 * column COL of P, sorted by total if SORT_TOTAL, by self if 0, not at all
 * if FUNCTABLE_UNSORTED: then two tables of one profile have the same rows
 * in the same order, whatever their columns. Names are borrowed from P.
 * Returns 0 or -ENOMEM.
 */
int functable_build(struct functable *t, const struct profile *p, uint32_t col, int sort_total);
void functable_release(struct functable *t);

/*
 * ROW's function per thread of P: SELF[i] and TOTAL[i] for thread i
 * (arrays of p->nthreads, zeroed by this). Recursion counts once.
 */
void functable_by_thread(const struct functable *t, const struct profile *p, uint32_t col,
			 size_t row, int64_t *self, int64_t *total);
/*
 * ROW's callers and callees: CALLERS[j] is the value of stacks where the
 * function of row j calls ROW's, CALLEES[j] where it is called by it
 * (arrays of t->n, zeroed by this; each stack counts once per neighbour).
 */
int functable_neighbours(const struct functable *t, const struct profile *p, uint32_t col,
			 size_t row, int64_t *callers, int64_t *callees);

/* The last part of module M's path ("libc.so.6"), "" for PROFILE_NONE; borrowed from P. */
const char *profile_module_name(const struct profile *p, uint32_t m);

#endif
