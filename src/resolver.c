#include "cprof/resolver.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/addrspace.h"
#include "cprof/addrsyms.h"
#include "cprof/binsource.h"
#include "cprof/datafile.h"
#include "cprof/elffile.h"
#include "cprof/stacktab.h"
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

struct resolver {
	const struct resolve_opts *opts;
	struct report_stats *stats;
	FILE *warn;
	struct profile *prof;
	uint32_t col_samples, col_cpu;
	uint64_t start_time;     /* CLOCK_MONOTONIC ns of the start */
	struct symbolizer *sym;
	struct addrspace *as;
	struct stacktab *stacks;
	uint8_t *trunc;          /* by stack id */
	size_t ntrunc;
	struct strtab *names;    /* comms, labels */
	struct pairmap *jit_idx; /* pid -> index in jits */
	struct addrsyms **jits;  /* from the processes' perf maps */
	size_t njits, capjits;
	struct pairmap *comm;    /* tid -> name id; pid | 1<<32 -> process name id */
	struct pairmap *resolved;/* (pid << 32 | gen, stack id) -> profile stack id */
	struct pairmap *threads; /* (pid << 32 | tid, comm << 32 | process name) -> profile thread */
	struct pairmap *locs;    /* location key -> location id */
	struct pairmap *trunc_by_mod; /* (reason, label) -> samples */
	struct pairmap *warned;  /* mod -> 1 */
	struct addrsyms *ksyms;
	uint32_t kernel_mod;     /* profile module of kernel frames */
	uint8_t *kernel;         /* scratch: which frames of a chain are the kernel's */
	size_t capkernel;
	uint32_t *frames;        /* scratch: profile frame ids of a stack, leaf first */
	size_t nframes, capframes;
	uint64_t unknown_stacks; /* samples whose stack record is missing */
	int vdso_fd;             /* our vDSO, used if the recording's has its build-id */
	char vdso_path[64];
};

static int intern(struct resolver *r, const char *s, uint32_t *id)
{
	return strtab_intern(r->names, s, strlen(s), id);
}

static int on_mmap(struct resolver *r, const struct df_mmap *mm)
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

		if (!binsource_for_report(mm->path, mm->host_path, mm->build_id,
					  mm->build_id_size, file, sizeof(file)) &&
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
	if ((err = intern(r, label, &m.ids[ID_LABEL])))
		return err;
	return addrspace_map(r->as, mm->pid, &m);
}

static int on_fork(struct resolver *r, const struct df_task *t)
{
	uint64_t name;

	if (pairmap_get(r->comm, t->ptid, 0, &name) && pairmap_put(r->comm, t->tid, 0, name))
		return -ENOMEM;
	/* a new process starts with a copy of its parent's mappings */
	return addrspace_fork(r->as, t->ppid, t->pid);
}

static int on_comm(struct resolver *r, const struct df_comm *c)
{
	uint32_t id;
	int err = intern(r, c->comm, &id);

	if (err)
		return err;
	if (pairmap_put(r->comm, c->tid, 0, id))
		return -ENOMEM;
	if (c->pid == c->tid && pairmap_put(r->comm, c->pid, 1, id))
		return -ENOMEM;
	/* exec replaced the whole address space */
	return c->exec ? addrspace_exec(r->as, c->pid) : 0;
}

static void warn_module(struct resolver *r, uint32_t mod, enum module_status st)
{
	if (st != MODULE_BUILD_ID_MISMATCH || !r->warn || pairmap_get(r->warned, mod, 0, &(uint64_t){ 0 }))
		return;
	pairmap_put(r->warned, mod, 0, 1);
	fprintf(r->warn, "cprof: warning: %s changed since the recording (build-id differs); "
		"its frames are shown as [module+0xoffset]\n", symbolizer_module_path(r->sym, mod));
}

