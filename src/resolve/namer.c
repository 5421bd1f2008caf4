/*
 * Naming address chains into profile frames (namer.h): user frames by the
 * symbolizer through the replayed mappings, JIT frames by perf maps,
 * kernel frames by the kernel symbols given.
 */
#include "cprof/namer.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/addrspace.h"
#include "cprof/addrsyms.h"
#include "cprof/binsource.h"
#include "cprof/elffile.h"
#include "cprof/jsframes.h"
#include "cprof/symbolizer.h"
#include "cprof/util.h"
#include "cprof/vdso.h"

#define NO_MODULE UINT32_MAX

/* What an as_map's ids hold here. */
enum { ID_SYM, ID_LABEL, ID_MODULE };

/* Location keys: (tag | id, address). */
#define LOC_USER 0
#define LOC_KERNEL (1ULL << 32)
#define LOC_JIT (2ULL << 32)
#define LOC_LABEL (3ULL << 32)
#define LOC_PYTHON (4ULL << 32)
#define LOC_JS (5ULL << 32)

struct warning {             /* a namer_note of namer_warning() */
	enum namer_note_kind kind;
	uint32_t path;           /* in labels */
	char build_id[2 * DF_BUILD_ID_MAX + 1];
};
_Static_assert(sizeof(((struct warning *)0)->build_id) <=
	       sizeof(((struct namer_note *)0)->build_id), "a build-id fits a note");

struct namer {
	struct profile *prof;
	struct warning *warnings;
	size_t nwarnings, capwarnings;
	struct symbolizer *sym;
	struct addrspace *as;
	struct strtab *labels;   /* "[libc.so.6]", "[anon]"... */
	struct pairmap *jit_idx; /* pid -> index in jits */
	struct addrsyms **jits;  /* from the processes' perf maps */
	uint64_t *jit_rec;       /* the recording each of jits was sent in */
	size_t njits, capjits, capjit_rec;
	uint64_t recording;      /* namer_new_recording() calls */
	struct pairmap *locs;    /* location key -> location id */
	struct pairmap *warned;  /* (mod, 0) -> 1; (hash of a build-id, 1): its cache copy refused */
	uint64_t cache_refused;  /* build-ids whose copy in the build-id cache was not used */
	struct addrsyms *ksyms;
	uint32_t kernel_mod;     /* profile module of kernel frames */
	uint8_t *kernel;         /* scratch: which frames of a chain are the kernel's */
	size_t capkernel;
	uint32_t *frames;        /* scratch: profile frame ids of a stack, leaf first */
	size_t nframes, capframes;
	struct pycodes *pycodes; /* Python code objects, by the recorder's ids */
	struct pycodes *jsfuncs; /* JavaScript functions, by the recorder's ids */
	uint32_t *jsids;         /* scratch: the JavaScript function of each native frame, 0 none */
	uint64_t js_frames;      /* native frames named as JavaScript functions */
	size_t capjsids;
	struct pairmap *pyfit;   /* profile stack -> enum pyframes_fit, of stacks with Python frames */
	enum pyframes_fit fit;   /* of the chain being named */
	uint32_t *merged;        /* scratch of a chain with Python frames: native, Python, merged */
	uint8_t *roles;          /* scratch: pyframes_role() of each native frame, entry of each
				    Python frame */
	size_t capmerged, caproles;
	int vdso_fd;             /* our vDSO, used if the recording's has its build-id */
	char vdso_path[64];
};

/* Note warning KIND of PATH (copied). Only at ENOMEM is one not noted. */
static void note_warning(struct namer *r, enum namer_note_kind kind, const char *path,
			 const char *build_id)
{
	struct warning *w;

	if (array_reserve(&r->warnings, &r->capwarnings, r->nwarnings + 1, sizeof(*w)))
		return;
	w = &r->warnings[r->nwarnings];
	*w = (struct warning){ .kind = kind };
	snprintf(w->build_id, sizeof(w->build_id), "%s", build_id);
	if (!strtab_intern(r->labels, path, strlen(path), &w->path))
		r->nwarnings++;
}

