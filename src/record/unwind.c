#include "cprof/unwind.h"

#include <asm/perf_regs.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cprof/addrspace.h"
#include "cprof/binsource.h"
#include "cprof/trampoline.h"
#include "cprof/elffile.h"
#include "cprof/gochain.h" /* and gostack.h */
#include "cprof/proctab.h"
#include "cprof/roots.h"
#include "cprof/stoptab.h"
#include "cprof/util.h"

/*
 * One libdwfl session per process, its modules reported at their load
 * bias as mappings arrive. libdwfl caches each module's ELF and CFI, so a
 * sample costs only the unwinding itself. The thread callbacks read
 * registers and stack from the sample being unwound (u->cur).
 */

/* What an as_map's ids hold here: the file, and when it was mapped. */
enum { ID_PATH, ID_SEQ };

/* The name of the modules of JIT code (jitcfi.h); their userdata is their struct ujit. */
#define JIT_MODULE "//jit"
/*
 * A process's JIT images, at most: a hostile dump must take neither all
 * memory nor all the recorder's time. Each is a libdwfl module, and
 * libdwfl reports N modules in N^2 time (each report walks its list),
 * again after every proc_restart(): 2^16 modules take 8 s, 2^12 20 ms.
 */
#define JIT_MAX_IMAGES (1u << 12)
#define JIT_MAX_BYTES (256u << 20)

/* JIT code at [start, end) and the ELF image with its CFI. */
struct ujit {
	uint64_t start, end;
	uint8_t *image;
	size_t len;
	int reported;            /* in the current libdwfl session */
};

struct uproc {
	pid_t pid;
	Dwfl *dwfl;
	int attached;
	uint32_t reported;       /* mappings up to this sequence number are in dwfl */
	int has_tramp;           /* a python with perf trampolines: TRAMP is its template */
	struct tramp_template tramp;
	struct ujit **jits;      /* sorted by start, disjoint */
	size_t njits, capjits, jit_bytes;
	int jit_new;             /* some are not reported yet */
};

struct ufile {
	struct elffile *ef;      /* NULL: not an ELF file we can open */
	int tried;
	struct stoptab stops;    /* its functions where walks end */
};

/* Stack switches crossed in one sample, at most (signal, systemstack, and some). */
#define MAX_JUMPS 4

struct unwinder {
	Dwfl_Callbacks callbacks;
	Dwfl_Thread_Callbacks thread_callbacks;
	struct proctab *procs;   /* pid -> struct uproc */
	struct addrspace *as;    /* the processes' mappings (ids: ID_PATH, ID_SEQ) */
	uint32_t seq;            /* of the last mapping */
	struct as_map *order;    /* scratch: mappings to report, newest first */
	size_t caporder;
	struct strtab *paths;
	struct ufile *files;     /* by path id */
	size_t capfiles;

	struct pairmap *tramp_pcs; /* (pid, return address) -> 1 a trampoline copy's, 2 not */

	/* the sample being unwound */
	const struct unwind_input *cur;
	struct uproc *curp;
	/* where to go on after a trampoline: DWARF registers, and whether to */
	Dwarf_Word resume[17];
	int resume_pending, resuming;
	uint64_t *ips;
	size_t max, n;
	/*
	 * Frames delivered when a read last fell above the copied stack, or
	 * below it or nowhere (SIZE_MAX: none). Such a read ends the walk only
	 * if no frame came after it: reads of popped slots in an epilogue fail
	 * harmlessly.
	 */
	size_t beyond_at, bad_at;
	Dwfl *dwfl;              /* of the process being unwound */
	enum root_kind stopped;  /* the walk stopped at a stack switch */
	struct gostack *gs;      /* the stack a Go switch went to */
	struct gochain *gc;      /* the kernel's chain past a Go switch */
	int jumps, spliced;      /* switches crossed in this sample; the rest from the chain */
};

/*
 * Separate debug files are not looked for while recording: loading and
 * inflating a libc6-dbg's DWARF (or asking debuginfod) would stall the
 * recorder while the rings fill. The binaries' own .eh_frame and
 * .debug_frame suffice; what they miss ends the stack honestly.
 */
static int no_separate_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
				 Dwarf_Addr base, const char *file_name,
				 const char *debuglink_file, GElf_Word debuglink_crc,
				 char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

