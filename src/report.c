#include "cprof/report.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/addrsyms.h"
#include "cprof/binsource.h"
#include "cprof/datafile.h"
#include "cprof/elffile.h"
#include "cprof/fold.h"
#include "cprof/stacktab.h"
#include "cprof/symbolizer.h"
#include "cprof/util.h"
#include "cprof/vdso.h"

#define NO_MODULE UINT32_MAX

struct map {
	uint64_t start, end, pgoff;
	uint64_t bias;           /* address - bias = ELF vaddr */
	uint32_t mod;            /* symbolizer module, NO_MODULE for [vdso] & co */
	uint32_t label;          /* "[basename]" in names */
	int has_bias;
};

struct proc {
	struct map *maps;        /* sorted by start, disjoint */
	size_t n, cap;
	uint32_t gen;            /* bumped whenever maps change */
	struct addrsyms *jit;    /* from its perf map, if it had one */
};

struct reporter {
	const struct report_opts *opts;
	struct report_stats *stats;
	FILE *warn;
	struct symbolizer *sym;
	struct stacktab *stacks;
	uint8_t *trunc;          /* by stack id */
	size_t ntrunc;
	struct strtab *names;    /* comms, labels, resolved stacks */
	struct pairmap *proc_idx;/* pid -> index in procs */
	struct proc *procs;
	size_t nprocs, capprocs;
	struct pairmap *comm;    /* tid -> name id; pid | 1<<32 -> process name id */
	struct pairmap *resolved;/* (proc << 32 | gen, stack id) -> resolved id */
	struct pairmap *folded;  /* (prefix id, resolved id) -> folder id */
	struct pairmap *trunc_by_mod; /* (reason, mod) -> samples */
	struct pairmap *warned;  /* mod -> 1 */
	struct folder *folder;
	struct addrsyms *ksyms;
	uint8_t *kernel;         /* scratch: which frames of a chain are the kernel's */
	size_t capkernel;
	int vdso_fd;             /* our vDSO, used if the recording's has its build-id */
	char vdso_path[64];
	struct buf line;
};

static int proc_get(struct reporter *r, uint32_t pid, struct proc **out, uint64_t *idx)
{
	if (!pairmap_get(r->proc_idx, pid, 0, idx)) {
		if (array_reserve(&r->procs, &r->capprocs, r->nprocs + 1, sizeof(*r->procs)))
			return -ENOMEM;
		*idx = r->nprocs++;
		if (pairmap_put(r->proc_idx, pid, 0, *idx))
			return -ENOMEM;
	}
	*out = &r->procs[*idx];
	return 0;
}

/* Insert M, cutting away whatever it overlaps, as mmap(2) replaces. */
static int proc_map(struct proc *p, const struct map *m)
{
	size_t i = 0, k = 0;
	struct map tail;
	int have_tail = 0;

	if (array_reserve(&p->maps, &p->cap, p->n + 2, sizeof(*p->maps)))
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		struct map x = p->maps[i];

		if (x.end <= m->start || x.start >= m->end) {
			p->maps[k++] = x;
			continue;
		}
		if (x.start < m->start) {
			struct map left = x;

			left.end = m->start;
			p->maps[k++] = left;
		}
		if (x.end > m->end) {
			tail = x;
			tail.pgoff += m->end - x.start;
			tail.start = m->end;
			have_tail = 1;
		}
	}
	p->n = k;
	for (i = 0; i < p->n && p->maps[i].start < m->start; i++)
		;
	memmove(p->maps + i + 1, p->maps + i, (p->n - i) * sizeof(*m));
	p->maps[i] = *m;
	p->n++;
	if (have_tail) {
		i++;
		memmove(p->maps + i + 1, p->maps + i, (p->n - i) * sizeof(*m));
		p->maps[i] = tail;
		p->n++;
	}
	p->gen++;
	return 0;
}

