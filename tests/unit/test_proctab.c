/*
 * Unit tests of the per-process state table (include/cprof/proctab.h):
 * made on first use, released on drop, and past a budget the element used
 * longest ago goes first (issue 22: `record -a` keeps unwinding state of
 * at most --max-processes processes).
 */
#include "unit.h"

#include "cprof/proctab.h"

struct elem {
	int value;
};

/* What the release callback saw: the ids released, in order. */
struct released {
	pid_t ids[64];
	int n;
};

static void on_release(void *elem, pid_t id, void *arg)
{
	struct released *r = arg;
	struct elem *e = elem;

	assert_int_equal(e->value, (int)id * 10); /* the element of that id */
	assert_true(r->n < 64);
	r->ids[r->n++] = id;
}

static struct elem *get(struct proctab *t, pid_t id, int want_made)
{
	int made = -1;
	struct elem *e = proctab_get(t, id, &made);

	assert_non_null(e);
	assert_int_equal(made, want_made);
	if (made)
		e->value = (int)id * 10;
	return e;
}

static void test_made_found_dropped(void **state)
{
	struct released r = { .n = 0 };
	struct proctab *t;
	struct elem *e;

	(void)state;
	assert_int_equal(proctab_new(sizeof(struct elem), on_release, &r, &t), 0);
	assert_null(proctab_find(t, 7));
	e = get(t, 7, 1);
	assert_ptr_equal(get(t, 7, 0), e);
	assert_ptr_equal(proctab_find(t, 7), e);
	get(t, 8, 1);
	assert_int_equal(proctab_count(t), 2);
	proctab_drop(t, 7);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], 7);
	assert_null(proctab_find(t, 7));
	proctab_drop(t, 7); /* twice: nothing */
	assert_int_equal(r.n, 1);
	/* made again, zeroed, in the freed slot */
	e = proctab_get(t, 7, NULL);
	assert_non_null(e);
	assert_int_equal(e->value, 0);
	e->value = 70;
	assert_int_equal(proctab_count(t), 2);
	assert_int_equal(proctab_dropped(t), 0);
	/* id 0 is no process */
	assert_null(proctab_get(t, 0, NULL));
	proctab_free(t);
	assert_int_equal(r.n, 3); /* the rest released at the end */
	proctab_free(NULL);
}

static void test_budget_least_recently_used(void **state)
{
	struct released r = { .n = 0 };
	struct proctab *t;

	(void)state;
	assert_int_equal(proctab_new(sizeof(struct elem), on_release, &r, &t), 0);
	proctab_set_max(t, 3);
	get(t, 1, 1);
	get(t, 2, 1);
	get(t, 3, 1);
	assert_non_null(proctab_find(t, 1)); /* 1 used again: 2 is now the oldest */
	get(t, 4, 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], 2);
	assert_null(proctab_find(t, 2));
	assert_int_equal(proctab_count(t), 3);
	get(t, 5, 1); /* then 3 */
	assert_int_equal(r.ids[1], 3);
	assert_int_equal(proctab_dropped(t), 2);
	/* dropped on exit: not counted as evicted, and makes room */
	proctab_drop(t, 1);
	get(t, 6, 1);
	assert_int_equal(r.n, 3);
	assert_int_equal(proctab_dropped(t), 2);
	/* a smaller budget evicts now, oldest first: 4, then 5 */
	proctab_set_max(t, 1);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.ids[3], 4);
	assert_int_equal(r.ids[4], 5);
	assert_non_null(proctab_find(t, 6));
	assert_int_equal(proctab_dropped(t), 4);
	proctab_free(t);
}

/* Many processes through a small budget: never more than it, each id its own element. */
static void test_churn(void **state)
{
	struct proctab *t;
	pid_t id;

	(void)state;
	assert_int_equal(proctab_new(sizeof(struct elem), NULL, NULL, &t), 0);
	proctab_set_max(t, 16);
	for (id = 1; id <= 5000; id++) {
		struct elem *e = proctab_get(t, id, NULL);

		assert_non_null(e);
		e->value = (int)id;
		assert_true(proctab_count(t) <= 16);
		if (id % 3 == 0)
			proctab_drop(t, id);
	}
	for (id = 4990; id <= 5000; id++) {
		struct elem *e = proctab_find(t, id);

		if (id % 3)
			assert_true(e && e->value == (int)id);
		else
			assert_null(e);
	}
	proctab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_found_dropped),
		cmocka_unit_test(test_budget_least_recently_used),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
