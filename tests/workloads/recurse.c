/*
 * recurse - a 300-frame recursion whose bottom spins.
 *
 * Usage: recurse SECONDS
 *
 *   main -> recurse_loop -> recurse_down x 300 -> recurse_bottom
 *
 * Each recurse_down frame is 64 bytes (return address, 40-byte volatile
 * buffer, padding; with frame pointers the saved %rbp takes part of the
 * padding), so the stack from the bottom up to main is about 19 KiB: more than
 * an 8 KiB user stack copy holds, less than 32 KiB.  recurse_bottom spins
 * about a millisecond and returns; the whole descent is redone at once, so
 * nearly all samples land at the full depth.  The buffer is read after the
 * recursive call, which keeps that call out of tail position (no sibling-call
 * or tail-recursion elimination).
 */
#define _GNU_SOURCE
#include "workload.h"

#define RECURSE_DEPTH 300

uint64_t recurse_bottom(uint64_t seed);
uint64_t recurse_down(int depth, uint64_t seed);
uint64_t recurse_loop(uint64_t seed);

static volatile unsigned long recurse_steps = 800000;
static volatile uint64_t recurse_sink;

WL_HOT uint64_t recurse_bottom(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = recurse_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x77;
	return x;
}

WL_HOT uint64_t recurse_down(int depth, uint64_t seed)
{
	volatile char buf[40];
	uint64_t r;

	buf[0] = (char)depth;
	buf[sizeof(buf) - 1] = (char)seed;
	if (depth > 1)
		r = recurse_down(depth - 1, seed + 1);
	else
		r = recurse_bottom(seed);
	return r + (uint64_t)buf[0] + (uint64_t)buf[sizeof(buf) - 1];
}

WL_HOT uint64_t recurse_loop(uint64_t seed)
{
	uint64_t r = recurse_down(RECURSE_DEPTH, seed);

	recurse_sink = r;
	return r;
}

int main(int argc, char **argv)
{
	double end = wl_now() + wl_duration(argc, argv, "SECONDS");

	do
		recurse_sink = recurse_loop(recurse_sink);
	while (wl_now() < end);
	return 0;
}
