/*
 * Unit tests of include/cprof/cpython.h on crafted memory images
 * (pyimage.h): threads, stacks, names and the three line table formats of
 * 3.8, 3.10 and 3.11+, and hostile memory: cycles end with -ELOOP, bad
 * pointers with -EFAULT, absurd lengths are capped, never a crash.
 * `test_cpython --seeds DIR` writes the images as seeds of fuzz_cpython.
 */
#include "unit.h"

#include <errno.h>

#include "cprof/cpython.h"
#include "cprof/procmem.h"
#include "pyimage.h"

/* 3.11 location table: 11 (+1, 2 units), 12 (one-line +1), 12 (short), none, 15 (long +3), 115 (+100) */
static const uint8_t locations[] = {
	0x80 | 13 << 3 | 1, 2,              /* no columns, line +1: bytes [0, 4) */
	0x80 | 11 << 3 | 0, 4, 8,           /* one line, +1: [4, 6) */
	0x80 | 0 << 3 | 0, 5,               /* short form, same line: [6, 8) */
	0x80 | 15 << 3 | 0,                 /* no location: [8, 10) */
	0x80 | 14 << 3 | 0, 6, 0, 1, 2,     /* long form, +3: [10, 12) */
	0x80 | 13 << 3 | 0, 0x48, 0x03,     /* +100 in two varint chunks: [12, 14) */
};
/* 3.10 co_linetable, the same lines: (bytes covered, line delta), -128 no line */
static const uint8_t linetable310[] = { 4, 1, 2, 1, 2, 0, 2, 0x80, 2, 3 };
/* 3.8 co_lnotab: (bytes, line delta) increments; from byte 8 one line back (-1) */
static const uint8_t lnotab[] = { 0, 1, 4, 1, 2, 0, 2, 0xff };

struct fixture {
	struct pyimage im;
	struct procmem *mem;
	struct cpython *py;
	uint64_t code_a, code_b, f_leaf, f_root, ts_main, ts_other;
};

/* Threads 1000 (main: b called from a) and 1001 (a alone), in 3.MINOR's layout. */
static void fixture_make(struct fixture *f, unsigned minor)
{
	const uint8_t *t = minor >= 11 ? locations : minor == 10 ? linetable310 : lnotab;
	size_t tlen = minor >= 11 ? sizeof(locations) : minor == 10 ? sizeof(linetable310) : sizeof(lnotab);

	memset(f, 0, sizeof(*f));
	pyimage_init(&f->im, minor);
	f->code_a = pyimage_code(&f->im, "A.a", "/src/a.py", 10, t, tlen, 16);
	f->code_b = pyimage_code(&f->im, "b", "/src/b.py", 20, t, tlen, 16);
	f->f_root = pyimage_frame(&f->im, f->code_a, 4, 0);
	f->f_leaf = pyimage_frame(&f->im, f->code_b, 0, f->f_root);
	f->ts_main = pyimage_thread(&f->im, PYIMAGE_PID, f->f_leaf);
	f->ts_other = pyimage_thread(&f->im, PYIMAGE_PID + 1, pyimage_frame(&f->im, f->code_a, -1, 0));
}

static void fixture_open(struct fixture *f)
{
	assert_int_equal(procmem_new_src(&f->im.src, &f->mem), 0);
	assert_int_equal(cpython_open(f->mem, 3, f->im.minor, PYIMAGE_BASE, PYIMAGE_PID, &f->py), 0);
}

static void fixture_free(struct fixture *f)
{
	cpython_free(f->py);
	procmem_free(f->mem);
	pyimage_release(&f->im);
}

static void check_walk(unsigned minor)
{
	struct cpython_thread th[8];
	struct cpython_frame fr[8];
	struct cpython_code code;
	struct fixture f;
	uint32_t line;
	size_t n;

	fixture_make(&f, minor);
	fixture_open(&f);
	assert_int_equal(cpython_minor(f.py), minor);
	assert_int_equal(cpython_threads(f.py, th, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_true(th[0].tstate == f.ts_other && th[1].tstate == f.ts_main); /* newest first */
	assert_int_equal(th[0].native_tid, PYIMAGE_PID + 1);
	assert_int_equal(th[1].native_tid, PYIMAGE_PID);
	assert_int_equal(cpython_threads(f.py, th, 1, &n), -E2BIG);
	assert_int_equal(n, 1);

	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID, fr, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_true(fr[0].code == f.code_b && fr[1].code == f.code_a);
	assert_int_equal(fr[0].lasti, 0);
	assert_int_equal(fr[1].lasti, 4);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID + 1, fr, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fr[0].lasti, -1);
	assert_int_equal(cpython_stack(f.py, 4242, fr, 8, &n), -ESRCH);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID, fr, 1, &n), -E2BIG);
	assert_int_equal(n, 1); /* the innermost frame kept */

	assert_int_equal(cpython_code(f.py, f.code_a, &code), 0);
	assert_string_equal(code.qualname, "A.a");
	assert_string_equal(code.filename, "/src/a.py");
	assert_int_equal(code.firstlineno, 10);
	assert_int_equal(cpython_line(f.py, f.code_a, -1, &line), 0);
	assert_int_equal(line, 10);
	assert_int_equal(cpython_line(f.py, f.code_a, 0, &line), 0);
	assert_int_equal(line, 11);
	assert_int_equal(cpython_line(f.py, f.code_a, 4, &line), 0);
	assert_int_equal(line, 12);
	assert_int_equal(cpython_line(f.py, f.code_b, 6, &line), 0);
	assert_int_equal(line, 22);
	if (minor == 8) {
		assert_int_equal(cpython_line(f.py, f.code_a, 8, &line), 0);
		assert_int_equal(line, 11);
	} else {
		assert_int_equal(cpython_line(f.py, f.code_a, 8, &line), -ENOENT);
		assert_int_equal(line, 0);
		assert_int_equal(cpython_line(f.py, f.code_a, 10, &line), 0);
		assert_int_equal(line, 15);
	}
	if (minor >= 11) {
		assert_int_equal(cpython_line(f.py, f.code_a, 12, &line), 0);
		assert_int_equal(line, 115);
		assert_int_equal(cpython_line(f.py, f.code_a, 14, &line), -ENOENT);
	}
	fixture_free(&f);
}

