/*
 * gopcln: a pclntab made here byte by byte in the layouts of Go 1.18 and
 * 1.20 (two functions, one with a call inlined at a known pc), inside an
 * ELF image with the go.func.* symbol its inline tree is found from;
 * every truncation and a corruption of every byte of it read without a
 * read outside the table (ASan in the sanitized build) nor a wrong answer
 * for the functions whose bytes are intact. The layout of a real Go
 * 1.19 binary is checked by tests/sym/go_lines.sh.
 */
#include "unit.h"
#include "unitelf.h"

#include <errno.h>
#include <gelf.h>

#include "cprof/gopcln.h"

#define TEXT 0x401000u
#define RODATA 0x500000u
#define PCLNTAB 0x480000u

struct bytes {
	unsigned char b[1024];
	size_t n;
};

static void put(struct bytes *x, const void *p, size_t n)
{
	assert_true(x->n + n <= sizeof(x->b));
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void put32(struct bytes *x, uint32_t v)
{
	put(x, &v, 4);
}

static void put64(struct bytes *x, uint64_t v)
{
	put(x, &v, 8);
}

/* A pc-value table of (value, up to pc offset) pairs, as Go's linker writes it. */
static uint32_t pcvalue_table(struct bytes *pctab, const int32_t *vals, const uint32_t *ends,
			      size_t n)
{
	uint32_t off = (uint32_t)pctab->n, pc = 0;
	int32_t prev = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t d = vals[i] - prev;
		uint32_t uv = ((uint32_t)d << 1) ^ (uint32_t)(d >> 31), pd = ends[i] - pc;

		while (uv >= 0x80) {
			pctab->b[pctab->n++] = (unsigned char)(uv | 0x80);
			uv >>= 7;
		}
		pctab->b[pctab->n++] = (unsigned char)uv;
		assert_true(pd < 0x80);
		pctab->b[pctab->n++] = (unsigned char)pd;
		prev = vals[i];
		pc = ends[i];
	}
	pctab->b[pctab->n++] = 0;
	return off;
}

/*
 * main.outer at TEXT (0x40 bytes): a.go:10 up to 0x10, main.helper
 * inlined (b.go:50, called at a.go:10, declared at b.go:48) up to 0x20,
 * then a.go:11; main.inner after it (0x20 bytes) at a.go:20. V120: the
 * Go 1.20 layout (start lines), else 1.18's.
 */