/* A JIT module's ELF is its image, in memory; any other is found by build-id. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	struct ujit *j = *userdata;

	if (strcmp(modname, JIT_MODULE))
		return dwfl_build_id_find_elf(mod, userdata, modname, base, file_name, elfp);
	elf_version(EV_CURRENT);
	*elfp = elf_memory((char *)j->image, j->len);
	return -1;
}

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->cur->tid;
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)tid;
	*thread_argp = arg;
	return true;
}

/* The 8 bytes at ADDR of the sample's stack copy. */
static int read_stack(struct unwinder *u, uint64_t addr, Dwarf_Word *out)
{
	uint64_t sp = u->cur->regs[PERF_REG_X86_SP];

	/* careful arithmetic: addr may be anything, -1 included (a garbage rbp) */
	if (addr < sp || addr - sp > u->cur->stack_size || u->cur->stack_size - (addr - sp) < 8)
		return 0;
	memcpy(out, u->cur->stack + (addr - sp), sizeof(*out));
	return 1;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	uint64_t sp = u->cur->regs[PERF_REG_X86_SP];
	int r;

	(void)dwfl;
	if (read_stack(u, addr, result))
		return true;
	/* the goroutine's stack, after a Go stack switch */
	if ((r = gostack_read(u->gs, addr, result)) > 0)
		return true;
	/* just above the copy is where a deeper stack would continue */
	if (!r && (gostack_beyond(u->gs, addr) || (addr >= sp && addr - sp < (64ULL << 20))))
		u->beyond_at = u->n;
	else
		u->bad_at = u->n;
	return false;
}

/* DWARF register numbers of x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	static const int perf_of_dwarf[17] = {
		PERF_REG_X86_AX, PERF_REG_X86_DX, PERF_REG_X86_CX, PERF_REG_X86_BX,
		PERF_REG_X86_SI, PERF_REG_X86_DI, PERF_REG_X86_BP, PERF_REG_X86_SP,
		PERF_REG_X86_R8, PERF_REG_X86_R9, PERF_REG_X86_R10, PERF_REG_X86_R11,
		PERF_REG_X86_R12, PERF_REG_X86_R13, PERF_REG_X86_R14, PERF_REG_X86_R15,
		PERF_REG_X86_IP,
	};
	struct unwinder *u = arg;
	Dwarf_Word regs[17];
	int i;

	/* x86-64's DWARF numbers 0..16 (the psABI), each from a register perf sampled */
	_Static_assert(sizeof(perf_of_dwarf) / sizeof(perf_of_dwarf[0]) == 17,
		       "the 17 registers x86-64's DWARF CFI may use");

	if (u->resuming)
		return dwfl_thread_state_registers(thread, 0, 17, u->resume);
	for (i = 0; i < 17; i++)
		regs[i] = u->cur->regs[perf_of_dwarf[i]];
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static void uproc_release(void *elem, pid_t pid, void *arg);

int unwinder_new(struct unwinder **out)
{
	struct unwinder *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return -ENOMEM;
	u->callbacks.find_elf = find_elf;
	u->callbacks.find_debuginfo = no_separate_debuginfo;
	u->callbacks.section_address = dwfl_offline_section_address;
	u->thread_callbacks.next_thread = cb_next_thread;
	u->thread_callbacks.get_thread = cb_get_thread;
	u->thread_callbacks.memory_read = cb_memory_read;
	u->thread_callbacks.set_initial_registers = cb_set_initial_registers;
	if ((err = proctab_new(sizeof(struct uproc), uproc_release, u, &u->procs)) ||
	    (err = strtab_new(&u->paths)) ||
	    (err = addrspace_new(&u->as)) || (err = pairmap_new(&u->tramp_pcs)) ||
	    (err = gostack_new(&u->gs)) || (err = gochain_new(&u->gc))) {
		unwinder_free(u);
		return err;
	}
	*out = u;
	return 0;
}

static void ujit_free(struct ujit *j)
{
	if (!j)
		return;
	free(j->image);
	free(j);
}

/* End P's libdwfl session: the next sample reports everything anew. */
static void proc_restart(struct uproc *p)
{
	size_t i;

	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = NULL;
	p->attached = 0;
	p->reported = 0;
	for (i = 0; i < p->njits; i++)
		p->jits[i]->reported = 0;
	p->jit_new = p->njits > 0;
}

