/*
 * pingpong - two threads handing a byte back and forth through pipes, with
 * SPIN steps of work at each hand-off: every hand-off blocks one thread in
 * read(), so the process switches twice a round trip.
 *
 * Usage: pingpong SECONDS SPIN
 * Prints "rounds_per_s SWITCHES_PER_S" (voluntary and involuntary context
 * switches of the process per second, from getrusage) on standard output.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int ab[2], ba[2];
static volatile int done;
static unsigned long spin_steps;
static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void __attribute__((noinline)) spin(void)
{
	uint64_t x = sink;

	for (unsigned long i = 0; i < spin_steps; i++)
		x = x * 6364136223846793005ULL + 1;
	sink = x;
}

static void *echo(void *arg)
{
	char c;

	while (read(ab[0], &c, 1) == 1) {
		spin();
		if (write(ba[1], &c, 1) != 1)
			break;
	}
	return arg;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3, t0, t;
	unsigned long rounds = 0;
	struct rusage ru;
	pthread_t th;
	char c = 'x';

	spin_steps = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	if (pipe(ab) || pipe(ba) || pthread_create(&th, NULL, echo, NULL))
		return 1;
	t0 = now();
	do {
		spin();
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return 1;
		rounds++;
	} while ((t = now()) - t0 < secs);
	getrusage(RUSAGE_SELF, &ru);
	printf("%.0f %.0f\n", rounds / (t - t0), (ru.ru_nvcsw + ru.ru_nivcsw) / (t - t0));
	return 0;
}
