/*
 * plugin - the shared object dlhost loads at run time.
 *
 *   plugin_hot -> plugin_spin
 *
 * plugin_hot is the only symbol dlhost looks up; one call is about a
 * millisecond of work in plugin_spin.
 */
#define _GNU_SOURCE
#include "workload.h"

uint64_t plugin_hot(uint64_t seed);
uint64_t plugin_spin(uint64_t seed);

static volatile unsigned long plugin_steps = 800000;
static volatile uint64_t plugin_sink;

WL_HOT uint64_t plugin_spin(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = plugin_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x99;
	return x;
}

WL_HOT uint64_t plugin_hot(uint64_t seed)
{
	uint64_t r = plugin_spin(seed ^ 0x9e37);

	plugin_sink = r;
	return r + 1;
}
