/*
 * mutex - threads contending for one lock.
 *
 * Usage: mutex SECONDS [THREADS]
 *
 * THREADS (default 4, the main thread one of them) named "contender-N"
 * loop: mx_critical takes the lock and holds it for 1 ms of work
 * (mx_work), then they work 0.2 ms without it.  Most of each
 * thread's life is spent blocked in pthread_mutex_lock (a futex wait)
 * under mx_critical; nothing else blocks.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "workload.h"

#define MX_MAX_THREADS 16

void mx_work(double seconds);
void mx_critical(void);
void *mx_worker(void *arg);

static pthread_mutex_t mx_lock = PTHREAD_MUTEX_INITIALIZER;
static double mx_end;
static volatile uint64_t mx_sink;

WL_HOT void mx_work(double seconds)
{
	double until = wl_now() + seconds;
	uint64_t x = mx_sink;

	while (wl_now() < until)
		for (int i = 0; i < 1000; i++)
			x = x * WL_LCG_MUL + 0x3b;
	mx_sink = x;
}

WL_HOT void mx_critical(void)
{
	pthread_mutex_lock(&mx_lock);
	mx_work(0.001);
	pthread_mutex_unlock(&mx_lock);
}

WL_HOT void *mx_worker(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "contender-%d", (int)(intptr_t)arg);
	pthread_setname_np(pthread_self(), name);
	while (wl_now() < mx_end) {
		mx_critical();
		mx_work(0.0002);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = wl_duration(argc, argv, "SECONDS [THREADS]");
	int n = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t t;

	if (n < 1 || n > MX_MAX_THREADS) {
		fprintf(stderr, "%s: THREADS must be 1..%d\n", argv[0], MX_MAX_THREADS);
		return 2;
	}
	mx_end = wl_now() + secs;
	for (int i = 2; i <= n; i++)
		if (pthread_create(&t, NULL, mx_worker, (void *)(intptr_t)i)) {
			fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
			return 1;
		}
	mx_worker((void *)(intptr_t)1);
	return 0;
}