static void make_pclntab(int v120, struct bytes *tab, struct bytes *rodata)
{
	static const char names[] = "\0main.outer\0main.inner\0main.helper";
	static const char files[] = "a.go\0b.go";
	struct bytes pctab = { .n = 1 }; /* offset 0 is "no table" */
	uint32_t o_file, o_line, o_inl, i_file, i_line, fo_outer, fo_inner;
	size_t hdr = 8 + 8 * 8, off_names, off_cu, off_files, off_pctab, off_pcln;

	memset(tab, 0, sizeof(*tab));
	memset(rodata, 0, sizeof(*rodata));
	o_file = pcvalue_table(&pctab, (int32_t[]){ 0, 1, 0 }, (uint32_t[]){ 0x10, 0x20, 0x40 }, 3);
	o_line = pcvalue_table(&pctab, (int32_t[]){ 10, 50, 11 }, (uint32_t[]){ 0x10, 0x20, 0x40 }, 3);
	o_inl = pcvalue_table(&pctab, (int32_t[]){ -1, 0, -1 }, (uint32_t[]){ 0x10, 0x20, 0x40 }, 3);
	i_file = pcvalue_table(&pctab, (int32_t[]){ 0 }, (uint32_t[]){ 0x20 }, 1);
	i_line = pcvalue_table(&pctab, (int32_t[]){ 20 }, (uint32_t[]){ 0x20 }, 1);

	put32(tab, v120 ? 0xfffffff1 : 0xfffffff0);
	put(tab, "\0\0\1\10", 4); /* pad, pad, quantum 1, pointer size 8 */
	off_names = hdr;
	off_cu = off_names + sizeof(names);
	off_files = off_cu + 8;
	off_pctab = off_files + sizeof(files);
	off_pcln = (off_pctab + pctab.n + 7) & ~(size_t)7;
	put64(tab, 2);
	put64(tab, 2);
	put64(tab, TEXT);
	put64(tab, off_names);
	put64(tab, off_cu);
	put64(tab, off_files);
	put64(tab, off_pctab);
	put64(tab, off_pcln);
	put(tab, names, sizeof(names));
	put32(tab, 0); /* the CU's file 0: "a.go" */
	put32(tab, 5); /* file 1: "b.go" */
	put(tab, files, sizeof(files));
	put(tab, pctab.b, pctab.n);
	while (tab->n < off_pcln)
		tab->b[tab->n++] = 0;
	/* the function table, then the two _funcs */
	fo_outer = 3 * 8;
	fo_inner = fo_outer + (v120 ? 44 : 40) + 3 * 4 + 4 * 4;
	put32(tab, 0), put32(tab, fo_outer);
	put32(tab, 0x40), put32(tab, fo_inner);
	put32(tab, 0x60), put32(tab, 0);
	/* entryoff nameoff args deferreturn pcsp pcfile pcln npcdata cuOffset [startLine] */
	put32(tab, 0), put32(tab, 1), put32(tab, 0), put32(tab, 0), put32(tab, 0);
	put32(tab, o_file), put32(tab, o_line), put32(tab, 3), put32(tab, 0);
	if (v120)
		put32(tab, 9);
	put(tab, "\0\0\0\4", 4); /* funcID flag pad nfuncdata */
	put32(tab, 0), put32(tab, 0), put32(tab, o_inl);                       /* pcdata */
	put32(tab, ~0u), put32(tab, ~0u), put32(tab, ~0u), put32(tab, 0x10); /* funcdata */
	put32(tab, 0x40), put32(tab, 12), put32(tab, 0), put32(tab, 0), put32(tab, 0);
	put32(tab, i_file), put32(tab, i_line), put32(tab, 0), put32(tab, 0);
	if (v120)
		put32(tab, 19);
	put(tab, "\0\0\0\0", 4);
	/* the inline tree, 0x10 into go.func.* (at RODATA) */
	rodata->n = 0x10;
	if (v120) { /* funcID pad nameOff parentPc startLine */
		put(rodata, "\0\0\0\0", 4);
		put32(rodata, 23), put32(rodata, 0x08), put32(rodata, 48);
	} else { /* parent funcID pad file line func_ parentPc */
		put(rodata, "\377\377\0\0", 4);
		put32(rodata, 1), put32(rodata, 10), put32(rodata, 23), put32(rodata, 0x08);
	}
}

/*
 * An ELF image: .gopclntab (TAB), .rodata (RODATA), .symtab with
 * go.func.* at RODATA; read from HEAP, a copy whose last bytes are the
 * table's, so that ASan sees a read past its end.
 */
struct image {
	unsigned char b[4096];
	size_t n;
	char *heap;
};

static size_t image_add(struct image *im, const void *p, size_t n)
{
	size_t off = (im->n + 7) & ~(size_t)7;

	assert_true(off + n <= sizeof(im->b));
	memcpy(im->b + off, p, n);
	im->n = off + n;
	return off;
}

