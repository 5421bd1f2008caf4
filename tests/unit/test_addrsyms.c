/* Unit tests of include/cprof/addrsyms.h: perf map and kallsyms lines, lookups. */
#include "unit.h"

#include <errno.h>
#include <inttypes.h>

#include "cprof/addrsyms.h"
#include "cprof/util.h"

static void perfmap_ok(const char *text, uint64_t start, uint64_t size, const char *name)
{
	char line[256];
	uint64_t s = 0, z = 0;
	const char *n = NULL;

	snprintf(line, sizeof(line), "%s", text);
	if (perfmap_parse_line(line, &s, &z, &n))
		fail_msg("refused: \"%s\"", text);
	assert_int_equal(s, start);
	assert_int_equal(z, size);
	assert_string_equal(n, name);
	assert_true(n >= line && n < line + sizeof(line));
}

static void test_perfmap_lines(void **state)
{
	static const char *bad[] = {
		"", "\n", "zz 10 x", "7f00", "7f00 10", "7f00 10 ", "7f00 10 \n", "7f00,10 x",
		"-7f00 10 x", "7f00 -10 x", "1ffffffffffffffff 10 x",
	};
	char line[64];
	uint64_t s, z;
	const char *n;
	size_t i;

	(void)state;
	perfmap_ok("7f0000001000 40 LazyCompile:~handler /srv/app.js:10\n", 0x7f0000001000ULL,
		   0x40, "LazyCompile:~handler /srv/app.js:10");
	perfmap_ok("0x7f00 0x1A0 py::worker:/srv/w.py", 0x7f00, 0x1a0, "py::worker:/srv/w.py");
	perfmap_ok("7F00ABC 8 x\r\n", 0x7f00abc, 8, "x");
	perfmap_ok("1000 0 zero sized", 0x1000, 0, "zero sized");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err;

		snprintf(line, sizeof(line), "%s", bad[i]);
		err = perfmap_parse_line(line, &s, &z, &n);
		if (err != -EINVAL)
			fail_msg("\"%s\": %d, want -EINVAL", bad[i], err);
	}
}

static void test_kallsyms_lines(void **state)
{
	static const char *bad[] = {
		"", "xyz T a", "ffffffff81000000", "ffffffff81000000 T", "ffffffff81000000 T ",
		"ffffffff81000000 TT name",
	};
	char line[128];
	uint64_t addr;
	const char *name;
	size_t i;

	(void)state;
	snprintf(line, sizeof(line), "ffffffff81000000 T _stext\n");
	assert_int_equal(kallsyms_parse_line(line, &addr, &name), 0);
	assert_int_equal(addr, 0xffffffff81000000ULL);
	assert_string_equal(name, "_stext");

	snprintf(line, sizeof(line), "ffffffffc0a01000 t ext4_fill_super\t[ext4]\n");
	assert_int_equal(kallsyms_parse_line(line, &addr, &name), 0);
	assert_int_equal(addr, 0xffffffffc0a01000ULL);
	assert_string_equal(name, "ext4_fill_super");

	snprintf(line, sizeof(line), "0000000000000000 W weak_fn");
	assert_int_equal(kallsyms_parse_line(line, &addr, &name), 0);
	assert_int_equal(addr, 0);
	assert_string_equal(name, "weak_fn");
	snprintf(line, sizeof(line), "ffffffff81000100 w weak2");
	assert_int_equal(kallsyms_parse_line(line, &addr, &name), 0);

	/* data and other kinds are not code */
	snprintf(line, sizeof(line), "ffffffff82000000 D jiffies\n");
	assert_int_equal(kallsyms_parse_line(line, &addr, &name), -ENOENT);
	snprintf(line, sizeof(line), "ffffffff82000000 b bss_thing [mod]\n");
	assert_int_equal(kallsyms_parse_line(line, &addr, &name), -ENOENT);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err;

		snprintf(line, sizeof(line), "%s", bad[i]);
		err = kallsyms_parse_line(line, &addr, &name);
		if (err != -EINVAL)
			fail_msg("\"%s\": %d, want -EINVAL", bad[i], err);
	}
}

