/*
 * Unit tests of include/cprof/elffile.h: on this test program, checked
 * against what the dynamic loader says (dl_iterate_phdr) and the symbol
 * table says (libelf), and on small ELF files written by the test.
 */
#include "unit.h"
#include "unitelf.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <link.h>

#include "cprof/elffile.h"

/* ---- what the loader knows about the main program ---- */

struct loaded {
	uintptr_t bias;
	unsigned char build_id[64];
	size_t build_id_len;
};

static int first_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded *l = arg;

	(void)size;
	l->bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const unsigned char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const unsigned char *name = p + sizeof(*n);
			const unsigned char *desc = name + ((n->n_namesz + 3) & ~3u);

			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && n->n_descsz <= sizeof(l->build_id)) {
				memcpy(l->build_id, desc, n->n_descsz);
				l->build_id_len = n->n_descsz;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* the main program comes first */
}

/* A function whose address and symbol we look up. */
__attribute__((noinline)) static int probe_target(int x)
{
	return x * 3 + 1;
}

/* VALUE of symbol NAME in PATH's .symtab, by libelf directly. */
static uint64_t symbol_value(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	uint64_t value = 0;
	int found = 0;
	Elf *elf;

	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		assert_non_null(data);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name) && GELF_ST_TYPE(sym.st_info) == STT_FUNC) {
				value = sym.st_value;
				found++;
			}
		}
	}
	elf_end(elf);
	close(fd);
	if (found != 1)
		fail_msg("symbol %s found %d times in %s", name, found, path);
	return value;
}

/* The /proc/self/maps line holding ADDR: its start and file offset. */
static void mapping_of(uintptr_t addr, uint64_t *start, uint64_t *pgoff, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096];
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, off;
		char p[5];

		if (sscanf(line, "%llx-%llx %4s %llx", &s, &e, p, &off) != 4)
			continue;
		if (s <= addr && addr < e) {
			*start = s;
			*pgoff = off;
			memcpy(perms, p, 5);
			found++;
		}
	}
	fclose(f);
	assert_int_equal(found, 1);
}

static void test_self_build_id(void **state)
{
	struct loaded l = { 0 };
	struct elffile *ef;
	const unsigned char *id = NULL;
	size_t len;

	(void)state;
	dl_iterate_phdr(first_object, &l);
	assert_int_equal(l.build_id_len, 20); /* gcc's default: a sha1 */
	assert_int_equal(elffile_open("/proc/self/exe", &ef), 0);
	len = elffile_build_id(ef, &id);
	assert_int_equal(len, l.build_id_len);
	assert_non_null(id);
	assert_memory_equal(id, l.build_id, len);
	elffile_free(ef);
	elffile_free(NULL);
}

static void test_self_bias(void **state)
{
	uintptr_t addr = (uintptr_t)&probe_target;
	struct loaded l = { 0 };
	uint64_t start, pgoff, bias, vaddr, value;
	struct elffile *ef;
	char perms[5];

	(void)state;
	assert_int_equal(probe_target(1), 4);
	dl_iterate_phdr(first_object, &l);
	mapping_of(addr, &start, &pgoff, perms);
	assert_string_equal(perms, "r-xp");
	value = symbol_value("/proc/self/exe", "probe_target");

	assert_int_equal(elffile_open("/proc/self/exe", &ef), 0);
	assert_int_equal(elffile_bias(ef, start, pgoff, &bias), 0);
	assert_int_equal(bias, l.bias);
	/* runtime address = ELF vaddr + bias */
	assert_int_equal(bias + value, addr);
	/* and the file offset of the function maps to its vaddr */
	assert_int_equal(elffile_vaddr(ef, addr - start + pgoff, &vaddr), 0);
	assert_int_equal(vaddr, value);
	elffile_free(ef);
}

static void test_not_elf(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "text");
	char *missing = unit_path(dir, "missing");
	struct elffile *ef;

	(void)state;
	unit_write_file(path, "#!/bin/sh\necho not an ELF file\n", 31);
	assert_int_equal(elffile_open(path, &ef), -ENOEXEC);
	unit_write_file(path, "", 0);
	assert_int_equal(elffile_open(path, &ef), -ENOEXEC);
	/* an ar archive is something libelf knows, but not an ELF file */
	unit_write_file(path, "!<arch>\n", 8);
	assert_int_equal(elffile_open(path, &ef), -ENOEXEC);
	assert_int_equal(elffile_open(missing, &ef), -ENOENT);
	free(missing);
	free(path);
	unit_rmdir(dir);
}

