/* Unit tests of include/cprof/addrspace.h: mmap(2)'s rules, fork and exec. */
#include "unit.h"

#include "cprof/addrspace.h"

static struct as_map map(uint64_t start, uint64_t end, uint64_t pgoff, uint32_t id)
{
	return (struct as_map){ .start = start, .end = end, .pgoff = pgoff, .ids = { id } };
}

/* PID's mappings are exactly WANT (N of them), in order. */
static void assert_maps(const struct addrspace *as, uint32_t pid, const struct as_map *want,
			size_t n)
{
	const struct as_map *m;
	size_t got = addrspace_maps(as, pid, &m), i;

	assert_int_equal(got, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(m[i].start, want[i].start);
		assert_int_equal(m[i].end, want[i].end);
		assert_int_equal(m[i].pgoff, want[i].pgoff);
		assert_int_equal(m[i].ids[0], want[i].ids[0]);
	}
}

static void test_mmap_over_mmap(void **state)
{
	struct addrspace *as;
	struct as_map a = map(0x1000, 0x9000, 0x0, 1), b = map(0x3000, 0x5000, 0x0, 2);
	struct as_map c = map(0x8000, 0xa000, 0x100, 3);
	const struct as_map want[] = {
		map(0x1000, 0x3000, 0x0, 1),     /* the head of a */
		map(0x3000, 0x5000, 0x0, 2),     /* b over it */
		map(0x5000, 0x8000, 0x4000, 1),  /* the tail keeps its file offset */
		map(0x8000, 0xa000, 0x100, 3),   /* c over the end of a */
	};
	uint32_t g0, g1;

	(void)state;
	assert_int_equal(addrspace_new(&as), 0);
	assert_int_equal(addrspace_gen(as, 7), 0);
	assert_int_equal(addrspace_map(as, 7, &a), 0);
	g0 = addrspace_gen(as, 7);
	assert_int_not_equal(g0, 0);
	assert_int_equal(addrspace_map(as, 7, &b), 0);
	assert_int_equal(addrspace_map(as, 7, &c), 0);
	g1 = addrspace_gen(as, 7);
	assert_int_not_equal(g1, g0);
	assert_maps(as, 7, want, 4);
	assert_int_equal(addrspace_find(as, 7, 0x4fff)->ids[0], 2);
	assert_int_equal(addrspace_find(as, 7, 0x5000)->ids[0], 1);
	assert_int_equal(addrspace_find(as, 7, 0x1000)->ids[0], 1);
	assert_int_equal(addrspace_find(as, 7, 0x9fff)->ids[0], 3);
	assert_null(addrspace_find(as, 7, 0xa000));
	assert_null(addrspace_find(as, 7, 0xfff));
	assert_null(addrspace_find(as, 8, 0x2000));
	addrspace_free(as);
}

/* munmap + mmap of something else at the same place: the new one wins whole. */
static void test_replacement(void **state)
{
	struct addrspace *as;
	struct as_map lib = map(0x7000, 0x9000, 0x1000, 1), other = map(0x6000, 0xa000, 0, 2);
	const struct as_map want[] = { map(0x6000, 0xa000, 0, 2) };

	(void)state;
	assert_int_equal(addrspace_new(&as), 0);
	assert_int_equal(addrspace_map(as, 1, &lib), 0);
	assert_int_equal(addrspace_map(as, 1, &other), 0);
	assert_maps(as, 1, want, 1);
	/* the same mapping again changes nothing but the generation */
	assert_int_equal(addrspace_map(as, 1, &other), 0);
	assert_maps(as, 1, want, 1);
	addrspace_free(as);
}