static const struct map *proc_find(const struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

static int intern(struct reporter *r, const char *s, uint32_t *id)
{
	return strtab_intern(r->names, s, strlen(s), id);
}

static int on_mmap(struct reporter *r, const struct df_mmap *mm)
{
	struct map m = { .start = mm->start, .end = mm->start + mm->len, .pgoff = mm->pgoff,
			 .mod = NO_MODULE };
	const char *base = strrchr(mm->path, '/');
	char label[512];
	struct proc *p;
	uint64_t idx;
	int err;

	if (!strncmp(mm->path, "//anon", 6)) {
		snprintf(label, sizeof(label), "[anon]");
	} else if (!strcmp(mm->path, "[vdso]") && mm->build_id_size && r->vdso_path[0]) {
		err = symbolizer_module_fd(r->sym, r->vdso_path, r->vdso_fd, mm->build_id,
					   mm->build_id_size, &m.mod);
		if (err)
			return err;
		if (symbolizer_module_status(r->sym, m.mod) != MODULE_OK)
			m.mod = NO_MODULE; /* another kernel's vDSO */
		snprintf(label, sizeof(label), "[vdso]");
	} else if (mm->path[0] == '/') {
		/* which file may be read for it: binsource's rules (docs/security.md) */
		char file[4400];

		if (!binsource_for_report(mm->path, mm->host_path, mm->build_id,
					  mm->build_id_size, file, sizeof(file)) &&
		    (err = symbolizer_module(r->sym, file, mm->build_id, mm->build_id_size, &m.mod)))
			return err;
		snprintf(label, sizeof(label), "[%s]", base + 1);
	} else {
		snprintf(label, sizeof(label), "%s", mm->path[0] == '[' ? mm->path : "[unknown]");
	}
	/* the bias is fixed now: later splits of the mapping keep it */
	if (m.mod != NO_MODULE)
		m.has_bias = !symbolizer_bias(r->sym, m.mod, m.start, m.pgoff, &m.bias);
	if ((err = intern(r, label, &m.label)) || (err = proc_get(r, mm->pid, &p, &idx)))
		return err;
	return proc_map(p, &m);
}

static int on_fork(struct reporter *r, const struct df_task *t)
{
	uint64_t name, pidx, cidx;
	struct proc *parent, *child;
	int err;

	if (pairmap_get(r->comm, t->ptid, 0, &name) && pairmap_put(r->comm, t->tid, 0, name))
		return -ENOMEM;
	if (t->pid == t->ppid)
		return 0;
	/* a new process starts with a copy of its parent's mappings */
	if ((err = proc_get(r, t->ppid, &parent, &pidx)) || (err = proc_get(r, t->pid, &child, &cidx)))
		return err;
	parent = &r->procs[pidx];
	if (array_reserve(&child->maps, &child->cap, parent->n, sizeof(*child->maps)))
		return -ENOMEM;
	if (parent->n)
		memcpy(child->maps, parent->maps, parent->n * sizeof(*child->maps));
	child->n = parent->n;
	child->gen++;
	return 0;
}

static int on_comm(struct reporter *r, const struct df_comm *c)
{
	uint32_t id;
	struct proc *p;
	uint64_t idx;
	int err = intern(r, c->comm, &id);

	if (err)
		return err;
	if (pairmap_put(r->comm, c->tid, 0, id))
		return -ENOMEM;
	if (c->pid == c->tid && pairmap_put(r->comm, c->pid, 1, id))
		return -ENOMEM;
	if (c->exec) {
		if ((err = proc_get(r, c->pid, &p, &idx)))
			return err;
		p->n = 0; /* exec replaced the whole address space */
		p->gen++;
	}
	return 0;
}

/* Append one frame name to r->line, cleaned, with its annotation. */
static int put_frame(struct reporter *r, const char *name, const char *suffix)
{
	int err = 0;

	if (r->line.len)
		err = buf_append(&r->line, ";", 1);
	if (!err)
		err = fold_clean_name(name, &r->line);
	if (!err && suffix && r->opts->annotate)
		err = buf_puts(&r->line, suffix);
	return err;
}

static void warn_module(struct reporter *r, uint32_t mod, enum module_status st)
{
	if (st != MODULE_BUILD_ID_MISMATCH || !r->warn || pairmap_get(r->warned, mod, 0, &(uint64_t){ 0 }))
		return;
	pairmap_put(r->warned, mod, 0, 1);
	fprintf(r->warn, "cprof: warning: %s changed since the recording (build-id differs); "
		"its frames are shown as [module+0xoffset]\n", symbolizer_module_path(r->sym, mod));
}

static int put_user_frame(struct reporter *r, const struct proc *p, uint64_t ip, int is_return)
{
	const struct map *m = p ? proc_find(p, ip) : NULL;
	const struct sym_frame *names;
	enum module_status st;
	uint64_t vaddr;
	size_t n, i;
	int err;

	if ((!m || m->mod == NO_MODULE) && p && p->jit) {
		const char *jit = addrsyms_lookup(p->jit, ip - (is_return ? 1 : 0), NULL, NULL);

		if (jit)
			return put_frame(r, jit, "_[j]");
	}
	if (!m)
		return put_frame(r, "[unknown]", NULL);
	if (m->mod == NO_MODULE)
		return put_frame(r, strtab_str(r->names, m->label), NULL);
	st = symbolizer_module_status(r->sym, m->mod);
	if (st == MODULE_BUILD_ID_MISMATCH) {
		char buf[600];
		const char *label = strtab_str(r->names, m->label);

		warn_module(r, m->mod, st);
		snprintf(buf, sizeof(buf), "%.*s+0x%" PRIx64 "]", (int)strlen(label) - 1, label,
			 ip - m->start + m->pgoff);
		return put_frame(r, buf, NULL);
	}
	if (!m->has_bias)
		return put_frame(r, strtab_str(r->names, m->label), NULL);
	vaddr = ip - m->bias;
	err = symbolizer_lookup(r->sym, m->mod, vaddr, is_return, &names, &n);
	if (err)
		return err;
	if (!n)
		return put_frame(r, strtab_str(r->names, m->label), NULL);
	for (i = 0; i < n && !err; i++) {
		err = put_frame(r, symbolizer_str(r->sym, names[i].name),
				names[i].name & SYM_INLINED ? "_[i]" : NULL);
		if (!err && names[i].line != SYM_NO_LINE) {
			err = buf_puts(&r->line, " (");
			if (!err)
				err = fold_clean_name(symbolizer_str(r->sym, names[i].line), &r->line);
			if (!err)
				err = buf_puts(&r->line, ")");
		}
	}
	return err;
}

/* Name the frames of CHAIN (leaf first, with perf context markers), root first into r->line. */
static int resolve_chain(struct reporter *r, const struct proc *p, const uint64_t *chain, size_t n)
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
	r->line.len = 0;
	for (i = n; i-- > 0 && !err;) {
		int is_return = i > 0 && chain[i - 1] < PERF_CONTEXT_MAX;

		if (chain[i] >= PERF_CONTEXT_MAX)
			continue;
		if (kernel[i]) {
			const char *name = addrsyms_lookup(r->ksyms, chain[i] - is_return, NULL, NULL);

			err = put_frame(r, name ? name : "[kernel.kallsyms]", "_[k]");
		}
		else
			err = put_user_frame(r, p, chain[i], is_return);
	}
	return err;
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

/* The first frame: thread name (spaces to '_'), with PID/TID as asked. */
static int prefix_id(struct reporter *r, const struct df_sample *s, uint32_t *id)
{
	uint64_t name;
	char buf[128], comm[80];
	char *c;

	if (pairmap_get(r->comm, s->tid, 0, &name) || pairmap_get(r->comm, s->pid, 1, &name))
		snprintf(comm, sizeof(comm), "%s", strtab_str(r->names, (uint32_t)name));
	else
		snprintf(comm, sizeof(comm), ":%u", s->tid);
	for (c = comm; *c; c++)
		if (*c == ' ' || *c == ';' || *c == '\n' || *c == '\r' || *c == '\t')
			*c = '_';
	if (r->opts->group == GROUP_TID)
		snprintf(buf, sizeof(buf), "%s-%u/%u", comm, s->pid, s->tid);
	else if (r->opts->group == GROUP_PID)
		snprintf(buf, sizeof(buf), "%s-%u", comm, s->pid);
	else
		snprintf(buf, sizeof(buf), "%s", comm);
	return intern(r, buf, id);
}

static void count_truncation(struct reporter *r, const struct proc *p, uint32_t stack_id,
			     const uint64_t *chain, size_t n)
{
	uint8_t why = stack_id < r->ntrunc ? r->trunc[stack_id] : 0;
	const struct map *m;
	uint64_t *slot;

	if (why == DF_TRUNC_NONE || why >= 8)
		return;
	r->stats->truncated[why]++;
	m = n && p ? proc_find(p, chain[n - 1]) : NULL;
	slot = pairmap_slot(r->trunc_by_mod, why, m ? m->label : UINT32_MAX, 0);
	if (slot)
		(*slot)++;
}

static int on_sample(struct reporter *r, const struct df_sample *s)
{
	const uint64_t *chain;
	size_t n;
	struct proc *p = NULL;
	uint64_t pidx = UINT32_MAX, rid, *fid;
	uint32_t prefix, id;
	int err;

	if (!selected(r->opts->pids, r->opts->npids, s->pid) ||
	    !selected(r->opts->tids, r->opts->ntids, s->tid))
		return 0;
	chain = stacktab_get(r->stacks, s->stack_id, &n);
	if (!chain)
		return -EBADMSG;
	r->stats->samples++;
	if (pairmap_get(r->proc_idx, s->pid, 0, &pidx))
		p = &r->procs[pidx];
	count_truncation(r, p, s->stack_id, chain, n);
	if (!pairmap_get(r->resolved, pidx << 32 | (p ? p->gen : 0), s->stack_id, &rid)) {
		err = resolve_chain(r, p, chain, n);
		if (!err)
			err = strtab_intern(r->names, r->line.data ? r->line.data : "", r->line.len, &id);
		if (err)
			return err;
		rid = id;
		if (pairmap_put(r->resolved, pidx << 32 | (p ? p->gen : 0), s->stack_id, rid))
			return -ENOMEM;
	}
	if ((err = prefix_id(r, s, &prefix)))
		return err;
	fid = pairmap_slot(r->folded, prefix, rid, UINT64_MAX);
	if (!fid)
		return -ENOMEM;
	if (*fid == UINT64_MAX) {
		const char *stack = strtab_str(r->names, (uint32_t)rid);

		r->line.len = 0;
		err = buf_puts(&r->line, strtab_str(r->names, prefix));
		if (!err && *stack)
			err = buf_append(&r->line, ";", 1);
		if (!err)
			err = buf_puts(&r->line, stack);
		if (!err)
			err = folder_intern(r->folder, r->line.data, r->line.len, &id);
		if (err)
			return err;
		*fid = id;
	}
	return folder_add(r->folder, (uint32_t)*fid, 1);
}

static int on_stack(struct reporter *r, const struct df_stack *st)
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

static int on_perfmap(struct reporter *r, const struct df_perfmap *pm)
{
	struct proc *p;
	uint64_t idx;
	int err = proc_get(r, pm->pid, &p, &idx);

	if (!err && !p->jit)
		err = addrsyms_new(&p->jit);
	if (!err)
		err = addrsyms_add_perfmap(p->jit, pm->text, pm->len);
	return err;
}

/*
 * JIT and kernel symbols are captured when a recording ends, so they sit
 * at the end of the file: a first pass collects them before any stack is
 * named.
 */
static int read_symbols(struct reporter *r)
{
	struct df_reader *in;
	struct df_record rec;
	int err = df_reader_new(r->opts->input, &in), got = 0;

	while (!err && (got = df_read(in, &rec)) > 0) {
		if (rec.type == DF_PERFMAP)
			err = on_perfmap(r, &rec.perfmap);
		else if (rec.type == DF_KSYM)
			err = addrsyms_add(r->ksyms, rec.ksym.start, rec.ksym.size, rec.ksym.name);
	}
	if (!err && got < 0)
		err = got;
	df_reader_free(in);
	return err == -EBADMSG ? 0 : err;
}

static int dispatch(struct reporter *r, const struct df_record *rec)
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
		return 0;
	case DF_PERFMAP:
	case DF_KSYM:
		return 0; /* taken in the first pass */
	case DF_META:
		r->stats->stack_size = rec->meta.mode == DF_MODE_DWARF ? rec->meta.stack_size : 0;
		return 0;
	case DF_FINISH:
		r->stats->finished = 1;
		r->stats->recorder_cpu_ns = rec->finish.recorder_cpu_ns;
		r->stats->duration_ns = rec->finish.duration_ns;
		return 0;
	default:
		return 0;
	}
}

