#include "cprof/symbolizer.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/elffile.h"
#include "cprof/roots.h"
#include "cprof/util.h"

/*
 * A function symbol of a module's index. NAME is borrowed from libdwfl's
 * copy of the string table (valid until dwfl_end); LEN leaves out an ELF
 * symbol version ("memcpy@@GLIBC_2.14"); a PLT stub is its target's name
 * and "@plt" is added when it is looked up.
 */
struct msym {
	uint64_t start, end;
	const char *name;
	uint32_t len;
	uint8_t rank;            /* binding: 0 global, 1 weak, 2 local */
	uint8_t versioned, plt, sized;
};

/* A compile unit's address range, for producers that write no .debug_aranges (Go). */
struct curange {
	uint64_t start, end;
	Dwarf_Die cu;
};

/* A function's address range in a CU, from one walk of the CU's top-level DIEs. */
struct cufn {
	uint64_t start, end;
	Dwarf_Die die;
};

struct cufns {
	struct cufn *fns;        /* sorted by start */
	size_t n;
};

struct module {
	uint32_t path_id;
	unsigned char build_id[64];
	size_t build_id_len;
	int opened;
	int fd;                  /* given by symbolizer_module_fd (borrowed), else -1 */
	struct stat file;        /* of the file opened */
	enum module_status status;
	struct elffile *ef;
	Dwfl *dwfl;
	Dwfl_Module *dmod;
	int has_symbols, has_debuginfo;
	struct msym *syms;       /* sorted by start, one per address, best alias */
	size_t nsyms;
	uint64_t entry;          /* e_entry, 0 if none */
	struct curange *cus;     /* sorted by start; built on the first address aranges miss */
	size_t ncus;
	int cus_built;
	int dwarf_released;      /* the pages read for the DWARF's CU table given back */
};

struct symbolizer {
	struct symbolizer_config cfg;
	char *debug_path;
	Dwfl_Callbacks callbacks;
	struct strtab *strs;     /* paths, module keys and frame names */
	struct pairmap *mod_by_key;
	struct module *mods;
	uint32_t nmods;
	size_t capmods;
	struct pairmap *cache;   /* (mod, vaddr|ret) -> frames offset << 16 | n */
	struct pairmap *cu_fns;  /* (mod, CU offset) -> index in cfs + 1 */
	struct cufns *cfs;
	size_t ncfs, capcfs;
	struct sym_frame *frames;/* runs referenced by the cache */
	size_t nframes, capframes;
	struct sym_frame scratch[64];
};

int symbolizer_new(const struct symbolizer_config *cfg, struct symbolizer **out)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	int err = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (cfg->debug_path && !(s->debug_path = strdup(cfg->debug_path)))
		goto fail;
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = binsource_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = s->debug_path ? &s->debug_path : NULL;
	if ((err = strtab_new(&s->strs)) || (err = pairmap_new(&s->mod_by_key)) ||
	    (err = pairmap_new(&s->cache)) || (err = pairmap_new(&s->cu_fns)))
		goto fail;
	/* never NULL: a lookup that finds no frame still points into it */
	if ((err = array_reserve(&s->frames, &s->capframes, 64, sizeof(*s->frames))))
		goto fail;
	*out = s;
	return 0;
fail:
	symbolizer_free(s);
	return err;
}

void symbolizer_free(struct symbolizer *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->nmods; i++) {
		elffile_free(s->mods[i].ef);
		free(s->mods[i].syms);
		free(s->mods[i].cus);
		if (s->mods[i].dwfl)
			dwfl_end(s->mods[i].dwfl);
	}
	free(s->mods);
	strtab_free(s->strs);
	pairmap_free(s->mod_by_key);
	pairmap_free(s->cache);
	pairmap_free(s->cu_fns);
	for (i = 0; i < s->ncfs; i++)
		free(s->cfs[i].fns);
	free(s->cfs);
	free(s->frames);
	free(s->debug_path);
	free(s);
}

