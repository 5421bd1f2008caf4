/*
 * unwind-compare - cprof's libdw unwinder against libunwind's remote API,
 * on the very same perf samples.
 *
 * Usage: unwind-compare [OPTIONS] -- PROGRAM [ARGS...]
 *        unwind-compare [OPTIONS] -p PID
 *
 * Samples one thread of the target the way `cprof record` does (cpu-clock,
 * user registers and a copy of the user stack), keeps the copies, stops the
 * target (SIGSTOP), reads its /proc/PID/maps, and unwinds every sample
 * with four unwinders:
 *
 *   libdw       cprof's own module (src/record/unwind.c): one Dwfl per process,
 *               dwfl_getthread_frames over the stack copy.
 *   libunwind, ptrace lookup, global cache
 *               libunwind's remote API, registers and stack from the sample,
 *               UNW_CACHE_GLOBAL; unwind tables found by libunwind-ptrace
 *               (_UPT_find_proc_info reads /proc/PID/maps and the ELF files,
 *               and the tables in the target's memory with PTRACE_PEEKDATA).
 *   libunwind, own tables, global cache
 *               the same, with the tables found the way a cprof backend would
 *               (and perf's does): the .eh_frame_hdr of each mapped file
 *               located once, memory outside the stack copy read from the
 *               mapped files. No ptrace, no /proc.
 *   libunwind, own tables, no cache
 *               the same with UNW_CACHE_NONE: libunwind's cost for a pc it
 *               has not seen before.
 *
 * Timing, in CPU time of the unwinding thread (each unwinder has its own):
 *   cold     setup and a first pass over the first half of the samples;
 *   unseen   after WARMUP passes over the first half, one pass over the
 *            second: samples like those recording meets, of a workload
 *            already sampled but not at these pcs;
 *   warm     the median of PASSES passes over all samples, seen before.
 * All per sample, in µs.
 * Correctness is judged against each other: frames per sample, samples whose
 * stack reaches `main` (its range from the target's symbol table), samples
 * that ended at their outermost frame, and samples with pc lists identical
 * to libdw's; the first disagreements are printed symbolized.
 *
 * Prints markdown on stdout. Exit status: 0 done, 1 failed, 2 bad usage.
 */
#include <asm/perf_regs.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <inttypes.h>
#include <libunwind-ptrace.h>
#include <libunwind.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cprof/datafile.h"
#include "cprof/elffile.h"
#include "cprof/event.h"
#include "cprof/ring.h"
#include "cprof/sampler.h"
#include "cprof/unwind.h"
#include "cprof/util.h"
#include "cprof/vdso.h"

/* Not in libunwind's headers, but exported; perf declares it the same way. */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					       unw_dyn_info_t *di, unw_proc_info_t *pi,
					       int need_unwind_info, void *arg);

#define MAX_FRAMES 512
#define RING_PAGES 1024          /* 4 MiB: ~100 samples of 32 KiB */


struct options {
	uint64_t samples;
	uint64_t freq;
	uint64_t stack_size;
	uint64_t warmup;
	uint64_t passes;
	uint64_t examples;
	uint64_t lu_cache;       /* libunwind rs-cache entries; 0: its default */
	unsigned skip;           /* bit i: leave unwinder i out (libdw always runs) */
	uint64_t timeout;        /* seconds to wait for the samples */
	pid_t pid;               /* -p; 0: start argv */
	const char *label;
	char **argv;
};

static const struct options default_options = {
	.samples = 5000,
	.freq = 999,
	.stack_size = 32768,
	.warmup = 2,
	.passes = 5,
	.examples = 3,
	.lu_cache = 0,
	.timeout = 60,
};

struct sample {
	pid_t pid, tid;
	uint64_t regs[EVENT_MAX_REGS];   /* indexed by PERF_REG_X86_* */
	unsigned char *stack;
	uint64_t stack_size;
};

/* One file-backed line of /proc/PID/maps, and what lu-tables keeps of it. */
struct mapping {
	uint64_t start, end, pgoff;
	int exec, write;
	char *path;
	const unsigned char *data;       /* the file's bytes at pgoff (lu-tables) */
	uint64_t data_len;
	unw_dyn_info_t di;               /* its .eh_frame_hdr table, if has_di */
	int has_di;
};

struct image {                   /* a file mapped whole, for lu-tables */
	char *path;
	void *base;
	size_t size;
};

struct target {
	pid_t pid;
	int started;             /* we forked it: kill it at the end */
	int stopped;             /* SIGSTOPped by us */
	struct sample *samples;
	size_t nsamples;
	uint64_t lost, no_regs;
	double capture_s;
	struct mapping *maps;
	size_t nmaps;
	struct image *images;
	size_t nimages;
	int vdso_fd;
	char vdso_path[64];
	Dwfl *dwfl;              /* for names in the report only */
	uint64_t main_lo, main_hi;
};

/* What one unwinder made of every sample, and what it cost. */
struct run {
	const char *name;
	uint64_t *ips;           /* nsamples x MAX_FRAMES */
	uint32_t *n;
	uint8_t *end;            /* 0: reached the outermost frame; else why not */
	double cold_s;           /* setup + first pass over the first half */
	double unseen_s;         /* then the second half, after the warm-up */
	double *pass_s;          /* then all samples, again and again */
	int err;
};

/* ---- capture ---- */

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int open_event(const struct options *o, pid_t pid, int on_exec, int *fd)
{
	struct perf_event_attr a;
	long rc;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.freq = 1;
	a.sample_freq = o->freq;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_REGS_USER |
			PERF_SAMPLE_STACK_USER;
	a.sample_regs_user = SAMPLER_USER_REGS;
	a.sample_stack_user = (uint32_t)o->stack_size;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.disabled = on_exec;
	a.enable_on_exec = on_exec;
	a.wakeup_events = 8;
	rc = syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (rc < 0)
		return -errno;
	*fd = (int)rc;
	return 0;
}

