/*
 * Unit tests of the ring reader (include/cprof/ring.h): ring_fair_pages()
 * gives every CPU's ring the same power of two within the locked-memory
 * allowance of an unprivileged user (issue 8, defect 8: 8 MiB on one CPU,
 * 1 MiB on the other); ring_release_to() hands space back to the kernel
 * in the middle of a batch, never past what was read (issue 11: rings
 * overflowing at 50,000 switches a second while a batch was unwound).
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

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

/* A ring in plain memory: control page, 4 KiB of data, three 64-byte records. */
static void fake_ring(struct ring *r)
{
	struct perf_event_mmap_page *pc;
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .size = 64 };

	memset(r, 0, sizeof(*r));
	r->base = calloc(1, 8192);
	assert_non_null(r->base);
	r->data = (unsigned char *)r->base + 4096;
	r->mask = 4095;
	for (int i = 0; i < 3; i++)
		memcpy(r->data + 64 * i, &h, sizeof(h));
	pc = r->base;
	pc->data_head = 192;
	pc->data_tail = 0;
}

static uint64_t kernel_tail(const struct ring *r)
{
	return ((const struct perf_event_mmap_page *)r->base)->data_tail;
}

static void test_release_mid_batch(void **state)
{
	struct ring r;
	uint64_t second;

	(void)state;
	fake_ring(&r);
	ring_begin(&r);
	assert_non_null(ring_next(&r));
	second = r.pos;
	assert_non_null(ring_next(&r));
	ring_release_to(&r, second);
	assert_int_equal(kernel_tail(&r), 64);
	/* the records after it can still be fetched again by position */
	assert_non_null(ring_at(&r, second));
	assert_non_null(ring_next(&r));
	assert_null(ring_next(&r));
	/* past the batch, or back before the tail: ignored */
	ring_release_to(&r, 4096);
	assert_int_equal(kernel_tail(&r), 64);
	ring_release_to(&r, 0);
	assert_int_equal(kernel_tail(&r), 64);
	ring_release_to(&r, 192);
	assert_int_equal(kernel_tail(&r), 192);
	ring_end(&r);
	assert_int_equal(kernel_tail(&r), 192);
	free(r.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_allowance),
		cmocka_unit_test(test_memlock_shared_by_cpus),
		cmocka_unit_test(test_tiny_allowance),
		cmocka_unit_test(test_release_mid_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
