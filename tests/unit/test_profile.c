/* Unit tests of include/cprof/profile.h: interning and aggregation. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>

#include "cprof/profile.h"

static void test_build(void **state)
{
	struct profile *p;
	struct profile_frame f = { .name = "main", .module = PROFILE_NONE, .kind = FRAME_USER,
				   .symbolized = 1 };
	char name[] = "leaf";
	uint32_t cs, cc, m, m2, fa, fb, fa2, s1, s2, s3, t1, t2, row;
	uint32_t chain[2];
	int64_t v[2] = { 1, 1000 };

	(void)state;
	assert_int_equal(profile_new(&p), 0);
	assert_int_equal(profile_add_column(p, "samples", "count", &cs), 0);
	assert_int_equal(profile_add_column(p, "cpu", "nanoseconds", &cc), 0);
	assert_int_equal(profile_column(p, "cpu"), cc);
	assert_int_equal(profile_column(p, "wall"), PROFILE_NONE);
	assert_int_equal(profile_module(p, "/bin/x", "abcd", &m), 0);
	assert_int_equal(profile_module(p, "/bin/x", "abcd", &m2), 0);
	assert_int_equal(m, m2);
	assert_int_equal(profile_module(p, "/bin/x", "", &m2), 0);
	assert_int_not_equal(m, m2);
	f.module = m;
	f.location = profile_new_location(p);
	assert_int_equal(profile_frame(p, &f, &fa), 0);
	f.name = name; /* strings are copied: changing ours later changes nothing */
	f.location = profile_new_location(p);
	assert_int_equal(profile_frame(p, &f, &fb), 0);
	name[0] = 'X';
	assert_string_equal(p->frames[fb].name, "leaf");
	assert_ptr_equal(p->frames[fb].mangled, p->frames[fb].name);
	f.name = "main";
	f.location = p->frames[fa].location;
	assert_int_equal(profile_frame(p, &f, &fa2), 0);
	assert_int_equal(fa, fa2);
	chain[0] = fa;
	chain[1] = fb;
	assert_int_equal(profile_stack(p, chain, 2, &s1), 0);
	assert_int_equal(profile_stack(p, chain, 1, &s2), 0);
	assert_int_equal(profile_stack(p, chain, 2, &s3), 0);
	assert_int_equal(s1, s3);
	assert_int_not_equal(s1, s2);
	assert_int_equal(p->stacks[s1].depth, 2);
	assert_int_equal(p->stacks[s1].frames[1], fb);
	assert_int_equal(profile_thread(p, 1, 2, "w", "app", &t1), 0);
	assert_int_equal(profile_thread(p, 1, 2, "renamed", "app", &t2), 0);
	assert_int_not_equal(t1, t2);
	assert_int_equal(profile_add(p, s1, t1, v, &row), 0);
	assert_int_equal(profile_add(p, s1, t1, v, NULL), 0);
	assert_int_equal(profile_add(p, s2, t1, v, NULL), 0);
	assert_int_equal(p->nsamples, 2);
	assert_int_equal(profile_value(p, row, cs), 2);
	assert_int_equal(profile_value(p, row, cc), 2000);
	assert_int_equal(profile_total(p, cs), 3);
	/* no new columns once there are samples */
	assert_int_equal(profile_add_column(p, "late", "count", &cs), -EINVAL);
	{
		struct profile_event late = { .time = 9, .weight = 400, .sample = row,
					      .columns = 1u << cc },
				     early = { .time = 5, .weight = 1000, .sample = row, .count = 1,
					       .columns = 1u << cs | 1u << cc };

		assert_int_equal(profile_add_event(p, &late), 0);
		assert_int_equal(profile_add_event(p, &early), 0);
		profile_sort_events(p);
		assert_int_equal(p->nevents, 2);
		assert_int_equal(p->events[0].time, 5);
		/* a "count" column counts samples, another one sums the weight */
		assert_int_equal(profile_event_value(p, &p->events[0], cs), 1);
		assert_int_equal(profile_event_value(p, &p->events[0], cc), 1000);
		assert_int_equal(profile_event_value(p, &p->events[1], cs), 0);
		assert_int_equal(profile_event_value(p, &p->events[1], cc), 400);
		assert_int_equal(profile_event_value(p, &p->events[1], 7), 0);
	}
	profile_free(p);
	profile_free(NULL);
}

/* Frame I of test_ids_in_order: I / 10 picks the base, I % 10 the field it changes. */
static struct profile_frame nth_frame(uint32_t i, char *name, char *other, size_t size)
{
	struct profile_frame f = { .name = name, .module = 3, .location = 4, .line = 5,
				   .start_line = 6, .address = 0x1000, .kind = FRAME_USER,
				   .symbolized = 1 };