static int keep_sample(struct target *t, const struct event_sample *s)
{
	struct sample *c = &t->samples[t->nsamples];

	if (s->regs_abi != PERF_SAMPLE_REGS_ABI_64 || !s->stack_size) {
		t->no_regs++;
		return 0;
	}
	c->pid = (pid_t)s->pid;
	c->tid = (pid_t)s->tid;
	memcpy(c->regs, s->regs, sizeof(c->regs));
	c->stack_size = s->stack_size;
	c->stack = malloc(s->stack_size);
	if (!c->stack)
		return -ENOMEM;
	memcpy(c->stack, s->stack, s->stack_size);
	t->nsamples++;
	return 0;
}

/* Fork PROGRAM, stopped on a pipe until its event is open (enable_on_exec). */
static int start_target(char **argv, int *go_fd, pid_t *pid)
{
	int p[2];
	pid_t child;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (!child) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "unwind-compare: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go_fd = p[1];
	*pid = child;
	return 0;
}

static int capture(const struct options *o, struct target *t)
{
	struct event_layout layout = {
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_REGS_USER |
			       PERF_SAMPLE_STACK_USER,
		.regs_mask = SAMPLER_USER_REGS,
	};
	struct ring ring = { .fd = -1 };
	int fd = -1, go_fd = -1, err, ring_ok = 0;
	double t0, deadline;

	t->samples = calloc(o->samples, sizeof(*t->samples));
	if (!t->samples)
		return -ENOMEM;
	if (o->pid) {
		t->pid = o->pid;
	} else {
		if ((err = start_target(o->argv, &go_fd, &t->pid)))
			goto out;
		t->started = 1;
	}
	if ((err = open_event(o, t->pid, t->started, &fd))) {
		fprintf(stderr, "unwind-compare: perf_event_open on %d: %s\n", t->pid,
			strerror(-err));
		goto out;
	}
	if ((err = ring_init(&ring, fd, RING_PAGES)))
		goto out;
	ring_ok = 1;
	if (go_fd >= 0) {
		if (write(go_fd, "x", 1) != 1) {
			err = -errno;
			goto out;
		}
		close(go_fd);
		go_fd = -1;
	}
	t0 = wall_seconds();
	deadline = t0 + (double)o->timeout;
	while (t->nsamples < o->samples) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const struct perf_event_header *hdr;
		int status;

		poll(&pfd, 1, 50);
		ring_begin(&ring);
		while ((hdr = ring_next(&ring)) && t->nsamples < o->samples) {
			struct event ev;

			if (event_decode(&layout, hdr, &ev))
				continue;
			if (ev.type == PERF_RECORD_LOST)
				t->lost += ev.lost.lost;
			else if (ev.type == PERF_RECORD_SAMPLE && (err = keep_sample(t, &ev.sample)))
				goto out;
		}
		ring_end(&ring);
		if (t->started && waitpid(t->pid, &status, WNOHANG) == t->pid) {
			fprintf(stderr, "unwind-compare: target exited after %zu samples; it must "
				"run until sampled\n", t->nsamples);
			t->started = 0;
			err = -ESRCH;
			goto out;
		}
		if (kill(t->pid, 0)) {
			err = -ESRCH;
			fprintf(stderr, "unwind-compare: target %d is gone\n", t->pid);
			goto out;
		}
		if (wall_seconds() > deadline) {
			fprintf(stderr, "unwind-compare: only %zu samples in %" PRIu64
				" s; is the target busy?\n", t->nsamples, o->timeout);
			err = -ETIMEDOUT;
			goto out;
		}
	}
	t->capture_s = wall_seconds() - t0;
	err = 0;
out:
	if (ring_ok)
		ring_release(&ring);
	if (fd >= 0)
		close(fd);
	if (go_fd >= 0)
		close(go_fd);
	return err;
}

/* Whether PID is in a stopped state ('T' in /proc/PID/stat). */
static int is_stopped(pid_t pid)
{
	char fname[64], buf[512], *p;
	ssize_t len;
	int fd;

	snprintf(fname, sizeof(fname), "/proc/%d/stat", pid);
	fd = open(fname, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
}

/*
 * Keep the target stopped while we unwind, so that it neither competes for
 * the CPUs nor changes its mappings; the libunwind-ptrace runs attach to it
 * on top of that (see upt_attach).
 */
static int stop_target(struct target *t)
{
	int i, status;

	if (kill(t->pid, SIGSTOP))
		return -errno;
	if (t->started)
		return waitpid(t->pid, &status, WUNTRACED) == t->pid && WIFSTOPPED(status)
			       ? 0 : -ESRCH;
	for (i = 0; i < 1000 && !is_stopped(t->pid); i++)
		usleep(1000);
	return is_stopped(t->pid) ? 0 : -ETIMEDOUT;
}

/* ---- the target's mappings ---- */

static int read_maps(struct target *t)
{
	char fname[64], line[4096];
	size_t cap = 0;
	FILE *f;
	int err = 0;

	snprintf(fname, sizeof(fname), "/proc/%d/maps", t->pid);
	f = fopen(fname, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct mapping m = { 0 };
		char perms[8], *path;
		int pos = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", &m.start,
			   &m.end, perms, &m.pgoff, &pos) < 4 || !pos)
			continue;
		path = line + pos;
		path[strcspn(path, "\n")] = '\0';
		if (path[0] != '/' && strcmp(path, "[vdso]"))
			continue;
		m.exec = perms[2] == 'x';
		m.write = perms[1] == 'w';
		if ((err = array_reserve(&t->maps, &cap, t->nmaps + 1, sizeof(m))))
			break;
		m.path = strdup(path);
		if (!m.path) {
			err = -ENOMEM;
			break;
		}
		t->maps[t->nmaps++] = m;
	}
	fclose(f);
	return err;
}