int symbolizer_module(struct symbolizer *s, const char *path,
		      const unsigned char *build_id, size_t len, uint32_t *mod)
{
	char key[4096 + 130];
	uint32_t path_id, key_id;
	uint64_t v;
	int err, n;

	if (len > 64)
		len = 64;
	n = snprintf(key, sizeof(key), "%s", path);
	if (n < 0 || (size_t)n + 2 * len + 2 > sizeof(key))
		return -ENAMETOOLONG;
	key[n] = '\0';
	build_id_hex(build_id, len, key + n + 1);
	if ((err = strtab_intern(s->strs, key, n + 1 + 2 * len, &key_id)))
		return err;
	if (pairmap_get(s->mod_by_key, key_id, 0, &v)) {
		*mod = (uint32_t)v;
		return 0;
	}
	if ((err = strtab_intern(s->strs, path, strlen(path), &path_id)))
		return err;
	if ((err = array_reserve(&s->mods, &s->capmods, s->nmods + 1, sizeof(*s->mods))))
		return err;
	s->mods[s->nmods].path_id = path_id;
	memcpy(s->mods[s->nmods].build_id, build_id, len);
	s->mods[s->nmods].build_id_len = len;
	s->mods[s->nmods].fd = -1;
	if ((err = pairmap_put(s->mod_by_key, key_id, 0, s->nmods)))
		return err;
	*mod = s->nmods++;
	return 0;
}

int symbolizer_module_fd(struct symbolizer *s, const char *name, int fd,
			 const unsigned char *build_id, size_t len, uint32_t *mod)
{
	int err = symbolizer_module(s, name, build_id, len, mod);

	if (!err)
		s->mods[*mod].fd = fd;
	return err;
}

/*
 * Alias order at one address, best first, as perf chooses: a sized
 * symbol, then global over weak over local, then no version, then the
 * shortest name; the bytes of the name decide the rest, so the choice
 * never depends on the order of the symbol table.
 */
static int msym_cmp(const void *a, const void *b)
{
	const struct msym *x = a, *y = b;
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

static int msym_push(struct module *m, size_t *cap, const struct msym *sym)
{
	if (array_reserve(&m->syms, cap, m->nsyms + 1, sizeof(*m->syms)))
		return -ENOMEM;
	m->syms[m->nsyms++] = *sym;
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
static int add_plt(struct module *m, Elf *elf, size_t *cap)
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
				err = msym_push(m, cap, &(struct msym){
					.start = sh.sh_addr + e, .end = sh.sh_addr + e + esz, .name = hit->name,
					.len = (uint32_t)strlen(hit->name), .plt = 1, .sized = 1 });
		}
	}
out:
	free(slots);
	return err;
}

/*
 * Sort M's symbols by msym_cmp. A comparison sort of node's 110,000
 * symbols took a tenth of its whole report: a stable radix sort of
 * (start, index) pairs by the bytes the highest start needs, then
 * msym_cmp within each run of one address.
 */
static int sort_symbols(struct module *m)
{
	struct key {
		uint64_t start;
		size_t idx;
	} *keys = malloc(2 * m->nsyms * sizeof(*keys)), *a = keys, *b, *t;
	struct msym *sorted = malloc(m->nsyms * sizeof(*sorted));
	uint64_t max = 0;
	size_t n = m->nsyms, i, j, shift;

	if (!keys || !sorted) {
		free(keys);
		free(sorted);
		return -ENOMEM;
	}
	b = a + n;
	for (i = 0; i < n; i++) {
		a[i] = (struct key){ m->syms[i].start, i };
		if (m->syms[i].start > max)
			max = m->syms[i].start;
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
		sorted[i] = m->syms[a[i].idx];
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && sorted[j].start == sorted[i].start; j++)
			;
		if (j - i > 1)
			qsort(sorted + i, j - i, sizeof(*sorted), msym_cmp);
	}
	free(keys);
	free(m->syms);
	m->syms = sorted;
	return 0;
}