	snprintf(name, size, "f%u", i / 10);
	snprintf(other, size, "o%u", i / 10);
	switch (i % 10) {
	case 1:
		f.mangled = other;
		break;
	case 2:
		f.file = other;
		break;
	case 3:
		f.line = 50;
		break;
	case 4:
		f.start_line = 60;
		break;
	case 5:
		f.module = 30;
		break;
	case 6:
		f.location = 40;
		break;
	case 7:
		f.address = 0x2000;
		break;
	case 8:
		f.kind = FRAME_INLINED;
		break;
	case 9:
		f.symbolized = 0;
		break;
	}
	return f;
}

/*
 * Issue 23, defect 11: the index stores ids and compares the stored
 * entries. Every field tells frames apart, ids are given in the order
 * entries come (writers depend on it), and looking up again, across the
 * growth of every table, finds each one and adds nothing.
 */
static void test_ids_in_order(void **state)
{
	enum { N = 30000 };
	struct profile *p;
	char name[32], other[32];
	uint32_t i, id, st[2], col;
	int64_t one = 1;

	(void)state;
	assert_int_equal(profile_new(&p), 0);
	assert_int_equal(profile_add_column(p, "samples", "count", &col), 0);
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < N; i++) {
			struct profile_frame f = nth_frame(i, name, other, sizeof(name));

			assert_int_equal(profile_frame(p, &f, &id), 0);
			assert_int_equal(id, i);
			st[0] = i / 2;
			st[1] = i;
			assert_int_equal(profile_stack(p, st, 1 + i % 2, &id), 0);
			assert_int_equal(id, i);
			assert_int_equal(profile_thread(p, 1, i % 7, "t", "app", &id), 0);
			assert_int_equal(id, i < 7 ? i : i % 7);
			assert_int_equal(profile_add(p, i, i % 7, &one, &id), 0);
			assert_int_equal(id, i);
		}
		assert_int_equal(p->nframes, N);
		assert_int_equal(p->nstacks, N);
		assert_int_equal(p->nthreads, 7);
		assert_int_equal(p->nsamples, N);
	}
	assert_string_equal(p->frames[N - 1].name, "f2999");
	assert_string_equal(p->frames[N - 9].mangled, "o2999");
	assert_string_equal(p->frames[N - 8].file, "o2999");
	assert_int_equal(p->frames[N - 1].symbolized, 0);
	assert_int_equal(p->stacks[N - 1].frames[1], N - 1);
	for (i = 0; i < N; i++)
		assert_int_equal(profile_value(p, i, col), 2);
	profile_free(p);
}

/* Stacks stay where they are while many more are added. */
static void test_many_stacks(void **state)
{
	struct profile *p;
	uint32_t ids[300], s, first, i;
	const uint32_t *frames;

	(void)state;
	assert_int_equal(profile_new(&p), 0);
	for (i = 0; i < 300; i++)
		ids[i] = i;
	assert_int_equal(profile_stack(p, ids, 300, &first), 0);
	frames = p->stacks[first].frames;
	for (i = 0; i < 100000; i++) {
		ids[0] = i + 1000;
		assert_int_equal(profile_stack(p, ids, 1 + i % 300, &s), 0);
	}
	assert_ptr_equal(p->stacks[first].frames, frames);
	assert_int_equal(frames[299], 299);
	assert_int_equal(profile_stack(p, NULL, 0, &s), 0);
	assert_int_equal(p->stacks[s].depth, 0);
	profile_free(p);
}

/*
 * Issue 23: values past what a column can total (a damaged interval
 * length, summed thousands of times) stop at PROFILE_MAX_TOTAL, above and
 * below 0: no row, total or sum of rows overflows (a report printed
 * "wall: -7187745005 s").
 */
static void test_add_saturates(void **state)
{
	struct profile *p;
	uint32_t col, s, t1, t2;
	int64_t big[1] = { (INT64_C(1) << 50) - 1 }, huge[1] = { INT64_MAX }, low[1] = { INT64_MIN };
	int i;

	(void)state;
	assert_int_equal(profile_new(&p), 0);
	assert_int_equal(profile_add_column(p, "wall", "nanoseconds", &col), 0);
	assert_int_equal(profile_stack(p, NULL, 0, &s), 0);
	assert_int_equal(profile_thread(p, 1, 1, "a", "a", &t1), 0);
	assert_int_equal(profile_thread(p, 1, 2, "b", "b", &t2), 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal(profile_add(p, s, i % 2 ? t1 : t2, big, NULL), 0);
	assert_int_equal(profile_total(p, col), PROFILE_MAX_TOTAL);
	assert_int_equal(profile_add(p, s, t1, huge, NULL), 0);
	assert_int_equal(profile_total(p, col), PROFILE_MAX_TOTAL);
	assert_true(profile_value(p, 0, col) > 0 && profile_value(p, 1, col) > 0);
	/* below 0 the same, and what was added above stays */
	assert_int_equal(profile_add(p, s, t1, low, NULL), 0);
	assert_int_equal(profile_add(p, s, t2, low, NULL), 0);
	assert_int_equal(profile_total(p, col), 0);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_many_stacks),
		cmocka_unit_test(test_ids_in_order),
		cmocka_unit_test(test_add_saturates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