static const struct mapping *mapping_at(const struct target *t, uint64_t addr, size_t *hint)
{
	size_t i;

	if (*hint < t->nmaps && addr >= t->maps[*hint].start && addr < t->maps[*hint].end)
		return &t->maps[*hint];
	for (i = 0; i < t->nmaps; i++) {
		if (addr >= t->maps[i].start && addr < t->maps[i].end) {
			*hint = i;
			return &t->maps[i];
		}
	}
	return NULL;
}

static const char *real_path(const struct target *t, const char *path)
{
	if (!strcmp(path, "[vdso]"))
		return t->vdso_path[0] ? t->vdso_path : NULL;
	return path;
}

static const struct image *image_get(struct target *t, const char *path)
{
	struct image *im;
	struct stat st;
	size_t i;
	void *base;
	int fd;

	for (i = 0; i < t->nimages; i++)
		if (!strcmp(t->images[i].path, path))
			return t->images[i].base ? &t->images[i] : NULL;
	im = realloc(t->images, (t->nimages + 1) * sizeof(*im));
	if (!im)
		return NULL;
	t->images = im;
	im = &t->images[t->nimages];
	memset(im, 0, sizeof(*im));
	im->path = strdup(path);
	if (!im->path)
		return NULL;
	t->nimages++;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && st.st_size > 0) {
		base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (base != MAP_FAILED) {
			im->base = base;
			im->size = (size_t)st.st_size;
		}
	}
	close(fd);
	return im->base ? im : NULL;
}

/*
 * Locate the binary-search table of the .eh_frame_hdr of M's file, as the
 * target sees it: libunwind then bisects it and reads the FDEs through
 * access_mem. Only the standard encodings (what binutils and lld emit).
 */
static void mapping_find_table(struct target *t, struct mapping *m, const struct image *im)
{
	const unsigned char *hdr;
	struct elffile *ef = NULL;
	uint64_t bias;
	uint32_t fde_count;
	size_t i, nph;
	Elf *elf;

	elf = elf_memory((char *)im->base, im->size);
	if (!elf)
		return;
	if (elf_getphdrnum(elf, &nph))
		goto out;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_GNU_EH_FRAME)
			continue;
		if (ph.p_offset + 12 > im->size)
			break;
		hdr = (const unsigned char *)im->base + ph.p_offset;
		if (hdr[0] != 1 || (hdr[1] & 0x0f) != DW_EH_PE_sdata4 ||
		    hdr[2] != DW_EH_PE_udata4 || hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
			break;
		if (elffile_open(real_path(t, m->path), &ef) ||
		    elffile_bias(ef, m->start, m->pgoff, &bias))
			break;
		memcpy(&fde_count, hdr + 8, 4);
		m->di.start_ip = m->start;
		m->di.end_ip = m->end;
		m->di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
		m->di.u.rti.segbase = bias + ph.p_vaddr;
		m->di.u.rti.table_data = bias + ph.p_vaddr + 12;
		m->di.u.rti.table_len = (uint64_t)fde_count * 8 / sizeof(unw_word_t);
		m->has_di = 1;
		break;
	}
out:
	elffile_free(ef);
	elf_end(elf);
}

static void prepare_tables(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nmaps; i++) {
		struct mapping *m = &t->maps[i];
		const char *path = real_path(t, m->path);
		const struct image *im;

		if (m->write || !path || !(im = image_get(t, path)) || m->pgoff >= im->size)
			continue;
		m->data = (const unsigned char *)im->base + m->pgoff;
		m->data_len = im->size - m->pgoff;
		if (m->data_len > m->end - m->start)
			m->data_len = m->end - m->start;
		if (m->exec)
			mapping_find_table(t, m, im);
	}
}

/* ---- symbols, for `main` and for the examples ---- */

static int find_main(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		     void *arg)
{
	struct target *t = arg;
	int i, n = dwfl_module_getsymtab(mod);

	(void)userdata;
	(void)name;
	(void)base;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *s = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);

		if (s && !strcmp(s, "main") && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
		    sym.st_size) {
			t->main_lo = addr;
			t->main_hi = addr + sym.st_size;
			return DWARF_CB_ABORT;
		}
	}
	return DWARF_CB_OK;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static void load_symbols(struct target *t)
{
	t->dwfl = dwfl_begin(&proc_callbacks);
	if (!t->dwfl)
		return;
	dwfl_report_begin(t->dwfl);
	dwfl_linux_proc_report(t->dwfl, t->pid);
	dwfl_report_end(t->dwfl, NULL, NULL);
	dwfl_getmodules(t->dwfl, find_main, t, 0);
}

/* "name+0xoff" of frame I's pc into BUF; return addresses are named at pc - 1. */
static const char *frame_name(const struct target *t, uint64_t pc, size_t i, char *buf,
			      size_t size)
{
	uint64_t at = i ? pc - 1 : pc;
	Dwfl_Module *mod = t->dwfl ? dwfl_addrmodule(t->dwfl, at) : NULL;
	GElf_Off off;
	GElf_Sym sym;
	const char *s = mod ? dwfl_module_addrinfo(mod, at, &off, &sym, NULL, NULL, NULL) : NULL;

	if (s)
		snprintf(buf, size, "%s+0x%" PRIx64, s, (uint64_t)off + (i ? 1 : 0));
	else
		snprintf(buf, size, "0x%" PRIx64, pc);
	return buf;
}

/* ---- the unwinders ---- */

/* libunwind's ends, after libdw's enum df_trunc in struct run's end */
enum { LU_END_ERROR = 16, LU_END_DEPTH };

struct unwinder_ops {
	const char *name;
	int (*setup)(struct target *t, const struct options *o, int variant, void **state);
	/* Unwind S into IPS (at most MAX); *END: 0 or why it ended early. */
	void (*unwind)(void *state, const struct sample *s, uint64_t *ips, size_t max,
		       uint32_t *n, uint8_t *end);
	void (*teardown)(void *state);
	int variant;
};