static Elf *make_elf(struct image *im, const struct bytes *tab, const struct bytes *rodata,
		     const char *gofunc_name)
{
	char shstr[] = "\0.gopclntab\0.rodata\0.symtab\0.strtab\0.shstrtab";
	char strtab[32] = "";
	Elf64_Sym syms[2];
	Elf64_Shdr sh[6];
	Elf64_Ehdr eh;
	size_t o_tab, o_ro, o_sym, o_str, o_shstr, o_sh;

	memset(im, 0, sizeof(*im));
	memset(syms, 0, sizeof(syms));
	memset(sh, 0, sizeof(sh));
	snprintf(strtab + 1, sizeof(strtab) - 1, "%s", gofunc_name);
	syms[1].st_name = 1;
	syms[1].st_value = RODATA;
	syms[1].st_info = ELF64_ST_INFO(STB_LOCAL, STT_OBJECT);
	syms[1].st_shndx = 2;
	im->n = sizeof(eh);
	o_ro = image_add(im, rodata->b, rodata->n);
	o_sym = image_add(im, syms, sizeof(syms));
	o_str = image_add(im, strtab, sizeof(strtab));
	o_shstr = image_add(im, shstr, sizeof(shstr));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			      .sh_addr = PCLNTAB, .sh_size = tab->n }; /* offset: below */
	sh[2] = (Elf64_Shdr){ .sh_name = 12, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			      .sh_addr = RODATA, .sh_offset = o_ro, .sh_size = rodata->n };
	sh[3] = (Elf64_Shdr){ .sh_name = 20, .sh_type = SHT_SYMTAB, .sh_offset = o_sym,
			      .sh_size = sizeof(syms), .sh_link = 4, .sh_info = 2,
			      .sh_entsize = sizeof(Elf64_Sym) };
	sh[4] = (Elf64_Shdr){ .sh_name = 28, .sh_type = SHT_STRTAB, .sh_offset = o_str,
			      .sh_size = sizeof(strtab) };
	sh[5] = (Elf64_Shdr){ .sh_name = 36, .sh_type = SHT_STRTAB, .sh_offset = o_shstr,
			      .sh_size = sizeof(shstr) };
	o_sh = image_add(im, sh, sizeof(sh));
	o_tab = im->n;
	assert_true(o_tab + tab->n <= sizeof(im->b));
	memcpy(im->b + o_tab, tab->b, tab->n);
	im->n += tab->n;
	sh[1].sh_offset = o_tab;
	memcpy(im->b + o_sh, sh, sizeof(sh));
	unit_ehdr(&eh, ET_EXEC);
	eh.e_shoff = o_sh;
	eh.e_shnum = 6;
	eh.e_shstrndx = 5;
	memcpy(im->b, &eh, sizeof(eh));
	elf_version(EV_CURRENT);
	assert_non_null(im->heap = malloc(im->n));
	memcpy(im->heap, im->b, im->n);
	return elf_memory(im->heap, im->n);
}

static void image_end(Elf *elf, struct image *im)
{
	elf_end(elf);
	free(im->heap);
	im->heap = NULL;
}

#define BOTH (DWARFLOC_INLINES | DWARFLOC_LINES)

static void check_frame(const struct dwarfloc_frame *f, const char *name, const char *file,
			int line, uint32_t decl)
{
	if (name)
		assert_string_equal(f->name, name);
	else
		assert_null(f->name);
	if (file)
		assert_string_equal(f->file, file);
	else
		assert_null(f->file);
	assert_int_equal(f->line, line);
	assert_int_equal(f->decl_line, decl);
}