/*
 * M's index of functions, in one pass over the symbols libdwfl chose for
 * it (.symtab, else .dynsym with MiniDebugInfo, or a separate debug
 * file's), and its PLT stubs; sorted, one best alias per address, each
 * sizeless symbol running to the next one (at most to its section's end).
 */
static int index_symbols(struct module *m)
{
	int nsym = dwfl_module_getsymtab(m->dmod), i;
	size_t cap = 0, j, k;
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(m->dmod, &bias);
	GElf_Ehdr eh;
	int err = 0;

	if (elf && gelf_getehdr(elf, &eh))
		m->entry = eh.e_entry;
	for (i = 1; i < nsym && !err; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *selem;
		Dwarf_Addr sbias;
		const char *name = dwfl_module_getsym_info(m->dmod, i, &sym, &addr, &shndx, &selem,
							   &sbias);
		const char *at;
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
		struct msym ms;

		if (!name || !*name || shndx == SHN_UNDEF || shndx == SHN_ABS || !addr ||
		    !(type == STT_FUNC || type == STT_GNU_IFUNC || (type == STT_NOTYPE && bind != STB_LOCAL)))
			continue;
		at = strchr(name, '@');
		ms = (struct msym){ .start = addr, .end = sym.st_size ? addr + sym.st_size : UINT64_MAX,
				    .name = name,
				    .len = (uint32_t)(at && at > name ? (size_t)(at - name) : strlen(name)),
				    .rank = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2,
				    .versioned = at != NULL, .sized = sym.st_size != 0 };
		if (!sym.st_size && selem && shndx < SHN_LORESERVE) {
			GElf_Shdr sh;

			if (gelf_getshdr(elf_getscn(selem, shndx), &sh))
				ms.end = sh.sh_addr + sh.sh_size + (addr - sym.st_value);
		}
		err = msym_push(m, &cap, &ms);
	}
	if (!err && elf)
		err = add_plt(m, elf, &cap);
	if (err || !m->nsyms)
		return err;
	if ((err = sort_symbols(m)))
		return err;
	for (j = 0, k = 0; j < m->nsyms; j++) {
		if (k && m->syms[k - 1].start == m->syms[j].start) {
			if (!m->syms[k - 1].sized && m->syms[j].sized) {
				m->syms[k - 1].end = m->syms[j].end;
				m->syms[k - 1].sized = 1;
			}
			continue;
		}
		m->syms[k++] = m->syms[j];
	}
	m->nsyms = k;
	/* a sizeless symbol (assembly) covers up to the next symbol */
	for (j = 0; j + 1 < m->nsyms; j++)
		if (!m->syms[j].sized && m->syms[j].end > m->syms[j + 1].start)
			m->syms[j].end = m->syms[j + 1].start;
	return 0;
}

/* Whether [START, END) is one mapping of all of FILE, from offset 0 (/proc/self/maps). */
static int maps_file(uintptr_t start, uintptr_t end, const struct stat *file)
{
	unsigned long long lo, hi, off, ino;
	unsigned maj, min;
	char *line = NULL, *e;
	size_t cap = 0;
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		if (strtoull(line, &e, 16) != start || *e != '-')
			continue; /* most lines: the one number read */
		found = sscanf(line, "%llx-%llx %*4s %llx %x:%x %llu", &lo, &hi, &off, &maj, &min,
			       &ino) == 6 &&
			hi == end && !off && ino == file->st_ino && makedev(maj, min) == file->st_dev;
		break;
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * Give back the pages of libelf's mapping of ELF, read from FILE: a pass
 * over a symbol table or over DWARF's CU headers leaves every page of
 * them in the RSS (the kernel maps 16 around each one read), though only
 * those of the names and DIEs looked up again are needed. The mapping is
 * private and never written (libdwfl relocates only ET_REL files, libelf
 * converts nothing of a native file), so a page read again is the
 * file's; MADV_RANDOM then maps only the page read. Nothing is done
 * unless /proc/self/maps shows the whole file mapped where the ELF header
 * is (libelf may have read the file into memory instead).
 */
static void release_pages(Elf *elf, const struct stat *file)
{
	Elf64_Ehdr *eh = elf && gelf_getclass(elf) == ELFCLASS64 ? elf64_getehdr(elf) : NULL;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)eh, len;

	if (!eh || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) || start % page ||
	    eh->e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB
										 : ELFDATA2MSB))
		return;
	len = ((uintptr_t)file->st_size + page - 1) & ~(page - 1);
	if (!maps_file(start, start + len, file))
		return;
	madvise(eh, len, MADV_DONTNEED);
	madvise(eh, len, MADV_RANDOM);
}