/* MM's copy in the build-id cache was not used (binsource.h says why): count it, note the first. */
static void cache_refused(struct namer *r, const struct df_mmap *mm)
{
	uint64_t key = hash_bytes(mm->build_id, mm->build_id_size, 0);
	char path[4400], hex[2 * DF_BUILD_ID_MAX + 1];

	if (pairmap_get(r->warned, key, 1, &(uint64_t){ 0 }) || pairmap_put(r->warned, key, 1, 1))
		return;
	if (r->cache_refused++ ||
	    binsource_cache_path(mm->build_id, mm->build_id_size, path, sizeof(path)))
		return;
	build_id_hex(mm->build_id, mm->build_id_size, hex);
	note_warning(r, NAMER_CACHE_REFUSED, path, hex);
}

int namer_mmap(struct namer *r, const struct df_mmap *mm)
{
	struct as_map m = { .start = mm->start, .end = mm->start + mm->len, .pgoff = mm->pgoff,
			    .ids = { NO_MODULE, 0, PROFILE_NONE } };
	char hex[2 * DF_BUILD_ID_MAX + 1];
	const char *base = strrchr(mm->path, '/');
	char label[512];
	int err;

	if (!strncmp(mm->path, "//anon", 6)) {
		snprintf(label, sizeof(label), "[anon]");
	} else if (!strcmp(mm->path, "[vdso]") && mm->build_id_size && r->vdso_path[0]) {
		err = symbolizer_module_fd(r->sym, r->vdso_path, r->vdso_fd, mm->build_id,
					   mm->build_id_size, &m.ids[ID_SYM]);
		if (err)
			return err;
		if (symbolizer_module_status(r->sym, m.ids[ID_SYM]) != MODULE_OK)
			m.ids[ID_SYM] = NO_MODULE; /* another kernel's vDSO */
		snprintf(label, sizeof(label), "[vdso]");
	} else if (mm->path[0] == '/') {
		/* which file may be read for it: binsource's rules (docs/security.md) */
		char file[4400];
		int refused = 0;

		err = binsource_for_report(mm->path, mm->host_path, mm->build_id,
					   mm->build_id_size, file, sizeof(file), &refused);
		if (refused)
			cache_refused(r, mm);
		if (!err &&
		    (err = symbolizer_module(r->sym, file, mm->build_id, mm->build_id_size,
					     &m.ids[ID_SYM])))
			return err;
		snprintf(label, sizeof(label), "[%s]", base + 1);
		build_id_hex(mm->build_id, mm->build_id_size, hex);
		if ((err = profile_module(r->prof, mm->path, hex, &m.ids[ID_MODULE])))
			return err;
	} else {
		snprintf(label, sizeof(label), "%s", mm->path[0] == '[' ? mm->path : "[unknown]");
	}
	/* the bias is fixed now: later splits of the mapping keep it */
	if (m.ids[ID_SYM] != NO_MODULE)
		m.has_bias = !symbolizer_bias(r->sym, m.ids[ID_SYM], m.start, m.pgoff, &m.bias);
	if ((err = strtab_intern(r->labels, label, strlen(label), &m.ids[ID_LABEL])))
		return err;
	return addrspace_map(r->as, mm->pid, &m);
}

static void warn_module(struct namer *r, uint32_t mod, enum module_status st)
{
	if (st != MODULE_BUILD_ID_MISMATCH || pairmap_get(r->warned, mod, 0, &(uint64_t){ 0 }))
		return;
	pairmap_put(r->warned, mod, 0, 1);
	note_warning(r, NAMER_CHANGED, symbolizer_module_path(r->sym, mod), "");
}

/* The location id of KEY (a LOC_* tag | id, ADDRESS). */
static int location(struct namer *r, uint64_t key, uint64_t address, uint32_t *loc)
{
	uint64_t *slot = pairmap_slot(r->locs, key, address, UINT64_MAX);

	if (!slot)
		return -ENOMEM;
	if (*slot == UINT64_MAX)
		*slot = profile_new_location(r->prof);
	*loc = (uint32_t)*slot;
	return 0;
}

/* Push frame F (leaf first order) onto r->frames. */
static int push_frame(struct namer *r, const struct profile_frame *f)
{
	uint32_t id;
	int err = profile_frame(r->prof, f, &id);

	if (err)
		return err;
	if (array_reserve(&r->frames, &r->capframes, r->nframes + 1, sizeof(*r->frames)))
		return -ENOMEM;
	r->frames[r->nframes++] = id;
	return 0;
}

/* A frame that names no function: "[unknown]", "[libc.so.6]", "[anon]"... */
static int push_placeholder(struct namer *r, const char *name, uint32_t module,
			    uint64_t address, uint64_t key)
{
	struct profile_frame f = { .name = name, .module = module, .address = address,
				   .kind = FRAME_USER };
	int err = location(r, key, address, &f.location);

	return err ? err : push_frame(r, &f);
}

