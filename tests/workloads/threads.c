/*
 * threads - three worker threads, one of them born late.
 *
 * Usage: threads SECONDS [LATE_DELAY]
 *
 *   thread "early-1": thr_early1_main -> thr_early1_spin   from the start
 *   thread "early-2": thr_early2_main -> thr_early2_spin   from the start
 *   thread "late-3":  thr_late3_main  -> thr_late3_spin    LATE_DELAY seconds
 *                                                          later (default 1)
 *
 * All stop SECONDS after the start; main only waits.  Each thread names
 * itself before it spins, so every sample in a spin function carries the
 * thread's own comm.  With WORKLOAD_READY=1 in the environment the pid is
 * printed on stdout once the early threads run, which is the moment to attach
 * with -p: the late thread is then born under the profiler.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

uint64_t thr_early1_spin(uint64_t seed);
uint64_t thr_early2_spin(uint64_t seed);
uint64_t thr_late3_spin(uint64_t seed);
void *thr_early1_main(void *arg);
void *thr_early2_main(void *arg);
void *thr_late3_main(void *arg);

/* Steps of one spin call, about a millisecond. */
static volatile unsigned long thr_steps = 800000;
static volatile uint64_t thr_sink1, thr_sink2, thr_sink3;
static double thr_end;

WL_HOT uint64_t thr_early1_spin(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = thr_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x11;
	return x;
}

WL_HOT uint64_t thr_early2_spin(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = thr_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x23;
	return x;
}

WL_HOT uint64_t thr_late3_spin(uint64_t seed)
{
	WL_LEAF_FRAME();
	unsigned long n = thr_steps;
	uint64_t x = seed;

	for (unsigned long i = 0; i < n; i++)
		x = x * WL_LCG_MUL + 0x35;
	return x;
}

WL_HOT void *thr_early1_main(void *arg)
{
	pthread_setname_np(pthread_self(), "early-1");
	while (wl_now() < thr_end)
		thr_sink1 = thr_early1_spin(thr_sink1);
	return arg;
}

WL_HOT void *thr_early2_main(void *arg)
{
	pthread_setname_np(pthread_self(), "early-2");
	while (wl_now() < thr_end)
		thr_sink2 = thr_early2_spin(thr_sink2);
	return arg;
}

WL_HOT void *thr_late3_main(void *arg)
{
	pthread_setname_np(pthread_self(), "late-3");
	while (wl_now() < thr_end)
		thr_sink3 = thr_late3_spin(thr_sink3);
	return arg;
}

static void thr_start(pthread_t *t, void *(*fn)(void *), const char *prog)
{
	int err = pthread_create(t, NULL, fn, NULL);

	if (err) {
		fprintf(stderr, "%s: pthread_create: %s\n", prog, strerror(err));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	double start = wl_now();
	double secs = wl_duration(argc, argv, "SECONDS [LATE_DELAY]");
	double late = 1.0;
	const char *ready = getenv("WORKLOAD_READY");
	pthread_t t1, t2, t3;

	if (argc > 2)
		late = wl_parse_seconds(argv[0], "late delay", argv[2]);
	thr_end = start + secs;
	thr_start(&t1, thr_early1_main, argv[0]);
	thr_start(&t2, thr_early2_main, argv[0]);
	if (ready && *ready && strcmp(ready, "0")) {
		printf("%d\n", (int)getpid());
		fflush(stdout);
	}
	wl_sleep(late);
	thr_start(&t3, thr_late3_main, argv[0]);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_join(t3, NULL);
	return 0;
}