/* A process's state goes (proctab.h): exec, exit, or the budget. */
static void uproc_release(void *elem, pid_t pid, void *arg)
{
	struct unwinder *u = arg;
	struct uproc *p = elem;
	size_t i;

	addrspace_exec(u->as, (uint32_t)pid);
	if (p->dwfl)
		dwfl_end(p->dwfl); /* before the images its modules read */
	for (i = 0; i < p->njits; i++)
		ujit_free(p->jits[i]);
	free(p->jits);
	memset(p, 0, sizeof(*p));
}

void unwinder_free(struct unwinder *u)
{
	size_t i;

	if (!u)
		return;
	proctab_free(u->procs); /* before the address space its release empties */
	for (i = 0; i < u->capfiles; i++) {
		elffile_free(u->files[i].ef);
		stoptab_release(&u->files[i].stops);
	}
	free(u->files);
	free(u->order);
	addrspace_free(u->as);
	pairmap_free(u->tramp_pcs);
	gostack_free(u->gs);
	gochain_free(u->gc);
	strtab_free(u->paths);
	free(u);
}

static struct uproc *proc_find(struct unwinder *u, pid_t pid)
{
	return proctab_find(u->procs, pid);
}

static struct uproc *proc_get(struct unwinder *u, pid_t pid)
{
	struct uproc *p = proctab_get(u->procs, pid, NULL);

	if (p)
		p->pid = pid;
	return p;
}

void unwinder_set_max_procs(struct unwinder *u, size_t max)
{
	proctab_set_max(u->procs, max);
}

uint64_t unwinder_dropped(const struct unwinder *u)
{
	return proctab_dropped(u->procs);
}

int unwinder_has(struct unwinder *u, pid_t pid)
{
	return proc_find(u, pid) != NULL;
}

static uint64_t jit_end(const void *e)
{
	return (*(const struct ujit *const *)e)->end;
}

/* The first of P's JIT images that ends after START. */
static size_t jit_lower(const struct uproc *p, uint64_t start)
{
	return upper_bound_u64(p->jits, p->njits, sizeof(p->jits[0]), start, jit_end);
}

/* Forget P's JIT images [FIRST, LAST): their code is gone. */
static void jit_drop(struct uproc *p, size_t first, size_t last)
{
	size_t i;

	if (last <= first)
		return;
	proc_restart(p); /* libdwfl reads those images until its session ends */
	for (i = first; i < last; i++) {
		p->jit_bytes -= p->jits[i]->len;
		ujit_free(p->jits[i]);
	}
	memmove(p->jits + first, p->jits + last, (p->njits - last) * sizeof(*p->jits));
	p->njits -= last - first;
}

int unwinder_map(struct unwinder *u, pid_t pid, uint64_t start, uint64_t len,
		 uint64_t pgoff, const char *path)
{
	struct as_map m = { .start = start, .end = start + len, .pgoff = pgoff };
	const struct as_map *maps;
	struct uproc *p;
	size_t n, i, first, last;
	int err;

	if (path[0] != '/' || !strncmp(path, "//anon", 6))
		return 0; /* [vdso] we cannot read, anonymous (JIT) code: no CFI */
	if ((err = strtab_intern(u->paths, path, strlen(path), &m.ids[ID_PATH])))
		return err;
	p = proc_get(u, pid);
	if (!p)
		return -ENOMEM;
	/* a mapping over an old one (dlclose + dlopen): start the session afresh */
	n = addrspace_maps(u->as, (uint32_t)pid, &maps);
	for (i = 0; i < n; i++)
		if (maps[i].start < m.end && m.start < maps[i].end)
			break;
	if (i < n)
		proc_restart(p);
	/* JIT code gone where a file is mapped now: its CFI must not unwind the file's */
	first = jit_lower(p, m.start);
	for (last = first; last < p->njits && p->jits[last]->start < m.end; last++)
		;
	jit_drop(p, first, last);
	m.ids[ID_SEQ] = ++u->seq;
	return addrspace_map(u->as, (uint32_t)pid, &m);
}