/* release_pages of ELF, M's main file or its debug file. */
static void release_module_elf(struct module *m, Elf *elf)
{
	const char *debug = NULL;
	Dwarf_Addr bias;
	struct stat st;

	if (!elf)
		return;
	if (elf == dwfl_module_getelf(m->dmod, &bias)) {
		release_pages(elf, &m->file);
		return;
	}
	dwfl_module_info(m->dmod, NULL, NULL, NULL, NULL, NULL, NULL, &debug);
	if (debug && !stat(debug, &st))
		release_pages(elf, &st);
}

/* After its symbol index: release_pages of M's file and of the debug file its symbols came from. */
static void release_symbol_pages(struct module *m)
{
	Dwarf_Addr bias;
	Elf *main = dwfl_module_getelf(m->dmod, &bias), *sym = NULL;
	GElf_Sym s;
	GElf_Word shndx;

	if (dwfl_module_getsymtab(m->dmod) > 1)
		dwfl_module_getsym_info(m->dmod, 1, &s, &bias, &shndx, &sym, &bias);
	release_module_elf(m, main);
	if (sym && sym != main)
		release_module_elf(m, sym);
}

/* The function of M at ADDR, or NULL: the last symbol starting at or below it that covers it. */
static const struct msym *find_symbol(const struct module *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nsyms, i, back;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a few steps back: a function that encloses smaller symbols (cold parts, labels) */
	for (i = lo, back = 0; i-- > 0 && back < 4; back++)
		if (addr < m->syms[i].end)
			return &m->syms[i];
	return NULL;
}

/*
 * Open M's file on first use, through binsource (its rules for what may be
 * read), and hand libdwfl that descriptor; decide whether it may name frames.
 */
static struct module *module_open(struct symbolizer *s, uint32_t id)
{
	struct module *m = &s->mods[id];
	const char *path = strtab_str(s->strs, m->path_id);
	const unsigned char *fid;
	void **userdata;
	size_t flen;
	int fd, err;

