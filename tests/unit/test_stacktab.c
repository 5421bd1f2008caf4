/* Unit tests of include/cprof/stacktab.h. */
#include "unit.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>

#include "cprof/stacktab.h"

static void assert_chain(const struct stacktab *t, uint32_t id, const uint64_t *ips, size_t n)
{
	size_t got = SIZE_MAX;
	const uint64_t *p = stacktab_get(t, id, &got);

	if (!p)
		fail_msg("stacktab_get(%" PRIu32 ") = NULL", id);
	assert_int_equal(got, n);
	if (n)
		assert_memory_equal(p, ips, n * sizeof(*ips));
}

static void test_intern_dedups(void **state)
{
	static const uint64_t a[] = { PERF_CONTEXT_USER, 0x401000, 0x401100, 0x401200 };
	static const uint64_t b[] = { PERF_CONTEXT_USER, 0x401000, 0x401100 };   /* prefix of a */
	static const uint64_t c[] = { PERF_CONTEXT_USER, 0x401000, 0x401100, 0x401201 };
	static const uint64_t d[] = { PERF_CONTEXT_USER, 0x401200, 0x401100, 0x401000 }; /* a reversed */
	uint64_t copy[4];
	struct stacktab *t;
	uint32_t ia, ib, ic, id, again;
	int is_new;

	(void)state;
	assert_int_equal(stacktab_new(&t), 0);
	assert_int_equal(stacktab_count(t), 0);
	assert_int_equal(stacktab_intern(t, a, 4, &ia, &is_new), 0);
	assert_int_equal(is_new, 1);
	assert_int_equal(ia, 0);
	assert_int_equal(stacktab_intern(t, b, 3, &ib, &is_new), 0);
	assert_int_equal(is_new, 1);
	assert_int_equal(ib, 1);
	assert_int_equal(stacktab_intern(t, c, 4, &ic, &is_new), 0);
	assert_int_equal(is_new, 1);
	assert_int_equal(ic, 2);
	assert_int_equal(stacktab_intern(t, d, 4, &id, &is_new), 0);
	assert_int_equal(is_new, 1);
	assert_int_equal(id, 3);
	assert_int_equal(stacktab_count(t), 4);

	/* the same chain from another buffer is the same stack */
	memcpy(copy, a, sizeof(a));
	assert_int_equal(stacktab_intern(t, copy, 4, &again, &is_new), 0);
	assert_int_equal(is_new, 0);
	assert_int_equal(again, ia);
	assert_int_equal(stacktab_intern(t, a, 3, &again, &is_new), 0); /* == b */
	assert_int_equal(is_new, 0);
	assert_int_equal(again, ib);
	assert_int_equal(stacktab_count(t), 4);

	/* the table keeps its own copy */
	copy[1] = 0;
	assert_chain(t, ia, a, 4);
	assert_chain(t, ib, b, 3);
	assert_chain(t, ic, c, 4);
	assert_chain(t, id, d, 4);
	stacktab_free(t);
	stacktab_free(NULL);
}

/* [], [0], [0, 0]: the length is part of the chain. */
static void test_intern_zeros(void **state)
{
	static const uint64_t zeros[3];
	struct stacktab *t;
	uint32_t ids[4], again;
	int is_new;
	size_t n;

	(void)state;
	assert_int_equal(stacktab_new(&t), 0);
	for (n = 1; n <= 3; n++) {
		assert_int_equal(stacktab_intern(t, zeros, n, &ids[n], &is_new), 0);
		assert_int_equal(is_new, 1);
	}
	for (n = 1; n <= 3; n++) {
		assert_int_equal(stacktab_intern(t, zeros, n, &again, &is_new), 0);
		assert_int_equal(is_new, 0);
		assert_int_equal(again, ids[n]);
		assert_chain(t, ids[n], zeros, n);
	}
	stacktab_free(t);
}

/*
 * An empty chain (no kernel chain, no user registers) is a stack like any
 * other: stacktab_get must not answer "unknown" for it.
 */
static void test_empty_chain(void **state)
{
	static const uint64_t one[] = { 0x401000 };
	struct stacktab *t;
	uint32_t e, o, again;
	int is_new;

	(void)state;
	assert_int_equal(stacktab_new(&t), 0);
	assert_int_equal(stacktab_intern(t, one, 0, &e, &is_new), 0);
	assert_int_equal(is_new, 1);
	assert_int_equal(stacktab_intern(t, one, 1, &o, &is_new), 0);
	assert_int_not_equal(o, e);
	assert_int_equal(stacktab_intern(t, one, 0, &again, &is_new), 0);
	assert_int_equal(is_new, 0);
	assert_int_equal(again, e);
	assert_chain(t, e, one, 0);
	assert_chain(t, o, one, 1);
	stacktab_free(t);

	/* the same, read back from a file */
	assert_int_equal(stacktab_new(&t), 0);
	assert_int_equal(stacktab_insert(t, 0, one, 0), 0);
	assert_chain(t, 0, one, 0);
	stacktab_free(t);
}