int unwinder_map_jit(struct unwinder *u, pid_t pid, uint64_t start, uint64_t len,
		     uint8_t *image, size_t image_len)
{
	const struct as_map *maps;
	struct ujit *j = NULL;
	struct uproc *p;
	size_t n, i, first, last;
	int err = 0;

	if (!len || start + len < start) {
		err = -EINVAL;
		goto drop;
	}
	n = addrspace_maps(u->as, (uint32_t)pid, &maps);
	for (i = 0; i < n; i++)
		if (maps[i].start < start + len && start < maps[i].end) {
			err = -EEXIST; /* a binary's code has its own CFI */
			goto drop;
		}
	if (!(p = proc_get(u, pid)) || !(j = calloc(1, sizeof(*j)))) {
		err = -ENOMEM;
		goto drop;
	}
	*j = (struct ujit){ .start = start, .end = start + len, .image = image, .len = image_len };
	first = jit_lower(p, start);
	for (last = first; last < p->njits && p->jits[last]->start < j->end; last++)
		;
	/* the same code told again (a dump read anew by the next run of cprof top) */
	if (last == first + 1 && p->jits[first]->start == start && p->jits[first]->end == j->end &&
	    p->jits[first]->len == image_len && !memcmp(p->jits[first]->image, image, image_len))
		goto drop;
	/* code over older code (freed, then reused): the new one replaces it */
	jit_drop(p, first, last);
	if (p->njits >= JIT_MAX_IMAGES || p->jit_bytes + image_len > JIT_MAX_BYTES) {
		err = -ENOSPC;
		goto drop;
	}
	if (array_reserve(&p->jits, &p->capjits, p->njits + 1, sizeof(*p->jits))) {
		err = -ENOMEM;
		goto drop;
	}
	memmove(p->jits + first + 1, p->jits + first, (p->njits - first) * sizeof(*p->jits));
	p->jits[first] = j;
	p->njits++;
	p->jit_bytes += image_len;
	p->jit_new = 1;
	return 0;
drop:
	if (j)
		ujit_free(j);
	else
		free(image);
	return err;
}

void unwinder_forget(struct unwinder *u, pid_t pid)
{
	addrspace_exec(u->as, (uint32_t)pid);
	proctab_drop(u->procs, pid);
}

int unwinder_fork(struct unwinder *u, pid_t ppid, pid_t pid)
{
	unwinder_forget(u, pid);
	if (!proc_find(u, ppid)) /* found: the latest used, its child evicts another */
		return 0;
	if (!proc_get(u, pid))
		return -ENOMEM;
	return addrspace_fork(u->as, (uint32_t)ppid, (uint32_t)pid);
}

static struct elffile *file_get(struct unwinder *u, uint32_t path)
{
	if (array_reserve(&u->files, &u->capfiles, (size_t)path + 1, sizeof(*u->files)))
		return NULL;
	if (!u->files[path].tried) {
		u->files[path].tried = 1;
		const char *name = strtab_str(u->paths, path);

		/*
		 * A target's files by binsource's rules (a container's links
		 * resolve inside its root); "/proc/self/fd/N" is the recorder's
		 * own vDSO copy, which no target's mapping can name.
		 */
		if (strncmp(name, "/proc/self/fd/", 14))
			binsource_elf(name, &u->files[path].ef);
		else
			elffile_open(name, &u->files[path].ef);
	}
	return u->files[path].ef;
}

/* Python's binary or libpython: where a perf trampoline template lives. */
static int may_have_trampolines(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "libpython", 9) || !strncmp(base, "python", 6);
}

static int newest_first(const void *a, const void *b)
{
	const struct as_map *x = a, *y = b;

	return x->ids[ID_SEQ] < y->ids[ID_SEQ] ? 1 : x->ids[ID_SEQ] > y->ids[ID_SEQ] ? -1 : 0;
}

/*
 * Bring P's libdwfl session up to date with its mappings. The parts of a
 * file left beside a later mapping stay in the address space; reporting
 * newest first makes the later mapping's module win where they overlap.
 */