static int push_user_frame(struct namer *r, uint32_t pid, uint64_t ip, int is_return)
{
	const struct as_map *m = addrspace_find(r->as, pid, ip);
	uint64_t jidx, vaddr, lookup = caller_pc(ip, is_return);
	const struct sym_frame *names;
	struct profile_frame f = { .kind = FRAME_USER, .symbolized = 1 };
	enum module_status st;
	uint32_t mod, pmod;
	const char *label;
	size_t n, i;
	int err;

	if ((!m || m->ids[ID_SYM] == NO_MODULE) && pairmap_get(r->jit_idx, pid, 0, &jidx)) {
		const char *jit = r->jits[jidx] ? addrsyms_lookup(r->jits[jidx], lookup, NULL, NULL)
					       : NULL;

		if (jit) {
			f = (struct profile_frame){ .name = jit, .module = PROFILE_NONE,
						    .address = lookup, .kind = FRAME_JIT,
						    .symbolized = 1 };
			err = location(r, LOC_JIT | pid, lookup, &f.location);
			return err ? err : push_frame(r, &f);
		}
	}
	if (!m)
		return push_placeholder(r, "[unknown]", PROFILE_NONE, ip, LOC_LABEL | UINT32_MAX);
	mod = m->ids[ID_SYM];
	pmod = m->ids[ID_MODULE];
	label = strtab_str(r->labels, m->ids[ID_LABEL]);
	if (mod == NO_MODULE)
		return push_placeholder(r, label, pmod, ip, LOC_LABEL | m->ids[ID_LABEL]);
	st = symbolizer_module_status(r->sym, mod);
	if (st == MODULE_BUILD_ID_MISMATCH) {
		char buf[600];
		uint64_t off = ip - m->start + m->pgoff;

		warn_module(r, mod, st);
		snprintf(buf, sizeof(buf), "%.*s+0x%" PRIx64 "]", (int)strlen(label) - 1, label, off);
		return push_placeholder(r, buf, pmod, off, LOC_LABEL | m->ids[ID_LABEL]);
	}
	if (!m->has_bias)
		return push_placeholder(r, label, pmod, ip, LOC_LABEL | m->ids[ID_LABEL]);
	vaddr = ip - m->bias;
	err = symbolizer_lookup(r->sym, mod, vaddr, is_return, &names, &n);
	if (err)
		return err;
	if (!n)
		return push_placeholder(r, label, pmod, caller_pc(vaddr, is_return),
					LOC_USER | mod);
	f.module = pmod;
	f.address = caller_pc(vaddr, is_return);
	if ((err = location(r, LOC_USER | mod, f.address, &f.location)))
		return err;
	/* the symbolizer gives them outermost first; the stack is built leaf first */
	for (i = n; i-- > 0 && !err;) {
		f.name = symbolizer_str(r->sym, names[i].name);
		f.mangled = symbolizer_str(r->sym, names[i].mangled);
		f.file = names[i].file == SYM_NO_LINE ? NULL : symbolizer_str(r->sym, names[i].file);
		f.line = names[i].line;
		f.start_line = names[i].start_line;
		f.kind = names[i].name & SYM_INLINED ? FRAME_INLINED : FRAME_USER;
		err = push_frame(r, &f);
	}
	return err;
}

static int push_kernel_frame(struct namer *r, uint64_t ip, int is_return)
{
	uint64_t lookup = caller_pc(ip, is_return);
	const char *name = addrsyms_lookup(r->ksyms, lookup, NULL, NULL);
	struct profile_frame f = { .name = name ? name : "[kernel.kallsyms]",
				   .module = r->kernel_mod, .address = lookup,
				   .kind = FRAME_KERNEL, .symbolized = name != NULL };
	int err = location(r, LOC_KERNEL, lookup, &f.location);

	return err ? err : push_frame(r, &f);
}

/* The profile stack of CHAIN (leaf first, with perf context markers) in PID. */
/*
 * Put the NP Python frames PY (a chain's, innermost first) into the stack
 * of r->frames (root first) where the interpreter ran them (pyframes.h).
 */
