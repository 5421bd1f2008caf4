/*
 * deep - most of the time in a shallow leaf, the rest in a thin tower.
 *
 * Usage: deep SECONDS [TRUNK]
 *
 *   main -> deep_loop -> deep_down x TRUNK -> deep_fork -> deep_hot          4 units a round
 *                                             deep_fork -> deep_spike x 100
 *                                                       -> deep_spike_leaf   1 unit a round
 *
 * TRUNK (0..250, default 220) frames every sample goes through, like the
 * interpreter's frames under an import, then a split: deep_hot holds 4/5 of
 * the time one level above the fork, a 100-frame tower the other 1/5. A
 * flame graph drawn whole is TRUNK + 105 levels tall: 5 KiB of SVG height
 * whose top, where a browser opens it, holds only the tower. Frames are
 * 64 bytes as in recurse.c: 330 of them, 21 KiB of stack, less than 32 KiB.
 */
#define _GNU_SOURCE
#include "workload.h"

#define SPIKE_DEPTH 100

uint64_t deep_hot(uint64_t seed);
uint64_t deep_spike_leaf(uint64_t seed);
uint64_t deep_spike(int depth, uint64_t seed);
uint64_t deep_fork(uint64_t seed);
uint64_t deep_down(int depth, uint64_t seed);
uint64_t deep_loop(int trunk, uint64_t seed);

static volatile unsigned long deep_unit_steps = 400000;
static volatile uint64_t deep_sink;

WL_HOT uint64_t deep_hot(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = 4 * deep_unit_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x3d;
	return x;
}

WL_HOT uint64_t deep_spike_leaf(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = deep_unit_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x5b;
	return x;
}

/* The buffer is read after the call: no tail call, every frame stays. */
WL_HOT uint64_t deep_spike(int depth, uint64_t seed)
{
	volatile char buf[40];
	uint64_t r;

	buf[0] = (char)depth;
	buf[sizeof(buf) - 1] = (char)seed;
	r = depth > 1 ? deep_spike(depth - 1, seed + 1) : deep_spike_leaf(seed);
	return r + (uint64_t)buf[0] + (uint64_t)buf[sizeof(buf) - 1];
}

WL_HOT uint64_t deep_fork(uint64_t seed)
{
	uint64_t r = deep_hot(seed);

	deep_sink = r;
	r = deep_spike(SPIKE_DEPTH, r);
	deep_sink = r;
	return r + 1;
}

WL_HOT uint64_t deep_down(int depth, uint64_t seed)
{
	volatile char buf[40];
	uint64_t r;

	buf[0] = (char)depth;
	buf[sizeof(buf) - 1] = (char)seed;
	r = depth > 1 ? deep_down(depth - 1, seed + 1) : deep_fork(seed);
	return r + (uint64_t)buf[0] + (uint64_t)buf[sizeof(buf) - 1];
}

WL_HOT uint64_t deep_loop(int trunk, uint64_t seed)
{
	uint64_t r = trunk ? deep_down(trunk, seed) : deep_fork(seed);

	deep_sink = r;
	return r;
}

int main(int argc, char **argv)
{
	double end = wl_now() + wl_duration(argc, argv, "SECONDS [TRUNK]");
	int trunk = 220;
	char *e;

	if (argc > 2) {
		long v = strtol(argv[2], &e, 10);

		if (*e || e == argv[2] || v < 0 || v > 250) {
			fprintf(stderr, "%s: bad trunk depth '%s' (0..250)\n", argv[0], argv[2]);
			return 2;
		}
		trunk = (int)v;
	}
	do
		deep_sink = deep_loop(trunk, deep_sink);
	while (wl_now() < end);
	return 0;
}