static int dw_setup(struct target *t, const struct options *o, int variant, void **state)
{
	struct unwinder *u;
	size_t i;
	int err;

	(void)o;
	(void)variant;
	if ((err = unwinder_new(&u)))
		return err;
	for (i = 0; i < t->nmaps; i++) {
		const struct mapping *m = &t->maps[i];

		if (m->exec && (err = unwinder_map(u, t->pid, m->start, m->end - m->start,
						   m->pgoff, m->path))) {
			unwinder_free(u);
			return err;
		}
	}
	*state = u;
	return 0;
}

static void dw_unwind(void *state, const struct sample *s, uint64_t *ips, size_t max,
		      uint32_t *n, uint8_t *end)
{
	struct unwind_input in = {
		.pid = s->pid, .tid = s->tid, .regs = s->regs,
		.stack = s->stack, .stack_size = s->stack_size,
	};
	enum df_trunc why;
	size_t got = 0;

	if (unwinder_unwind(state, &in, ips, max, &got, &why)) {
		got = 0;
		why = DF_TRUNC_BAD_READ;
	}
	*n = (uint32_t)got;
	*end = (uint8_t)why;
}

static void dw_teardown(void *state)
{
	unwinder_free(state);
}

#define LU_MAGIC 0x63707266554e5731ULL

/*
 * The argument of libunwind's accessors. libunwind hands accessors the
 * argument given to unw_init_remote (this), except while
 * _UPT_find_proc_info searches its table: that passes its own argument, the
 * UPT handle, down to our access_mem. A UPT handle starts with a pid and
 * zeroed padding, so the magic tells the two apart.
 */
struct lu_ctx {
	uint64_t magic;
	void *upt;               /* lu-ptrace: _UPT_create(pid); lu-tables: NULL */
	const struct target *t;
	const struct sample *cur;
	size_t hint;             /* index of the mapping read last */
};

struct lu_state {
	unw_addr_space_t as;
	struct lu_ctx ctx;
};

static struct lu_ctx *lu_ctx_of(void *arg)
{
	uint64_t magic;

	memcpy(&magic, arg, sizeof(magic));
	return magic == LU_MAGIC ? arg : NULL;
}

static int lu_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
			 void *arg)
{
	struct lu_ctx *c = lu_ctx_of(arg);
	const struct mapping *m;
	uint64_t sp, off;

	if (write)
		return -UNW_EINVAL;
	if (!c)
		return _UPT_access_mem(as, addr, val, 0, arg);
	sp = c->cur->regs[PERF_REG_X86_SP];
	if (addr >= sp && c->cur->stack_size >= sizeof(*val) &&
	    addr - sp <= c->cur->stack_size - sizeof(*val)) {
		memcpy(val, c->cur->stack + (addr - sp), sizeof(*val));
		return 0;
	}
	/*
	 * Outside the copy only the read-only file mappings (text, tables) hold
	 * what the sample saw; the live stack has moved on since.
	 */
	m = mapping_at(c->t, addr, &c->hint);
	if (!m || m->write)
		return -UNW_EINVAL;
	if (c->upt)
		return _UPT_access_mem(as, addr, val, 0, c->upt);
	off = addr - m->start;
	if (!m->data || off + sizeof(*val) > m->data_len)
		return -UNW_EINVAL;
	memcpy(val, m->data + off, sizeof(*val));
	return 0;
}

static int lu_access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
			 void *arg)
{
	/* libunwind's x86-64 numbering is DWARF's: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
	static const int perf_of_unw[17] = {
		PERF_REG_X86_AX, PERF_REG_X86_DX, PERF_REG_X86_CX, PERF_REG_X86_BX,
		PERF_REG_X86_SI, PERF_REG_X86_DI, PERF_REG_X86_BP, PERF_REG_X86_SP,
		PERF_REG_X86_R8, PERF_REG_X86_R9, PERF_REG_X86_R10, PERF_REG_X86_R11,
		PERF_REG_X86_R12, PERF_REG_X86_R13, PERF_REG_X86_R14, PERF_REG_X86_R15,
		PERF_REG_X86_IP,
	};
	struct lu_ctx *c = arg;

	(void)as;
	if (write)
		return -UNW_EREADONLYREG;
	if (reg < 0 || reg > 16)
		return -UNW_EBADREG;
	*val = c->cur->regs[perf_of_unw[reg]];
	return 0;
}

static int lu_access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val,
			   int write, void *arg)
{
	(void)as;
	(void)reg;
	(void)val;
	(void)write;
	(void)arg;
	return -UNW_EINVAL;
}

static int lu_resume(unw_addr_space_t as, unw_cursor_t *cursor, void *arg)
{
	(void)as;
	(void)cursor;
	(void)arg;
	return -UNW_EINVAL;
}

static int lu_get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
			    unw_word_t *offp, void *arg)
{
	(void)as;
	(void)addr;
	(void)buf;
	(void)len;
	(void)offp;
	(void)arg;
	return -UNW_ENOINFO;
}

static int upt_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			      int need_unwind_info, void *arg)
{
	struct lu_ctx *c = arg;

	return _UPT_find_proc_info(as, ip, pi, need_unwind_info, c->upt);
}

static void upt_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	struct lu_ctx *c = arg;

	_UPT_put_unwind_info(as, pi, c->upt);
}

static int upt_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
	struct lu_ctx *c = arg;

	return _UPT_get_dyn_info_list_addr(as, dilap, c->upt);
}

static int tab_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			      int need_unwind_info, void *arg)
{
	struct lu_ctx *c = arg;
	const struct mapping *m = mapping_at(c->t, ip, &c->hint);

	if (!m || !m->has_di)
		return -UNW_ENOINFO;
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, (unw_dyn_info_t *)&m->di, pi,
						  need_unwind_info, arg);
}

static void tab_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	/* libunwind frees table-format info itself; we hand out no other kind */
	(void)as;
	(void)pi;
	(void)arg;
}

static int tab_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
	(void)as;
	(void)dilap;
	(void)arg;
	return -UNW_ENOINFO;
}