static int merge_python(struct namer *r, const uint64_t *py, size_t np)
{
	size_t n = r->nframes, i, total;
	uint32_t *nat, *pyf, *out, interp = PROFILE_NONE;
	uint8_t *role, *entry, *outrole;
	int err;

	if (array_reserve(&r->merged, &r->capmerged, 2 * (n + np), sizeof(*r->merged)) ||
	    array_reserve(&r->roles, &r->caproles, 2 * (n + np), 1))
		return -ENOMEM;
	nat = r->merged, pyf = nat + n, out = pyf + np;
	role = r->roles, entry = role + n, outrole = entry + np;
	memcpy(nat, r->frames, n * sizeof(*nat));
	for (i = 0; i < n; i++) {
		role[i] = (uint8_t)pyframes_role(&r->prof->frames[nat[i]]);
		if (role[i] == PYROLE_EVAL)
			interp = r->prof->frames[nat[i]].module;
	}
	for (i = 0; interp != PROFILE_NONE && i < n; i++)
		if (role[i] == PYROLE_OTHER && r->prof->frames[nat[i]].module == interp)
			role[i] = PYROLE_INTERP;
	for (i = 0; i < np; i++) { /* root first */
		uint64_t v = py[np - 1 - i];
		uint32_t code = (uint32_t)(v >> 32), line = (uint32_t)v & DF_PYFRAME_LINE;
		struct profile_frame f;

		pycodes_frame(r->pycodes, code, line, &f);
		entry[i] = !!(v & DF_PYFRAME_ENTRY);
		if ((err = location(r, LOC_PYTHON | code, line, &f.location)) ||
		    (err = profile_frame(r->prof, &f, &pyf[i])))
			return err;
	}
	r->fit = pyframes_merge(nat, role, n, pyf, entry, np, out, outrole, &total);
	if (array_reserve(&r->frames, &r->capframes, total, sizeof(*r->frames)))
		return -ENOMEM;
	memcpy(r->frames, out, total * sizeof(*out));
	r->nframes = total;
	return 0;
}

/* r->jsids[i]: the JavaScript function the recorder read for native frame I of CHAIN. */
static int js_ids(struct namer *r, const uint64_t *chain, size_t n, size_t native)
{
	size_t start, nj = df_chain_part(chain, n, DF_CONTEXT_JS, &start), i;

	if (array_reserve(&r->jsids, &r->capjsids, native + 1, sizeof(*r->jsids)))
		return -ENOMEM;
	memset(r->jsids, 0, (native + 1) * sizeof(*r->jsids));
	for (i = start; i < start + nj; i++)
		if ((uint32_t)chain[i] < native)
			r->jsids[(uint32_t)chain[i]] = (uint32_t)(chain[i] >> 32);
	return 0;
}

/*
 * The frames pushed from BEFORE on (one native frame's) are replaced by
 * the JavaScript function ID when the rule of jsframes.h says so.
 */
static int name_js(struct namer *r, size_t before, uint32_t id)
{
	struct profile_frame f;
	size_t i;
	int err;

	for (i = before; i < r->nframes; i++)
		if (!jsframes_replaces(&r->prof->frames[r->frames[i]]))
			return 0;
	pycodes_frame(r->jsfuncs, id, 0, &f);
	jsframes_fix(&f);
	if ((err = location(r, LOC_JS | id, 0, &f.location)))
		return err;
	r->nframes = before;
	r->js_frames++;
	return push_frame(r, &f);
}

uint64_t namer_js_frames(const struct namer *r)
{
	return r->js_frames;
}

