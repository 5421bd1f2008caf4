#include "cprof/symbolizer.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/elffile.h"
#include "cprof/util.h"

struct module {
	uint32_t path_id;
	unsigned char build_id[64];
	size_t build_id_len;
	int opened;
	int fd;                  /* given by symbolizer_module_fd (borrowed), else -1 */
	enum module_status status;
	struct elffile *ef;
	Dwfl *dwfl;
	Dwfl_Module *dmod;
	int has_symbols, has_debuginfo;
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
	    (err = pairmap_new(&s->cache)))
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
		if (s->mods[i].dwfl)
			dwfl_end(s->mods[i].dwfl);
	}
	free(s->mods);
	strtab_free(s->strs);
	pairmap_free(s->mod_by_key);
	pairmap_free(s->cache);
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
	err = fd < 0 ? fd : elffile_fdopen(fd, &m->ef);
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
 * Intern NAME as the next frame, demangled when asked, without an ELF
 * symbol version ("memcpy@@GLIBC_2.14"); INLINED sets SYM_INLINED.
 */
static int add_name(struct symbolizer *s, const char *name, int inlined, size_t *n)
{
	char *dm = NULL;
	const char *at = strchr(name, '@');
	size_t len = at && at > name ? (size_t)(at - name) : strlen(name);
	uint32_t id, raw;
	int err;

	if (*n >= sizeof(s->scratch) / sizeof(s->scratch[0]))
		return 0;
	if ((err = strtab_intern(s->strs, name, len, &raw)))
		return err;
	if (s->cfg.demangle && name[0] == '_' && (name[1] == 'Z' || name[1] == 'R'))
		dm = cplus_demangle(strtab_str(s->strs, raw), DMGL_AUTO);
	id = raw;
	err = dm ? strtab_intern(s->strs, dm, strlen(dm), &id) : 0;
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

static int addr_line(struct symbolizer *s, Dwfl_Module *dmod, uint64_t addr, struct sym_frame *f)
{
	Dwfl_Line *l = dwfl_module_getsrc(dmod, addr);
	const char *file;
	int line = 0;

	if (!l)
		return 0;
	file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	return set_line(s, file, line, f);
}

static uint32_t decl_line(Dwarf_Die *die)
{
	int line = 0;

	return die && dwarf_decl_line(die, &line) == 0 && line > 0 ? (uint32_t)line : 0;
}

/*
 * After the function's own frame (scratch[*n - 1]), add its inlined
 * calls at ADDR, outermost first, and the source position in each frame.
 */
static int add_inlines(struct symbolizer *s, Dwfl_Module *dmod, uint64_t addr, size_t *n)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(dmod, addr, &bias);
	Dwarf_Die *scopes = NULL, *inl[64], *fn = NULL;
	size_t first = *n - 1;
	int i, nscopes, m = 0, err = 0;

	if (cu) {
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

		err = add_name(s, name ? name : "[inlined]", 1, n);
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
		else if (!err)
			err = addr_line(s, dmod, addr, &s->scratch[first + k - 1]);
	}
	free(scopes);
	return err;
}

static int resolve(struct symbolizer *s, struct module *m, uint64_t addr, size_t *n)
{
	GElf_Off off;
	GElf_Sym sym;
	const char *name;
	int err;

	*n = 0;
	if (!m->dmod)
		return 0;
	name = dwfl_module_addrinfo(m->dmod, addr, &off, &sym, NULL, NULL, NULL);
	if (!name)
		return 0;
	err = add_name(s, name, 0, n);
	if (!err && (s->cfg.inlines || s->cfg.lines))
		err = add_inlines(s, m->dmod, addr, n);
	return err;
}

int symbolizer_lookup(struct symbolizer *s, uint32_t mod, uint64_t vaddr, int is_return,
		      const struct sym_frame **names, size_t *n)
{
	struct module *m = module_open(s, mod);
	uint64_t key = vaddr | ((uint64_t)!!is_return << 63), v;
	int err;

	if (pairmap_get(s->cache, mod, key, &v)) {
		*names = s->frames + (v >> 16);
		*n = v & 0xffff;
		return 0;
	}
	err = resolve(s, m, is_return && vaddr ? vaddr - 1 : vaddr, n);
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

const char *symbolizer_str(const struct symbolizer *s, uint32_t id)
{
	return strtab_str(s->strs, id & ~SYM_INLINED);
}
