/*
 * busy - the target program of scripts/bench-dwarf.sh.
 *
 * Usage: busy SECONDS [THREADS [MODE]]
 *
 * Runs THREADS busy threads (default 2: main itself plus THREADS-1 workers
 * named "busy-wN") for SECONDS, or until SIGINT/SIGTERM, then prints one line
 * on stdout:
 *
 *   busy: mode=mix threads=2 seconds=5.000 iterations=123456 rate=24691.2 cpu=9.990 stolen=2.10
 *
 * where rate is iterations per second of wall time, all threads together,
 * cpu the process's own CPU seconds (user + system), and stolen the percent
 * of the threads' wall time they did not run: every thread reads the clock
 * between pieces of work of a few microseconds, and a gap much longer than
 * usual (an interrupt, a sample's stack copy, a preemption by the recorder or
 * by anything else) counts as stolen past the usual length.  Unlike the rate,
 * that does not depend on how fast the (virtual) CPU happens to run.
 * The profilers compare that rate with and without themselves attached.
 *
 * MODE mix (default): every iteration walks four distinct call chains of
 * moderate depth (about 6 to 16 frames, 1 to 3 KiB of stack below the thread
 * function, so an 8 KiB stack copy holds the whole stack):
 *
 *   parse_file -> parse_block -> parse_stmt -> parse_expr -> lex_token -> hash_bytes
 *   render_frame -> layout_tree -> layout_node x6 -> measure_text -> glyph_advance
 *   solve_system -> relax x10 -> dot_kernel
 *   sort_batch -> qsort (libc) -> ... -> cmp_key        (unwinds through libc)
 *
 * MODE deep: every iteration is deep_loop -> deep_down x300 -> deep_bottom,
 * 64-byte frames, about 19 KiB of stack: more than an 8 KiB copy holds.
 *
 * Built by the script with gcc -O2 -g and no frame pointers.  The hot
 * functions are noinline/noipa so that each keeps its own frame and symbol.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define HOT __attribute__((noinline, noipa))
#define LCG_MUL 6364136223846793005ULL
#define MAX_THREADS 64
#define DEEP_DEPTH 300

/* LCG steps per leaf call: a few microseconds each. */
static volatile unsigned long leaf_steps = 1500;
static volatile sig_atomic_t stop_flag;
static int deep_mode;

struct worker {
	pthread_t thread;
	int index;
	unsigned long iterations;
	uint64_t sink;
	uint64_t last_ns;        /* clock at the last tick */
	uint64_t usual_ns;       /* running mean of the ordinary gaps */
	uint64_t stolen_ns;
	uint64_t start_ns, end_ns;
} __attribute__((aligned(64)));

static struct worker workers[MAX_THREADS];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Between two pieces of work: a gap over four times the usual (and 5 us
 * more) was time the thread did not run. */
