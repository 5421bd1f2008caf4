/*
 * offcpu - threads that compute, sleep and wait on a pipe, in known shares.
 *
 * Usage: offcpu SECONDS [THREADS]
 *
 * Each worker "worker-N" (default 2) runs rounds of 200 ms:
 *   oc_compute   50 ms on CPU              (25 %)   oc_worker -> oc_compute
 *   oc_sleep    100 ms in nanosleep        (50 %)   oc_worker -> oc_sleep
 *   oc_wait      50 ms blocked in read()   (25 %)   oc_worker -> oc_wait
 * The byte oc_wait reads comes from a feeder thread "feeder-N" that sleeps
 * 50 ms after the worker asks for it, then writes: the worker is blocked
 * in read() on the pipe the whole time.  The feeder is off CPU nearly all
 * the time too (sleeping in oc_feed, waiting for the request in
 * oc_feed_wait); tests select the workers by name.
 *
 * Compute is timed by the wall clock: on a busy machine a worker preempted
 * while computing spends part of its 50 ms on the run queue, which the
 * wall view counts under oc_compute too (run-queue delay), so the wall
 * shares hold whatever else runs.  Rounds are long next to the wake-up
 * latency of a busy machine (a sleep ends late by one, a pipe read by two:
 * the feeder's and the worker's).  At the end each worker's seconds in the
 * three, as it measured them, go to standard output:
 *   worker-N compute SECONDS sleep SECONDS wait SECONDS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

#define OC_MAX_THREADS 8
#define OC_UNIT 0.050 /* seconds: a quarter of a round */

void oc_compute(double seconds);
void oc_sleep(double seconds);
void oc_wait(int fd);
void oc_feed(int fd);
ssize_t oc_feed_wait(int fd);
void *oc_worker(void *arg);
void *oc_feeder(void *arg);

struct oc_pair {
	int req[2], data[2];     /* worker -> feeder request, feeder -> worker byte */
	int index;
	double spent[3];         /* seconds in compute, sleep, wait, as the worker saw them */
};

static double oc_end;
static volatile uint64_t oc_sink;

WL_HOT void oc_compute(double seconds)
{
	double until = wl_now() + seconds;
	uint64_t x = oc_sink;

	while (wl_now() < until)
		for (int i = 0; i < 20000; i++)
			x = x * WL_LCG_MUL + 0x29;
	oc_sink = x;
}

WL_HOT void oc_sleep(double seconds)
{
	wl_sleep(seconds);
}

WL_HOT void oc_wait(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* 1: a request came; 0: the worker is done. */
WL_HOT ssize_t oc_feed_wait(int fd)
{
	ssize_t n;
	char c;

	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n;
}

WL_HOT void oc_feed(int fd)
{
	wl_sleep(OC_UNIT);
	if (write(fd, "x", 1) != 1)
		exit(1);
}

WL_HOT void *oc_worker(void *arg)
{
	struct oc_pair *p = arg;
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", p->index);
	pthread_setname_np(pthread_self(), name);
	double t0 = wl_now(), t1, t2, t3;

	while (t0 < oc_end) {
		oc_compute(OC_UNIT);
		t1 = wl_now();
		oc_sleep(2 * OC_UNIT);
		t2 = wl_now();
		if (write(p->req[1], "r", 1) != 1)
			exit(1);
		oc_wait(p->data[0]);
		t3 = wl_now();
		p->spent[0] += t1 - t0;
		p->spent[1] += t2 - t1;
		p->spent[2] += t3 - t2;
		t0 = t3;
	}
	close(p->req[1]);
	return NULL;
}

WL_HOT void *oc_feeder(void *arg)
{
	struct oc_pair *p = arg;
	char name[16];

	snprintf(name, sizeof(name), "feeder-%d", p->index);
	pthread_setname_np(pthread_self(), name);
	while (oc_feed_wait(p->req[0]) > 0)
		oc_feed(p->data[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = wl_duration(argc, argv, "SECONDS [THREADS]");
	int n = argc > 2 ? atoi(argv[2]) : 2;
	struct oc_pair pairs[OC_MAX_THREADS];
	pthread_t w[OC_MAX_THREADS], f[OC_MAX_THREADS];

	if (n < 1 || n > OC_MAX_THREADS) {
		fprintf(stderr, "%s: THREADS must be 1..%d\n", argv[0], OC_MAX_THREADS);
		return 2;
	}
	oc_end = wl_now() + secs;
	for (int i = 0; i < n; i++) {
		pairs[i].index = i + 1;
		if (pipe(pairs[i].req) || pipe(pairs[i].data)) {
			perror("pipe");
			return 1;
		}
		if (pthread_create(&w[i], NULL, oc_worker, &pairs[i]) ||
		    pthread_create(&f[i], NULL, oc_feeder, &pairs[i])) {
			fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
			return 1;
		}
	}
	for (int i = 0; i < n; i++) {
		pthread_join(w[i], NULL);
		printf("worker-%d compute %.6f sleep %.6f wait %.6f\n", i + 1, pairs[i].spent[0],
		       pairs[i].spent[1], pairs[i].spent[2]);
	}
	return 0;
}