/* ---- a hand-made ELF file: header, program headers, a note ---- */

#define NOTE_OFF 0x200

static void write_elf(const char *path, const Elf64_Phdr *ph, size_t nph,
		      const unsigned char *build_id, uint32_t id_len)
{
	unsigned char file[0x400] = { 0 };
	Elf64_Ehdr eh;
	Elf64_Nhdr nh = { 4, id_len, NT_GNU_BUILD_ID };

	unit_ehdr(&eh, ET_DYN);
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)nph;
	memcpy(file, &eh, sizeof(eh));
	assert_true(sizeof(eh) + nph * sizeof(*ph) <= NOTE_OFF);
	memcpy(file + sizeof(eh), ph, nph * sizeof(*ph));
	if (id_len) {
		memcpy(file + NOTE_OFF, &nh, sizeof(nh));
		memcpy(file + NOTE_OFF + sizeof(nh), "GNU", 4);
		memcpy(file + NOTE_OFF + sizeof(nh) + 4, build_id, id_len);
	}
	unit_write_file(path, file, sizeof(file));
}

static Elf64_Phdr load(uint64_t off, uint64_t vaddr, uint64_t filesz, uint32_t flags)
{
	return (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = flags, .p_offset = off,
			     .p_vaddr = vaddr, .p_paddr = vaddr, .p_filesz = filesz,
			     .p_memsz = filesz, .p_align = 0x1000 };
}

static void expect_vaddr(const struct elffile *ef, uint64_t off, uint64_t want)
{
	uint64_t v = 0;
	int err = elffile_vaddr(ef, off, &v);

	if (err || v != want)
		fail_msg("elffile_vaddr(0x%" PRIx64 ") = %d, 0x%" PRIx64 "; want 0x%" PRIx64,
			 off, err, v, want);
}

static void expect_no_vaddr(const struct elffile *ef, uint64_t off)
{
	uint64_t v;
	int err = elffile_vaddr(ef, off, &v);

	if (err != -ENOENT)
		fail_msg("elffile_vaddr(0x%" PRIx64 ") = %d, want -ENOENT", off, err);
}

/* The layout GNU ld gives a non-PIE program with -z separate-code. */
static void test_made_segments(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "segs.elf");
	Elf64_Phdr ph[] = {
		load(0, 0x400000, 0x800, PF_R),
		load(0x1000, 0x401000, 0x2000, PF_R | PF_X),
		{ .p_type = PT_NOTE, .p_offset = NOTE_OFF, .p_vaddr = 0x400000 + NOTE_OFF,
		  .p_filesz = 0x20, .p_memsz = 0x20, .p_align = 4 },
		load(0x3e10, 0x404e10, 0x200, PF_R | PF_W),
		{ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W },
	};
	struct elffile *ef;
	const unsigned char *id;
	uint64_t bias;

	(void)state;
	write_elf(path, ph, sizeof(ph) / sizeof(ph[0]), NULL, 0);
	assert_int_equal(elffile_open(path, &ef), 0);
	assert_int_equal(elffile_build_id(ef, &id), 0);

	expect_vaddr(ef, 0, 0x400000);
	expect_vaddr(ef, 0x7ff, 0x4007ff);
	expect_no_vaddr(ef, 0x800);          /* between the segments */
	expect_no_vaddr(ef, 0xfff);
	expect_vaddr(ef, 0x1000, 0x401000);
	expect_vaddr(ef, 0x2abc, 0x402abc);
	expect_vaddr(ef, 0x2fff, 0x402fff);
	/* the data segment's mapping starts at the page holding its first byte */
	expect_vaddr(ef, 0x3000, 0x404000);
	expect_vaddr(ef, 0x3e10, 0x404e10);
	expect_vaddr(ef, 0x400f, 0x40500f);
	expect_no_vaddr(ef, 0x4010);
	expect_no_vaddr(ef, 0x100000);

	/* each mapping of the file at one bias gives that bias back */
	assert_int_equal(elffile_bias(ef, 0x7f1200000000ULL, 0, &bias), 0);
	assert_int_equal(bias, 0x7f1200000000ULL - 0x400000);
	assert_int_equal(elffile_bias(ef, 0x7f1200001000ULL, 0x1000, &bias), 0);
	assert_int_equal(bias, 0x7f1200000000ULL - 0x400000);
	assert_int_equal(elffile_bias(ef, 0x7f1200004000ULL, 0x3000, &bias), 0);
	assert_int_equal(bias, 0x7f1200000000ULL - 0x400000);
	/* a non-PIE program mapped where it was linked: bias 0 */
	assert_int_equal(elffile_bias(ef, 0x401000, 0x1000, &bias), 0);
	assert_int_equal(bias, 0);
	assert_int_equal(elffile_bias(ef, 0x7f1200010000ULL, 0x10000, &bias), -ENOENT);
	elffile_free(ef);
	free(path);
	unit_rmdir(dir);
}

