/*
 * work - a fixed amount of work in three functions over one shared leaf,
 * for the before/after tests of cprof diff.
 *
 *   main -> work_alpha -> work_spin      A units a round (and SA of its own)
 *   main -> work_beta  -> work_spin      B units a round (and SB of its own)
 *   main -> work_gamma -> work_spin      C units a round (and SC of its own)
 *
 * Usage: work ROUNDS A B C [SA SB SC]
 *
 * The program does ROUNDS rounds and stops: the work is fixed, not the
 * time, as a benchmark or a test suite does. Most of the CPU time is self
 * time of work_spin, as real code spends it in memcpy or a hash: a function
 * that calls the leaf more often is slower only in its total. A unit is
 * WORK_UNIT_STEPS (environment; default 200000, about 0.2 ms) steps of a
 * dependent multiply-add chain, the same instructions wherever it runs, so
 * every unit costs the same. "work 400 5 3 2" is one build; "work 400 5 3
 * 4" the same with work_gamma twice as slow; "work 400 1 3 2 1 3 0" work_alpha
 * five times as fast as "work 400 5 3 2 5 3 0"; "work 400 0 3 2" has no
 * work_alpha at all.
 */
#define _GNU_SOURCE
#include "workload.h"

uint64_t work_spin(uint64_t seed);
void work_alpha(int units, int own);
void work_beta(int units, int own);
void work_gamma(int units, int own);

static volatile unsigned long work_unit_steps = 200000;
/* stores after each call keep the calls out of tail position: every caller keeps its frame */
static volatile uint64_t work_sink_a, work_sink_b, work_sink_c, work_sink_spin;

WL_HOT uint64_t work_spin(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = work_unit_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x51;
	work_sink_spin = x;
	return x;
}

WL_HOT void work_alpha(int units, int own)
{
	unsigned long n = work_unit_steps * (unsigned long)own;
	uint64_t x = work_sink_a;

	for (int i = 0; i < units; i++)
		x ^= work_spin(x + 1);
	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0xa1;
	work_sink_a = x;
}

WL_HOT void work_beta(int units, int own)
{
	unsigned long n = work_unit_steps * (unsigned long)own;
	uint64_t x = work_sink_b;

	for (int i = 0; i < units; i++)
		x ^= work_spin(x + 2);
	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0xb3;
	work_sink_b = x;
}

WL_HOT void work_gamma(int units, int own)
{
	unsigned long n = work_unit_steps * (unsigned long)own;
	uint64_t x = work_sink_c;

	for (int i = 0; i < units; i++)
		x ^= work_spin(x + 3);
	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0xc5;
	work_sink_c = x;
}

/* Argument I of ARGV as a count 0..MAX, or exit 2 naming it. */
static int count_arg(char **argv, int i, long max)
{
	char *end;
	long v = strtol(argv[i], &end, 10);

	if (*end || end == argv[i] || v < 0 || v > max) {
		fprintf(stderr, "%s: bad count '%s' (0..%ld)\n", argv[0], argv[i], max);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	const char *steps = getenv("WORK_UNIT_STEPS");
	int n[6] = { 0 }, rounds, i;

	if (argc != 5 && argc != 8) {
		fprintf(stderr, "usage: %s ROUNDS A B C [SA SB SC]\n", argv[0]);
		return 2;
	}
	rounds = count_arg(argv, 1, 10000000);
	for (i = 0; i + 2 < argc; i++)
		n[i] = count_arg(argv, i + 2, 1000);
	if (steps) {
		char *end;
		unsigned long s = strtoul(steps, &end, 10);

		if (*end || !s) {
			fprintf(stderr, "%s: bad WORK_UNIT_STEPS '%s'\n", argv[0], steps);
			return 2;
		}
		work_unit_steps = s;
	}
	for (i = 0; i < rounds; i++) {
		if (n[0] || n[3])
			work_alpha(n[0], n[3]);
		if (n[1] || n[4])
			work_beta(n[1], n[4]);
		if (n[2] || n[5])
			work_gamma(n[2], n[5]);
	}
	return 0;
}