static inline void tick(struct worker *w)
{
	uint64_t t = now_ns(), d = t - w->last_ns;

	w->last_ns = t;
	if (w->usual_ns && d > 4 * w->usual_ns + 5000)
		w->stolen_ns += d - w->usual_ns;
	else
		w->usual_ns = w->usual_ns ? (7 * w->usual_ns + d) / 8 : d;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static inline uint64_t spin(uint64_t x, uint64_t add, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		x = x * LCG_MUL + add;
	return x;
}

/* ---- chain 1: parse ---- */

HOT uint64_t hash_bytes(uint64_t seed);
HOT uint64_t lex_token(uint64_t seed);
HOT uint64_t parse_expr(uint64_t seed);
HOT uint64_t parse_stmt(uint64_t seed);
HOT uint64_t parse_block(uint64_t seed);
HOT uint64_t parse_file(uint64_t seed);

HOT uint64_t hash_bytes(uint64_t seed)
{
	return spin(seed, 0x11, leaf_steps);
}

HOT uint64_t lex_token(uint64_t seed)
{
	volatile char buf[96];

	buf[0] = (char)seed;
	return hash_bytes(seed + 1) + (uint64_t)buf[0];
}

HOT uint64_t parse_expr(uint64_t seed)
{
	volatile char buf[160];
	uint64_t r;

	buf[0] = (char)seed;
	r = lex_token(seed + 2);
	r = spin(r, 0x13, leaf_steps / 8);
	return r + (uint64_t)buf[0];
}

HOT uint64_t parse_stmt(uint64_t seed)
{
	volatile char buf[128];

	buf[0] = (char)seed;
	return parse_expr(seed + 3) + (uint64_t)buf[0];
}

HOT uint64_t parse_block(uint64_t seed)
{
	volatile char buf[200];

	buf[0] = (char)seed;
	return parse_stmt(seed + 4) + (uint64_t)buf[0];
}

HOT uint64_t parse_file(uint64_t seed)
{
	volatile char buf[256];

	buf[0] = (char)seed;
	return parse_block(seed + 5) + (uint64_t)buf[0];
}

/* ---- chain 2: render ---- */

HOT uint64_t glyph_advance(uint64_t seed);
HOT uint64_t measure_text(uint64_t seed);
HOT uint64_t layout_node(int depth, uint64_t seed);
HOT uint64_t layout_tree(uint64_t seed);
HOT uint64_t render_frame(uint64_t seed);

HOT uint64_t glyph_advance(uint64_t seed)
{
	return spin(seed, 0x21, leaf_steps);
}

HOT uint64_t measure_text(uint64_t seed)
{
	volatile char buf[112];

	buf[0] = (char)seed;
	return glyph_advance(seed + 1) + (uint64_t)buf[0];
}

HOT uint64_t layout_node(int depth, uint64_t seed)
{
	volatile char buf[144];
	uint64_t r;

	buf[0] = (char)depth;
	if (depth > 1)
		r = layout_node(depth - 1, seed + 1);
	else
		r = measure_text(seed);
	return r + (uint64_t)buf[0];
}

HOT uint64_t layout_tree(uint64_t seed)
{
	volatile char buf[176];

	buf[0] = (char)seed;
	return layout_node(6, seed + 1) + (uint64_t)buf[0];
}

HOT uint64_t render_frame(uint64_t seed)
{
	volatile char buf[224];

	buf[0] = (char)seed;
	return layout_tree(seed + 2) + (uint64_t)buf[0];
}

/* ---- chain 3: solve ---- */

HOT uint64_t dot_kernel(uint64_t seed);
HOT uint64_t relax(int depth, uint64_t seed);
HOT uint64_t solve_system(uint64_t seed);

HOT uint64_t dot_kernel(uint64_t seed)
{
	return spin(seed, 0x31, leaf_steps);
}

HOT uint64_t relax(int depth, uint64_t seed)
{
	volatile char buf[80];
	uint64_t r;

	buf[0] = (char)depth;
	if (depth > 1)
		r = relax(depth - 1, seed + 1);
	else
		r = dot_kernel(seed);
	return r + (uint64_t)buf[0];
}

HOT uint64_t solve_system(uint64_t seed)
{
	volatile char buf[192];

	buf[0] = (char)seed;
	return relax(10, seed + 3) + (uint64_t)buf[0];
}

/* ---- chain 4: sort, through libc's qsort ---- */

HOT int cmp_key(const void *a, const void *b);
HOT uint64_t sort_batch(uint64_t seed);

HOT int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	/* a little work per comparison so that samples land here */
	x = spin(x, 0x41, 3);
	y = spin(y, 0x41, 3);
	return x < y ? -1 : x > y;
}

HOT uint64_t sort_batch(uint64_t seed)
{
	uint64_t keys[96];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		keys[i] = seed = seed * LCG_MUL + 0x43;
	qsort(keys, sizeof(keys) / sizeof(keys[0]), sizeof(keys[0]), cmp_key);
	return keys[0] ^ keys[95];
}

/* ---- deep mode ---- */

HOT uint64_t deep_bottom(uint64_t seed);
HOT uint64_t deep_down(int depth, uint64_t seed);
HOT uint64_t deep_loop(uint64_t seed);

HOT uint64_t deep_bottom(uint64_t seed)
{
	volatile char leaf = 0;

	(void)leaf;
	return spin(seed, 0x51, leaf_steps * 4);
}

