#include "cprof/resolver.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/datafile.h"
#include "cprof/jitenv.h"
#include "cprof/namer.h"
#include "cprof/stacktab.h"
#include "cprof/util.h"

struct resolver {
	const struct resolve_opts *opts;
	struct report_stats *stats;
	struct profile *prof;
	uint32_t col_samples, col_cpu;
	uint32_t col_offcpu, col_runq, col_wall; /* PROFILE_NONE unless recorded --off-cpu */
	int events_unordered;    /* timeline events were added out of time order */
	enum df_offcpu offcpu;   /* of the META record */
	uint64_t start_time;     /* CLOCK_MONOTONIC ns of the start */
	struct namer *namer;     /* frames of chains, from the mappings and symbols seen */
	struct stacktab *stacks;
	uint8_t *trunc;          /* by stack id */
	size_t ntrunc;
	struct strtab *names;    /* comms */
	struct pairmap *comm;    /* tid -> name id; pid | 1<<32 -> process name id */
	struct pairmap *resolved;/* (pid << 32 | gen, stack id) -> profile stack id */
	struct pairmap *threads; /* (pid << 32 | tid, comm << 32 | process name) -> profile thread */
	struct pairmap *trunc_by_mod; /* (reason, label) -> samples */
	struct pairmap *runtimes;/* (pid, 0) -> enum jit_runtime it maps; (pid, 1) -> it has JIT names */
	uint64_t unknown_stacks; /* samples whose stack record is missing */
};

