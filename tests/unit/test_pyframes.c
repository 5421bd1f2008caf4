/*
 * Unit tests of include/cprof/pyframes.h (the rule that puts Python frames
 * in their native stack) and include/cprof/view.h (one language's frames).
 */
#include "unit.h"

#include <errno.h>
#include <sys/resource.h>

#include "cprof/pyframes.h"
#include "cprof/view.h"

enum { O = PYROLE_OTHER, E = PYROLE_EVAL, T = PYROLE_TRAMPOLINE, I = PYROLE_INTERP };

/* Merge, then compare with WANT (N ids); returns the fit. */
static enum pyframes_fit merge(const uint32_t *nat, const uint8_t *role, size_t n,
			       const uint32_t *py, const uint8_t *entry, size_t np,
			       const uint32_t *want, size_t nwant)
{
	uint32_t out[64];
	uint8_t outrole[64];
	size_t got, i;
	enum pyframes_fit fit = pyframes_merge(nat, role, n, py, entry, np, out, outrole, &got);

	assert_int_equal(got, nwant);
	for (i = 0; i < got; i++)
		assert_int_equal(out[i], want[i]);
	return fit;
}

/* Native ids are 1..9, Python ids 100+. */
static void test_one_run_per_loop(void **state)
{
	/* main -> eval -> call -> eval -> leaf; Python a (run 1), b (run 2) */
	const uint32_t nat[] = { 1, 2, 3, 2, 4 }, py[] = { 100, 101 };
	const uint8_t role[] = { O, E, O, E, O }, entry[] = { 1, 1 };
	const uint32_t want[] = { 1, 100, 3, 101, 4 };

	(void)state;
	assert_int_equal(merge(nat, role, 5, py, entry, 2, want, 5), PYFIT_MATCH);
}

static void test_several_frames_per_run(void **state)
{
	/* 3.11+: one loop runs <module>, f, g; a C call; another loop runs h */
	const uint32_t nat[] = { 1, 2, 5, 2, 4 }, py[] = { 100, 101, 102, 103 };
	const uint8_t role[] = { O, E, O, E, O }, entry[] = { 1, 0, 0, 1 };
	const uint32_t want[] = { 1, 100, 101, 102, 5, 103, 4 };

	(void)state;
	assert_int_equal(merge(nat, role, 5, py, entry, 4, want, 7), PYFIT_MATCH);
}

static void test_more_runs_than_loops(void **state)
{
	/* read after the stack grew: the innermost loop takes every run left */
	const uint32_t nat[] = { 1, 2, 4 }, py[] = { 100, 101, 102 };
	const uint8_t role[] = { O, E, O }, entry[] = { 1, 1, 1 };
	const uint32_t want[] = { 1, 100, 101, 102, 4 };

	(void)state;
	assert_int_equal(merge(nat, role, 3, py, entry, 3, want, 5), PYFIT_MISMATCH);
}

static void test_more_loops_than_runs(void **state)
{
	const uint32_t nat[] = { 1, 2, 3, 2, 4 }, py[] = { 100 };
	const uint8_t role[] = { O, E, O, E, O }, entry[] = { 1 };
	const uint32_t want[] = { 1, 100, 3, 2, 4 };

	(void)state;
	assert_int_equal(merge(nat, role, 5, py, entry, 1, want, 5), PYFIT_MISMATCH);
}

static void test_no_loop(void **state)
{
	/* the native unwind stopped before any loop: Python at the root */
	const uint32_t nat[] = { 4, 5 }, py[] = { 100, 101 };
	const uint8_t role[] = { O, O }, entry[] = { 1, 0 };
	const uint32_t want[] = { 100, 101, 4, 5 };

	(void)state;
	assert_int_equal(merge(nat, role, 2, py, entry, 2, want, 4), PYFIT_NO_EVAL);
}

