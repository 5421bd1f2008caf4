/*
 * split - three call chains that take 50%, 30% and 20% of the CPU time.
 *
 *   main -> split_a_outer -> split_a_leaf                  5 units a round
 *   main -> split_b_outer -> split_b_mid -> split_b_leaf   3 units a round
 *   main -> split_c_outer -> split_c_leaf                  2 units a round
 *
 * Usage: split SECONDS [UNIT_STEPS]
 *
 * SPLIT_UNITS=A,B,C in the environment sets the units of each chain a round
 * (default 5,3,2); SPLIT_UNITS=3,3,4 moves 20 % of the time from chain a to
 * chain c, for the before/after tests of cprof diff.
 *
 * A unit is UNIT_STEPS steps of a dependent multiply-add chain, the same
 * instructions in every leaf (only the constant differs), so all units cost
 * the same and the shares are set by the unit counts, not by timing.  Each
 * round runs the units as three contiguous blocks (a a a a a b b b c c, about
 * 10 ms with the default unit of ~1 ms).  Any sampling phase then sees the
 * 5:3:2 split, and a block being long next to the sampling period makes the
 * count of samples in it nearly deterministic (systematic sampling: an error
 * of at most one sample per block edge, instead of the binomial noise of
 * blocks much shorter than the period).  Rounds are whole: the clock is read
 * between rounds only, so a run that stops by itself has no partial round.
 */
#define _GNU_SOURCE
#include "workload.h"

uint64_t split_a_leaf(uint64_t seed);
uint64_t split_b_leaf(uint64_t seed);
uint64_t split_b_mid(uint64_t seed);
void split_a_outer(void);
void split_b_outer(void);
void split_c_outer(void);
uint64_t split_c_leaf(uint64_t seed);

/* Read once per unit; volatile so the step count is not a compile-time
 * constant the optimiser could reason about. */
static volatile unsigned long split_unit_steps = 800000;
/* Sinks: a store after each call keeps the call out of tail position, so
 * every caller keeps its frame and shows in the stack. */
static volatile uint64_t split_sink_a, split_sink_b, split_sink_c;
static volatile uint64_t split_sink_mid;

WL_HOT uint64_t split_a_leaf(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = split_unit_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0xa1;
	return x;
}

WL_HOT uint64_t split_b_leaf(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = split_unit_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0xb3;
	return x;
}

WL_HOT uint64_t split_c_leaf(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = split_unit_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0xc5;
	return x;
}

WL_HOT uint64_t split_b_mid(uint64_t seed)
{
	uint64_t r = split_b_leaf(seed ^ 0x5eed);

	split_sink_mid = r;
	return r + 1;
}

WL_HOT void split_a_outer(void)
{
	split_sink_a = split_a_leaf(split_sink_a);
}

WL_HOT void split_b_outer(void)
{
	split_sink_b = split_b_mid(split_sink_b);
}

WL_HOT void split_c_outer(void)
{
	split_sink_c = split_c_leaf(split_sink_c);
}

int main(int argc, char **argv)
{
	double end = wl_now() + wl_duration(argc, argv, "SECONDS [UNIT_STEPS]");
	const char *units = getenv("SPLIT_UNITS");
	int i, na = 5, nb = 3, nc = 2;
	char tail;

	if (units && (sscanf(units, "%d,%d,%d%c", &na, &nb, &nc, &tail) != 3 || na < 0 ||
		      nb < 0 || nc < 0 || na > 100 || nb > 100 || nc > 100 || na + nb + nc == 0)) {
		fprintf(stderr, "%s: bad SPLIT_UNITS '%s' (expected A,B,C)\n", argv[0], units);
		return 2;
	}

	if (argc > 2) {
		char *e;
		unsigned long s = strtoul(argv[2], &e, 10);

		if (*e || !s) {
			fprintf(stderr, "%s: bad unit steps '%s'\n", argv[0],
				argv[2]);
			return 2;
		}
		split_unit_steps = s;
	}
	do {
		for (i = 0; i < na; i++)
			split_a_outer();
		for (i = 0; i < nb; i++)
			split_b_outer();
		for (i = 0; i < nc; i++)
			split_c_outer();
	} while (wl_now() < end);
	return 0;
}