static void test_walk_38(void **state)
{
	(void)state;
	check_walk(8);
}

static void test_walk_310(void **state)
{
	(void)state;
	check_walk(10);
}

static void test_walk_311(void **state)
{
	(void)state;
	check_walk(11);
}

static void test_walk_313(void **state)
{
	(void)state;
	check_walk(13);
}

static void test_versions(void **state)
{
	struct fixture f;
	struct cpython *py;

	(void)state;
	fixture_make(&f, 13);
	assert_int_equal(procmem_new_src(&f.im.src, &f.mem), 0);
	assert_int_equal(cpython_open(f.mem, 3, 7, PYIMAGE_BASE, 0, &py), -EPROTONOSUPPORT);
	assert_int_equal(cpython_open(f.mem, 2, 7, PYIMAGE_BASE, 0, &py), -EPROTONOSUPPORT);
	assert_int_equal(cpython_open(f.mem, 3, 14, PYIMAGE_BASE, 0, &py), -EPROTONOSUPPORT);
	assert_false(cpython_supported(3, 7));
	assert_true(cpython_supported(3, 8) && cpython_supported(3, 13));
	/* 3.13 whose debug offsets say another version, or are not there */
	assert_int_equal(cpython_open(f.mem, 3, 13, PYIMAGE_BASE + 16, 0, &py), -EPROTO);
	f.im.buf[10] = 12; /* version 3.12 */
	assert_int_equal(cpython_open(f.mem, 3, 13, PYIMAGE_BASE, 0, &py), -EPROTO);
	f.im.buf[10] = 13;
	pyimage_put_u64(&f.im, PYIMAGE_BASE + 16, 1); /* free-threaded */
	assert_int_equal(cpython_open(f.mem, 3, 13, PYIMAGE_BASE, 0, &py), -EPROTONOSUPPORT);
	pyimage_put_u64(&f.im, PYIMAGE_BASE + 16, 0);
	pyimage_put_u64(&f.im, PYIMAGE_BASE + 232, 1u << 30); /* an absurd frame offset */
	assert_int_equal(cpython_open(f.mem, 3, 13, PYIMAGE_BASE, 0, &py), -EPROTO);
	cpython_free(NULL);
	fixture_free(&f);
}

static void test_cycles(void **state)
{
	struct cpython_thread th[8];
	struct cpython_frame fr[64];
	struct fixture f;
	size_t n;

	(void)state;
	fixture_make(&f, 11);
	/* root -> leaf: leaf, root, leaf... */
	pyimage_put_u64(&f.im, pyimage_frame_back(&f.im, f.f_root), f.f_leaf);
	fixture_open(&f);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID, fr, 64, &n), -ELOOP);
	assert_true(n >= 2 && n < 64);
	/* a frame its own caller */
	pyimage_put_u64(&f.im, pyimage_frame_back(&f.im, f.f_leaf), f.f_leaf);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID, fr, 64, &n), -ELOOP);
	/* a thread list in a loop */
	pyimage_put_u64(&f.im, pyimage_tstate_next(&f.im, f.ts_main), f.ts_other);
	assert_int_equal(cpython_threads(f.py, th, 8, &n), -ELOOP);
	fixture_free(&f);
}

static void test_bad_pointers(void **state)
{
	struct cpython_frame fr[8];
	struct cpython_code code;
	struct fixture f;
	uint32_t line;
	size_t n;

	(void)state;
	fixture_make(&f, 11);
	fixture_open(&f);
	/* a caller nowhere: the walk ends with the frames read before it */
	pyimage_put_u64(&f.im, pyimage_frame_back(&f.im, f.f_root), 0xdead0000);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID, fr, 8, &n), -EFAULT);
	assert_int_equal(n, 2);
	/* a code object nowhere */
	assert_int_equal(cpython_code(f.py, 0xdead0000, &code), -EFAULT);
	assert_string_equal(code.qualname, "");
	assert_int_equal(cpython_line(f.py, 0xdead0000, 0, &line), -EFAULT);
	assert_int_equal(cpython_line(f.py, 0, 0, &line), -EFAULT);
	fixture_free(&f);
}