/*
 * _UPT_access_mem peeks with ptrace, which only the attaching thread may
 * do: attach from the unwinder's own thread. Seizing a SIGSTOPped process
 * moves it into a ptrace stop at once; detaching returns it to the group
 * stop.
 */
static int upt_attach(pid_t pid)
{
	return ptrace(PTRACE_SEIZE, pid, 0, 0) ? -errno : 0;
}

/* libunwind variants: how tables are found, whether to cache */
enum { LU_PTRACE = 1, LU_NO_CACHE = 2 };

static int lu_setup(struct target *t, const struct options *o, int variant, void **state)
{
	unw_accessors_t acc = {
		.access_mem = lu_access_mem,
		.access_reg = lu_access_reg,
		.access_fpreg = lu_access_fpreg,
		.resume = lu_resume,
		.get_proc_name = lu_get_proc_name,
	};
	struct lu_state *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	if (variant & LU_PTRACE) {
		acc.find_proc_info = upt_find_proc_info;
		acc.put_unwind_info = upt_put_unwind_info;
		acc.get_dyn_info_list_addr = upt_get_dyn_info_list_addr;
		if ((err = upt_attach(t->pid))) {
			free(st);
			return err;
		}
		st->ctx.upt = _UPT_create(t->pid);
		if (!st->ctx.upt)
			goto fail;
	} else {
		acc.find_proc_info = tab_find_proc_info;
		acc.put_unwind_info = tab_put_unwind_info;
		acc.get_dyn_info_list_addr = tab_get_dyn_info_list_addr;
		prepare_tables(t);
	}
	st->ctx.magic = LU_MAGIC;
	st->ctx.t = t;
	st->as = unw_create_addr_space(&acc, 0);
	if (!st->as)
		goto fail;
	unw_set_caching_policy(st->as, variant & LU_NO_CACHE ? UNW_CACHE_NONE : UNW_CACHE_GLOBAL);
	if (o->lu_cache && unw_set_cache_size(st->as, o->lu_cache, 0))
		fprintf(stderr, "unwind-compare: libunwind refused a cache of %" PRIu64
			" entries; using its default\n", o->lu_cache);
	*state = st;
	return 0;
fail:
	if (variant & LU_PTRACE) {
		if (st->ctx.upt)
			_UPT_destroy(st->ctx.upt);
		ptrace(PTRACE_DETACH, t->pid, 0, 0);
	}
	free(st);
	return -ENOMEM;
}

static void lu_unwind(void *state, const struct sample *s, uint64_t *ips, size_t max,
		      uint32_t *n, uint8_t *end)
{
	struct lu_state *st = state;
	unw_cursor_t cursor;
	size_t got = 0;
	int rc;

	st->ctx.cur = s;
	rc = unw_init_remote(&cursor, st->as, &st->ctx);
	while (rc >= 0 && got < max) {
		unw_word_t ip;

		if ((rc = unw_get_reg(&cursor, UNW_REG_IP, &ip)) < 0)
			break;
		ips[got++] = ip;
		rc = unw_step(&cursor);
		if (rc <= 0)
			break;
	}
	if (!got)
		ips[got++] = s->regs[PERF_REG_X86_IP];
	*n = (uint32_t)got;
	*end = rc == 0 ? 0 : rc < 0 ? LU_END_ERROR : LU_END_DEPTH;
}

static void lu_teardown(void *state)
{
	struct lu_state *st = state;

	if (!st)
		return;
	unw_destroy_addr_space(st->as);
	if (st->ctx.upt) {
		_UPT_destroy(st->ctx.upt);
		/* back to the group stop it was in */
		ptrace(PTRACE_DETACH, st->ctx.t->pid, 0, 0);
	}
	free(st);
}

static const struct unwinder_ops unwinders[] = {
	{ "libdw (cprof)", dw_setup, dw_unwind, dw_teardown, 0 },
	{ "libunwind, ptrace lookup, global cache", lu_setup, lu_unwind, lu_teardown, LU_PTRACE },
	{ "libunwind, own tables, global cache", lu_setup, lu_unwind, lu_teardown, 0 },
	{ "libunwind, own tables, no cache", lu_setup, lu_unwind, lu_teardown, LU_NO_CACHE },
};
#define NUNWINDERS (sizeof(unwinders) / sizeof(unwinders[0]))

static void unwind_range(const struct unwinder_ops *ops, void *state, const struct target *t,
			 struct run *r, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		ops->unwind(state, &t->samples[i], r->ips + i * MAX_FRAMES, MAX_FRAMES, &r->n[i],
			    &r->end[i]);
}

struct job {
	const struct unwinder_ops *ops;
	struct target *t;
	const struct options *o;
	struct run *r;
};

/*
 * One unwinder's measurements, in a thread of its own. Setup and a first
 * pass over the first half of the samples are the cold cost; after the
 * rest of the warm-up on that half, one pass over the second half gives the
 * cost of samples not seen before (what recording meets, since libunwind
 * caches by pc); then the timed passes over all samples.
 */
static void *unwinder_thread(void *arg)
{
	struct job *j = arg;
	struct run *r = j->r;
	size_t half = j->t->nsamples / 2, all = j->t->nsamples;
	void *state = NULL;
	double t0 = cpu_seconds();
	uint64_t p;

	if ((r->err = j->ops->setup(j->t, j->o, j->ops->variant, &state)))
		return NULL;
	for (p = 0; p < j->o->warmup; p++) {
		unwind_range(j->ops, state, j->t, r, 0, half);
		if (!p)
			r->cold_s = cpu_seconds() - t0;
	}
	t0 = cpu_seconds();
	unwind_range(j->ops, state, j->t, r, half, all);
	r->unseen_s = cpu_seconds() - t0;
	for (p = 0; p < j->o->passes; p++) {
		t0 = cpu_seconds();
		unwind_range(j->ops, state, j->t, r, 0, all);
		r->pass_s[p] = cpu_seconds() - t0;
	}
	j->ops->teardown(state);
	return NULL;
}