static void check_layout(int v120, const char *gofunc_name)
{
	struct dwarfloc_frame fr[DWARFLOC_MAX];
	struct bytes tab, ro;
	struct image im;
	struct gopcln *g;
	Elf *elf;

	make_pclntab(v120, &tab, &ro);
	elf = make_elf(&im, &tab, &ro, gofunc_name);
	assert_non_null(elf);
	assert_int_equal(gopcln_new(elf, &g), 0);
	/* before the inlined call, in it, after it, past the entry of the next function */
	assert_int_equal(gopcln_at(g, TEXT + 0x4, BOTH, fr, DWARFLOC_MAX), 1);
	check_frame(&fr[0], NULL, "a.go", 10, v120 ? 9 : 0);
	assert_int_equal(gopcln_at(g, TEXT + 0x18, BOTH, fr, DWARFLOC_MAX), 2);
	check_frame(&fr[0], NULL, "a.go", 10, v120 ? 9 : 0);
	check_frame(&fr[1], "main.helper", "b.go", 50, v120 ? 48 : 0);
	assert_int_equal(gopcln_at(g, TEXT + 0x3f, BOTH, fr, DWARFLOC_MAX), 1);
	check_frame(&fr[0], NULL, "a.go", 11, v120 ? 9 : 0);
	assert_int_equal(gopcln_at(g, TEXT + 0x40, BOTH, fr, DWARFLOC_MAX), 1);
	check_frame(&fr[0], NULL, "a.go", 20, v120 ? 19 : 0);
	/* no inlined frames: the function's frame at the call; no lines: only names */
	assert_int_equal(gopcln_at(g, TEXT + 0x18, DWARFLOC_LINES, fr, DWARFLOC_MAX), 1);
	check_frame(&fr[0], NULL, "a.go", 10, v120 ? 9 : 0);
	assert_int_equal(gopcln_at(g, TEXT + 0x18, DWARFLOC_INLINES, fr, DWARFLOC_MAX), 2);
	check_frame(&fr[1], "main.helper", NULL, 0, 0);
	assert_int_equal(gopcln_at(g, TEXT + 0x18, BOTH, fr, 1), 1);
	/* outside every function: one frame, nothing known */
	assert_int_equal(gopcln_at(g, TEXT - 1, BOTH, fr, DWARFLOC_MAX), 1);
	check_frame(&fr[0], NULL, NULL, 0, 0);
	assert_int_equal(gopcln_at(g, TEXT + 0x60, BOTH, fr, DWARFLOC_MAX), 1);
	check_frame(&fr[0], NULL, NULL, 0, 0);
	gopcln_free(g);
	image_end(elf, &im);
}

static void test_go118(void **state)
{
	(void)state;
	check_layout(0, "go.func.*");
}

static void test_go120(void **state)
{
	(void)state;
	check_layout(1, "go:func.*");
}

/* Every lookup of a damaged table stays in it and ends. */
static void look_everywhere(Elf *elf, struct image *im)
{
	struct dwarfloc_frame fr[DWARFLOC_MAX];
	struct gopcln *g;
	uint64_t a;

	if (!elf) {
		image_end(elf, im);
		return;
	}
	if (!gopcln_new(elf, &g)) {
		for (a = TEXT - 2; a < TEXT + 0x62; a++)
			assert_true(gopcln_at(g, a, BOTH, fr, DWARFLOC_MAX) >= 1);
		gopcln_free(g);
	}
	image_end(elf, im);
}

static void test_damaged(void **state)
{
	struct bytes tab, ro, t;
	struct image im;
	size_t i, len;
	int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		make_pclntab(v, &tab, &ro);
		for (len = 0; len <= tab.n; len++) {
			t = tab;
			t.n = len;
			look_everywhere(make_elf(&im, &t, &ro, v ? "go:func.*" : "go.func.*"), &im);
		}
		for (i = 8; i < tab.n; i++) {
			t = tab;
			t.b[i] ^= 0xff;
			look_everywhere(make_elf(&im, &t, &ro, v ? "go:func.*" : "go.func.*"), &im);
			t.b[i] = 0x80; /* a varint that never ends */
			look_everywhere(make_elf(&im, &t, &ro, v ? "go:func.*" : "go.func.*"), &im);
		}
		for (len = 0; len < ro.n; len++) { /* the inline tree cut */
			struct bytes r = ro;

			r.n = len;
			look_everywhere(make_elf(&im, &tab, &r, v ? "go:func.*" : "go.func.*"), &im);
		}
	}
	/* not a pclntab: Go 1.2's magic, a pointer size of 3 */
	make_pclntab(0, &tab, &ro);
	for (i = 0; i < 2; i++) {
		struct gopcln *g = NULL;
		Elf *elf;

		t = tab;
		t.b[i ? 7 : 0] = i ? 3 : 0xfb;
		elf = make_elf(&im, &t, &ro, "go.func.*");
		assert_int_equal(gopcln_new(elf, &g), -ENOENT);
		image_end(elf, &im);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go118),
		cmocka_unit_test(test_go120),
		cmocka_unit_test(test_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
