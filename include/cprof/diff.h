/*
 * Comparing two profiles: one profile with the value columns "before" and
 * "after" (each input's counts), and a verdict: which functions' costs
 * changed by more than the noise.
 *
 * The two inputs may come from different builds, so frames are matched by
 * name only (never by address, file or line; diff_match_name()): each name
 * is one frame of the diff, with the kind and module basename it was first
 * seen with. Threads are matched by name; PIDs and TIDs are dropped.
 *
 * Costs: CPU time per unit of work when both inputs carry time, else
 * shares. Noise: each side's variance from its own time slices (noise.h),
 * counting noise when it has no timestamps; the difference of the two
 * costs gets the interval delta +- q sqrt(var_before + var_after), q set
 * for 95 % over the whole table (Bonferroni over 2 tests per function,
 * self and total; Student's t with the slices' degrees of freedom).
 */
#ifndef CPROF_DIFF_H
#define CPROF_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/profile.h"
#include "cprof/util.h"

enum { DIFF_BEFORE, DIFF_AFTER }; /* the columns of a diff profile */

struct diff_opts {
	int strip_hex;           /* "0x..." for every 0x hex number in a name */
	int normalize;           /* scale BEFORE to AFTER's total (rounded per row) */
	int shares;              /* the verdict compares shares even where time is known */
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
 * the diff (duration, rate) is that of the last AFTER. For the verdict it
 * also keeps each function's cost and noise: from P's timeline (its
 * events) cut into NOISE_SLICES slices if it has one, and the CPU time a
 * count stands for if P has a time column (profile_time_column()). 0,
 * -ENOMEM, or -EINVAL if COL or WHICH is out of range.
 */
int differ_add(struct differ *df, const struct profile *p, uint32_t col, unsigned which,
	       double scale);
/* The diff profile (caller frees); frees DF. */
struct profile *differ_take(struct differ *df);

struct diff_change {         /* of one cost */
	double before, after;    /* per unit of work: CPU ns (time), or percent of the side (shares) */
	double delta, margin;    /* after - before and its interval's half width, the same unit */
	double se;               /* delta's standard error: margin = q * se */
	double share_delta;      /* the change of its share of each side's whole, in points */
	double share_se;         /* its standard error (the slices' spread, without the whole's) */
	double points;           /* delta in percent of BEFORE's whole cost */
	int significant;         /* the interval excludes 0 */
};

struct diff_func {
	const char *name;        /* borrowed from the diff profile */
	uint32_t module;         /* PROFILE_NONE: none */
	int64_t self[2], total[2]; /* counts, DIFF_BEFORE and DIFF_AFTER */
	struct diff_change self_change, total_change;
};

/*
 * What the diff says: each function's self and total cost on each side,
 * per unit of work, and whether it changed beyond the noise (noise.h).
 * Costs are CPU time when both inputs carry it (a sample's period, a
 * "cpu" column) and the diff_opts do not ask for shares; else shares of
 * each side's samples, in percent.
 */
struct diff_verdict {
	int time;                /* costs in CPU nanoseconds; 0: shares, in percent */
	int per;                 /* WORK was told; 0: both sides taken to have done the same */
	int shares;              /* shares were asked for (diff_opts) */
	double work[2];          /* units of work of each side (1 when not told) */
	double scale[2];         /* the cost of one count of each column */
	int64_t count[2];        /* each column's total */
	uint32_t slices[2];      /* time slices of each side's noise; 1: counting (no timestamps) */
	double q;                /* the intervals' multiplier: 95 % over the table, Bonferroni */
	unsigned dof;            /* of the variances: the fewest slices less one; 0: the normal */
	struct diff_change whole;/* the whole program's cost: counting noise, 95 % (one test) */
	struct diff_func *funcs; /* n of them, in no order */
	size_t n;
};

/*
 * The verdict *OUT (diff_verdict_free()) of DF so far; WORK, if not NULL,
 * the units of work of BEFORE and AFTER (> 0). Names are borrowed from
 * DF's profile: valid until the profile differ_take() gives is freed.
 * Returns 0 or -ENOMEM, -EINVAL if a WORK is not positive.
 */
int differ_verdict(const struct differ *df, const double *work, struct diff_verdict **out);
void diff_verdict_free(struct diff_verdict *v);

/*
 * The multiplier of --fail-above PP's test, which is not the table's: one
 * sided (only growth fails) and Bonferroni over the distinct costs that
 * can fail, at 5 % for the gate as a whole. A cost can fail only if its
 * AFTER exceeds PP points of BEFORE's whole (its change cannot be larger),
 * and costs equal on both sides (main, _start and __libc_start_main; a
 * leaf's self and total) are one test. KEEP(CTX, F), if not NULL, says
 * whether F counts for the gate (--function). *TESTS: how many (>= 1).
 */
double diff_gate_q(const struct diff_verdict *v, double pp,
		   int (*keep)(void *ctx, const struct diff_func *f), void *ctx, size_t *tests);

/*
 * The verdict of the diff profile D alone (diff_new's), with what it
 * keeps: shares and counting noise. The same return and ownership.
 */
int diff_verdict_of(const struct profile *d, struct diff_verdict **out);

/*
 * Every function of the diff profile D, as diff_verdict_of() finds them:
 * a fresh array *OUT of *N (caller frees), in no order. *Z, if not NULL,
 * is the multiplier of the intervals. Returns 0 or -ENOMEM.
 */
int diff_functions(const struct profile *d, struct diff_func **out, size_t *n, double *z);

/*
 * The name NAME is matched by across inputs, into B (NUL-terminated):
 * NAME without what differs between tools for one function (Go's ".abi0"
 * and ".abiinternal" suffixes, which Go's own pprof drops), every 0x hex
 * number as "0x..." if STRIP_HEX. 0 or -ENOMEM.
 */
int diff_match_name(struct buf *b, const char *name, int strip_hex);

#endif
