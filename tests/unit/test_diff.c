/* Unit tests of include/cprof/diff.h and noise.h: frames left out, the gate's multiplier, slices. */
#include "unit.h"

#include <math.h>

#include "cprof/diff.h"
#include "cprof/noise.h"

/* Add COUNT samples of the stack NAMES (root first, NULL-terminated) to P (one column). */
static void add_stack(struct profile *p, const char *const *names, int64_t count)
{
	uint32_t frames[16], stack, thread;
	size_t n;

	for (n = 0; names[n]; n++) {
		struct profile_frame f = { .name = names[n], .mangled = names[n],
					   .module = PROFILE_NONE, .location = PROFILE_NONE,
					   .symbolized = 1 };

		assert_int_equal(profile_frame(p, &f, &frames[n]), 0);
	}
	assert_int_equal(profile_stack(p, frames, n, &stack), 0);
	assert_int_equal(profile_thread(p, 1, 1, "t", "t", &thread), 0);
	assert_int_equal(profile_add(p, stack, thread, &count, NULL), 0);
}

/* Two empty profiles of one "samples" column. */
static void two_profiles(struct profile **a, struct profile **b)
{
	uint32_t col;

	assert_int_equal(profile_new(a), 0);
	assert_int_equal(profile_new(b), 0);
	assert_int_equal(profile_add_column(*a, "samples", "count", &col), 0);
	assert_int_equal(profile_add_column(*b, "samples", "count", &col), 0);
}

static const struct diff_func *find(const struct diff_func *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

/*
 * Go's profile of a run and cprof's name the same code differently: no
 * runtime.goexit at the root, time charged to runtime.asyncPreempt, the
 * go statement's wrapper elided. Dropped, both sides give each function
 * the same self and total.
 */
static void test_dropped_frames(void **state)
{
	static const char *const go_own[][6] = {
		{ "runtime.main", "main.loop", "runtime.asyncPreempt", NULL },
		{ "runtime.main", "main.loop", NULL },
		{ "main.worker", NULL },
	};
	static const char *const ours[][6] = {
		{ "runtime.goexit.abi0", "runtime.main", "main.loop", NULL },
		{ "runtime.goexit", "main.worker.gowrap1", "main.worker", NULL },
		{ "runtime.main", "main.func1", "runtime.goexit", NULL }, /* not the root: kept */
	};
	struct profile *a, *b, *d;
	struct diff_opts o = { 0 };
	struct diff_func *f;
	const struct diff_func *x;
	size_t n;

	(void)state;
	two_profiles(&a, &b);
	add_stack(a, go_own[0], 30);
	add_stack(a, go_own[1], 70);
	add_stack(a, go_own[2], 50);
	add_stack(b, ours[0], 100);
	add_stack(b, ours[1], 50);
	add_stack(b, ours[2], 1);
	assert_int_equal(diff_new(a, 0, b, 0, &o, &d), 0);
	assert_int_equal(diff_functions(d, &f, &n, NULL), 0);
	assert_non_null(x = find(f, n, "main.loop"));
	assert_int_equal(x->self[0], 100);
	assert_int_equal(x->self[1], 100);
	assert_non_null(x = find(f, n, "main.worker"));
	assert_int_equal(x->total[0], 50);
	assert_int_equal(x->total[1], 50);
	assert_null(find(f, n, "runtime.asyncPreempt"));
	assert_null(find(f, n, "main.worker.gowrap1"));
	assert_non_null(x = find(f, n, "main.func1")); /* a closure is code */
	assert_non_null(x = find(f, n, "runtime.goexit"));
	assert_int_equal(x->total[1], 1); /* only where it is not the root */
	free(f);
	profile_free(d);
	profile_free(a);
	profile_free(b);
}

/* V8's tier marks one function: ~ interpreted, ^ baseline, + Maglev, * TurboFan */
static void test_v8_tiers(void **state)
{
	static const char *const same[][2] = {
		{ "JS:*work_gamma /w.js:12:20", "JS:work_gamma /w.js:12:20" },
		{ "JS:~work_gamma /w.js:12:20", "JS:work_gamma /w.js:12:20" },
		{ "JS:^work_gamma /w.js:12:20", "JS:work_gamma /w.js:12:20" },
		{ "JS:+work_gamma /w.js:12:20", "JS:work_gamma /w.js:12:20" },
		{ "LazyCompile:*f /w.js:1", "LazyCompile:f /w.js:1" },
		{ "JS:work /w.js:1", "JS:work /w.js:1" },  /* no tier: as it is */
		{ "JS:*", "JS:*" },                          /* nothing after the mark */
		{ "xJS:*f", "xJS:*f" },                      /* not V8's prefix */
		{ "runtime.madvise.abi0", "runtime.madvise" },
	};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < sizeof(same) / sizeof(*same); i++) {
		assert_int_equal(diff_match_name(&b, same[i][0], 0), 0);
		assert_string_equal(b.data, same[i][1]);
	}
	buf_release(&b);
}