	if (m->opened)
		return m;
	m->opened = 1;
	fd = m->fd >= 0 ? fcntl(m->fd, F_DUPFD_CLOEXEC, 0) : binsource_open(path);
	if (fd < 0 && m->fd >= 0)
		fd = -errno;
	err = fd < 0 ? fd : fstat(fd, &m->file) < 0 ? -errno : elffile_fdopen(fd, &m->ef);
	if (err) {
		m->status = err == -ENOEXEC ? MODULE_NOT_ELF : MODULE_MISSING;
		goto out;
	}
	flen = elffile_build_id(m->ef, &fid);
	if (m->build_id_len && (flen != m->build_id_len || memcmp(fid, m->build_id, flen))) {
		m->status = MODULE_BUILD_ID_MISMATCH;
		goto out;
	}
	m->dwfl = dwfl_begin(&s->callbacks);
	if (m->dwfl) {
		dwfl_report_begin(m->dwfl);
		m->dmod = dwfl_report_elf(m->dwfl, path, path, fd, 0, true);
		dwfl_report_end(m->dwfl, NULL, NULL);
	}
	if (!m->dmod) {
		m->status = MODULE_NOT_ELF;
		goto out;
	}
	fd = -1; /* libdwfl's now */
	/* binsource_find_debuginfo takes the debuginfo path from the module's userdata */
	dwfl_module_info(m->dmod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = s->debug_path;
	m->has_symbols = dwfl_module_getsymtab(m->dmod) > 0;
	if (index_symbols(m))
		m->nsyms = 0; /* out of memory: no names rather than wrong ones */
	release_symbol_pages(m);
out:
	if (fd >= 0)
		close(fd);
	return m;
}

enum module_status symbolizer_module_status(struct symbolizer *s, uint32_t mod)
{
	return module_open(s, mod)->status;
}

const char *symbolizer_module_path(const struct symbolizer *s, uint32_t mod)
{
	return strtab_str(s->strs, s->mods[mod].path_id);
}

uint32_t symbolizer_module_count(const struct symbolizer *s)
{
	return s->nmods;
}

void symbolizer_module_info(struct symbolizer *s, uint32_t mod, struct module_info *info)
{
	struct module *m = &s->mods[mod];
	Dwarf_Addr bias;

	info->path = strtab_str(s->strs, m->path_id);
	build_id_hex(m->build_id, m->build_id_len, info->build_id);
	info->used = m->opened;
	if (m->opened && m->dmod && !m->has_debuginfo)
		m->has_debuginfo = dwfl_module_getdwarf(m->dmod, &bias) != NULL;
	info->status = m->status;
	info->has_symbols = m->has_symbols;
	info->has_debuginfo = m->has_debuginfo;
}

int symbolizer_bias(struct symbolizer *s, uint32_t mod, uint64_t start, uint64_t pgoff,
		    uint64_t *bias)
{
	struct module *m = module_open(s, mod);

	if (m->status != MODULE_OK)
		return -ENOENT;
	return elffile_bias(m->ef, start, pgoff, bias);
}

/*
 * Intern the LEN bytes of NAME as the next frame, demangled when asked,
 * with "@plt" after it for a PLT stub; INLINED sets SYM_INLINED.
 */
static int add_name(struct symbolizer *s, const char *name, size_t len, int plt, int inlined,
		    size_t *n)
{
	char buf[512], *dm = NULL;
	uint32_t id, raw;
	int err;

	if (*n >= sizeof(s->scratch) / sizeof(s->scratch[0]))
		return 0;
	if (plt && len + 5 <= sizeof(buf)) {
		memcpy(buf, name, len);
		memcpy(buf + len, "@plt", 5);
		if ((err = strtab_intern(s->strs, buf, len + 4, &raw)))
			return err;
		buf[len] = '\0';
	} else if ((err = strtab_intern(s->strs, name, len, &raw))) {
		return err;
	}
	if (s->cfg.demangle && name[0] == '_' && (name[1] == 'Z' || name[1] == 'R'))
		dm = cplus_demangle(plt ? buf : strtab_str(s->strs, raw), DMGL_AUTO);
	id = raw;
	if (dm && plt) {
		char *p = NULL;

		err = asprintf(&p, "%s@plt", dm) < 0 ? -ENOMEM :
		      strtab_intern(s->strs, p, strlen(p), &id);
		free(p);
	} else if (dm) {
		err = strtab_intern(s->strs, dm, strlen(dm), &id);
	}
	free(dm);
	if (err)
		return err;
	s->scratch[*n] = (struct sym_frame){ .name = id | (inlined ? SYM_INLINED : 0),
					     .mangled = raw, .file = SYM_NO_LINE };
	(*n)++;
	return 0;
}

/* Set F's source position to FILE:LINE (nothing when unknown). */
static int set_line(struct symbolizer *s, const char *file, int line, struct sym_frame *f)
{
	if (!file || line <= 0)
		return 0;
	f->line = (uint32_t)line;
	return strtab_intern(s->strs, file, strlen(file), &f->file);
}

/* The best name of a DWARF function DIE: its linkage name, else its name. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (!name)
		name = dwarf_diename(die);
	return name;
}

/* The call site of inlined-subroutine DIE, as F's position. */
static int call_site(struct symbolizer *s, Dwarf_Die *cu, Dwarf_Die *die, struct sym_frame *f)
{
	Dwarf_Attribute attr;
	Dwarf_Word file = 0, line = 0;
	Dwarf_Files *files;
	size_t nfiles;
	const char *name = NULL;

	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &file) == 0 &&
	    dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &line) == 0 &&
	    dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && file < nfiles)
		name = dwarf_filesrc(files, file, NULL, NULL);
	return set_line(s, name, (int)line, f);
}

