/*
 * Unit tests of ring_fair_pages() (include/cprof/ring.h): every CPU's ring
 * gets the same power of two within the locked-memory allowance of an
 * unprivileged user (issue 8, defect 8: 8 MiB on one CPU, 1 MiB on the
 * other).
 */
#include "unit.h"

#include "cprof/ring.h"

static void test_default_allowance(void **state)
{
	(void)state;
	/* perf_event_mlock_kb 516 = 128 data pages + the control page, per CPU */
	assert_int_equal(ring_fair_pages(2048, 2, 516, 0, 4096), 128);
	assert_int_equal(ring_fair_pages(2048, 64, 516, 0, 4096), 128);
	/* one page short of 128 + 1: the next power of two down */
	assert_int_equal(ring_fair_pages(2048, 2, 512, 0, 4096), 64);
	/* never more than asked */
	assert_int_equal(ring_fair_pages(32, 2, 516, 0, 4096), 32);
}

static void test_memlock_shared_by_cpus(void **state)
{
	(void)state;
	/* 8 MiB of RLIMIT_MEMLOCK split between 2 CPUs: 1024 + 129 pages each */
	assert_int_equal(ring_fair_pages(2048, 2, 516, 8u << 20, 4096), 1024);
	/* the same 8 MiB among 16 CPUs: 128 + 129 pages each */
	assert_int_equal(ring_fair_pages(2048, 16, 516, 8u << 20, 4096), 256);
	/* CPUs only ever get equal shares, whatever the count */
	for (unsigned n = 1; n <= 256; n++) {
		size_t p = ring_fair_pages(2048, n, 516, 64u << 20, 4096);

		assert_true(p && !(p & (p - 1)));
		assert_true((uint64_t)(p + 1) * n <= 129ull * n + (64u << 20) / 4096);
	}
}

static void test_tiny_allowance(void **state)
{
	(void)state;
	assert_int_equal(ring_fair_pages(2048, 2, 0, 0, 4096), 1);
	assert_int_equal(ring_fair_pages(2048, 0, 516, 0, 4096), 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_allowance),
		cmocka_unit_test(test_memlock_shared_by_cpus),
		cmocka_unit_test(test_tiny_allowance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