/* The location id of KEY (a LOC_* tag | id, ADDRESS). */
static int location(struct resolver *r, uint64_t key, uint64_t address, uint32_t *loc)
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
static int push_frame(struct resolver *r, const struct profile_frame *f)
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
static int push_placeholder(struct resolver *r, const char *name, uint32_t module,
			    uint64_t address, uint64_t key)
{
	struct profile_frame f = { .name = name, .module = module, .address = address,
				   .kind = FRAME_USER };
	int err = location(r, key, address, &f.location);

	return err ? err : push_frame(r, &f);
}

static int push_user_frame(struct resolver *r, uint32_t pid, uint64_t ip, int is_return)
{
	const struct as_map *m = addrspace_find(r->as, pid, ip);
	uint64_t jidx, vaddr, lookup = ip - (is_return ? 1 : 0);
	const struct sym_frame *names;
	struct profile_frame f = { .kind = FRAME_USER, .symbolized = 1 };
	enum module_status st;
	uint32_t mod, pmod;
	const char *label;
	size_t n, i;
	int err;

	if ((!m || m->ids[ID_SYM] == NO_MODULE) && pairmap_get(r->jit_idx, pid, 0, &jidx)) {
		const char *jit = addrsyms_lookup(r->jits[jidx], lookup, NULL, NULL);

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
	label = strtab_str(r->names, m->ids[ID_LABEL]);
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
		return push_placeholder(r, label, pmod, vaddr - (is_return ? 1 : 0),
					LOC_USER | mod);
	f.module = pmod;
	f.address = vaddr - (is_return ? 1 : 0);
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

static int push_kernel_frame(struct resolver *r, uint64_t ip, int is_return)
{
	uint64_t lookup = ip - (is_return ? 1 : 0);
	const char *name = addrsyms_lookup(r->ksyms, lookup, NULL, NULL);
	struct profile_frame f = { .name = name ? name : "[kernel.kallsyms]",
				   .module = r->kernel_mod, .address = lookup,
				   .kind = FRAME_KERNEL, .symbolized = name != NULL };
	int err = location(r, LOC_KERNEL, lookup, &f.location);

	return err ? err : push_frame(r, &f);
}

/* The profile stack of CHAIN (leaf first, with perf context markers) in PID. */
static int resolve_chain(struct resolver *r, uint32_t pid, const uint64_t *chain, size_t n,
			 uint32_t *stack)
{
	uint64_t ctx = PERF_CONTEXT_USER;
	uint8_t *kernel;
	size_t i;
	int err = 0;

	if (array_reserve(&r->kernel, &r->capkernel, n, 1))
		return -ENOMEM;
	kernel = r->kernel;
	for (i = 0; i < n; i++) {
		if (chain[i] >= PERF_CONTEXT_MAX)
			ctx = chain[i];
		kernel[i] = ctx == PERF_CONTEXT_KERNEL;
	}
	r->nframes = 0;
	for (i = 0; i < n && !err; i++) {
		int is_return = i > 0 && chain[i - 1] < PERF_CONTEXT_MAX;

		if (chain[i] >= PERF_CONTEXT_MAX)
			continue;
		if (kernel[i])
			err = push_kernel_frame(r, chain[i], is_return);
		else
			err = push_user_frame(r, pid, chain[i], is_return);
	}
	if (err)
		return err;
	/* root first */
	for (i = 0; i < r->nframes / 2; i++) {
		uint32_t t = r->frames[i];

		r->frames[i] = r->frames[r->nframes - 1 - i];
		r->frames[r->nframes - 1 - i] = t;
	}
	return profile_stack(r->prof, r->frames, r->nframes, stack);
}

static int selected(const uint32_t *set, size_t n, uint32_t v)
{
	size_t i;

	if (!set)
		return 1;
	for (i = 0; i < n; i++)
		if (set[i] == v)
			return 1;
	return 0;
}

/* Name id of thread KEY (SECOND 0) or process KEY (SECOND 1); UINT32_MAX if unknown. */
static uint32_t name_of(struct resolver *r, uint64_t key, uint64_t second)
{
	uint64_t name;

	return pairmap_get(r->comm, key, second, &name) ? (uint32_t)name : UINT32_MAX;
}

static const char *name_str(struct resolver *r, uint32_t id)
{
	return id == UINT32_MAX ? "" : strtab_str(r->names, id);
}

/* The profile's thread for sample S, whose thread and process names have ids COMM, PROCESS. */
static int thread_of(struct resolver *r, const struct df_sample *s, uint32_t comm,
		     uint32_t process, uint32_t *id)
{
	uint64_t *slot = pairmap_slot(r->threads, (uint64_t)s->pid << 32 | s->tid,
				      (uint64_t)comm << 32 | process, UINT64_MAX);
	int err;

	if (!slot)
		return -ENOMEM;
	if (*slot == UINT64_MAX) {
		err = profile_thread(r->prof, s->pid, s->tid, name_str(r, comm),
				     name_str(r, process), id);
		if (err)
			return err;
		*slot = *id;
	}
	*id = (uint32_t)*slot;
	return 0;
}

/*
 * Count stack STACK_ID's truncation, as the unwinder said, unless CHAIN
 * reached a root (cprof/roots.h): a stack that begins where every stack
 * begins is complete, whatever was said of the step after it.
 */
static void count_truncation(struct resolver *r, uint32_t pid, uint32_t stack_id,
			     const uint64_t *chain, size_t n)
{
	uint8_t why = stack_id < r->ntrunc ? r->trunc[stack_id] : 0;
	const struct as_map *m;
	enum root_kind root;
	uint64_t *slot;

	if (why == DF_TRUNC_NONE || why >= 8)
		return;
	m = n ? addrspace_find(r->as, pid, chain[n - 1]) : NULL;
	if (m && m->ids[ID_SYM] != NO_MODULE && m->has_bias &&
	    symbolizer_module_status(r->sym, m->ids[ID_SYM]) == MODULE_OK) {
		root = symbolizer_root(r->sym, m->ids[ID_SYM], chain[n - 1] - m->bias, n > 1);
		if (root == ROOT_START || root == ROOT_SWITCH)
			return;
	}
	r->stats->truncated[why]++;
	r->prof->meta.truncated++;
	slot = pairmap_slot(r->trunc_by_mod, why, m ? m->ids[ID_LABEL] : UINT32_MAX, 0);
	if (slot)
		(*slot)++;
}

static int on_sample(struct resolver *r, const struct df_sample *s)
{
	const struct sample_filter *flt = &r->opts->filter;
	uint32_t comm = name_of(r, s->tid, 0), process = name_of(r, s->pid, 1);
	double t = s->time > r->start_time ? (s->time - r->start_time) / 1e9 : 0;
	int64_t values[2] = { 1, (int64_t)r->prof->meta.period_ns };
	const uint64_t *chain;
	uint64_t sid, key;
	uint32_t thread, row;
	size_t n;
	int err;

	if (!selected(flt->pids, flt->npids, s->pid) || !selected(flt->tids, flt->ntids, s->tid) ||
	    (flt->comm && strcmp(flt->comm, name_str(r, comm)) &&
	     strcmp(flt->comm, name_str(r, process))) ||
	    t < flt->since || (flt->until >= 0 && t >= flt->until))
		return 0;
	chain = stacktab_get(r->stacks, s->stack_id, &n);
	if (!chain) {
		r->unknown_stacks++; /* its STACK record was damaged: pass it over, counted */
		return 0;
	}
	r->stats->samples++;
	count_truncation(r, s->pid, s->stack_id, chain, n);
	key = (uint64_t)s->pid << 32 | addrspace_gen(r->as, s->pid);
	if (!pairmap_get(r->resolved, key, s->stack_id, &sid)) {
		uint32_t id;

		if ((err = resolve_chain(r, s->pid, chain, n, &id)))
			return err;
		sid = id;
		if (pairmap_put(r->resolved, key, s->stack_id, sid))
			return -ENOMEM;
	}
	if ((err = thread_of(r, s, comm, process, &thread)) ||
	    (err = profile_add(r->prof, (uint32_t)sid, thread, values, &row)))
		return err;
	if (r->opts->timeline)
		err = profile_add_event(r->prof, s->time > r->start_time ? s->time - r->start_time : 0,
					row, r->prof->meta.period_ns);
	return err;
}

static int on_stack(struct resolver *r, const struct df_stack *st)
{
	int err;

	/* ids are dense and in order: anything else is a damaged file */
	if (st->id != stacktab_count(r->stacks))
		return -EBADMSG;
	err = stacktab_insert(r->stacks, st->id, st->ips, st->n);

	if (err)
		return err == -EEXIST ? -EBADMSG : err;
	if (st->id >= r->ntrunc) {
		size_t cap = r->ntrunc ? r->ntrunc : 1024;
		uint8_t *t;

		while (cap <= st->id)
			cap *= 2;
		t = realloc(r->trunc, cap);
		if (!t)
			return -ENOMEM;
		memset(t + r->ntrunc, 0, cap - r->ntrunc);
		r->trunc = t;
		r->ntrunc = cap;
	}
	r->trunc[st->id] = (uint8_t)st->trunc;
	r->stats->stacks++;
	return 0;
}

static int on_perfmap(struct resolver *r, const struct df_perfmap *pm)
{
	uint64_t idx;
	int err = 0;

	if (!pairmap_get(r->jit_idx, pm->pid, 0, &idx)) {
		if (array_reserve(&r->jits, &r->capjits, r->njits + 1, sizeof(*r->jits)))
			return -ENOMEM;
		idx = r->njits;
		if ((err = addrsyms_new(&r->jits[idx])))
			return err;
		r->njits++;
		if (pairmap_put(r->jit_idx, pm->pid, 0, idx))
			return -ENOMEM;
	}
	return addrsyms_add_perfmap(r->jits[idx], pm->text, pm->len);
}

static void on_meta(struct resolver *r, const struct df_meta *m)
{
	struct profile_meta *pm = &r->prof->meta;

	r->stats->stack_size = m->mode == DF_MODE_DWARF ? m->stack_size : 0;
	pm->freq = m->freq;
	pm->period_ns = m->freq ? 1000000000ULL / m->freq : 0;
	pm->start_realtime_ns = m->start_realtime_ns;
	pm->cmdline = profile_str(r->prof, m->cmdline ? m->cmdline : "");
	pm->hostname = profile_str(r->prof, m->hostname ? m->hostname : "");
	pm->release = profile_str(r->prof, m->release ? m->release : "");
	if (!pm->cmdline || !pm->hostname || !pm->release)
		pm->cmdline = pm->hostname = pm->release = "";
}

/*
 * JIT and kernel symbols are captured when a recording ends, so they sit
 * at the end of the file, and so does the FINISH record that says when it
 * started: a first pass collects them before any stack is named.
 */
static int first_pass(struct resolver *r)
{
	struct df_reader *in;
	struct df_record rec;
	uint64_t first_sample = 0, end = 0, duration = 0;
	int err = df_reader_new(r->opts->input, &in), got = 0;

	while (!err && (got = df_read(in, &rec)) > 0) {
		if (rec.type == DF_PERFMAP)
			err = on_perfmap(r, &rec.perfmap);
		else if (rec.type == DF_KSYM)
			err = addrsyms_add(r->ksyms, rec.ksym.start, rec.ksym.size, rec.ksym.name);
		else if (rec.type == DF_META)
			on_meta(r, &rec.meta);
		else if (rec.type == DF_SAMPLE && (!first_sample || rec.sample.time < first_sample))
			first_sample = rec.sample.time;
		else if (rec.type == DF_FINISH) {
			end = rec.finish.time;
			duration = rec.finish.duration_ns;
		}
	}
	if (!err && got < 0)
		err = got;
	df_reader_free(in);
	/* the start: FINISH says it; a recording cut short starts at its first sample */
	r->start_time = end && duration <= end ? end - duration : first_sample;
	if (first_sample && first_sample < r->start_time)
		r->start_time = first_sample;
	return err == -EBADMSG ? 0 : err;
}

static int dispatch(struct resolver *r, const struct df_record *rec)
{
	switch (rec->type) {
	case DF_MMAP:
		return on_mmap(r, &rec->mmap);
	case DF_COMM:
		return on_comm(r, &rec->comm);
	case DF_FORK:
		return on_fork(r, &rec->task);
	case DF_STACK:
		return on_stack(r, &rec->stack);
	case DF_SAMPLE:
		return on_sample(r, &rec->sample);
	case DF_LOST:
		r->stats->lost += rec->lost.count;
		r->prof->meta.lost += rec->lost.count;
		return 0;
	case DF_FINISH:
		r->stats->finished = 1;
		r->stats->recorder_cpu_ns = rec->finish.recorder_cpu_ns;
		r->stats->duration_ns = rec->finish.duration_ns;
		r->prof->meta.duration_ns = rec->finish.duration_ns;
		return 0;
	default:
		return 0; /* META, PERFMAP, KSYM: taken in the first pass */
	}
}

static const char *trunc_reason(int why)
{
	static const char *const reasons[] = {
		[DF_TRUNC_STACK_COPY] = "stack copy exhausted (raise --stack-size)",
		[DF_TRUNC_NO_CFI] = "no unwind info (CFI) and no frame pointer",
		[DF_TRUNC_BAD_READ] = "bad memory read or address outside any known mapping",
		[DF_TRUNC_DEPTH] = "frame limit reached",
		[DF_TRUNC_OTHER_STACK] = "the caller is on another stack (Go's vDSO calls)",
	};

	return why > 0 && why < (int)(sizeof(reasons) / sizeof(reasons[0])) && reasons[why] ?
		       reasons[why] : "other";
}

static void write_stats(struct resolver *r, FILE *f)
{
	struct report_stats *st = r->stats;
	uint64_t a, b, v, bad = 0;
	size_t pos = 0;
	uint32_t mod;
	int why;

	for (why = 1; why < 8; why++)
		bad += st->truncated[why];
	fprintf(f, "# samples: %" PRIu64 ", distinct stacks: %" PRIu64 ", lost: %" PRIu64 "\n",
		st->samples, st->stacks, st->lost);
	if (st->duration_ns)
		fprintf(f, "# recorder CPU: %.2f s over %.2f s (%.1f%% of one CPU)\n",
			st->recorder_cpu_ns / 1e9, st->duration_ns / 1e9,
			100.0 * st->recorder_cpu_ns / st->duration_ns);
	fprintf(f, "# truncated stacks: %" PRIu64 " of %" PRIu64 " samples (%.1f%%)\n", bad,
		st->samples, st->samples ? 100.0 * bad / st->samples : 0.0);
	while (pairmap_next(r->trunc_by_mod, &pos, &a, &b, &v))
		fprintf(f, "#   %8" PRIu64 "  %s, in %s\n", v, trunc_reason((int)a),
			b == UINT32_MAX ? "[unknown]" : strtab_str(r->names, (uint32_t)b));
	for (mod = 0; mod < symbolizer_module_count(r->sym); mod++) {
		struct module_info mi;
		const char *what = NULL;

		symbolizer_module_info(r->sym, mod, &mi);
		if (!mi.used || !strcmp(mi.path, r->vdso_path))
			continue; /* the vDSO has no debug info to install */
		if (mi.status == MODULE_MISSING)
			what = "file not found";
		else if (mi.status == MODULE_NOT_ELF)
			what = "not an ELF file";
		else if (mi.status == MODULE_BUILD_ID_MISMATCH)
			what = "file changed since the recording";
		else if (!mi.has_symbols)
			what = "no symbols";
		else if (!mi.has_debuginfo)
			what = "no debug info (no inline frames or lines)";
		if (what)
			fprintf(f, "# %s: %s%s%s\n", what, mi.path, mi.build_id[0] ? " build-id " : "",
				mi.build_id);
	}
}

/* Without --stats: one line when truncated stacks are worth knowing about. */
static void warn_truncation(struct resolver *r, FILE *f)
{
	struct report_stats *st = r->stats;
	uint64_t bad = 0;
	int why;

	for (why = 1; why < 8; why++)
		bad += st->truncated[why];
	if (!st->samples || bad * 100 < st->samples)
		return;
	fprintf(f, "cprof: %.1f%% of samples have truncated stacks", 100.0 * bad / st->samples);
	if (st->truncated[DF_TRUNC_STACK_COPY] * 2 >= bad)
		fprintf(f, ", mostly because the stack copy (%u bytes) was too small: record with a "
			"larger --stack-size", st->stack_size);
	fprintf(f, "; 'cprof report --stats' lists reasons per binary\n");
}

static void resolver_release(struct resolver *r)
{
	size_t i;

	symbolizer_free(r->sym);
	addrspace_free(r->as);
	stacktab_free(r->stacks);
	strtab_free(r->names);
	pairmap_free(r->jit_idx);
	for (i = 0; i < r->njits; i++)
		addrsyms_free(r->jits[i]);
	free(r->jits);
	pairmap_free(r->comm);
	pairmap_free(r->resolved);
	pairmap_free(r->threads);
	pairmap_free(r->locs);
	pairmap_free(r->trunc_by_mod);
	pairmap_free(r->warned);
	addrsyms_free(r->ksyms);
	free(r->kernel);
	free(r->frames);
	if (r->vdso_fd >= 0)
		close(r->vdso_fd);
	free(r->trunc);
}

int resolver_load(const struct resolve_opts *opts, struct profile **out,
		  struct report_stats *stats, FILE *stats_out, FILE *warn)
{
	struct symbolizer_config scfg = { .inlines = opts->inlines, .lines = opts->lines,
					  .demangle = opts->demangle,
					  .debug_path = opts->debug_path };
	struct resolver r = { .opts = opts, .stats = stats, .warn = warn, .vdso_fd = -1 };
	struct df_reader *in = NULL;
	struct df_record rec;
	int err;

	memset(stats, 0, sizeof(*stats));
	*out = NULL;
	err = df_reader_new(opts->input, &in);
	if (err)
		goto out;
	if ((err = profile_new(&r.prof)) ||
	    (err = profile_add_column(r.prof, "samples", "count", &r.col_samples)) ||
	    (err = profile_add_column(r.prof, "cpu", "nanoseconds", &r.col_cpu)) ||
	    (err = profile_module(r.prof, "[kernel.kallsyms]", "", &r.kernel_mod)) ||
	    (err = symbolizer_new(&scfg, &r.sym)) || (err = stacktab_new(&r.stacks)) ||
	    (err = addrspace_new(&r.as)) || (err = strtab_new(&r.names)) ||
	    (err = pairmap_new(&r.jit_idx)) || (err = pairmap_new(&r.comm)) ||
	    (err = pairmap_new(&r.resolved)) || (err = pairmap_new(&r.threads)) || (err = pairmap_new(&r.locs)) ||
	    (err = pairmap_new(&r.trunc_by_mod)) || (err = pairmap_new(&r.warned)) ||
	    (err = addrsyms_new(&r.ksyms)))
		goto out;
	if (vdso_open(&r.vdso_fd, r.vdso_path, sizeof(r.vdso_path)))
		r.vdso_path[0] = '\0';
	if ((err = first_pass(&r)))
		goto out;
	while ((err = df_read(in, &rec)) > 0) {
		err = dispatch(&r, &rec);
		if (err)
			goto out;
	}
	if (err == -EBADMSG) {
		stats->cut_short = 1;
		err = 0;
	}
	stats->skipped = df_reader_skipped(in) + r.unknown_stacks;
	if (err)
		goto out;
	if (stats_out)
		write_stats(&r, stats_out);
	else if (warn)
		warn_truncation(&r, warn);
	*out = r.prof;
	r.prof = NULL;
out:
	df_reader_free(in);
	profile_free(r.prof);
	resolver_release(&r);
	return err;
}