/* F's position: the line table's row for ADDR (a DWARF address) in CU. */
static int addr_line(struct symbolizer *s, Dwarf_Die *cu, uint64_t addr, struct sym_frame *f)
{
	Dwarf_Line *l = dwarf_getsrc_die(cu, addr);
	int line = 0;

	if (!l || dwarf_lineno(l, &line))
		return 0;
	return set_line(s, dwarf_linesrc(l, NULL, NULL), line, f);
}

static int curange_cmp(const void *a, const void *b)
{
	const struct curange *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The CUs' own ranges (DW_AT_ranges, low_pc/high_pc) of M's DWARF, for
 * producers such as Go that write no .debug_aranges (libdw then finds no
 * CU for any address).
 */
static int index_cus(struct module *m, Dwarf *dw)
{
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Half version;
	uint8_t type;
	Dwarf_Die die;
	size_t cap = 0;

	while (dwarf_get_units(dw, cu, &next, &version, &type, &die, NULL) == 0) {
		Dwarf_Addr base, start, end;
		ptrdiff_t off = 0;

		cu = next;
		while ((off = dwarf_ranges(&die, off, &base, &start, &end)) > 0) {
			if (start >= end)
				continue;
			if (array_reserve(&m->cus, &cap, m->ncus + 1, sizeof(*m->cus)))
				return -ENOMEM;
			m->cus[m->ncus++] = (struct curange){ start, end, die };
		}
	}
	if (m->ncus) /* qsort of an empty, NULL array is undefined */
		qsort(m->cus, m->ncus, sizeof(*m->cus), curange_cmp);
	return 0;
}

/*
 * The CU of ADDR in M and the bias of its DWARF: aranges, else M's CU range
 * index. libdwfl's aranges answer with the CU before a gap too (node's
 * V8 code, which has no DWARF, "is" in libuv's CUs): a CU must hold ADDR.
 */
static Dwarf_Die *module_cu(struct module *m, uint64_t addr, Dwarf_Addr *bias, Dwarf_Die *mem)
{
	Dwarf_Die *cu = dwfl_module_addrdie(m->dmod, addr, bias);
	Dwarf *dw;
	size_t lo = 0, hi;

	if (!m->dwarf_released) {
		/* the CU table is read now: the pages of every CU header */
		m->dwarf_released = 1;
		if ((dw = dwfl_module_getdwarf(m->dmod, bias)))
			release_module_elf(m, dwarf_getelf(dw));
	}
	if (cu && dwarf_haspc(cu, addr - *bias) > 0)
		return cu;
	if (!(dw = dwfl_module_getdwarf(m->dmod, bias)))
		return NULL;
	if (!m->cus_built) {
		m->cus_built = 1;
		if (index_cus(m, dw))
			m->ncus = 0;
		release_module_elf(m, dwarf_getelf(dw));
	}
	for (hi = m->ncus; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->cus[mid].start <= addr - *bias)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - *bias >= m->cus[lo - 1].end)
		return NULL;
	*mem = m->cus[lo - 1].cu;
	return mem;
}

static uint32_t decl_line(Dwarf_Die *die)
{
	int line = 0;

	return die && dwarf_decl_line(die, &line) == 0 && line > 0 ? (uint32_t)line : 0;
}