static void expect_sym(struct addrsyms *t, uint64_t addr, const char *name, uint64_t start,
		       uint64_t size)
{
	uint64_t s = 0, z = 0;
	const char *got = addrsyms_lookup(t, addr, &s, &z);

	if (!got || strcmp(got, name))
		fail_msg("lookup(0x%" PRIx64 ") = %s, want %s", addr, got ? got : "NULL", name);
	assert_int_equal(s, start);
	assert_int_equal(z, size);
	/* START and SIZE are optional */
	assert_string_equal(addrsyms_lookup(t, addr, NULL, NULL), name);
}

static void expect_none(struct addrsyms *t, uint64_t addr)
{
	const char *got = addrsyms_lookup(t, addr, NULL, NULL);

	if (got)
		fail_msg("lookup(0x%" PRIx64 ") = %s, want NULL", addr, got);
}

static void test_lookup(void **state)
{
	struct addrsyms *t;
	char name[16] = "copied";

	(void)state;
	assert_int_equal(addrsyms_new(&t), 0);
	assert_int_equal(addrsyms_count(t), 0);
	expect_none(t, 0x1000);
	/* added out of order */
	assert_int_equal(addrsyms_add(t, 0x2000, 0x10, "b"), 0);
	assert_int_equal(addrsyms_add(t, 0x1000, 0x100, "a"), 0);
	assert_int_equal(addrsyms_add(t, 0x4000, 0x8, name), 0);
	strcpy(name, "changed");
	assert_int_equal(addrsyms_count(t), 3);

	expect_none(t, 0);
	expect_none(t, 0xfff);
	expect_sym(t, 0x1000, "a", 0x1000, 0x100);
	expect_sym(t, 0x10ff, "a", 0x1000, 0x100);
	expect_none(t, 0x1100);
	expect_none(t, 0x1fff);
	expect_sym(t, 0x2000, "b", 0x2000, 0x10);
	expect_sym(t, 0x200f, "b", 0x2000, 0x10);
	expect_none(t, 0x2010);
	expect_sym(t, 0x4007, "copied", 0x4000, 0x8);
	expect_none(t, 0x4008);
	expect_none(t, UINT64_MAX);

	/* adding after a lookup is fine */
	assert_int_equal(addrsyms_add(t, 0x1800, 0x20, "c"), 0);
	expect_sym(t, 0x1810, "c", 0x1800, 0x20);
	expect_sym(t, 0x1010, "a", 0x1000, 0x100);
	addrsyms_free(t);
	addrsyms_free(NULL);
}

static void test_last_wins_and_open_sizes(void **state)
{
	struct addrsyms *t;

	(void)state;
	assert_int_equal(addrsyms_new(&t), 0);
	/* JIT code rewritten in place: the later entry names the address */
	assert_int_equal(addrsyms_add(t, 0x3000, 0x20, "old"), 0);
	assert_int_equal(addrsyms_add(t, 0x3000, 0x40, "new"), 0);
	expect_sym(t, 0x3000, "new", 0x3000, 0x40);
	expect_sym(t, 0x3030, "new", 0x3000, 0x40);
	assert_int_equal(addrsyms_add(t, 0x3000, 0x10, "newer"), 0);
	expect_sym(t, 0x3000, "newer", 0x3000, 0x10);
	expect_none(t, 0x3030);

	/* size 0 (kallsyms): up to the next symbol */
	assert_int_equal(addrsyms_add(t, 0x5000, 0, "k1"), 0);
	assert_int_equal(addrsyms_add(t, 0x5100, 0, "k2"), 0);
	assert_int_equal(addrsyms_add(t, 0x5300, 0x10, "k3"), 0);
	expect_sym(t, 0x5000, "k1", 0x5000, 0x100);
	expect_sym(t, 0x50ff, "k1", 0x5000, 0x100);
	expect_sym(t, 0x5100, "k2", 0x5100, 0x200);
	expect_sym(t, 0x52ff, "k2", 0x5100, 0x200);
	expect_sym(t, 0x5305, "k3", 0x5300, 0x10);
	addrsyms_free(t);
}