static void test_trampolines_and_interpreter(void **state)
{
	/*
	 * -X perf: a trampoline above each loop, dropped; the interpreter's call
	 * machinery (I) between two Python frames folded, a C extension's (O)
	 * and the interpreter's outside them kept
	 */
	const uint32_t nat[] = { 1, 6, 9, 2, 6, 7, 8, 9, 2, 6 };
	const uint8_t role[] = { I, I, T, E, I, O, I, T, E, I };
	const uint32_t py[] = { 100, 101 };
	const uint8_t entry[] = { 1, 1 };
	const uint32_t want[] = { 1, 6, 100, 7, 101, 6 };

	(void)state;
	assert_int_equal(merge(nat, role, 10, py, entry, 2, want, 6), PYFIT_MATCH);
}

static void test_roles(void **state)
{
	struct profile_frame f = { .name = "_PyEval_EvalFrameDefault", .kind = FRAME_USER };

	(void)state;
	assert_int_equal(pyframes_role(&f), PYROLE_EVAL);
	f.name = "py::leaf:/x.py", f.kind = FRAME_JIT;
	assert_int_equal(pyframes_role(&f), PYROLE_TRAMPOLINE);
	assert_int_equal(view_frame_lang(&f), VIEW_PYTHON);
	f.name = "JS:*hot /x.js:1";
	assert_int_equal(pyframes_role(&f), PYROLE_OTHER);
	assert_int_equal(view_frame_lang(&f), VIEW_JS);
	f.kind = FRAME_PYTHON;
	assert_int_equal(view_frame_lang(&f), VIEW_PYTHON);
	f.kind = FRAME_KERNEL;
	assert_int_equal(view_frame_lang(&f), VIEW_NATIVE);
}

static void test_code_table(void **state)
{
	struct df_pycode c = { .pid = 7, .id = 3, .firstlineno = 10, .qualname = "C.m",
			       .filename = "/a.py" };
	struct profile_frame f;
	struct pycodes *pc;

	(void)state;
	assert_int_equal(pycodes_new(&pc), 0);
	assert_int_equal(pycodes_add(pc, &c), 0);
	pycodes_frame(pc, 3, 12, &f);
	assert_string_equal(f.name, "C.m");
	assert_string_equal(f.file, "/a.py");
	assert_int_equal(f.line, 12);
	assert_int_equal(f.start_line, 10);
	assert_int_equal(f.kind, FRAME_PYTHON);
	pycodes_frame(pc, 4, 1, &f); /* never sent */
	assert_string_equal(f.name, "[python]");
	c.qualname = "D.n"; /* the same id again replaces it */
	assert_int_equal(pycodes_add(pc, &c), 0);
	pycodes_frame(pc, 3, 12, &f);
	assert_string_equal(f.name, "D.n");
	pycodes_free(pc);
	pycodes_free(NULL);
}

/* A profile of two samples: main;py_f;native_leaf and main;native_only. */
static struct profile *two_stacks(void)
{
	struct profile_frame fr[] = {
		{ .name = "main", .kind = FRAME_USER, .module = PROFILE_NONE },
		{ .name = "py_f", .kind = FRAME_PYTHON, .module = PROFILE_NONE },
		{ .name = "leaf", .kind = FRAME_USER, .module = PROFILE_NONE },
		{ .name = "other", .kind = FRAME_USER, .module = PROFILE_NONE },
	};
	uint32_t ids[4], s1, s2, th, col;
	int64_t v1 = 3, v2 = 1;
	struct profile *p;
	size_t i;

	assert_int_equal(profile_new(&p), 0);
	assert_int_equal(profile_add_column(p, "samples", "count", &col), 0);
	for (i = 0; i < 4; i++) {
		fr[i].location = profile_new_location(p);
		assert_int_equal(profile_frame(p, &fr[i], &ids[i]), 0);
	}
	assert_int_equal(profile_stack(p, (uint32_t[]){ ids[0], ids[1], ids[2] }, 3, &s1), 0);
	assert_int_equal(profile_stack(p, (uint32_t[]){ ids[0], ids[3] }, 2, &s2), 0);
	assert_int_equal(profile_thread(p, 1, 1, "t", "t", &th), 0);
	assert_int_equal(profile_add(p, s1, th, &v1, NULL), 0);
	assert_int_equal(profile_add(p, s2, th, &v2, NULL), 0);
	return p;
}