static int cufn_cmp(const void *a, const void *b)
{
	const struct cufn *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The functions with code among PARENT's children, through namespaces and classes. */
static int collect_fns(struct cufns *c, size_t *cap, Dwarf_Die *parent)
{
	Dwarf_Die child;
	int err = 0;

	if (dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child);
		Dwarf_Addr base, start, end;
		ptrdiff_t off = 0;

		if (tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
		    tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_module)
			err = collect_fns(c, cap, &child);
		else if (tag == DW_TAG_subprogram)
			while (!err && (off = dwarf_ranges(&child, off, &base, &start, &end)) > 0) {
				if (start >= end)
					continue;
				if (array_reserve(&c->fns, cap, c->n + 1, sizeof(*c->fns)))
					return -ENOMEM;
				c->fns[c->n++] = (struct cufn){ start, end, child };
			}
	} while (!err && dwarf_siblingof(&child, &child) == 0);
	return err;
}

/*
 * The function DIE of CU that holds PC (a DWARF address): from CU's
 * function index, built on its first use, so that an address costs a
 * binary search and a walk of one function, not of its whole CU.
 */
static Dwarf_Die *cu_function(struct symbolizer *s, uint32_t mod, Dwarf_Die *cu, uint64_t pc)
{
	uint64_t off = dwarf_dieoffset(cu), v;
	struct cufns *c;
	size_t lo = 0, hi;

	if (!pairmap_get(s->cu_fns, mod, off, &v)) {
		size_t cap = 0;

		if (array_reserve(&s->cfs, &s->capcfs, s->ncfs + 1, sizeof(*s->cfs)))
			return NULL;
		c = &s->cfs[s->ncfs];
		*c = (struct cufns){ 0 };
		if (collect_fns(c, &cap, cu))
			c->n = 0;
		if (c->n) /* qsort of an empty, NULL array is undefined */
			qsort(c->fns, c->n, sizeof(*c->fns), cufn_cmp);
		v = ++s->ncfs;
		if (pairmap_put(s->cu_fns, mod, off, v))
			return NULL;
	}
	c = &s->cfs[v - 1];
	for (hi = c->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->fns[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && pc < c->fns[lo - 1].end ? &c->fns[lo - 1].die : NULL;
}

/*
 * The inlined calls at PC in function FN, outermost first, into INL (up
 * to MAX): down the scopes (blocks, inlined calls) that hold PC.
 */
static int inline_chain(Dwarf_Die *fn, uint64_t pc, Dwarf_Die *inl, int max)
{
	Dwarf_Die cur = *fn, child;
	int m = 0, found = 1;

	while (found && m < max) {
		found = 0;
		if (dwarf_child(&cur, &child) != 0)
			break;
		do {
			int tag = dwarf_tag(&child);

			if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
			     tag == DW_TAG_try_block || tag == DW_TAG_catch_block) &&
			    dwarf_haspc(&child, pc) > 0) {
				if (tag == DW_TAG_inlined_subroutine)
					inl[m++] = child;
				cur = child;
				found = 1;
			}
		} while (!found && dwarf_siblingof(&child, &child) == 0);
	}
	return m;
}

/*
 * After the function's own frame (scratch[*n - 1]), add its inlined
 * calls at ADDR, outermost first, and the source position in each frame.
 */