/*
 * Each unwinder runs on a thread of its own, timed by that thread's CPU
 * clock; the libunwind-ptrace ones attach to the target from there, since
 * only the attaching thread may peek.
 */
static int run_unwinder(const struct unwinder_ops *ops, struct target *t,
			const struct options *o, struct run *r)
{
	struct job j = { ops, t, o, r };
	pthread_t th;
	int err;

	r->name = ops->name;
	r->ips = malloc(t->nsamples * MAX_FRAMES * sizeof(*r->ips));
	r->n = calloc(t->nsamples, sizeof(*r->n));
	r->end = calloc(t->nsamples, sizeof(*r->end));
	r->pass_s = calloc(o->passes, sizeof(*r->pass_s));
	if (!r->ips || !r->n || !r->end || !r->pass_s)
		return r->err = -ENOMEM;
	/*
	 * Fault the output in now, a page per sample, not to be timed (not with
	 * zeros, which gcc turns malloc + memset into a lazy calloc for).
	 */
	memset(r->ips, 0xff, t->nsamples * MAX_FRAMES * sizeof(*r->ips));
	if ((err = pthread_create(&th, NULL, unwinder_thread, &j)))
		return r->err = -err;
	pthread_join(th, NULL);
	return r->err;
}

/* ---- the report ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int reaches_main(const struct target *t, const uint64_t *ips, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t at = i ? ips[i] - 1 : ips[i];

		if (at >= t->main_lo && at < t->main_hi)
			return 1;
	}
	return 0;
}

static int same_stack(const struct run *a, const struct run *b, size_t i)
{
	return a->n[i] == b->n[i] &&
	       !memcmp(a->ips + i * MAX_FRAMES, b->ips + i * MAX_FRAMES, a->n[i] * sizeof(uint64_t));
}

static void print_frames(const struct target *t, const char *who, const uint64_t *ips,
			 uint32_t n, uint32_t from, uint32_t to)
{
	char name[256];
	uint32_t i;

	printf("    %-10s", who);
	if (from)
		printf(" ... (%u frames) <-", from);
	for (i = from; i < n && i < to; i++)
		printf(" %s%s", i > from ? "<- " : "", frame_name(t, ips[i], i, name, sizeof(name)));
	if (n > to)
		printf(" <- ... (%u more)", n - to);
	printf("   [%u frames]\n", n);
}

static void report_disagreements(const struct target *t, const struct run *ref,
				 const struct run *r, uint64_t examples)
{
	size_t i, shorter = 0, longer = 0, differ = 0, shown = 0;

	for (i = 0; i < t->nsamples; i++) {
		const uint64_t *a = ref->ips + i * MAX_FRAMES, *b = r->ips + i * MAX_FRAMES;
		uint32_t k, m = ref->n[i] < r->n[i] ? ref->n[i] : r->n[i];

		if (same_stack(ref, r, i))
			continue;
		for (k = 0; k < m && a[k] == b[k]; k++)
			;
		if (k < m)
			differ++;
		else if (r->n[i] < ref->n[i])
			shorter++;
		else
			longer++;
	}
	if (!shorter && !longer && !differ)
		return;
	printf("\n%s against %s: %zu samples differ: %zu end earlier, %zu go further, "
	       "%zu take another path\n", r->name, ref->name, shorter + longer + differ, shorter,
	       longer, differ);
	if (!examples)
		return;
	printf("\n```\n");
	for (i = 0; i < t->nsamples && shown < examples; i++) {
		const uint64_t *a = ref->ips + i * MAX_FRAMES, *b = r->ips + i * MAX_FRAMES;
		uint32_t k, m = ref->n[i] < r->n[i] ? ref->n[i] : r->n[i], from;

		if (same_stack(ref, r, i))
			continue;
		for (k = 0; k < m && a[k] == b[k]; k++)
			;
		from = k > 2 ? k - 2 : 0;
		printf("sample %zu: first difference at frame %u\n", i, k);
		print_frames(t, "libdw", a, ref->n[i], from, k + 4);
		print_frames(t, "libunwind", b, r->n[i], from, k + 4);
		shown++;
	}
	printf("```\n");
}

static const char *end_name(unsigned end)
{
	switch (end) {
	case DF_TRUNC_STACK_COPY: return "needed memory beyond the stack copy";
	case DF_TRUNC_NO_CFI: return "no CFI for a pc";
	case DF_TRUNC_BAD_READ: return "unmapped memory or unknown module";
	case DF_TRUNC_DEPTH: return "frame limit";
	case LU_END_ERROR: return "unw_step failed";
	case LU_END_DEPTH: return "frame limit";
	default: return "other";
	}
}

/* The two innermost and the two outermost frames of a stack. */
static void print_ends(const struct target *t, const uint64_t *ips, uint32_t n)
{
	char name[256];
	uint32_t i;

	printf("   ");
	for (i = 0; i < n; i++) {
		if (i == 2 && n > 4) {
			printf(" <- ... (%u frames)", n - 4);
			i = n - 2;
		}
		printf(" %s%s", i ? "<- " : "", frame_name(t, ips[i], i, name, sizeof(name)));
	}
	printf("   [%u frames]\n", n);
}

/*
 * How many samples ended before their outermost frame by the unwinder's own
 * account, why, and the outermost frames of the first EXAMPLES of them.
 */