HOT uint64_t deep_down(int depth, uint64_t seed)
{
	volatile char buf[40];
	uint64_t r;

	buf[0] = (char)depth;
	buf[sizeof(buf) - 1] = (char)seed;
	if (depth > 1)
		r = deep_down(depth - 1, seed + 1);
	else
		r = deep_bottom(seed);
	return r + (uint64_t)buf[0] + (uint64_t)buf[sizeof(buf) - 1];
}

HOT uint64_t deep_loop(uint64_t seed)
{
	volatile uint64_t r = deep_down(DEEP_DEPTH, seed); /* not a tail call */

	return r;
}

/* ---- threads ---- */

HOT uint64_t mix_iteration(struct worker *w, uint64_t seed);

HOT uint64_t mix_iteration(struct worker *w, uint64_t seed)
{
	seed = parse_file(seed);
	tick(w);
	seed = render_frame(seed);
	tick(w);
	seed = solve_system(seed);
	tick(w);
	seed = sort_batch(seed);
	tick(w);
	return seed;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t x = (uint64_t)w->index * 0x9e3779b97f4a7c15ULL + 1;
	unsigned long n = 0;

	if (w->index) {
		char name[16];

		snprintf(name, sizeof(name), "busy-w%d", w->index);
		pthread_setname_np(pthread_self(), name);
	}
	w->start_ns = w->last_ns = now_ns();
	while (!stop_flag) {
		if (deep_mode) {
			x = deep_loop(x);
			tick(w);
		} else {
			x = mix_iteration(w, x);
		}
		n++;
		/* publish as we go: the total is read after the joins anyway */
		if ((n & 63) == 0)
			__atomic_store_n(&w->iterations, n, __ATOMIC_RELAXED);
	}
	w->iterations = n;
	w->sink = x;
	w->end_ns = now_ns();
	return NULL;
}

static void *timer_main(void *arg)
{
	double seconds = *(const double *)arg;
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_flag)
		;
	stop_flag = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct rusage ru;
	pthread_t timer;
	double seconds, t0, t1;
	unsigned long total = 0;
	double stolen = 0, alive = 0;
	char *end;
	int nthreads = 2, i;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s SECONDS [THREADS [mix|deep]]\n", argv[0]);
		return 2;
	}
	seconds = strtod(argv[1], &end);
	if (end == argv[1] || *end || !(seconds > 0)) {
		fprintf(stderr, "%s: bad duration '%s'\n", argv[0], argv[1]);
		return 2;
	}
	if (argc > 2) {
		nthreads = (int)strtol(argv[2], &end, 10);
		if (end == argv[2] || *end || nthreads < 1 || nthreads > MAX_THREADS) {
			fprintf(stderr, "%s: bad thread count '%s' (1..%d)\n", argv[0], argv[2],
				MAX_THREADS);
			return 2;
		}
	}
	if (argc > 3) {
		if (!strcmp(argv[3], "deep"))
			deep_mode = 1;
		else if (strcmp(argv[3], "mix")) {
			fprintf(stderr, "%s: bad mode '%s' (mix or deep)\n", argv[0], argv[3]);
			return 2;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	t0 = now();
	if (pthread_create(&timer, NULL, timer_main, &seconds)) {
		fprintf(stderr, "%s: cannot start the timer thread\n", argv[0]);
		return 1;
	}
	for (i = 1; i < nthreads; i++) {
		workers[i].index = i;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i])) {
			fprintf(stderr, "%s: cannot start thread %d\n", argv[0], i);
			return 1;
		}
	}
	worker_main(&workers[0]);
	for (i = 1; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	t1 = now();
	pthread_cancel(timer);
	pthread_join(timer, NULL);

	for (i = 0; i < nthreads; i++) {
		total += workers[i].iterations;
		stolen += (double)workers[i].stolen_ns;
		alive += (double)(workers[i].end_ns - workers[i].start_ns);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("busy: mode=%s threads=%d seconds=%.3f iterations=%lu rate=%.1f cpu=%.3f stolen=%.3f\n",
	       deep_mode ? "deep" : "mix", nthreads, t1 - t0, total, (double)total / (t1 - t0),
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       alive > 0 ? 100.0 * stolen / alive : 0.0);
	fflush(stdout);
	return 0;
}