static const char *trunc_reason(int why)
{
	static const char *const reasons[] = {
		[DF_TRUNC_STACK_COPY] = "stack copy exhausted (raise --stack-size)",
		[DF_TRUNC_NO_CFI] = "no unwind info (CFI) and no frame pointer",
		[DF_TRUNC_BAD_READ] = "bad memory read or address outside any known mapping",
		[DF_TRUNC_DEPTH] = "frame limit reached",
	};

	return why > 0 && why < 5 && reasons[why] ? reasons[why] : "other";
}

static void write_stats(struct reporter *r, FILE *f)
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
static void warn_truncation(struct reporter *r, FILE *f)
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

int report_run(const struct report_opts *opts, struct report_stats *stats, FILE *stats_out,
	       FILE *warn)
{
	struct symbolizer_config scfg = { .inlines = opts->inlines, .lines = opts->lines,
					  .demangle = opts->demangle,
					  .debug_path = opts->debug_path };
	struct reporter r = { .opts = opts, .stats = stats, .warn = warn, .vdso_fd = -1 };
	struct df_reader *in = NULL;
	struct df_record rec;
	int err;

	memset(stats, 0, sizeof(*stats));
	buf_init(&r.line);
	err = df_reader_new(opts->input, &in);
	if (err)
		goto out;
	if ((err = symbolizer_new(&scfg, &r.sym)) || (err = stacktab_new(&r.stacks)) ||
	    (err = strtab_new(&r.names)) || (err = pairmap_new(&r.proc_idx)) ||
	    (err = pairmap_new(&r.comm)) || (err = pairmap_new(&r.resolved)) ||
	    (err = pairmap_new(&r.folded)) || (err = pairmap_new(&r.trunc_by_mod)) ||
	    (err = pairmap_new(&r.warned)) || (err = folder_new(&r.folder)) ||
	    (err = addrsyms_new(&r.ksyms)))
		goto out;
	if (vdso_open(&r.vdso_fd, r.vdso_path, sizeof(r.vdso_path)))
		r.vdso_path[0] = '\0';
	if ((err = read_symbols(&r)))
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
	stats->skipped = df_reader_skipped(in);
	if (err)
		goto out;
	err = folder_write(r.folder, opts->out);
	if (!err && stats_out)
		write_stats(&r, stats_out);
	else if (!err && warn)
		warn_truncation(&r, warn);
out:
	df_reader_free(in);
	symbolizer_free(r.sym);
	stacktab_free(r.stacks);
	strtab_free(r.names);
	pairmap_free(r.proc_idx);
	pairmap_free(r.comm);
	pairmap_free(r.resolved);
	pairmap_free(r.folded);
	pairmap_free(r.trunc_by_mod);
	pairmap_free(r.warned);
	folder_free(r.folder);
	for (size_t i = 0; i < r.nprocs; i++) {
		free(r.procs[i].maps);
		addrsyms_free(r.procs[i].jit);
	}
	addrsyms_free(r.ksyms);
	free(r.kernel);
	if (r.vdso_fd >= 0)
		close(r.vdso_fd);
	free(r.procs);
	free(r.trunc);
	buf_release(&r.line);
	return err;
}