static void test_view(void **state)
{
	struct profile *p = two_stacks(), *v;
	enum view_lang l;

	(void)state;
	assert_int_equal(view_auto(p), VIEW_PYTHON);
	assert_int_equal(view_lang(p, VIEW_PYTHON, &v), 0);
	assert_int_equal(v->nsamples, 2);
	assert_int_equal(profile_total(v, 0), 4);
	/* py_f keeps its 3 samples (leaf's time charged to it); the other stack is [native] */
	assert_int_equal(v->stacks[v->samples[0].stack].depth, 1);
	assert_string_equal(v->frames[v->stacks[v->samples[0].stack].frames[0]].name, "py_f");
	assert_string_equal(v->frames[v->stacks[v->samples[1].stack].frames[0]].name, "[native]");
	profile_free(v);
	assert_int_equal(view_lang(p, VIEW_NATIVE, &v), 0);
	assert_int_equal(v->stacks[v->samples[0].stack].depth, 2); /* main;leaf */
	profile_free(v);
	assert_int_equal(view_lang_parse("js", &l), 0);
	assert_int_equal(l, VIEW_JS);
	assert_int_equal(view_lang_parse("auto", &l), -EINVAL);
	assert_int_equal(view_lang_parse("ruby", &l), -EINVAL);
	profile_free(p);
}

/*
 * Frames without a location (PROFILE_NONE: folded stacks' and diff's, as
 * `cprof diff --lang native a.folded b.folded` views them) are not indexed:
 * before, their UINT32_MAX sized a 16 GiB table (16.8 GB RSS, over 60 s).
 * The address space is cut to 1 GiB so that such a table fails, not swaps.
 */
static void test_view_no_location(void **state)
{
	struct profile_frame fr[] = {
		{ .name = "main", .kind = FRAME_USER, .module = PROFILE_NONE },
		{ .name = "py_f", .kind = FRAME_PYTHON, .module = PROFILE_NONE },
	};
	struct rlimit lim;
	uint32_t ids[2], s, th, col;
	int64_t one = 1;
	struct profile *p, *v;
	size_t i;

	(void)state;
#ifndef __SANITIZE_ADDRESS__ /* ASan reserves more than 1 GiB of address space */
	assert_int_equal(getrlimit(RLIMIT_AS, &lim), 0);
	if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > (1ULL << 30))
		lim.rlim_cur = 1ULL << 30;
	assert_int_equal(setrlimit(RLIMIT_AS, &lim), 0);
#else
	(void)lim;
#endif
	assert_int_equal(profile_new(&p), 0);
	assert_int_equal(profile_add_column(p, "samples", "count", &col), 0);
	for (i = 0; i < 2; i++) {
		fr[i].location = PROFILE_NONE;
		assert_int_equal(profile_frame(p, &fr[i], &ids[i]), 0);
	}
	assert_int_equal(profile_stack(p, ids, 2, &s), 0);
	assert_int_equal(profile_thread(p, 1, 1, "t", "t", &th), 0);
	assert_int_equal(profile_add(p, s, th, &one, NULL), 0);
	assert_int_equal(view_lang(p, VIEW_NATIVE, &v), 0);
	assert_int_equal(v->stacks[v->samples[0].stack].depth, 1);
	assert_int_equal(v->frames[v->stacks[v->samples[0].stack].frames[0]].location, PROFILE_NONE);
	profile_free(v);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_run_per_loop),
		cmocka_unit_test(test_several_frames_per_run),
		cmocka_unit_test(test_more_runs_than_loops),
		cmocka_unit_test(test_more_loops_than_runs),
		cmocka_unit_test(test_no_loop),
		cmocka_unit_test(test_trampolines_and_interpreter),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_code_table),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_view_no_location),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