static void test_absurd_lengths(void **state)
{
	struct cpython_code code;
	struct fixture f;
	uint64_t name, table;
	uint32_t line;
	char expect[CPYTHON_NAME_MAX];

	(void)state;
	fixture_make(&f, 11);
	fixture_open(&f);
	/* a name claiming 2^62 characters: cut to the buffer */
	memset(expect, 'x', sizeof(expect) - 1);
	expect[sizeof(expect) - 1] = '\0';
	name = pyimage_str(&f.im, expect);
	pyimage_put_u64(&f.im, pyimage_str_length(&f.im, name), 1ull << 62);
	pyimage_put_u64(&f.im, f.code_a + 128, name);
	assert_int_equal(cpython_code(f.py, f.code_a, &code), 0);
	assert_string_equal(code.qualname, expect);
	/* a str that is not compact, of kind 3 */
	pyimage_put_u32(&f.im, name + 32, 1u << 2);
	assert_int_equal(cpython_code(f.py, f.code_a, &code), -EPROTO);
	pyimage_put_u32(&f.im, name + 32, 3u << 2 | 1u << 5);
	assert_int_equal(cpython_code(f.py, f.code_a, &code), -EPROTO);
	/* a line table of 2^40 bytes: at most CPYTHON_LINETABLE_MAX read, here past the image */
	memcpy(&table, f.im.buf + (f.code_b + 136 - PYIMAGE_BASE), sizeof(table));
	pyimage_put_u64(&f.im, table + 16, 1ull << 40);
	assert_int_equal(cpython_line(f.py, f.code_b, 0, &line), -EFAULT);
	pyimage_put_u64(&f.im, table + 16, UINT64_MAX);
	assert_int_equal(cpython_line(f.py, f.code_b, 0, &line), -EPROTO);
	fixture_free(&f);
}

/* A chain of 5000 frames: -E2BIG at the depth asked, -ENOBUFS past the read budget. */
static void test_deep_chain(void **state)
{
	static struct cpython_frame fr[5000];
	struct fixture f;
	uint64_t back = 0;
	size_t n, i;

	(void)state;
	fixture_make(&f, 11);
	for (i = 0; i < 5000; i++)
		back = pyimage_frame(&f.im, f.code_a, 0, back);
	pyimage_thread(&f.im, PYIMAGE_PID + 2, back);
	fixture_open(&f);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID + 2, fr, 64, &n), -E2BIG);
	assert_int_equal(n, 64);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID + 2, fr, 5000, &n), -ENOBUFS);
	assert_true(n > 64 && n < 5000);
	fixture_free(&f);
}

/* A thread state freed and used again by another thread: not taken for the first. */
static void test_reused_tstate(void **state)
{
	struct cpython_frame fr[8];
	struct fixture f;
	size_t n;

	(void)state;
	fixture_make(&f, 11);
	fixture_open(&f);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID + 1, fr, 8, &n), 0);
	pyimage_put_u64(&f.im, f.ts_other + 160, PYIMAGE_PID + 7);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID + 1, fr, 8, &n), -ESRCH);
	/* a new thread is put first: the list is read again */
	pyimage_thread(&f.im, PYIMAGE_PID + 8, f.f_root);
	assert_int_equal(cpython_stack(f.py, PYIMAGE_PID + 8, fr, 8, &n), 0);
	assert_int_equal(n, 1);
	fixture_free(&f);
}

/* The fixtures as seeds of fuzz_cpython: [minor][tid u32][image from PYIMAGE_BASE]. */
static int write_seeds(const char *dir)
{
	static const unsigned minors[] = { 8, 10, 11, 13 };
	size_t i;

	for (i = 0; i < 8; i++) {
		struct fixture f;
		uint8_t head[5];
		char *path;
		FILE *out;
		uint32_t tid = PYIMAGE_PID;

		fixture_make(&f, minors[i % 4]);
		if (i >= 4) /* the same with a frame cycle */
			pyimage_put_u64(&f.im, pyimage_frame_back(&f.im, f.f_root), f.f_leaf);
		head[0] = (uint8_t)minors[i % 4];
		memcpy(head + 1, &tid, 4);
		if (asprintf(&path, "%s/seed-py3%u%s", dir, minors[i % 4], i >= 4 ? "-cycle" : "") < 0)
			return 1;
		out = fopen(path, "wb");
		if (!out || fwrite(head, 1, 5, out) != 5 || fwrite(f.im.buf, 1, f.im.len, out) != f.im.len)
			return 1;
		fclose(out);
		free(path);
		pyimage_release(&f.im);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_38),
		cmocka_unit_test(test_walk_310),
		cmocka_unit_test(test_walk_311),
		cmocka_unit_test(test_walk_313),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_absurd_lengths),
		cmocka_unit_test(test_deep_chain),
		cmocka_unit_test(test_reused_tstate),
	};

	if (argc == 3 && !strcmp(argv[1], "--seeds"))
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