static void report_ends(const struct target *t, const struct run *r, uint64_t examples)
{
	size_t counts[256] = { 0 }, i, early = 0, shown = 0;
	unsigned e;

	for (i = 0; i < t->nsamples; i++) {
		counts[r->end[i]]++;
		early += r->end[i] != 0;
	}
	if (!early)
		return;
	printf("- %s ended %zu samples early by its own account:", r->name, early);
	for (e = 1; e < 256; e++)
		if (counts[e])
			printf(" %zu %s;", counts[e], end_name(e));
	printf("\n");
	if (!examples)
		return;
	printf("\n```\n");
	for (i = 0; i < t->nsamples && shown < examples; i++) {
		uint32_t n = r->n[i];

		if (!r->end[i])
			continue;
		printf("sample %zu (%s):\n", i, end_name(r->end[i]));
		print_ends(t, r->ips + i * MAX_FRAMES, n);
		shown++;
	}
	printf("```\n\n");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Distinct pcs over all frames of R: what a per-pc cache has to hold. */
static size_t distinct_pcs(const struct target *t, const struct run *r)
{
	size_t i, j, n = 0, distinct = 0;
	uint64_t *all = malloc(t->nsamples * MAX_FRAMES * sizeof(*all));

	if (!all)
		return 0;
	for (i = 0; i < t->nsamples; i++)
		for (j = 0; j < r->n[i]; j++)
			all[n++] = r->ips[i * MAX_FRAMES + j];
	qsort(all, n, sizeof(*all), cmp_u64);
	for (i = 0; i < n; i++)
		distinct += !i || all[i] != all[i - 1];
	free(all);
	return distinct;
}

static void report(const struct options *o, const struct target *t, const struct run *runs)
{
	uint64_t stack_sum = 0, stack_max = 0;
	size_t i, u, nexec = 0;

	for (i = 0; i < t->nsamples; i++) {
		stack_sum += t->samples[i].stack_size;
		if (t->samples[i].stack_size > stack_max)
			stack_max = t->samples[i].stack_size;
	}
	for (i = 0; i < t->nmaps; i++)
		nexec += t->maps[i].exec;
	printf("### %s\n\n", o->label ? o->label : o->argv ? o->argv[0] : "target");
	printf("%zu samples captured in %.1f s (%" PRIu64 " lost, %" PRIu64 " without user "
	       "registers); stack copies %.1f KiB on average, %.1f KiB at most (limit %" PRIu64
	       "); %zu file mappings, %zu executable; `main` %s; %zu distinct pcs in libdw's "
	       "stacks.\n\n",
	       t->nsamples, t->capture_s, t->lost, t->no_regs,
	       t->nsamples ? stack_sum / 1024.0 / t->nsamples : 0.0, stack_max / 1024.0,
	       o->stack_size, t->nmaps, nexec, t->main_hi ? "found" : "NOT found",
	       runs[0].err ? 0 : distinct_pcs(t, &runs[0]));
	printf("| unwinder | CPU µs/sample, median of %" PRIu64 " passes | min–max | cold "
	       "| unseen | frames/sample | reach `main` | end clean | same pcs as libdw |\n",
	       o->passes);
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (u = 0; u < NUNWINDERS; u++) {
		const struct run *r = &runs[u];
		double sorted[64], per = 1e6 / (double)t->nsamples;
		double per_half = 1e6 / (double)(t->nsamples / 2);
		double per_rest = 1e6 / (double)(t->nsamples - t->nsamples / 2);
		uint64_t frames = 0, main_hits = 0, clean = 0, same = 0;
		size_t np = o->passes < 64 ? o->passes : 64;

		if (r->err == -ECANCELED)
			continue;
		if (r->err) {
			printf("| %s | failed: %s | | | | | | | |\n", r->name, strerror(-r->err));
			continue;
		}
		memcpy(sorted, r->pass_s, np * sizeof(double));
		qsort(sorted, np, sizeof(double), cmp_double);
		for (i = 0; i < t->nsamples; i++) {
			frames += r->n[i];
			main_hits += reaches_main(t, r->ips + i * MAX_FRAMES, r->n[i]);
			clean += !r->end[i];
			same += same_stack(&runs[0], r, i);
		}
		printf("| %s | %.2f | %.2f–%.2f | %.1f | %.2f | %.1f | %.1f%% | %.1f%% | ", r->name,
		       sorted[np / 2] * per, sorted[0] * per, sorted[np - 1] * per,
		       r->cold_s * per_half, r->unseen_s * per_rest, (double)frames / t->nsamples,
		       100.0 * main_hits / t->nsamples, 100.0 * clean / t->nsamples);
		if (u)
			printf("%.1f%% |\n", 100.0 * same / t->nsamples);
		else
			printf("— |\n");
	}
	printf("\n");
	for (u = 0; u < NUNWINDERS; u++)
		if (!runs[u].err)
			report_ends(t, &runs[u], o->examples);
	for (u = 1; u < NUNWINDERS; u++)
		if (!runs[u].err && !runs[0].err)
			report_disagreements(t, &runs[0], &runs[u], o->examples);
	printf("\n");
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: unwind-compare [OPTIONS] -- PROGRAM [ARGS...]\n"
		"       unwind-compare [OPTIONS] -p PID\n"
		"\n"
		"Unwind the same perf samples of one thread with cprof's libdw unwinder and\n"
		"with libunwind's remote API; print their speed and agreement as markdown.\n"
		"\n"
		"Options:\n"
		"  -n, --samples N      samples to capture (default %" PRIu64 ")\n"
		"  -F, --freq HZ        sampling frequency (default %" PRIu64 ")\n"
		"  -s, --stack-size B   bytes of user stack per sample (default %" PRIu64 ")\n"
		"  -w, --warmup N       passes over the first half before the unseen one (default %" PRIu64 ")\n"
		"  -r, --passes N       timed passes, median reported (default %" PRIu64 ")\n"
		"  -e, --examples N     disagreements to print per unwinder (default %" PRIu64 ")\n"
		"  -c, --lu-cache N     libunwind register-state cache entries (default: its own)\n"
		"  -u, --only LIST      run only these unwinders besides libdw (0), e.g. 2,3:\n"
		"                       1 libunwind, ptrace lookup, global cache\n"
		"                       2 libunwind, own tables, global cache\n"
		"                       3 libunwind, own tables, no cache\n"
		"  -t, --timeout S      give up capturing after S seconds (default %" PRIu64 ")\n"
		"  -l, --label TEXT     heading of the report\n"
		"  -p, --pid PID        attach to the main thread of PID (left stopped meanwhile)\n"
		"  -h, --help           this text\n"
		"\n"
		"Examples:\n"
		"  unwind-compare -n 5000 -l mix -- ./ubench-mix\n"
		"  unwind-compare -n 2000 -s 65528 -p $(pidof myserver)\n"
		"\n"
		"Exit status: 0 done, 1 capture or unwinding failed, 2 bad usage.\n",
		default_options.samples, default_options.freq, default_options.stack_size,
		default_options.warmup, default_options.passes, default_options.examples,
		default_options.timeout);
}

