/* Unit tests of include/cprof/json.h: string literals that are valid JSON. */
#include "unit.h"

#include "cprof/json.h"

static void string_is(const char *s, const char *want)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	assert_non_null(f);
	json_put_string(f, s);
	assert_int_equal(fclose(f), 0);
	if (strcmp(got, want))
		fail_msg("json_put_string(\"%s\") = %s, want %s", s, got, want);
	free(got);
}

static void test_escapes(void **state)
{
	(void)state;
	string_is("", "\"\"");
	string_is("main", "\"main\"");
	string_is("say \"hi\"", "\"say \\\"hi\\\"\"");
	string_is("C:\\dir", "\"C:\\\\dir\"");
	string_is("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
	string_is("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	/* C1 controls (U+009B is a CSI) are escaped too; U+00A0 is text */
	string_is("\x1b[2J\xc2\x9b" "31m\xc2\x80\xc2\x9f\xc2\xa0",
		  "\"\\u001b[2J\\u009b31m\\u0080\\u009f\xc2\xa0\"");
	string_is("/", "\"/\"");
}

static void test_utf8(void **state)
{
	(void)state;
	/* valid sequences of 2, 3 and 4 bytes are kept as they are */
	string_is("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	string_is("\xe2\x82\xac \xf0\x9f\x94\xa5", "\"\xe2\x82\xac \xf0\x9f\x94\xa5\"");
	/* stray bytes, cut sequences, overlong forms, surrogates, > U+10FFFF */
	string_is("a\xffz", "\"a\\ufffdz\"");
	string_is("\x80", "\"\\ufffd\"");
	string_is("x\xc3", "\"x\\ufffd\"");
	string_is("\xe2\x82z", "\"\\ufffd\\ufffdz\"");
	string_is("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	string_is("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	string_is("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
