#include "cprof/symbolizer.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/dwarfloc.h"
#include "cprof/elffile.h"
#include "cprof/elfpages.h"
#include "cprof/gobin.h"
#include "cprof/gopcln.h"
#include "cprof/roots.h"
#include "cprof/symindex.h"
#include "cprof/util.h"

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
	struct symindex syms;    /* its functions */
	struct dwarfloc *dwarf;  /* made on the first lookup that reads DWARF */
	int pcln_tried;          /* whether gopcln was looked for */
	struct gopcln *gopcln;   /* a Go binary without DWARF: its pclntab names lines */
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
	struct sym_frame scratch[DWARFLOC_MAX];
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
		symindex_release(&s->mods[i].syms);
		dwarfloc_free(s->mods[i].dwarf);
		gopcln_free(s->mods[i].gopcln);
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
	symindex_build(&m->syms, m->dmod); /* out of memory: no names rather than wrong ones */
	elfpages_release_symbols(m->dmod, &m->file);
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

/*
 * Go's linker writes its pclntab even when it writes no DWARF (-ldflags=-w):
 * M's lines and inlined calls come from there when it is such a binary.
 * Looked for once; 0 or -ENOMEM.
 */
static int module_pclntab(struct module *m)
{
	Dwarf_Addr bias;
	Elf *elf;

	if (m->pcln_tried || !m->dmod)
		return 0;
	m->pcln_tried = 1;
	elf = dwfl_module_getelf(m->dmod, &bias);
	if (elf && gobin_is_go(elf) && !dwfl_module_getdwarf(m->dmod, &bias) &&
	    gopcln_new(elf, &m->gopcln) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

void symbolizer_module_info(struct symbolizer *s, uint32_t mod, struct module_info *info)
{
	struct module *m = &s->mods[mod];
	Dwarf_Addr bias;

	info->path = strtab_str(s->strs, m->path_id);
	build_id_hex(m->build_id, m->build_id_len, info->build_id);
	info->used = m->opened;
	if (m->opened && m->dmod && !m->has_debuginfo)
		m->has_debuginfo = dwfl_module_getdwarf(m->dmod, &bias) != NULL ||
				   (!module_pclntab(m) && m->gopcln);
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

/*
 * After the function's own frame (scratch[*n - 1]), add its inlined
 * calls at ADDR, outermost first, and the source position in each frame.
 */
static int add_inlines(struct symbolizer *s, struct module *m, uint64_t addr, size_t *n)
{
	struct dwarfloc_frame fr[DWARFLOC_MAX];
	size_t first = *n - 1, j, k;
	int err = 0, flags = (s->cfg.inlines ? DWARFLOC_INLINES : 0) |
			     (s->cfg.lines ? DWARFLOC_LINES : 0);

	if ((err = module_pclntab(m)))
		return err;
	if (m->gopcln)
		k = gopcln_at(m->gopcln, addr, flags, fr, DWARFLOC_MAX - first);
	else if (!m->dwarf && (err = dwarfloc_new(m->dmod, &m->file, &m->dwarf)))
		return err;
	else
		k = dwarfloc_at(m->dwarf, addr, flags, fr, DWARFLOC_MAX - first);
	for (j = 1; j < k && !err; j++) {
		const char *name = fr[j].name ? fr[j].name : "[inlined]";

		err = add_name(s, name, strlen(name), 0, 1, n);
	}
	for (j = 0; j < k && s->cfg.lines && !err; j++) {
		s->scratch[first + j].start_line = fr[j].decl_line;
		err = set_line(s, fr[j].file, fr[j].line, &s->scratch[first + j]);
	}
	return err;
}

static int resolve(struct symbolizer *s, uint32_t id, uint64_t addr, size_t *n)
{
	struct module *m = &s->mods[id];
	const struct symindex_sym *sym = m->dmod ? symindex_find(&m->syms, addr) : NULL;
	int err;

	*n = 0;
	if (!sym)
		return 0;
	err = add_name(s, sym->name, sym->len, sym->plt, 0, n);
	if (!err && !sym->plt && (s->cfg.inlines || s->cfg.lines))
		err = add_inlines(s, m, addr, n);
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
	err = resolve(s, mod, caller_pc(vaddr, is_return), n);
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
	const struct symindex_sym *sym;
	char name[256];

	vaddr = caller_pc(vaddr, is_return);
	if (m->status != MODULE_OK)
		return ROOT_NONE;
	if (m->syms.entry && vaddr >= m->syms.entry && vaddr - m->syms.entry < ROOT_ENTRY_SPAN)
		return ROOT_START;
	sym = symindex_find(&m->syms, vaddr);
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