static int parse_opt(const char *name, const char *arg, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	if (parse_u64(arg, min, max, out)) {
		fprintf(stderr, "unwind-compare: %s: expected a number in [%" PRIu64 ", %" PRIu64
			"], got '%s'\n", name, min, max, arg);
		return -EINVAL;
	}
	return 0;
}

/* "--only 2,3": run libdw and unwinders 2 and 4 (numbered as in --help). */
static int parse_only(const char *arg, unsigned *skip)
{
	char buf[64], *tok, *save = NULL;
	uint64_t i;

	snprintf(buf, sizeof(buf), "%s", arg);
	*skip = ~0u << 1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_opt("--only", tok, 0, NUNWINDERS - 1, &i))
			return -EINVAL;
		*skip &= ~(1u << i);
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "samples", required_argument, NULL, 'n' },
		{ "freq", required_argument, NULL, 'F' },
		{ "stack-size", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "passes", required_argument, NULL, 'r' },
		{ "examples", required_argument, NULL, 'e' },
		{ "lu-cache", required_argument, NULL, 'c' },
		{ "only", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "label", required_argument, NULL, 'l' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t pid;
	int c, err = 0;

	*o = default_options;
	while (!err && (c = getopt_long(argc, argv, "+n:F:s:w:r:e:c:u:t:l:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			err = parse_opt("--samples", optarg, 2, 1000000, &o->samples);
			break;
		case 'F':
			err = parse_opt("--freq", optarg, 1, 100000, &o->freq);
			break;
		case 's':
			/* the kernel wants a multiple of 8 below 64 KiB */
			err = parse_opt("--stack-size", optarg, 8, 65528, &o->stack_size);
			o->stack_size &= ~7ULL;
			break;
		case 'w':
			err = parse_opt("--warmup", optarg, 1, 100, &o->warmup);
			break;
		case 'r':
			err = parse_opt("--passes", optarg, 1, 64, &o->passes);
			break;
		case 'e':
			err = parse_opt("--examples", optarg, 0, 1000000, &o->examples);
			break;
		case 'c':
			err = parse_opt("--lu-cache", optarg, 0, 1 << 15, &o->lu_cache);
			break;
		case 'u':
			err = parse_only(optarg, &o->skip);
			break;
		case 't':
			err = parse_opt("--timeout", optarg, 1, 86400, &o->timeout);
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'p':
			err = parse_opt("--pid", optarg, 1, INT32_MAX, &pid);
			o->pid = (pid_t)pid;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			err = -EINVAL;
			break;
		}
	}
	if (err)
		return err;
	if (!o->pid == (optind >= argc)) {
		fprintf(stderr, "unwind-compare: give either -p PID or a PROGRAM, not %s\n",
			o->pid ? "both" : "neither");
		return -EINVAL;
	}
	o->argv = o->pid ? NULL : argv + optind;
	return 0;
}

static void target_release(struct target *t)
{
	size_t i;

	if (t->stopped && !t->started)
		kill(t->pid, SIGCONT);
	if (t->started) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, __WALL);
	}
	if (t->dwfl)
		dwfl_end(t->dwfl);
	for (i = 0; i < t->nsamples; i++)
		free(t->samples[i].stack);
	free(t->samples);
	for (i = 0; i < t->nmaps; i++)
		free(t->maps[i].path);
	free(t->maps);
	for (i = 0; i < t->nimages; i++) {
		if (t->images[i].base)
			munmap(t->images[i].base, t->images[i].size);
		free(t->images[i].path);
	}
	free(t->images);
	if (t->vdso_fd >= 0)
		close(t->vdso_fd);
}

int main(int argc, char **argv)
{
	struct options o;
	struct target t = { .vdso_fd = -1 };
	struct run runs[NUNWINDERS];
	size_t u;
	int err, status = 1;

	memset(runs, 0, sizeof(runs));
	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	elf_version(EV_CURRENT);
	if (capture(&o, &t))
		goto out;
	if ((err = stop_target(&t))) {
		fprintf(stderr, "unwind-compare: cannot stop %d: %s\n", t.pid, strerror(-err));
		goto out;
	}
	t.stopped = 1;
	if ((err = read_maps(&t))) {
		fprintf(stderr, "unwind-compare: /proc/%d/maps: %s\n", t.pid, strerror(-err));
		goto out;
	}
	if (vdso_open(&t.vdso_fd, t.vdso_path, sizeof(t.vdso_path)))
		t.vdso_path[0] = '\0';
	load_symbols(&t);
	for (u = 0; u < NUNWINDERS; u++) {
		if (o.skip & (1u << u)) {
			runs[u].err = -ECANCELED;
			runs[u].name = unwinders[u].name;
			continue;
		}
		if ((err = run_unwinder(&unwinders[u], &t, &o, &runs[u]))) {
			fprintf(stderr, "unwind-compare: %s: %s\n", unwinders[u].name,
				strerror(-err));
		}
	}
	report(&o, &t, runs);
	status = runs[0].err ? 1 : 0;
out:
	for (u = 0; u < NUNWINDERS; u++) {
		free(runs[u].ips);
		free(runs[u].n);
		free(runs[u].end);
		free(runs[u].pass_s);
	}
	target_release(&t);
	return status;
}