/*
 * A cost with no sample on one side still had its chance: its share's
 * noise is at least the binomial at the pooled share (Go's own profile
 * samples at 100 Hz, cprof at 999: 40 ms is 0 samples on one side).
 */
static void test_share_pooled(void **state)
{
	static const char *const hot[] = { "main", "hot", NULL }, *const rare[] = { "main", "rare", NULL };
	struct profile *a, *b, *d;
	struct diff_opts o = { 0 };
	struct diff_func *f;
	const struct diff_func *x;
	size_t n;
	double p0 = 41.0 / 3340;

	(void)state;
	two_profiles(&a, &b);
	add_stack(a, hot, 310);
	add_stack(a, rare, 0 + 1); /* one sample: the table needs the frame on a side */
	add_stack(b, hot, 2989);
	add_stack(b, rare, 40);
	assert_int_equal(diff_new(a, 0, b, 0, &o, &d), 0);
	assert_int_equal(diff_functions(d, &f, &n, NULL), 0);
	assert_non_null(x = find(f, n, "rare"));
	/* BEFORE's own binomial, 1 of 311, is far below the pooled share's */
	assert_true(x->total_change.share_se >= 100 * sqrt(p0 * (1 - p0) / 311) - 1e-9);
	free(f);
	profile_free(d);
	profile_free(a);
	profile_free(b);
}

static void set(struct diff_change *c, double b, double a)
{
	c->before = b;
	c->after = a;
	c->delta = a - b;
	c->points = a - b;
}

static int not_named_b(void *ctx, const struct diff_func *f)
{
	(void)ctx;
	return strcmp(f->name, "b");
}

/* The gate's family: the distinct costs that can pass PP; one sided. */
static void test_gate_q(void **state)
{
	struct diff_func f[3] = { { .name = "a" }, { .name = "b" }, { .name = "c" } };
	struct diff_verdict v = { .funcs = f, .n = 3, .dof = 19 };
	size_t tests = 0;
	double q;

	(void)state;
	v.whole.before = 100;
	set(&f[0].self_change, 0, 0);   /* nothing after: cannot pass */
	set(&f[0].total_change, 90, 91);
	set(&f[1].self_change, 40, 41); /* a leaf: self and total one test */
	set(&f[1].total_change, 40, 41);
	set(&f[2].self_change, 0.2, 0.5); /* below 1 point after: cannot pass */
	set(&f[2].total_change, 0.2, 0.5);
	q = diff_gate_q(&v, 1, NULL, NULL, &tests);
	assert_int_equal(tests, 2);
	assert_true(fabs(q - noise_quantile(0.05, 19)) < 1e-9);
	q = diff_gate_q(&v, 1, not_named_b, NULL, &tests);
	assert_int_equal(tests, 1);
	assert_true(fabs(q - noise_quantile(0.1, 19)) < 1e-9);
	q = diff_gate_q(&v, 95, NULL, NULL, &tests); /* none can pass: still one test */
	assert_int_equal(tests, 1);
	/* one sided over 2 is below the table's two sided over 6 */
	assert_true(diff_gate_q(&v, 1, NULL, NULL, &tests) < noise_quantile(0.05 / 6, 19));
}

/* Slices of at least 200 ms and 50 samples, 20 to 64 of them; none below 40 samples. */
static void test_slices(void **state)
{
	(void)state;
	assert_int_equal(noise_slices(39, 10000000000ull), 1);
	assert_int_equal(noise_slices(1000, 0), 1);
	assert_int_equal(noise_slices(40, 1000000000ull), 20);
	assert_int_equal(noise_slices(1500, 1500000000ull), 20);
	assert_int_equal(noise_slices(10000, 10000000000ull), 50);
	assert_int_equal(noise_slices(1500, 10000000000ull), 30);
	assert_int_equal(noise_slices(100000, 100000000000ull), 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dropped_frames),
		cmocka_unit_test(test_v8_tiers),
		cmocka_unit_test(test_share_pooled),
		cmocka_unit_test(test_gate_q),
		cmocka_unit_test(test_slices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