/*
 * lld's layout: segments packed into shared file pages, so the executable
 * mapping's page offset (0) is also that of the read-only segment before it.
 * cprof sees executable mappings, and must get their bias right.
 */
static void test_made_shared_pages(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "lld.elf");
	Elf64_Phdr ph[] = {
		load(0, 0, 0x5d4, PF_R),
		load(0x5e0, 0x15e0, 0x140, PF_R | PF_X),
		load(0x720, 0x2720, 0x1d8, PF_R | PF_W),
		load(0x8f8, 0x38f8, 0x30, PF_R | PF_W),
	};
	const uint64_t bias = 0x55d000000000ULL;
	struct elffile *ef;
	uint64_t got;

	(void)state;
	write_elf(path, ph, sizeof(ph) / sizeof(ph[0]), NULL, 0);
	assert_int_equal(elffile_open(path, &ef), 0);
	/* the r-xp mapping: vaddr 0x15e0 is at bias + 0x15e0, its page at bias + 0x1000 */
	assert_int_equal(elffile_bias(ef, bias + 0x1000, 0, &got), 0);
	assert_int_equal(got, bias);
	/* file offsets of the code still map to the code's vaddrs */
	expect_vaddr(ef, 0x5e0, 0x15e0);
	expect_vaddr(ef, 0x71f, 0x171f);
	expect_vaddr(ef, 0x100, 0x100);
	elffile_free(ef);
	free(path);
	unit_rmdir(dir);
}

static void test_made_build_id(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "id.elf");
	static const unsigned char fast[8] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03 };
	Elf64_Phdr ph[] = {
		load(0, 0, 0x400, PF_R | PF_X),
		{ .p_type = PT_NOTE, .p_offset = NOTE_OFF, .p_vaddr = NOTE_OFF,
		  .p_filesz = sizeof(Elf64_Nhdr) + 4 + sizeof(fast),
		  .p_memsz = sizeof(Elf64_Nhdr) + 4 + sizeof(fast), .p_align = 4 },
	};
	struct elffile *ef;
	const unsigned char *id = NULL;

	(void)state;
	/* lld --build-id=fast: 8 bytes */
	write_elf(path, ph, 2, fast, sizeof(fast));
	assert_int_equal(elffile_open(path, &ef), 0);
	assert_int_equal(elffile_build_id(ef, &id), sizeof(fast));
	assert_memory_equal(id, fast, sizeof(fast));
	elffile_free(ef);
	free(path);
	unit_rmdir(dir);
}

static void test_build_id_hex(void **state)
{
	static const unsigned char id[] = { 0x00, 0x0f, 0xa0, 0xff, 0x5c };
	char out[2 * sizeof(id) + 1];

	(void)state;
	memset(out, 'x', sizeof(out));
	build_id_hex(id, sizeof(id), out);
	assert_string_equal(out, "000fa0ff5c");
	memset(out, 'x', sizeof(out));
	build_id_hex(id, 0, out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_build_id),
		cmocka_unit_test(test_self_bias),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_made_segments),
		cmocka_unit_test(test_made_shared_pages),
		cmocka_unit_test(test_made_build_id),
		cmocka_unit_test(test_build_id_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
