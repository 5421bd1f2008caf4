/* Unit tests of include/cprof/trampoline.h: decoding trampoline templates. */
#include "unit.h"

#include <errno.h>

#include "cprof/trampoline.h"

/* CPython 3.12 and 3.13 (x86-64): sub $8,%rsp; call *%rcx; add $8,%rsp; ret */
static void test_sub_variant(void **state)
{
	static const uint8_t code[] = { 0x48, 0x83, 0xec, 0x08, 0xff, 0xd1, 0x48, 0x83, 0xc4, 0x08, 0xc3 };
	struct tramp_template t;
	uint8_t copy[sizeof(code)];

	(void)state;
	assert_int_equal(tramp_decode(code, sizeof(code), &t), 0);
	assert_int_equal(t.ret_off, 6);
	assert_int_equal(t.frame, 8);
	assert_int_equal(t.saves_rbp, 0);
	memcpy(copy, code, sizeof(code));
	assert_true(tramp_is_copy(&t, copy));
	copy[5] = 0xd0; /* call *%rax: another function */
	assert_false(tramp_is_copy(&t, copy));
}

/* A frame-pointer template: endbr64; push %rbp; mov %rsp,%rbp; call *%r8 (REX.B); pop %rbp; ret */
static void test_frame_pointer_variant(void **state)
{
	static const uint8_t code[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5,
					0x41, 0xff, 0xd0, 0x5d, 0xc3 };
	struct tramp_template t;

	(void)state;
	assert_int_equal(tramp_decode(code, sizeof(code), &t), 0);
	assert_int_equal(t.ret_off, 11);
	assert_int_equal(t.frame, 8);
	assert_int_equal(t.saves_rbp, 1);
}

static void test_not_a_trampoline(void **state)
{
	static const uint8_t ret[] = { 0xc3 };
	static const uint8_t direct_call[] = { 0x48, 0x83, 0xec, 0x08, 0xe8, 0, 0, 0, 0, 0xc3 };
	static const uint8_t odd_frame[] = { 0x48, 0x83, 0xec, 0x07, 0xff, 0xd1, 0xc3 };
	static const uint8_t cut[] = { 0x48, 0x83, 0xec };
	struct tramp_template t;
	uint8_t big[TRAMP_MAX + 1] = { 0xff, 0xd1 };

	(void)state;
	assert_int_equal(tramp_decode(ret, sizeof(ret), &t), -ENOEXEC);
	assert_int_equal(tramp_decode(direct_call, sizeof(direct_call), &t), -ENOEXEC);
	assert_int_equal(tramp_decode(odd_frame, sizeof(odd_frame), &t), -ENOEXEC);
	assert_int_equal(tramp_decode(cut, sizeof(cut), &t), -ENOEXEC);
	assert_int_equal(tramp_decode(big, sizeof(big), &t), -ENOEXEC);
	assert_int_equal(tramp_decode(big, 0, &t), -ENOEXEC);
	memset(&t, 0, sizeof(t));
	assert_false(tramp_is_copy(&t, big)); /* an empty template matches nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sub_variant),
		cmocka_unit_test(test_frame_pointer_variant),
		cmocka_unit_test(test_not_a_trampoline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
