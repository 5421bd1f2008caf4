/*
 * Unit tests of include/cprof/jitcfi.h: libdw reads the CFI of the image
 * made for tests/sym/jit_eh.h's function as a binary's: the FDE covers
 * the code, with the rows the function's instructions need.
 */
#include "unit.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>

#include "cprof/jitcfi.h"

#include "../sym/jit_eh.h"

static uint8_t unwind[128];

static struct jitdump_load jit_load(void)
{
	struct jitdump_load load = { .addr = 0x7f0012345678, .size = JIT_CODE_SIZE,
				     .name = "jit_hot_function", .name_len = 16 };
	size_t n = jit_unwind(unwind, &load.hdr_size);

	load.unwind = unwind;
	load.eh_frame_size = n - load.hdr_size;
	return load;
}

/* The CFA rule at PC (an ELF vaddr of the image): register and offset. */
static void cfa_at(Dwarf_CFI *cfi, Dwarf_Addr pc, unsigned reg, Dwarf_Word off)
{
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops;
	size_t nops;
	Dwarf_Addr start, end;

	assert_int_equal(dwarf_cfi_addrframe(cfi, pc, &frame), 0);
	assert_int_equal(dwarf_frame_cfa(frame, &ops, &nops), 0);
	assert_int_equal(nops, 1);
	assert_int_equal(ops[0].atom, DW_OP_bregx);
	assert_int_equal(ops[0].number, reg);
	assert_int_equal(ops[0].number2, off);
	assert_int_equal(dwarf_frame_info(frame, &start, &end, NULL), 16);
	assert_true(start <= pc && pc < end);
	free(frame);
}

static void test_cfi_found(void **state)
{
	struct jitdump_load load = jit_load();
	Dwarf_Frame *frame = NULL;
	GElf_Shdr shdr;
	Dwarf_CFI *cfi;
	uint8_t *image;
	size_t len;
	Elf *elf;
	Elf_Scn *scn = NULL;
	int found = 0;

	(void)state;
	assert_int_equal(jitcfi_image(&load, &image, &len), 0);
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image, len);
	assert_non_null(elf);
	/* the text is where the tables expect it, and holds no bytes */
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_NOBITS && shdr.sh_addr == 0 &&
		    shdr.sh_size == JIT_CODE_SIZE)
			found = 1;
	assert_true(found);
	cfi = dwarf_getcfi_elf(elf);
	assert_non_null(cfi);
	cfa_at(cfi, 0, 7, 8);               /* at the entry */
	cfa_at(cfi, 1, 7, 16);              /* after push rbp */
	cfa_at(cfi, JIT_CALL_END - 1, 7, 48); /* where a return address points, less one */
	cfa_at(cfi, 32, 7, 8);              /* at ret */
	/* nothing past the code */
	assert_int_not_equal(dwarf_cfi_addrframe(cfi, JIT_CODE_SIZE + 8, &frame), 0);
	dwarf_cfi_end(cfi);
	elf_end(elf);
	free(image);
}

static void test_refused(void **state)
{
	struct jitdump_load load = jit_load();
	uint8_t *image = NULL;
	size_t len;

	(void)state;
	load.size = JITCFI_CODE_MAX + 1;
	assert_int_equal(jitcfi_image(&load, &image, &len), -EFBIG);
	load = jit_load();
	load.unwind = NULL;
	assert_int_equal(jitcfi_image(&load, &image, &len), -EINVAL);
	assert_null(image);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfi_found),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