static void test_fork_and_exec(void **state)
{
	struct addrspace *as;
	struct as_map a = map(0x1000, 0x2000, 0, 1), b = map(0x3000, 0x4000, 0, 2);
	struct as_map c = map(0x1000, 0x2000, 0, 3);
	const struct as_map parent[] = { a, b }, child[] = { c, b };
	uint32_t gp;

	(void)state;
	assert_int_equal(addrspace_new(&as), 0);
	assert_int_equal(addrspace_map(as, 10, &a), 0);
	assert_int_equal(addrspace_map(as, 10, &b), 0);
	/* a thread "fork" (same pid) changes nothing */
	gp = addrspace_gen(as, 10);
	assert_int_equal(addrspace_fork(as, 10, 10), 0);
	assert_int_equal(addrspace_gen(as, 10), gp);
	assert_int_equal(addrspace_fork(as, 10, 20), 0);
	assert_maps(as, 20, parent, 2);
	/* the child's changes are its own */
	assert_int_equal(addrspace_map(as, 20, &c), 0);
	assert_maps(as, 20, child, 2);
	assert_maps(as, 10, parent, 2);
	assert_int_not_equal(addrspace_gen(as, 20), addrspace_gen(as, 10));
	/* exec empties the process, and nothing else */
	assert_int_equal(addrspace_exec(as, 20), 0);
	assert_maps(as, 20, NULL, 0);
	assert_null(addrspace_find(as, 20, 0x1000));
	assert_maps(as, 10, parent, 2);
	/* a fork from a process never seen gives an empty one */
	assert_int_equal(addrspace_fork(as, 30, 31), 0);
	assert_maps(as, 31, NULL, 0);
	assert_int_not_equal(addrspace_gen(as, 31), 0);
	addrspace_free(as);
}

/* Many processes: the table grows under the fork without losing the parent. */
static void test_many_processes(void **state)
{
	struct addrspace *as;
	struct as_map a = map(0x1000, 0x2000, 0, 1);
	uint32_t pid;

	(void)state;
	assert_int_equal(addrspace_new(&as), 0);
	assert_int_equal(addrspace_map(as, 1, &a), 0);
	for (pid = 2; pid < 3000; pid++)
		assert_int_equal(addrspace_fork(as, pid - 1, pid), 0);
	assert_int_equal(addrspace_find(as, 2999, 0x1800)->ids[0], 1);
	addrspace_free(as);
}

/*
 * Issue 23: forks share their parent's mappings until one side changes
 * (2000 forks of 20k mappings took 3 GB): the same table, and after a
 * change of either side each sees its own.
 */
static void test_fork_shares_until_change(void **state)
{
	struct addrspace *as;
	struct as_map a = map(0x1000, 0x2000, 0, 1), b = map(0x3000, 0x4000, 0, 2);
	struct as_map c = map(0x5000, 0x6000, 0, 3), empty = map(0x1800, 0x1800, 0, 4);
	const struct as_map parent[] = { a, b, c }, children[] = { a, b };
	const struct as_map *m10, *m20, *m21;
	uint32_t g;

	(void)state;
	assert_int_equal(addrspace_new(&as), 0);
	assert_int_equal(addrspace_map(as, 10, &a), 0);
	assert_int_equal(addrspace_map(as, 10, &b), 0);
	assert_int_equal(addrspace_fork(as, 10, 20), 0);
	assert_int_equal(addrspace_fork(as, 10, 21), 0);
	addrspace_maps(as, 10, &m10);
	addrspace_maps(as, 20, &m20);
	addrspace_maps(as, 21, &m21);
	assert_ptr_equal(m10, m20);
	assert_ptr_equal(m10, m21);
	/* the parent changes: the children keep what they were forked with */
	assert_int_equal(addrspace_map(as, 10, &c), 0);
	assert_maps(as, 10, parent, 3);
	assert_maps(as, 20, children, 2);
	assert_maps(as, 21, children, 2);
	/* a child forked again over an old pid takes the new table */
	assert_int_equal(addrspace_fork(as, 10, 20), 0);
	assert_maps(as, 20, parent, 3);
	assert_int_equal(addrspace_exec(as, 10), 0);
	assert_maps(as, 20, parent, 3);
	assert_maps(as, 21, children, 2);
	/* a mapping of no bytes maps nothing */
	g = addrspace_gen(as, 21);
	assert_int_equal(addrspace_map(as, 21, &empty), 0);
	assert_maps(as, 21, children, 2);
	assert_int_equal(addrspace_gen(as, 21), g);
	addrspace_free(as);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmap_over_mmap),
		cmocka_unit_test(test_replacement),
		cmocka_unit_test(test_fork_and_exec),
		cmocka_unit_test(test_fork_shares_until_change),
		cmocka_unit_test(test_many_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
