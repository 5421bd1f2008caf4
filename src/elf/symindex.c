#include "cprof/symindex.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/gobin.h"
#include "cprof/util.h"

/*
 * Alias order at one address, best first, as perf chooses: a sized
 * symbol, then global over weak over local, then no version, then the
 * shortest name; the bytes of the name decide the rest, so the choice
 * never depends on the order of the symbol table.
 */
static int alias_cmp(const void *a, const void *b)
{
	const struct symindex_sym *x = a, *y = b;
	int c;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->sized != y->sized)
		return x->sized ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->versioned != y->versioned)
		return x->versioned ? 1 : -1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->name, y->name, x->len);
	return c ? c : (int)x->plt - (int)y->plt;
}

static int sym_push(struct symindex *x, size_t *cap, const struct symindex_sym *sym)
{
	if (array_reserve(&x->syms, cap, x->n + 1, sizeof(*x->syms)))
		return -ENOMEM;
	x->syms[x->n++] = *sym;
	return 0;
}

/* GOT slot -> symbol name, from the JUMP_SLOT and GLOB_DAT relocations */
struct gotslot {
	uint64_t addr;
	const char *name;
};

static int gotslot_cmp(const void *a, const void *b)
{
	const struct gotslot *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int got_slots(Elf *elf, struct gotslot **out, size_t *n)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, lsh;
		Elf_Data *rel, *syms;
		Elf_Scn *symscn;
		size_t i, nrel;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize ||
		    !(symscn = elf_getscn(elf, sh.sh_link)) || !gelf_getshdr(symscn, &lsh) ||
		    lsh.sh_type != SHT_DYNSYM || !(rel = elf_getdata(scn, NULL)) ||
		    !(syms = elf_getdata(symscn, NULL)))
			continue;
		nrel = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < nrel; i++) {
			GElf_Rela r;
			GElf_Sym sym;
			const char *name;
			unsigned type;

			if (!gelf_getrela(rel, (int)i, &r))
				break;
			type = GELF_R_TYPE(r.r_info);
			if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym) ||
			    !(name = elf_strptr(elf, lsh.sh_link, sym.st_name)) || !*name)
				continue;
			if (array_reserve(out, &cap, *n + 1, sizeof(**out)))
				return -ENOMEM;
			(*out)[(*n)++] = (struct gotslot){ r.r_offset, name };
		}
	}
	if (*n) /* qsort of an empty, NULL array is undefined */
		qsort(*out, *n, sizeof(**out), gotslot_cmp);
	return 0;
}

/*
 * PLT stubs as NAME@plt symbols: each entry of .plt, .plt.sec and .plt.got
 * jumps through its GOT slot (jmp *disp(%rip), ff 25, after an endbr64 or
 * a bnd prefix), and the slot's relocation names the function.
 */
static int add_plt(struct symindex *x, Elf *elf, size_t *cap)
{
	struct gotslot *slots;
	Elf_Scn *scn = NULL;
	size_t nslots, shstrndx;
	int err = got_slots(elf, &slots, &nslots);

	if (err || !nslots || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn)) && !err) {
		GElf_Shdr sh;
		const char *sname;
		const unsigned char *code;
		Elf_Data *d;
		uint64_t esz, e;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sname = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    (strcmp(sname, ".plt") && strcmp(sname, ".plt.sec") && strcmp(sname, ".plt.got")) ||
		    !(d = elf_getdata(scn, NULL)) || !d->d_buf || d->d_size < sh.sh_size)
			continue;
		esz = sh.sh_entsize >= 8 && sh.sh_entsize <= 32 ? sh.sh_entsize : 16;
		code = d->d_buf;
		for (e = 0; e + esz <= sh.sh_size && !err; e += esz) {
			struct gotslot key, *hit;
			uint64_t k;
			int32_t disp;

			for (k = 0; k + 6 <= esz && !(code[e + k] == 0xff && code[e + k + 1] == 0x25); k++)
				;
			if (k + 6 > esz)
				continue;
			memcpy(&disp, code + e + k + 2, 4);
			key.addr = sh.sh_addr + e + k + 6 + (int64_t)disp;
			hit = bsearch(&key, slots, nslots, sizeof(*slots), gotslot_cmp);
			if (hit)
				err = sym_push(x, cap, &(struct symindex_sym){
					.start = sh.sh_addr + e, .end = sh.sh_addr + e + esz, .name = hit->name,
					.len = (uint32_t)strlen(hit->name), .plt = 1, .sized = 1 });
		}
	}
out:
	free(slots);
	return err;
}

/*
 * Sort X's symbols by alias_cmp. A comparison sort of node's 110,000
 * symbols took a tenth of its whole report: a stable radix sort of
 * (start, index) pairs by the bytes the highest start needs, then
 * alias_cmp within each run of one address.
 */