static uint64_t add_sat_u64(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int intern(struct resolver *r, const char *s, uint32_t *id)
{
	return strtab_intern(r->names, s, strlen(s), id);
}

static int on_fork(struct resolver *r, const struct df_task *t)
{
	uint64_t name;

	if (pairmap_get(r->comm, t->ptid, 0, &name) && pairmap_put(r->comm, t->tid, 0, name))
		return -ENOMEM;
	/* a new process starts with a copy of its parent's mappings */
	return namer_fork(r->namer, t->ppid, t->pid);
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
	return c->exec ? namer_exec(r->namer, c->pid) : 0;
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
	enum root_kind root;
	uint64_t *slot;

	if (why == DF_TRUNC_NONE || why >= 8)
		return;
	/* a stack that reached where stacks begin is whole, whatever the unwinder said */
	root = n ? namer_root_at(r->namer, pid, chain[n - 1], n > 1) : ROOT_NONE;
	if (root == ROOT_START || root == ROOT_SWITCH)
		return;
	r->stats->truncated[why]++;
	r->prof->meta.truncated++;
	slot = pairmap_slot(r->trunc_by_mod, why,
			    n ? namer_label_at(r->namer, pid, chain[n - 1]) : UINT32_MAX, 0);
	if (slot)
		(*slot)++;
}

/*
 * Add VALUES (one per column) for sample S under its stack and thread,
 * if the filter keeps it; a CPU sample is also counted, checked for
 * truncation and put on the timeline.
 */
static int add_sample(struct resolver *r, const struct df_sample *s, const int64_t *values,
		      int cpu)
{
	const struct sample_filter *flt = &r->opts->filter;
	uint32_t comm = name_of(r, s->tid, 0), process = name_of(r, s->pid, 1);
	double t = s->time > r->start_time ? (s->time - r->start_time) / 1e9 : 0;
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
	if (cpu) {
		r->stats->samples++;
		count_truncation(r, s->pid, s->stack_id, chain, n);
	} else {
		r->stats->wsamples++;
	}
	key = (uint64_t)s->pid << 32 | namer_gen(r->namer, s->pid);
	if (!pairmap_get(r->resolved, key, s->stack_id, &sid)) {
		uint32_t id;

		if ((err = namer_chain(r->namer, s->pid, chain, n, &id)))
			return err;
		sid = id;
		if (pairmap_put(r->resolved, key, s->stack_id, sid))
			return -ENOMEM;
	}
	if ((err = thread_of(r, s, comm, process, &thread)) ||
	    (err = profile_add(r->prof, (uint32_t)sid, thread, values, &row)))
		return err;
	if (r->opts->timeline) {
		struct profile_event e = { .time = s->time > r->start_time ? s->time - r->start_time : 0,
					   .sample = row, .count = cpu ? 1 : 0 };
		size_t c;

		for (c = 0; c < r->prof->ncolumns && c < 32; c++)
			if (values[c]) {
				e.columns |= 1u << c;
				if (c != r->col_samples)
					e.weight = (uint64_t)values[c];
			}
		/* an interval's record comes at its end: out of time order */
		r->events_unordered |= !cpu;
		err = profile_add_event(r->prof, &e);
	}
	return err;
}

static int on_sample(struct resolver *r, const struct df_sample *s)
{
	int64_t values[5] = { 1, (int64_t)r->prof->meta.period_ns };

	if (r->col_wall != PROFILE_NONE)
		values[r->col_wall] = values[r->col_cpu];
	return add_sample(r, s, values, 1);
}

/* An off-CPU interval: its length is off-CPU or run-queue time, and wall time. */
static int on_wsample(struct resolver *r, const struct df_wsample *w)
{
	struct df_sample s = { .time = w->time, .pid = w->pid, .tid = w->tid,
			       .stack_id = w->stack_id, .cpu = w->cpu };
	int64_t values[5] = { 0 };
	/* a damaged length must not overflow a column's sum */
	int64_t v = w->value < (uint64_t)1 << 50 ? (int64_t)w->value : 0;

	if (r->col_wall == PROFILE_NONE || (w->kind != DF_WS_OFFCPU && w->kind != DF_WS_RUNQ))
		return 0;
	values[w->kind == DF_WS_OFFCPU ? r->col_offcpu : r->col_runq] = v;
	values[r->col_wall] = v;
	return add_sample(r, &s, values, 0);
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


static void on_meta(struct resolver *r, const struct df_meta *m)
{
	struct profile_meta *pm = &r->prof->meta;

	r->stats->stack_size = m->mode == DF_MODE_DWARF ? m->stack_size : 0;
	r->offcpu = m->offcpu;
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
			err = pairmap_put(r->runtimes, rec.perfmap.pid, 1, 1) ? -ENOMEM :
			      namer_perfmap(r->namer, &rec.perfmap);
		else if (rec.type == DF_KSYM)
			err = namer_ksym(r->namer, rec.ksym.start, rec.ksym.size, rec.ksym.name);
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

/* A mapping: for the namer, and the JIT runtime it may show (--stats' hint). */
static int on_mmap(struct resolver *r, const struct df_mmap *m)
{
	enum jit_runtime rt = jit_runtime_of_path(m->path);

	if (rt != JIT_NONE && pairmap_put(r->runtimes, m->pid, 0, rt))
		return -ENOMEM;
	return namer_mmap(r->namer, m);
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
	case DF_WSAMPLE:
		return on_wsample(r, &rec->wsample);
	case DF_LOST:
		/* a damaged count must not wrap the sum: it stops at UINT64_MAX */
		r->stats->lost = add_sat_u64(r->stats->lost, rec->lost.count);
		r->prof->meta.lost = add_sat_u64(r->prof->meta.lost, rec->lost.count);
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
	while (pairmap_next(r->trunc_by_mod, &pos, &a, &b, &v)) {
		char *label = printable_dup(namer_label(r->namer, (uint32_t)b)); /* a file name */

		fprintf(f, "#   %8" PRIu64 "  %s, in %s\n", v, trunc_reason((int)a),
			label ? label : "?");
		free(label);
	}
	namer_write_modules(r->namer, f);
	if (namer_cache_refused(r->namer))
		fprintf(f, "# build-id cache copies not used (not owned by root or you, or writable "
			"by others): %" PRIu64 "\n", namer_cache_refused(r->namer));
	/* a runtime that could have named its JIT code and did not: how to make it */
	pos = 0;
	while (pairmap_next(r->runtimes, &pos, &a, &b, &v)) {
		uint64_t named;

		if (!b && !pairmap_get(r->runtimes, a, 1, &named) && jit_hint((enum jit_runtime)v))
			fprintf(f, "# PID %" PRIu64 " %s\n", a, jit_hint((enum jit_runtime)v));
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
	namer_free(r->namer);
	stacktab_free(r->stacks);
	strtab_free(r->names);
	pairmap_free(r->comm);
	pairmap_free(r->resolved);
	pairmap_free(r->threads);
	pairmap_free(r->trunc_by_mod);
	pairmap_free(r->runtimes);
	free(r->trunc);
}

int resolver_load(const struct resolve_opts *opts, struct profile **out,
		  struct report_stats *stats, FILE *stats_out, FILE *warn)
{
	struct namer_config ncfg = { .inlines = opts->inlines, .lines = opts->lines,
				     .demangle = opts->demangle, .debug_path = opts->debug_path,
				     .warn = warn };
	struct resolver r = { .opts = opts, .stats = stats };
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
	    (err = namer_new(&ncfg, r.prof, &r.namer)) || (err = stacktab_new(&r.stacks)) ||
	    (err = strtab_new(&r.names)) || (err = pairmap_new(&r.comm)) ||
	    (err = pairmap_new(&r.resolved)) || (err = pairmap_new(&r.threads)) ||
	    (err = pairmap_new(&r.trunc_by_mod)) || (err = pairmap_new(&r.runtimes)))
		goto out;
	r.col_offcpu = r.col_runq = r.col_wall = PROFILE_NONE;
	if ((err = first_pass(&r)))
		goto out;
	/* after the META record: a recording with --off-cpu has these too */
	if (r.offcpu != DF_OFFCPU_NONE &&
	    ((err = profile_add_column(r.prof, "off-cpu", "nanoseconds", &r.col_offcpu)) ||
	     (err = profile_add_column(r.prof, "runq", "nanoseconds", &r.col_runq)) ||
	     (err = profile_add_column(r.prof, "wall", "nanoseconds", &r.col_wall))))
		goto out;
	stats->offcpu = r.offcpu;
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
	if (r.events_unordered)
		profile_sort_events(r.prof);
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