static int proc_sync(struct unwinder *u, struct uproc *p)
{
	const struct as_map *maps;
	size_t n = addrspace_maps(u->as, (uint32_t)p->pid, &maps), i, k = 0;
	uint32_t newest = p->reported;

	for (i = 0; i < n; i++)
		if (maps[i].ids[ID_SEQ] > newest)
			newest = maps[i].ids[ID_SEQ];
	if (newest == p->reported && !p->jit_new && p->dwfl)
		return 0;
	if (!p->dwfl) {
		p->dwfl = dwfl_begin(&u->callbacks);
		if (!p->dwfl)
			return -ENOMEM;
		p->reported = 0;
		p->attached = 0;
	}
	if (array_reserve(&u->order, &u->caporder, n ? n : 1, sizeof(*u->order)))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (maps[i].ids[ID_SEQ] > p->reported)
			u->order[k++] = maps[i];
	qsort(u->order, k, sizeof(*u->order), newest_first);
	dwfl_report_begin_add(p->dwfl);
	for (i = 0; i < k; i++) {
		const struct as_map *m = &u->order[i];
		struct elffile *ef = file_get(u, m->ids[ID_PATH]);
		const char *path = strtab_str(u->paths, m->ids[ID_PATH]);
		Dwfl_Module *dm;
		void **userdata;
		uint64_t bias;

		if (!ef || elffile_bias(ef, m->start, m->pgoff, &bias))
			continue;
		/* failures (overlaps, unreadable files) leave those frames unknown */
		dm = dwfl_report_elf(p->dwfl, path, path, -1, bias, true);
		/* the module knows its file: path id + 1 (files may move as they grow) */
		if (dm && dwfl_module_info(dm, &userdata, NULL, NULL, NULL, NULL, NULL, NULL))
			*userdata = (void *)(uintptr_t)(m->ids[ID_PATH] + 1);
		if (dm && !p->has_tramp && may_have_trampolines(path)) {
			Dwarf_Addr b;
			Elf *elf = dwfl_module_getelf(dm, &b);

			p->has_tramp = elf && !tramp_from_elf(elf, &p->tramp);
		}
	}
	for (i = 0; p->jit_new && i < p->njits; i++) {
		struct ujit *j = p->jits[i];
		Dwfl_Module *dm;
		void **userdata;

		if (j->reported)
			continue;
		j->reported = 1;
		dm = dwfl_report_module(p->dwfl, JIT_MODULE, j->start, j->end);
		if (dm && dwfl_module_info(dm, &userdata, NULL, NULL, NULL, NULL, NULL, NULL))
			*userdata = j;
	}
	p->jit_new = 0;
	dwfl_report_end(p->dwfl, NULL, NULL);
	p->reported = newest;
	if (!p->attached)
		p->attached = dwfl_attach_state(p->dwfl, NULL, p->pid, &u->thread_callbacks, u);
	return 0;
}

/* Whether RA, a return address of the process being unwound, is in a copy of its trampoline. */
static int in_trampoline(struct unwinder *u, uint64_t ra)
{
	const struct tramp_template *t = &u->curp->tramp;
	uint8_t code[TRAMP_MAX];
	uint64_t *known = pairmap_slot(u->tramp_pcs, (uint64_t)u->cur->pid, ra, 0);
	struct iovec local = { code, t->len }, remote = { (void *)(uintptr_t)(ra - t->ret_off), t->len };

	if (!known)
		return 0;
	if (!*known) /* once per address: code does not change under a return address */
		*known = process_vm_readv(u->cur->pid, &local, 1, &remote, 1, 0) == (ssize_t)t->len &&
			 tramp_is_copy(t, code) ? 1 : 2;
	return *known == 1;
}

/*
 * FRAME returns into a trampoline copy at RA: set u->resume to its
 * caller's registers by the template's layout (the callee-saved ones as
 * the trampoline leaves them). Returns 1 if the walk can go on there.
 */
static int step_trampoline(struct unwinder *u, Dwfl_Frame *frame, uint64_t ra)
{
	const struct tramp_template *t = &u->curp->tramp;
	static const unsigned kept[] = { 3, 6, 12, 13, 14, 15 }; /* rbx rbp r12..r15 */
	Dwarf_Word rsp, v;
	size_t i;

	if (dwfl_frame_reg(frame, 7, &rsp))
		return 0;
	memset(u->resume, 0, sizeof(u->resume));
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!dwfl_frame_reg(frame, kept[i], &v))
			u->resume[kept[i]] = v;
	if (!read_stack(u, rsp + t->frame, &u->resume[16]))
		return 0;
	if (t->saves_rbp && !read_stack(u, rsp + t->frame - 8, &u->resume[6]))
		return 0;
	u->resume[7] = rsp + t->frame + 8;
	(void)ra;
	return 1;
}