int namer_chain(struct namer *r, uint32_t pid, const uint64_t *chain, size_t n,
			 uint32_t *stack)
{
	uint64_t ctx = PERF_CONTEXT_USER;
	size_t i, native = df_native_len(chain, n), py, np;
	uint8_t *kernel;
	int err = 0, js_ok;

	if (array_reserve(&r->kernel, &r->capkernel, n, 1))
		return -ENOMEM;
	kernel = r->kernel;
	for (i = 0; i < native; i++) {
		if (chain[i] >= PERF_CONTEXT_MAX)
			ctx = chain[i];
		kernel[i] = ctx == PERF_CONTEXT_KERNEL;
	}
	r->nframes = 0;
	/*
	 * A process with a perf map is named by it alone, as the report names it
	 * once the whole map is read: memory names of its JavaScript beside the
	 * map's would split a function over two names while the map lags (top).
	 */
	js_ok = !pairmap_get(r->jit_idx, pid, 0, &(uint64_t){ 0 });
	if ((err = js_ids(r, chain, n, native)))
		return err;
	for (i = 0; i < native && !err; i++) {
		int is_return = i > 0 && chain[i - 1] < PERF_CONTEXT_MAX;
		size_t before = r->nframes;

		if (chain[i] >= PERF_CONTEXT_MAX)
			continue;
		if (kernel[i])
			err = push_kernel_frame(r, chain[i], is_return);
		else
			err = push_user_frame(r, pid, chain[i], is_return);
		if (!err && js_ok && r->jsids[i])
			err = name_js(r, before, r->jsids[i]);
	}
	if (err)
		return err;
	/* root first */
	for (i = 0; i < r->nframes / 2; i++) {
		uint32_t t = r->frames[i];

		r->frames[i] = r->frames[r->nframes - 1 - i];
		r->frames[r->nframes - 1 - i] = t;
	}
	r->fit = PYFIT_NONE;
	np = df_chain_part(chain, n, DF_CONTEXT_PYTHON, &py);
	if (np && (err = merge_python(r, chain + py, np)))
		return err;
	if ((err = profile_stack(r->prof, r->frames, r->nframes, stack)))
		return err;
	return r->fit == PYFIT_NONE || !pairmap_put(r->pyfit, *stack, 0, r->fit) ? 0 : -ENOMEM;
}

int namer_pycode(struct namer *r, const struct df_pycode *code)
{
	return pycodes_add(r->pycodes, code);
}

int namer_jsfunc(struct namer *r, const struct df_jsfunc *func)
{
	struct df_pycode c;

	jsframes_as_code(func, &c);
	return pycodes_add(r->jsfuncs, &c);
}

enum pyframes_fit namer_python_fit(const struct namer *r, uint32_t stack)
{
	uint64_t v;

	return pairmap_get(r->pyfit, stack, 0, &v) ? (enum pyframes_fit)v : PYFIT_NONE;
}

int namer_perfmap(struct namer *r, const struct df_perfmap *pm)
{
	uint64_t idx;
	int err = 0;

	if (!pairmap_get(r->jit_idx, pm->pid, 0, &idx)) {
		if (array_reserve(&r->jits, &r->capjits, r->njits + 1, sizeof(*r->jits)) ||
		    array_reserve(&r->jit_rec, &r->capjit_rec, r->njits + 1, sizeof(*r->jit_rec)))
			return -ENOMEM;
		idx = r->njits;
		if ((err = addrsyms_new(&r->jits[idx])))
			return err;
		r->jit_rec[idx] = r->recording;
		r->njits++;
		if (pairmap_put(r->jit_idx, pm->pid, 0, idx))
			return -ENOMEM;
	}
	if (r->jit_rec[idx] != r->recording) {
		/* the old table goes first: two of a big map at once would double the peak */
		struct addrsyms *fresh;

		addrsyms_free(r->jits[idx]);
		r->jits[idx] = NULL; /* looked up as having none */
		if ((err = addrsyms_new(&fresh)))
			return err;
		r->jits[idx] = fresh;
		r->jit_rec[idx] = r->recording;
	}
	return addrsyms_add_perfmap(r->jits[idx], pm->text, pm->len);
}

int namer_set_profile(struct namer *r, struct profile *prof)
{
	size_t i;

	for (i = 0; i < r->prof->nmodules; i++) {
		const struct profile_module *m = &r->prof->modules[i];
		uint32_t id;
		int err = profile_module(prof, m->path, m->build_id, &id);

		if (err)
			return err;
		if (id != i)
			return -EINVAL; /* PROF was not empty */
	}
	pairmap_clear(r->locs);
	pairmap_clear(r->pyfit);
	r->prof = prof;
	return 0;
}

void namer_new_recording(struct namer *r)
{
	r->recording++;
}

int namer_fork(struct namer *r, uint32_t ppid, uint32_t pid)
{
	return addrspace_fork(r->as, ppid, pid);
}

int namer_exec(struct namer *r, uint32_t pid)
{
	return addrspace_exec(r->as, pid);
}

int namer_ksym(struct namer *r, uint64_t start, uint64_t size, const char *name)
{
	return addrsyms_add(r->ksyms, start, size, name);
}

uint32_t namer_gen(const struct namer *r, uint32_t pid)
{
	return addrspace_gen(r->as, pid);
}

uint32_t namer_label_at(const struct namer *r, uint32_t pid, uint64_t addr)
{
	const struct as_map *m = addrspace_find(r->as, pid, addr);

	return m ? m->ids[ID_LABEL] : UINT32_MAX;
}