#define NCHAINS 50000

/* Chain I: a length of 1..64 frames, all derived from I. */
static size_t make_chain(uint32_t i, uint64_t *ips)
{
	size_t n = 1 + i % 64, k;

	ips[0] = PERF_CONTEXT_USER;
	for (k = 1; k < n; k++)
		ips[k] = 0x400000 + ((uint64_t)i << 12) + k * 16;
	if (n == 1)
		ips[0] = 0x7f0000000000ULL + i; /* one frame: the leaf alone */
	return n;
}

static void test_many_chains(void **state)
{
	uint64_t ips[64];
	struct stacktab *t;
	uint32_t i, id;
	int is_new;

	(void)state;
	assert_int_equal(stacktab_new(&t), 0);
	for (i = 0; i < NCHAINS; i++) {
		size_t n = make_chain(i, ips);

		assert_int_equal(stacktab_intern(t, ips, n, &id, &is_new), 0);
		assert_int_equal(is_new, 1);
		assert_int_equal(id, i); /* dense, in order of arrival */
	}
	assert_int_equal(stacktab_count(t), NCHAINS);
	for (i = 0; i < NCHAINS; i++) {
		size_t n = make_chain(i, ips);

		assert_int_equal(stacktab_intern(t, ips, n, &id, &is_new), 0);
		assert_int_equal(is_new, 0);
		assert_int_equal(id, i);
		assert_chain(t, i, ips, n);
	}
	assert_int_equal(stacktab_count(t), NCHAINS);
	assert_null(stacktab_get(t, NCHAINS, &(size_t){ 0 }));
	stacktab_free(t);
}

static void test_insert(void **state)
{
	static const uint64_t a[] = { 1, 2, 3 };
	static const uint64_t b[] = { 4, 5 };
	static const uint64_t c[] = { 6 };
	static const uint64_t d[] = { 7, 8, 9, 10 };
	struct stacktab *t;
	uint32_t id;
	int is_new;
	size_t n;

	(void)state;
	assert_int_equal(stacktab_new(&t), 0);
	/* a file lists its stacks in any order */
	assert_int_equal(stacktab_insert(t, 5, a, 3), 0);
	assert_int_equal(stacktab_insert(t, 0, b, 2), 0);
	assert_int_equal(stacktab_insert(t, 3, c, 1), 0);
	assert_chain(t, 5, a, 3);
	assert_chain(t, 0, b, 2);
	assert_chain(t, 3, c, 1);
	assert_null(stacktab_get(t, 1, &n));
	assert_null(stacktab_get(t, 4, &n));
	assert_null(stacktab_get(t, 6, &n));
	assert_null(stacktab_get(t, 1000000, &n));

	/* a taken id stays with its chain */
	assert_int_equal(stacktab_insert(t, 5, d, 4), -EEXIST);
	assert_int_equal(stacktab_insert(t, 0, a, 3), -EEXIST);
	assert_chain(t, 5, a, 3);
	assert_chain(t, 0, b, 2);

	/* a hole can still be filled */
	assert_int_equal(stacktab_insert(t, 4, d, 4), 0);
	assert_chain(t, 4, d, 4);

	/* inserted chains are found by intern */
	assert_int_equal(stacktab_intern(t, a, 3, &id, &is_new), 0);
	assert_int_equal(is_new, 0);
	assert_int_equal(id, 5);
	assert_int_equal(stacktab_intern(t, c, 1, &id, &is_new), 0);
	assert_int_equal(is_new, 0);
	assert_int_equal(id, 3);

	/* and a new chain does not take an id already in use */
	assert_int_equal(stacktab_intern(t, a, 2, &id, &is_new), 0);
	assert_int_equal(is_new, 1);
	assert_true(id != 0 && id != 3 && id != 4 && id != 5);
	assert_chain(t, id, a, 2);
	assert_chain(t, 5, a, 3);
	stacktab_free(t);
}

/* Ids far beyond the count: the table grows, the gaps stay unknown. */
static void test_insert_sparse(void **state)
{
	uint64_t ips[3];
	struct stacktab *t;
	uint32_t i;
	size_t n;

	(void)state;
	assert_int_equal(stacktab_new(&t), 0);
	for (i = 0; i < 3000; i++) {
		ips[0] = i;
		ips[1] = i * 3;
		ips[2] = i * 5;
		assert_int_equal(stacktab_insert(t, i * 7, ips, 3), 0);
	}
	for (i = 0; i < 3000; i++) {
		ips[0] = i;
		ips[1] = i * 3;
		ips[2] = i * 5;
		assert_chain(t, i * 7, ips, 3);
		assert_null(stacktab_get(t, i * 7 + 1, &n));
		assert_int_equal(stacktab_insert(t, i * 7, ips, 1), -EEXIST);
	}
	stacktab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_dedups),
		cmocka_unit_test(test_intern_zeros),
		cmocka_unit_test(test_empty_chain),
		cmocka_unit_test(test_many_chains),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_insert_sparse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
