/* Unit tests of include/cprof/fold.h: name tidying and the folded output. */
#include "unit.h"

#include <inttypes.h>

#include "cprof/fold.h"

static void clean_is(const char *name, const char *want)
{
	struct buf b;
	const char *got;

	buf_init(&b);
	assert_int_equal(fold_clean_name(name, &b), 0);
	got = b.len ? b.data : ""; /* nothing appended: the buffer may stay unallocated */
	if (strcmp(got, want) || b.len != strlen(want))
		fail_msg("fold_clean_name(\"%s\") = \"%s\", want \"%s\"", name, got, want);
	buf_release(&b);
}

static void test_clean_name(void **state)
{
	(void)state;
	clean_is("main", "main");
	clean_is("", "");
	/* ';' separates frames, so it cannot stay in a name */
	clean_is("a;b;c", "a:b:c");
	clean_is(";", ":");
	/* quotes go, as stackcollapse-perf.pl drops them */
	clean_is("operator\"\" _km", "operator _km");
	clean_is("it's", "its");
	clean_is("\"quoted\"", "quoted");
	/* a line per stack: newlines become spaces */
	clean_is("two\nlines\r\n", "two lines  ");
	/* spaces are kept */
	clean_is("operator new", "operator new");
	clean_is("[unknown] libc.so.6", "[unknown] libc.so.6");
	/* and so are parentheses: cprof demangles without argument lists */
	clean_is("(anonymous namespace)::bar", "(anonymous namespace)::bar");
	clean_is("ns::(anonymous namespace)::Impl::run", "ns::(anonymous namespace)::Impl::run");
	clean_is("std::thread::_Invoker<std::tuple<main::{lambda()#1}> >::operator()",
		 "std::thread::_Invoker<std::tuple<main::{lambda()#1}> >::operator()");
	clean_is("std::rt::lang_start::<()>::{closure#0}", "std::rt::lang_start::<()>::{closure#0}");
	clean_is("net/http.(*Client).Do", "net/http.(*Client).Do");
	clean_is("foo(int, char)", "foo(int, char)");
	/* other controls, C1 ones too, and bytes that are not UTF-8 show as '?' */
	clean_is("a\x1b]0;x\x07" "b", "a?]0:x?b");
	clean_is("csi\xc2\x9b" "31m\x7f\xff;caf\xc3\xa9", "csi?31m??:caf\xc3\xa9");
	/* all rules at once */
	clean_is("a;\"b\" c(x;y)\n", "a:b c(x:y) ");
}

static void test_clean_name_appends(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_puts(&b, "main;"), 0);
	assert_int_equal(fold_clean_name("'work'", &b), 0);
	assert_int_equal(buf_puts(&b, ";"), 0);
	assert_int_equal(fold_clean_name("leaf;x", &b), 0);
	assert_string_equal(b.data, "main;work;leaf:x");
	assert_int_equal(b.len, strlen("main;work;leaf:x"));
	buf_release(&b);
}

/* folder_write's output as a string the caller frees. */
static char *folded(const struct folder *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(folder_write(f, out), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static uint32_t intern(struct folder *f, const char *stack)
{
	uint32_t id;

	assert_int_equal(folder_intern(f, stack, strlen(stack), &id), 0);
	return id;
}

static void test_folder_basic(void **state)
{
	struct folder *f;
	uint32_t a, b, c, z, again;
	char *text;

	(void)state;
	assert_int_equal(folder_new(&f), 0);
	text = folded(f);
	assert_string_equal(text, "");
	free(text);

	a = intern(f, "main;work;leaf");
	b = intern(f, "main;idle");
	c = intern(f, "main;work");
	z = intern(f, "main;never");
	assert_int_equal(folder_intern(f, "main;work;leaf;extra", 14, &again), 0);
	assert_int_equal(again, a);
	assert_int_equal(folder_add(f, a, 3), 0);
	assert_int_equal(folder_add(f, b, 1), 0);
	assert_int_equal(folder_add(f, a, 4), 0);
	assert_int_equal(folder_add(f, c, 5000000000ULL), 0);
	assert_int_equal(folder_add(f, z, 0), 0);

	/* counts add up, zero counts are left out, lines sorted, "stack COUNT\n" */
	text = folded(f);
	assert_string_equal(text, "main;idle 1\n"
				  "main;work 5000000000\n"
				  "main;work;leaf 7\n");
	free(text);
	folder_free(f);
	folder_free(NULL);
}

/* Byte order, not the locale's: upper case first, UTF-8 after ASCII. */
static void test_folder_byte_order(void **state)
{
	static const char *stacks[] = {
		"main;\xc3\xa9t\xc3\xa9", "main;zeta", "main;Zeta", "main;alpha", "main;_start",
		"main;alpha;b", "main;alpha b", "main", "[unknown];main", "main;alpha;B",
	};
	static const char *want =
		"[unknown];main 1\n"
		"main 1\n"
		"main;Zeta 1\n"
		"main;_start 1\n"
		"main;alpha 1\n"
		"main;alpha b 1\n"
		"main;alpha;B 1\n"
		"main;alpha;b 1\n"
		"main;zeta 1\n"
		"main;\xc3\xa9t\xc3\xa9 1\n";
	struct folder *f;
	char *text;
	size_t i;

	(void)state;
	assert_int_equal(folder_new(&f), 0);
	for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++)
		assert_int_equal(folder_add(f, intern(f, stacks[i]), 1), 0);
	text = folded(f);
	assert_string_equal(text, want);
	free(text);
	folder_free(f);
}

#define NSTACKS 20000

static void test_folder_many(void **state)
{
	struct folder *f;
	char stack[128], *text, *line, *save = NULL, prev[128] = "";
	uint64_t total = 0, sum = 0;
	uint32_t i, id;
	size_t lines = 0;

	(void)state;
	assert_int_equal(folder_new(&f), 0);
	for (int round = 0; round < 2; round++) {
		for (i = 0; i < NSTACKS; i++) {
			int n = snprintf(stack, sizeof(stack), "main;f%" PRIu32 ";g%" PRIu32,
					 (i * 7919) % 1000, i);

			assert_int_equal(folder_intern(f, stack, (size_t)n, &id), 0);
			assert_int_equal(folder_add(f, id, i % 17 + 1), 0);
			total += i % 17 + 1;
		}
	}
	text = folded(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');
		uint64_t count;

		assert_non_null(sp);
		*sp = '\0';
		count = strtoull(sp + 1, NULL, 10);
		/* each stack was added twice */
		i = (uint32_t)strtoul(strrchr(line, 'g') + 1, NULL, 10);
		assert_int_equal(count, 2 * (i % 17 + 1));
		if (lines && strcmp(prev, line) >= 0)
			fail_msg("\"%s\" after \"%s\"", line, prev);
		snprintf(prev, sizeof(prev), "%s", line);
		sum += count;
		lines++;
	}
	assert_int_equal(lines, NSTACKS);
	assert_int_equal(sum, total);
	free(text);
	folder_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_name),
		cmocka_unit_test(test_clean_name_appends),
		cmocka_unit_test(test_folder_basic),
		cmocka_unit_test(test_folder_byte_order),
		cmocka_unit_test(test_folder_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