static int add_inlines(struct symbolizer *s, uint32_t id, uint64_t addr, size_t *n)
{
	struct module *mod = &s->mods[id];
	Dwarf_Addr bias = 0;
	Dwarf_Die cumem, *cu = module_cu(mod, addr, &bias, &cumem);
	Dwarf_Die *scopes = NULL, *inl[64], chain[64], *fn = cu ? cu_function(s, id, cu, addr - bias) : NULL;
	size_t first = *n - 1;
	int i, nscopes, m = 0, err = 0;

	if (fn) {
		m = inline_chain(fn, addr - bias, chain, 64);
		for (i = 0; i < m; i++)
			inl[i] = &chain[m - 1 - i]; /* innermost first */
	} else if (cu) {
		/* not in the index (code in an imported unit, say): libdw's walk of the CU */
		nscopes = dwarf_getscopes(cu, addr - bias, &scopes);
		/* innermost first, up to the concrete function */
		for (i = 0; i < nscopes && m < 64; i++) {
			int tag = dwarf_tag(&scopes[i]);

			if (tag == DW_TAG_subprogram) {
				fn = &scopes[i];
				break;
			}
			if (tag == DW_TAG_inlined_subroutine)
				inl[m++] = &scopes[i];
		}
	}
	for (i = m - 1; i >= 0 && s->cfg.inlines && !err; i--) {
		const char *name = die_name(inl[i]);

		if (!name)
			name = "[inlined]";
		err = add_name(s, name, strlen(name), 0, 1, n);
	}
	if (!err && s->cfg.lines) {
		size_t j, k = *n - first; /* frames: function + the inlines added */

		/* position in frame j: call site of the frame it inlines next */
		s->scratch[first].start_line = decl_line(fn);
		for (j = 1; j < k; j++)
			s->scratch[first + j].start_line = decl_line(inl[m - j]);
		for (j = 0; j + 1 < k && !err; j++)
			err = call_site(s, cu, inl[m - 1 - j], &s->scratch[first + j]);
		if (!err && k == 1 && m > 0)
			err = call_site(s, cu, inl[m - 1], &s->scratch[first]);
		else if (!err && cu)
			err = addr_line(s, cu, addr - bias, &s->scratch[first + k - 1]);
	}
	free(scopes);
	return err;
}

static int resolve(struct symbolizer *s, uint32_t id, uint64_t addr, size_t *n)
{
	struct module *m = &s->mods[id];
	const struct msym *sym = m->dmod ? find_symbol(m, addr) : NULL;
	int err;

	*n = 0;
	if (!sym)
		return 0;
	err = add_name(s, sym->name, sym->len, sym->plt, 0, n);
	if (!err && !sym->plt && (s->cfg.inlines || s->cfg.lines))
		err = add_inlines(s, id, addr, n);
	return err;
}

int symbolizer_lookup(struct symbolizer *s, uint32_t mod, uint64_t vaddr, int is_return,
		      const struct sym_frame **names, size_t *n)
{
	uint64_t key = vaddr | ((uint64_t)!!is_return << 63), v;
	int err;

	if (pairmap_get(s->cache, mod, key, &v)) {
		*names = s->frames + (v >> 16);
		*n = v & 0xffff;
		return 0;
	}
	module_open(s, mod);
	err = resolve(s, mod, is_return && vaddr ? vaddr - 1 : vaddr, n);
	if (err)
		return err;
	if (array_reserve(&s->frames, &s->capframes, s->nframes + *n, sizeof(*s->frames)))
		return -ENOMEM;
	memcpy(s->frames + s->nframes, s->scratch, *n * sizeof(*s->frames));
	err = pairmap_put(s->cache, mod, key, (uint64_t)s->nframes << 16 | *n);
	*names = s->frames + s->nframes;
	s->nframes += *n;
	return err;
}

enum root_kind symbolizer_root(struct symbolizer *s, uint32_t mod, uint64_t vaddr,
			       int is_return)
{
	struct module *m = module_open(s, mod);
	const struct msym *sym;
	char name[256];

	if (is_return && vaddr)
		vaddr--;
	if (m->status != MODULE_OK)
		return ROOT_NONE;
	if (m->entry && vaddr >= m->entry && vaddr - m->entry < ROOT_ENTRY_SPAN)
		return ROOT_START;
	sym = find_symbol(m, vaddr);
	if (!sym || sym->plt || sym->len >= sizeof(name))
		return ROOT_NONE;
	memcpy(name, sym->name, sym->len);
	name[sym->len] = '\0';
	return root_kind(name);
}

const char *symbolizer_str(const struct symbolizer *s, uint32_t id)
{
	return strtab_str(s->strs, id & ~SYM_INLINED);
}
