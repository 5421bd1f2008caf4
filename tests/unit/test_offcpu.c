/* offcpu.h: intervals from switch-out samples and switch records. */
#include "unit.h"

#include "cprof/offcpu.h"

static int collect(const struct df_wsample *w, void *arg)
{
	struct df_wsample *out = arg;

	*out = *w;
	return 0;
}

static void test_blocked_and_preempted(void **state)
{
	struct offcpu *o;
	struct df_wsample w;

	(void)state;
	assert_int_equal(offcpu_new(&o), 0);
	/* blocked: the sample's stack, out at 100, in at 350 on CPU 3 */
	assert_int_equal(offcpu_stack(o, 10, 11, 100, 7), 0);
	assert_int_equal(offcpu_out(o, 10, 11, 100, 0), 0);
	assert_int_equal(offcpu_in(o, 11, 3, 350, &w), 1);
	assert_int_equal(w.time, 100);
	assert_int_equal(w.value, 250);
	assert_int_equal(w.pid, 10);
	assert_int_equal(w.tid, 11);
	assert_int_equal(w.stack_id, 7);
	assert_int_equal(w.cpu, 3);
	assert_int_equal(w.kind, DF_WS_OFFCPU);
	/* preempted, its sample lost: run-queue time without a stack */
	assert_int_equal(offcpu_out(o, 10, 11, 400, 1), 0);
	assert_int_equal(offcpu_in(o, 11, 0, 420, &w), 1);
	assert_int_equal(w.kind, DF_WS_RUNQ);
	assert_int_equal(w.value, 20);
	assert_int_equal(w.stack_id, OFFCPU_NO_STACK);
	/* a switch-in with nothing open, and a switch-out read late */
	assert_int_equal(offcpu_in(o, 12, 0, 500, &w), 0);
	assert_int_equal(offcpu_out(o, 10, 12, 450, 0), 0);
	assert_int_equal(offcpu_in(o, 12, 0, 600, &w), 0);
	assert_int_equal(offcpu_stats(o)->blocked, 1);
	assert_int_equal(offcpu_stats(o)->preempted, 1);
	assert_int_equal(offcpu_stats(o)->no_stack, 1);
	assert_int_equal(offcpu_stats(o)->unpaired, 2);
	offcpu_free(o);
}

static void test_exit_and_close_all(void **state)
{
	struct offcpu *o;
	struct df_wsample w = { 0 };

	(void)state;
	assert_int_equal(offcpu_new(&o), 0);
	/* a dying thread's last switch-out is no block */
	offcpu_exit(o, 21);
	assert_int_equal(offcpu_out(o, 20, 21, 100, 0), 0);
	/* a thread still blocked at the end is blocked until then */
	assert_int_equal(offcpu_stack(o, 20, 22, 200, 5), 0);
	assert_int_equal(offcpu_out(o, 20, 22, 200, 0), 0);
	assert_int_equal(offcpu_close_all(o, 1000, collect, &w), 0);
	assert_int_equal(w.tid, 22);
	assert_int_equal(w.value, 800);
	assert_int_equal(w.stack_id, 5);
	assert_int_equal(offcpu_stats(o)->blocked, 1);
	offcpu_free(o);
	offcpu_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_and_preempted),
		cmocka_unit_test(test_exit_and_close_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