/*
 * What PC (less one for a return address) is in: a module's entry point
 * (_start of ld.so or of the executable; ld.so's may have no symbol), or
 * a function of cprof/roots.h. Bytes past the entry point that still
 * belong to _start count. *STOP is that function's entry (NULL: none), in
 * *FILE loaded at *FBIAS.
 */
static enum root_kind frame_stop(struct unwinder *u, Dwfl *dwfl, uint64_t pc,
				 const struct stoptab_entry **stop, struct ufile **file, uint64_t *fbias)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	struct ufile *f;
	void **userdata;
	Dwarf_Addr bias;
	GElf_Ehdr ehdr;
	uintptr_t id;
	Elf *elf;
	const char *name;

	*stop = NULL;
	if (!mod || !(name = dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL)) ||
	    !strcmp(name, JIT_MODULE) || !(id = (uintptr_t)*userdata) || id > u->capfiles ||
	    !(elf = dwfl_module_getelf(mod, &bias)))
		return ROOT_NONE;
	if (gelf_getehdr(elf, &ehdr) && ehdr.e_entry && pc >= ehdr.e_entry + bias &&
	    pc - (ehdr.e_entry + bias) < ROOT_ENTRY_SPAN)
		return ROOT_START;
	f = &u->files[id - 1];
	if (!f->stops.built)
		stoptab_build(&f->stops, mod, bias);
	if (!(*stop = stoptab_find(&f->stops, pc - bias)))
		return ROOT_NONE;
	*file = f;
	*fbias = bias;
	return (*stop)->kind;
}

static enum root_kind frame_root(struct unwinder *u, Dwfl *dwfl, uint64_t pc)
{
	const struct stoptab_entry *stop;
	struct ufile *f;
	uint64_t bias;

	return frame_stop(u, dwfl, pc, &stop, &f, &bias);
}

/* FRAME stopped at STOP of FILE (bias BIAS), a Go stack switch: 1 if it goes on (gochain.h). */
static int go_jump(struct unwinder *u, Dwfl_Frame *frame, const struct stoptab_entry *stop,
		   struct ufile *file, uint64_t bias)
{
	uint32_t id = (uint32_t)(file - u->files);
	struct gochain_stop at = { id, strtab_str(u->paths, id), bias, stop->start, stop->end,
				   stop->jump };
	const uint64_t *r = u->cur->regs;
	struct gochain_sample s = { u->cur->pid, { u->cur->stack, r[PERF_REG_X86_SP],
				    u->cur->stack_size }, r[PERF_REG_X86_BP], u->cur->fp, u->cur->nfp };
	enum gochain_way way;
	uint64_t regs[17];
	size_t n0 = u->n, i;
	Dwarf_Word v;

	if (stop->jump == JUMP_NONE || u->jumps >= MAX_JUMPS)
		return 0;
	for (i = 0; i < 17; i++)
		regs[i] = dwfl_frame_reg(frame, (int)i, &v) ? 0 : v;
	way = gochain_cross(u->gc, u->gs, &s, &at, regs, u->ips, u->max, &u->n, u->resume);
	u->spliced = way == GOCHAIN_SPLICED;
	/* the chain goes on past a thread's first frame into whatever its BP held */
	for (i = n0; u->spliced && i < u->n; i++)
		if (frame_root(u, u->dwfl, u->ips[i] - 1) == ROOT_START)
			u->n = i + 1;
	return way == GOCHAIN_RESUME && ++u->jumps;
}