enum root_kind namer_root_at(struct namer *r, uint32_t pid, uint64_t addr, int is_return)
{
	const struct as_map *m = addrspace_find(r->as, pid, addr);

	if (!m || m->ids[ID_SYM] == NO_MODULE || !m->has_bias ||
	    symbolizer_module_status(r->sym, m->ids[ID_SYM]) != MODULE_OK)
		return ROOT_NONE;
	return symbolizer_root(r->sym, m->ids[ID_SYM], addr - m->bias, is_return);
}

const char *namer_label(const struct namer *r, uint32_t id)
{
	return id == UINT32_MAX ? "[unknown]" : strtab_str(r->labels, id);
}

uint64_t namer_cache_refused(const struct namer *r)
{
	return r->cache_refused;
}

int namer_warning(const struct namer *r, size_t i, struct namer_note *out)
{
	if (i >= r->nwarnings)
		return -ENOENT;
	*out = (struct namer_note){ .kind = r->warnings[i].kind,
				    .path = strtab_str(r->labels, r->warnings[i].path) };
	snprintf(out->build_id, sizeof(out->build_id), "%s", r->warnings[i].build_id);
	return 0;
}

int namer_module_note(const struct namer *r, size_t i, struct namer_note *out)
{
	static const enum namer_note_kind by_status[] = {
		[MODULE_MISSING] = NAMER_MISSING,
		[MODULE_NOT_ELF] = NAMER_NOT_ELF,
		[MODULE_BUILD_ID_MISMATCH] = NAMER_CHANGED,
	};
	struct module_info mi;

	if (i >= symbolizer_module_count(r->sym))
		return -ENOENT;
	symbolizer_module_info(r->sym, (uint32_t)i, &mi);
	if (!mi.used || !strcmp(mi.path, r->vdso_path))
		return 1; /* the vDSO has no debug info to install */
	if (mi.status < sizeof(by_status) / sizeof(by_status[0]) && by_status[mi.status])
		out->kind = by_status[mi.status];
	else if (!mi.has_symbols)
		out->kind = NAMER_NO_SYMBOLS;
	else if (!mi.has_debuginfo)
		out->kind = NAMER_NO_DEBUGINFO;
	else
		return 1;
	out->path = mi.path;
	snprintf(out->build_id, sizeof(out->build_id), "%s", mi.build_id);
	return 0;
}

int namer_new(const struct namer_config *cfg, struct profile *prof, struct namer **out)
{
	struct symbolizer_config scfg = { .inlines = cfg->inlines, .lines = cfg->lines,
					  .demangle = cfg->demangle,
					  .debug_path = cfg->debug_path };
	struct namer *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->prof = prof;
	r->vdso_fd = -1;
	if ((err = profile_module(prof, "[kernel.kallsyms]", "", &r->kernel_mod)) ||
	    (err = symbolizer_new(&scfg, &r->sym)) || (err = addrspace_new(&r->as)) ||
	    (err = strtab_new(&r->labels)) || (err = pairmap_new(&r->jit_idx)) ||
	    (err = pairmap_new(&r->locs)) || (err = pairmap_new(&r->warned)) ||
	    (err = addrsyms_new(&r->ksyms)) || (err = pycodes_new(&r->pycodes)) ||
	    (err = pycodes_new(&r->jsfuncs)) || (err = pairmap_new(&r->pyfit))) {
		namer_free(r);
		return err;
	}
	if (vdso_open(&r->vdso_fd, r->vdso_path, sizeof(r->vdso_path)))
		r->vdso_path[0] = '\0';
	*out = r;
	return 0;
}

void namer_free(struct namer *r)
{
	size_t i;

	if (!r)
		return;
	symbolizer_free(r->sym);
	addrspace_free(r->as);
	strtab_free(r->labels);
	pairmap_free(r->jit_idx);
	for (i = 0; i < r->njits; i++)
		addrsyms_free(r->jits[i]);
	free(r->jits);
	free(r->jit_rec);
	pairmap_free(r->locs);
	pairmap_free(r->warned);
	free(r->warnings);
	addrsyms_free(r->ksyms);
	free(r->kernel);
	free(r->frames);
	pycodes_free(r->pycodes);
	pycodes_free(r->jsfuncs);
	free(r->jsids);
	pairmap_free(r->pyfit);
	free(r->merged);
	free(r->roles);
	if (r->vdso_fd >= 0)
		close(r->vdso_fd);
	free(r);
}
