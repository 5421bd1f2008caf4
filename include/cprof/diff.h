/*
 * Comparing two profiles: one profile with the value columns "before" and
 * "after", and which functions' shares changed by more than sampling noise.
 *
 * The two inputs may come from different builds, so frames are matched by
 * name only (never by address, file or line): each name is one frame of
 * the diff, with the kind and module basename it was first seen with.
 * Threads are matched by name; PIDs and TIDs are dropped.
 *
 * Significance: the samples of a recording are taken as binomial draws, a
 * function's share as a proportion. The difference of the two proportions
 * gets a Wald interval, (p2 - p1) +- z sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) /
 * n2), and a change is significant when the interval excludes 0. z is set
 * for 95 % over the whole table (Bonferroni: over 2 tests per function,
 * self and total), so that two recordings of the same program show no
 * significant change at all in 95 % of trials.
 */
#ifndef CPROF_DIFF_H
#define CPROF_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/profile.h"

enum { DIFF_BEFORE, DIFF_AFTER }; /* the columns of a diff profile */

struct diff_opts {
	int strip_hex;           /* "0x..." for every 0x hex number in a name */
	int normalize;           /* scale BEFORE to AFTER's total (rounded per row) */
};

/*
 * A new profile *OUT (caller frees) with columns "before" and "after"
 * (count): column BCOL of BEFORE and ACOL of AFTER. Neither input is kept
 * or changed. Returns 0 or -ENOMEM, -EINVAL if a column is out of range.
 */
int diff_new(const struct profile *before, uint32_t bcol, const struct profile *after,
	     uint32_t acol, const struct diff_opts *o, struct profile **out);

/*
 * The same, one input at a time, so that the caller need hold only one
 * input in memory: differ_new(), differ_add() of BEFORE then of AFTER
 * (each may be freed once added), differ_take(). diff_new() is these
 * steps, BEFORE's column scaled by AFTER's total over its own when
 * O->normalize; differ_add() scales by SCALE only.
 */
struct differ;

/* A new differ *OUT (differ_free() or differ_take()); O is copied. 0 or -ENOMEM. */
int differ_new(const struct diff_opts *o, struct differ **out);
void differ_free(struct differ *df);
/*
 * Add column COL of P, each row times SCALE (rounded), to column WHICH
 * (DIFF_BEFORE or DIFF_AFTER) of the diff; P is not kept. The meta of
 * the diff (duration, rate) is that of the last AFTER. 0, -ENOMEM, or
 * -EINVAL if COL or WHICH is out of range.
 */
int differ_add(struct differ *df, const struct profile *p, uint32_t col, unsigned which,
	       double scale);
/* The diff profile (caller frees); frees DF. */
struct profile *differ_take(struct differ *df);

struct diff_change {         /* of one share */
	double before, after;    /* percent of each total */
	double delta, margin;    /* after - before and the interval's half width, points */
	int significant;         /* the interval excludes 0 */
};

struct diff_func {
	const char *name;        /* borrowed from the diff profile */
	uint32_t module;         /* PROFILE_NONE: none */
	int64_t self[2], total[2]; /* samples, DIFF_BEFORE and DIFF_AFTER */
	struct diff_change self_change, total_change;
};

/*
 * Every function of the diff profile D (from diff_new) and its changes:
 * a fresh array *OUT of *N (caller frees), in no order. *Z, if not NULL,
 * is the z the intervals were drawn with. Returns 0 or -ENOMEM.
 */
int diff_functions(const struct profile *d, struct diff_func **out, size_t *n, double *z);

#endif