static int sort_symbols(struct symindex *x)
{
	struct key {
		uint64_t start;
		size_t idx;
	} *keys = malloc(2 * x->n * sizeof(*keys)), *a = keys, *b, *t;
	struct symindex_sym *sorted = malloc(x->n * sizeof(*sorted));
	uint64_t max = 0;
	size_t n = x->n, i, j, shift;

	if (!keys || !sorted) {
		free(keys);
		free(sorted);
		return -ENOMEM;
	}
	b = a + n;
	for (i = 0; i < n; i++) {
		a[i] = (struct key){ x->syms[i].start, i };
		if (x->syms[i].start > max)
			max = x->syms[i].start;
	}
	for (shift = 0; shift < 64 && max >> shift; shift += 8) {
		size_t count[257] = { 0 };

		for (i = 0; i < n; i++)
			count[((a[i].start >> shift) & 0xff) + 1]++;
		for (i = 1; i < 257; i++)
			count[i] += count[i - 1];
		for (i = 0; i < n; i++)
			b[count[(a[i].start >> shift) & 0xff]++] = a[i];
		t = a, a = b, b = t;
	}
	for (i = 0; i < n; i++)
		sorted[i] = x->syms[a[i].idx];
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && sorted[j].start == sorted[i].start; j++)
			;
		if (j - i > 1)
			qsort(sorted + i, j - i, sizeof(*sorted), alias_cmp);
	}
	free(keys);
	free(x->syms);
	x->syms = sorted;
	return 0;
}

/* The symbols of MOD and its PLT stubs, then sorted and one best alias an address. */
static int index_symbols(struct symindex *x, Dwfl_Module *mod)
{
	int nsym = dwfl_module_getsymtab(mod), i;
	size_t cap = 0, j, k;
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	GElf_Ehdr eh;
	int err = 0, go = elf && gobin_is_go(elf);

	if (elf && gelf_getehdr(elf, &eh))
		x->entry = eh.e_entry;
	for (i = 1; i < nsym && !err; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *selem;
		Dwarf_Addr sbias;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, &selem,
							   &sbias);
		const char *at;
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
		struct symindex_sym ms;

		if (name && !go)
			go = gobin_is_go_symbol(name);
		if (!name || !*name || shndx == SHN_UNDEF || shndx == SHN_ABS || !addr ||
		    !(type == STT_FUNC || type == STT_GNU_IFUNC || (type == STT_NOTYPE && bind != STB_LOCAL)))
			continue;
		at = strchr(name, '@');
		ms = (struct symindex_sym){
			.start = addr, .end = sym.st_size ? addr + sym.st_size : UINT64_MAX,
			.name = name, .len = (uint32_t)(at && at > name ? (size_t)(at - name) : strlen(name)),
			.rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2,
			.versioned = at != NULL, .sized = sym.st_size != 0 };
		if (!sym.st_size && selem && shndx < SHN_LORESERVE) {
			GElf_Shdr sh;

			if (gelf_getshdr(elf_getscn(selem, shndx), &sh))
				ms.end = sh.sh_addr + sh.sh_size + (addr - sym.st_value);
		}
		err = sym_push(x, &cap, &ms);
	}
	/* Go's names as Go's pprof writes them: runtime.madvise, not runtime.madvise.abi0 */
	for (j = 0; go && j < x->n; j++)
		x->syms[j].len = (uint32_t)gobin_name_len(x->syms[j].name, x->syms[j].len);
	if (!err && elf)
		err = add_plt(x, elf, &cap);
	if (err || !x->n)
		return err;
	if ((err = sort_symbols(x)))
		return err;
	for (j = 0, k = 0; j < x->n; j++) {
		if (k && x->syms[k - 1].start == x->syms[j].start) {
			if (!x->syms[k - 1].sized && x->syms[j].sized) {
				x->syms[k - 1].end = x->syms[j].end;
				x->syms[k - 1].sized = 1;
			}
			continue;
		}
		x->syms[k++] = x->syms[j];
	}
	x->n = k;
	/* a sizeless symbol (assembly) covers up to the next symbol */
	for (j = 0; j + 1 < x->n; j++)
		if (!x->syms[j].sized && x->syms[j].end > x->syms[j + 1].start)
			x->syms[j].end = x->syms[j + 1].start;
	return 0;
}

int symindex_build(struct symindex *x, Dwfl_Module *mod)
{
	int err;

	*x = (struct symindex){ 0 };
	if ((err = index_symbols(x, mod))) {
		free(x->syms);
		x->syms = NULL;
		x->n = 0;
	}
	return err;
}

void symindex_release(struct symindex *x)
{
	free(x->syms);
	*x = (struct symindex){ 0 };
}

static uint64_t sym_start(const void *sym)
{
	return ((const struct symindex_sym *)sym)->start;
}

/* The last symbol starting at or below ADDR that covers it. */
const struct symindex_sym *symindex_find(const struct symindex *x, uint64_t addr)
{
	size_t i = upper_bound_u64(x->syms, x->n, sizeof(*x->syms), addr, sym_start), back;

	/* a few steps back: a function that encloses smaller symbols (cold parts, labels) */
	for (back = 0; i-- > 0 && back < 4; back++)
		if (addr < x->syms[i].end)
			return &x->syms[i];
	return NULL;
}
