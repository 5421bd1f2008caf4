/*
 * workload.h - helpers shared by the e2e workload programs.
 *
 * Every workload takes its run time in seconds as argv[1] and works until the
 * monotonic clock says so, so the profile length is set by the test, not by
 * how fast this machine happens to be.  Only the helpers live here; the hot
 * functions are in each program, with bodies of their own, so that neither
 * inlining nor identical-code folding can merge them.
 */
#ifndef CPROF_WORKLOAD_H
#define CPROF_WORKLOAD_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Hot functions: kept out of line, unclonable (no ".constprop.0" names) and
 * unfoldable, so each keeps its own symbol in every sample. */
#define WL_HOT __attribute__((noinline, noipa))

/* Multiplier of a 64-bit LCG: one multiply and one add per step, each step
 * depending on the last, so a unit of N steps costs the same wherever it runs. */
#define WL_LCG_MUL 6364136223846793005ULL

/*
 * Start of every leaf (a function that calls nothing).  GCC 12 sets up no
 * frame pointer in a leaf that needs no stack, even with
 * -mno-omit-leaf-frame-pointer; a frame-pointer unwinder then skips the
 * leaf's caller (it reads the caller's return address from the frame the
 * leaf never made).  A volatile local needs a stack slot, so the leaf gets
 * its push %rbp / mov %rsp,%rbp in the _fp builds.
 */
#define WL_LEAF_FRAME()                  \
	volatile char wl_leaf_frame = 0; \
	(void)wl_leaf_frame

static inline double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void wl_sleep(double seconds)
{
	struct timespec ts;

	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Parse a non-negative number of seconds; exit 2 with a message naming the
 * bad value, so a test that mistypes an argument fails loudly. */
static inline double wl_parse_seconds(const char *prog, const char *what,
				      const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < 0) {
		fprintf(stderr, "%s: bad %s '%s' (want seconds)\n", prog, what,
			arg);
		exit(2);
	}
	return v;
}

/* The run time from argv[1], or a usage message and exit 2. */
static inline double wl_duration(int argc, char **argv, const char *usage)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s %s\n", argv[0], usage);
		exit(2);
	}
	return wl_parse_seconds(argv[0], "duration", argv[1]);
}

#endif