static void test_add_perfmap(void **state)
{
	static const char text[] =
		"7f0000001000 40 LazyCompile:~handler /srv/app.js:10\n"
		"this line is not a symbol\n"
		"\n"
		"7f0000001040 1a0 py::worker:/srv/w.py\r\n"
		"7f0000002000 10 last without newline";
	struct addrsyms *t;

	(void)state;
	assert_int_equal(addrsyms_new(&t), 0);
	assert_int_equal(addrsyms_add_perfmap(t, text, sizeof(text) - 1), 0);
	assert_int_equal(addrsyms_count(t), 3);
	expect_sym(t, 0x7f0000001000ULL, "LazyCompile:~handler /srv/app.js:10", 0x7f0000001000ULL,
		   0x40);
	expect_sym(t, 0x7f00000011dfULL, "py::worker:/srv/w.py", 0x7f0000001040ULL, 0x1a0);
	expect_sym(t, 0x7f000000200fULL, "last without newline", 0x7f0000002000ULL, 0x10);
	addrsyms_free(t);

	/* LEN bytes, not up to a NUL */
	assert_int_equal(addrsyms_new(&t), 0);
	assert_int_equal(addrsyms_add_perfmap(t, text, 0), 0);
	assert_int_equal(addrsyms_count(t), 0);
	assert_int_equal(addrsyms_add_perfmap(t, text, strlen(text) - strlen(strrchr(text, '\n'))), 0);
	assert_int_equal(addrsyms_count(t), 2);
	expect_none(t, 0x7f0000002000ULL);
	addrsyms_free(t);
}

static void test_many(void **state)
{
	enum { N = 20000 };
	struct addrsyms *t;
	char name[32];
	uint64_t i, k;

	(void)state;
	assert_int_equal(addrsyms_new(&t), 0);
	/* a permutation of N adjacent 0x40-byte symbols */
	for (i = 0; i < N; i++) {
		k = (i * 7919) % N;
		snprintf(name, sizeof(name), "jit_%" PRIu64, k);
		assert_int_equal(addrsyms_add(t, 0x10000000 + k * 0x40, 0x40, name), 0);
	}
	for (k = 0; k < N; k++) {
		snprintf(name, sizeof(name), "jit_%" PRIu64, k);
		expect_sym(t, 0x10000000 + k * 0x40 + (k % 0x40), name, 0x10000000 + k * 0x40, 0x40);
	}
	expect_none(t, 0x10000000 - 1);
	expect_none(t, 0x10000000 + (uint64_t)N * 0x40);
	addrsyms_free(t);
}

/* What kallsyms_read handed the callback, "name@addr;" each; a nonzero STOP_AT-th call's return. */
struct ksyms_seen {
	char text[512];
	int calls, stop_at;
};

static int ksyms_collect(uint64_t addr, const char *name, void *arg)
{
	struct ksyms_seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s@%" PRIx64 ";", name, addr);
	return ++s->calls == s->stop_at ? -E2BIG : 0;
}

static void test_kallsyms_read(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "kallsyms");
	struct ksyms_seen seen = { .stop_at = 0 };
	struct buf text;
	size_t i;

	(void)state;
	buf_init(&text);
	assert_int_equal(buf_puts(&text, "ffffffff81000000 T _stext\n"
			 "ffffffff82000000 D jiffies\n"           /* not code */
			 "0000000000000000 T hidden\n"            /* kptr_restrict */
			 "ffffffff81000100 T "), 0);
	for (i = 0; i < 70000; i++) /* a line longer than a read's chunk: skipped */
		assert_int_equal(buf_append(&text, "x", 1), 0);
	assert_int_equal(buf_puts(&text, "\nffffffff81000200 t after_long\t[mod]\n"
			 "ffffffff81000300 T last_unended"), 0);
	unit_write_file(path, text.data, text.len);

	assert_int_equal(kallsyms_read(path, ksyms_collect, &seen), 0);
	assert_string_equal(seen.text,
			    "_stext@ffffffff81000000;after_long@ffffffff81000200;"
			    "last_unended@ffffffff81000300;");
	/* the callback's error stops the reading */
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 2;
	assert_int_equal(kallsyms_read(path, ksyms_collect, &seen), -E2BIG);
	assert_int_equal(seen.calls, 2);
	unlink(path);
	assert_int_equal(kallsyms_read(path, ksyms_collect, &seen), -ENOENT);
	buf_release(&text);
	free(path);
	unit_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perfmap_lines),
		cmocka_unit_test(test_kallsyms_lines),
		cmocka_unit_test(test_kallsyms_read),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_last_wins_and_open_sizes),
		cmocka_unit_test(test_add_perfmap),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