static int on_frame(Dwfl_Frame *frame, void *arg)
{
	struct unwinder *u = arg;
	const struct stoptab_entry *stop = NULL;
	struct ufile *file;
	enum root_kind kind = ROOT_NONE;
	uint64_t bias;
	Dwarf_Addr pc;
	Dwarf_Word sp, bp;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (u->n >= u->max)
		return DWARF_CB_ABORT;
	if (u->cur->fps) /* for the runtime readers: V8 finds a frame's function under it */
		u->cur->fps[u->n] = dwfl_frame_reg(frame, 6, &bp) ? 0 : bp;
	u->ips[u->n++] = pc;
	/* where each return address was, for a Go switch to check it is still there */
	if (!activation && !dwfl_frame_reg(frame, 7, &sp))
		gostack_slot(u->gs, sp - 8, pc);
	/* a return address in a perf trampoline (no module, no CFI): step it ourselves */
	if (!activation && u->curp->has_tramp && !dwfl_addrmodule(u->curp->dwfl, pc) &&
	    in_trampoline(u, pc) && step_trampoline(u, frame, pc)) {
		u->resume_pending = 1;
		return DWARF_CB_ABORT;
	}
	/* a signal handler returns to the first byte of its restorer, not after a call */
	if (!activation)
		kind = frame_stop(u, u->dwfl, pc, &stop, &file, &bias);
	if (!stop || stop->jump != JUMP_SIGNAL || stop->start + bias != pc)
		kind = frame_stop(u, u->dwfl, caller_pc(pc, !activation), &stop, &file, &bias);
	/* past a Go stack switch the return addresses are stale: never invent a caller */
	if (kind != ROOT_SWITCH && kind != ROOT_CUT)
		return DWARF_CB_OK;
	if (stop && go_jump(u, frame, stop, file, bias)) {
		/* Go shows the function that called morestack, not morestack; the restorer is no call */
		if (stop->jump == JUMP_MORESTACK || (stop->jump == JUMP_SIGNAL && !activation))
			u->n--;
		u->resume_pending = 1;
	} else if (!u->spliced) {
		u->stopped = kind;
	}
	return DWARF_CB_ABORT;
}

int unwinder_unwind(struct unwinder *u, const struct unwind_input *in,
		    uint64_t *ips, size_t max, size_t *n, enum df_trunc *why)
{
	struct uproc *p = proc_find(u, in->pid);
	enum root_kind root;
	int rc, err;

	*n = 0;
	*why = DF_TRUNC_NONE;
	if (!max)
		return 0;
	if (!p || (err = proc_sync(u, p)) || !p->attached) {
		/* nothing known of this process: keep the sampled pc alone */
		ips[0] = in->regs[PERF_REG_X86_IP];
		*n = 1;
		*why = DF_TRUNC_BAD_READ;
		return p && err == -ENOMEM ? err : 0;
	}
	u->cur = in;
	u->curp = p;
	u->ips = ips;
	u->max = max;
	u->n = 0;
	u->beyond_at = SIZE_MAX;
	u->bad_at = SIZE_MAX;
	u->resume_pending = 0;
	u->dwfl = p->dwfl;
	u->stopped = ROOT_NONE;
	u->jumps = 0;
	u->spliced = 0;
	gostack_reset(u->gs);
	rc = dwfl_getthread_frames(p->dwfl, in->tid, on_frame, u);
	/* on from the caller of each trampoline the walk met */
	while (u->resume_pending && u->n < max) {
		u->resume_pending = 0;
		u->resuming = 1;
		rc = dwfl_getthread_frames(p->dwfl, in->tid, on_frame, u);
		u->resuming = 0;
	}
	u->cur = NULL;
	*n = u->n;
	if (!u->n) {
		ips[0] = in->regs[PERF_REG_X86_IP];
		*n = 1;
	}
	/*
	 * libdw ends a walk quietly (rc 0) when a read fails, so our own
	 * bookkeeping of the reads tells a truncated stack from a whole one:
	 * a failed read right before the walk ended.
	 */
	root = u->stopped ? u->stopped : frame_root(u, p->dwfl, ips[*n - 1] - (*n > 1));
	if (root == ROOT_START || root == ROOT_SWITCH)
		*why = DF_TRUNC_NONE; /* complete, whatever was said of the next step */
	else if (root == ROOT_CUT)
		*why = DF_TRUNC_OTHER_STACK;
	else if (u->n >= max || (u->spliced && in->nfp >= UNWIND_FP_MAX))
		*why = DF_TRUNC_DEPTH; /* or the kernel's chain at its limit */
	else if (u->beyond_at == u->n)
		*why = DF_TRUNC_STACK_COPY;
	else if (u->bad_at == u->n)
		*why = DF_TRUNC_BAD_READ;
	else if (rc == 0)
		*why = DF_TRUNC_NONE;
	else if (!dwfl_addrmodule(p->dwfl, ips[*n - 1]))
		*why = DF_TRUNC_BAD_READ;
	else
		*why = DF_TRUNC_NO_CFI;
	return 0;
}
