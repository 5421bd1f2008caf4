#include "cprof/resolver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/datafile.h"
#include "cprof/replay.h"
#include "cprof/util.h"

struct resolver {
	struct replay_tool tool; /* first: the replay's callbacks get the resolver */
	const struct resolve_opts *opts;
	struct report_stats *stats;
	struct profile *prof;
	struct replay *replay;
	uint32_t col_samples, col_cpu;
	uint32_t col_offcpu, col_runq, col_wall; /* PROFILE_NONE unless recorded --off-cpu */
	int events_unordered;    /* timeline events were added out of time order */
	int first_pass;          /* reading the file the first time */
	enum df_offcpu offcpu;   /* of the META record */
	uint64_t start_time;     /* CLOCK_MONOTONIC ns of the start */
	uint64_t first_sample, end, duration; /* the first pass's times */
	struct pairmap *threads; /* (pid << 32 | tid, comm << 32 | process) -> profile thread */
	struct pairmap *trunc_by_mod; /* (reason, label) -> samples */
	struct pairmap *runtimes;/* (pid, 0) -> enum jit_runtime it maps; (pid, 1) -> it has JIT names */
	uint64_t unknown_stacks; /* samples whose stack record is missing */
};

static uint64_t add_sat_u64(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
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

/* The profile's thread of sample S. */
static int thread_of(struct resolver *r, const struct replay_sample *s, uint32_t *id)
{
	uint64_t *slot = pairmap_slot(r->threads, (uint64_t)s->pid << 32 | s->tid,
				      (uint64_t)s->comm_id << 32 | s->process_id, UINT64_MAX);
	int err;

	if (!slot)
		return -ENOMEM;
	if (*slot == UINT64_MAX) {
		err = profile_thread_in(r->prof, s->pid, s->tid, s->comm, s->process,
					s->container, id);
		if (err)
			return err;
		*slot = *id;
	}
	*id = (uint32_t)*slot;
	return 0;
}

/*
 * Count the truncation of sample S's stack, as the unwinder said, unless
 * it reached a root (cprof/roots.h): a stack that begins where every
 * stack begins is complete, whatever was said of the step after it.
 */
static void count_truncation(struct resolver *r, const struct replay_sample *s)
{
	struct namer *nm = replay_namer(r->replay);
	enum root_kind root;
	uint32_t why;
	uint64_t *slot;
	size_t n;
	const uint64_t *chain = replay_chain(r->replay, s->stack_id, &n, &why);

	if (!chain || why == DF_TRUNC_NONE || why >= 8)
		return;
	n = df_native_len(chain, n);
	root = n ? namer_root_at(nm, s->pid, chain[n - 1], n > 1) : ROOT_NONE;
	if (root == ROOT_START || root == ROOT_SWITCH)
		return;
	r->stats->truncated[why]++;
	r->prof->meta.truncated++;
	slot = pairmap_slot(r->trunc_by_mod, why,
			    n ? namer_label_at(nm, s->pid, chain[n - 1]) : UINT32_MAX, 0);
	if (slot)
		(*slot)++;
}

static int keep(const struct sample_filter *flt, double t, const struct replay_sample *s)
{
	return selected(flt->pids, flt->npids, s->pid) && selected(flt->tids, flt->ntids, s->tid) &&
	       (!flt->comm || !strcmp(flt->comm, s->comm) || !strcmp(flt->comm, s->process)) &&
	       (!flt->container ||
		!strncmp(s->container, flt->container, strlen(flt->container))) &&
	       t >= flt->since && (flt->until < 0 || t < flt->until);
}

/*
 * A sample or an interval: add its values (one per column) under its
 * stack and thread, if the filter keeps it; a CPU sample is also counted,
 * checked for truncation and put on the timeline.
 */
static int on_sample(struct replay_tool *tool, const struct replay_sample *s)
{
	struct resolver *r = (struct resolver *)tool;
	double t = s->time > r->start_time ? (s->time - r->start_time) / 1e9 : 0;
	int64_t values[5] = { 0 };
	int cpu = s->kind == REPLAY_CPU;
	uint32_t thread, row, stack;
	int err;

	if (cpu) {
		values[r->col_samples] = 1;
		values[r->col_cpu] = (int64_t)r->prof->meta.period_ns;
	} else if (r->col_wall == PROFILE_NONE) {
		return 0; /* an interval in a recording that says it has none */
	} else {
		/* a damaged length must not overflow a column's sum */
		values[s->kind == REPLAY_OFFCPU ? r->col_offcpu : r->col_runq] =
			s->value < (uint64_t)1 << 50 ? (int64_t)s->value : 0;
	}
	if (r->col_wall != PROFILE_NONE)
		values[r->col_wall] = cpu ? values[r->col_cpu] : values[s->kind == REPLAY_OFFCPU ?
									    r->col_offcpu : r->col_runq];
	if (!keep(&r->opts->filter, t, s))
		return 0;
	err = replay_stack(r->replay, s->pid, s->stack_id, &stack);
	if (err == -ENOENT) {
		r->unknown_stacks++; /* its STACK record was damaged: pass it over, counted */
		return 0;
	}
	if (err)
		return err;
	if (cpu) {
		enum pyframes_fit fit = namer_python_fit(replay_namer(r->replay), stack);

		r->stats->samples++;
		count_truncation(r, s);
		r->stats->python.stacks += fit != PYFIT_NONE;
		r->stats->python.mismatched += fit == PYFIT_MISMATCH;
		r->stats->python.no_eval += fit == PYFIT_NO_EVAL;
	} else {
		r->stats->wsamples++;
	}
	if ((err = thread_of(r, s, &thread)) ||
	    (err = profile_add(r->prof, stack, thread, values, &row)))
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

static int on_meta(struct replay_tool *tool, const struct df_meta *m)
{
	struct resolver *r = (struct resolver *)tool;
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
	return 0;
}

/* A mapping: the JIT runtime it may show (--stats' hint). */
static int on_mmap(struct replay_tool *tool, const struct df_mmap *m)
{
	struct resolver *r = (struct resolver *)tool;
	enum jit_runtime rt = jit_runtime_of_path(m->path);

	return rt != JIT_NONE && pairmap_put(r->runtimes, m->pid, 0, rt) ? -ENOMEM : 0;
}

/* A process named its JIT code. */
static int on_perfmap(struct replay_tool *tool, const struct df_perfmap *pm)
{
	struct resolver *r = (struct resolver *)tool;

	return pairmap_put(r->runtimes, pm->pid, 1, 1) ? -ENOMEM : 0;
}

static int on_lost(struct replay_tool *tool, uint64_t count)
{
	struct resolver *r = (struct resolver *)tool;

	/* a damaged count must not wrap the sum: it stops at UINT64_MAX */
	r->stats->lost = add_sat_u64(r->stats->lost, count);
	r->prof->meta.lost = add_sat_u64(r->prof->meta.lost, count);
	return 0;
}

static int on_finish(struct replay_tool *tool, const struct df_finish *f)
{
	struct resolver *r = (struct resolver *)tool;

	if (r->first_pass) {
		r->end = f->time;
		r->duration = f->duration_ns;
		return 0;
	}
	r->stats->finished = 1;
	r->stats->all = !!(f->flags & DF_FINISH_ALL);
	r->stats->max_processes = f->max_processes;
	r->stats->host_filtered = f->filtered;
	r->stats->host_dropped = f->dropped;
	r->stats->host_processes = f->host_processes;
	r->stats->host_read = f->read;
	r->stats->host_reread = f->reread;
	r->stats->host_unreadable = f->unreadable;
	r->stats->recorder_cpu_ns = f->recorder_cpu_ns;
	r->stats->duration_ns = f->duration_ns;
	r->prof->meta.duration_ns = f->duration_ns;
	return 0;
}

/*
 * JIT and kernel symbols are captured when a recording ends, so they sit
 * at the end of the file, and so does the FINISH record that says when it
 * started: a first pass replays them (and the META record) before any
 * stack is named; the second pass replays the rest.
 */
static int first_pass(struct resolver *r)
{
	struct df_reader *in;
	struct df_record rec;
	int err = df_reader_new(r->opts->input, &in), got = 0;

	r->first_pass = 1;
	while (!err && (got = df_read(in, &rec)) > 0) {
		if (rec.type == DF_PERFMAP || rec.type == DF_KSYM || rec.type == DF_META ||
		    rec.type == DF_FINISH)
			err = replay_record(r->replay, &rec);
		else if (rec.type == DF_SAMPLE && (!r->first_sample || rec.sample.time < r->first_sample))
			r->first_sample = rec.sample.time;
	}
	if (!err && got < 0)
		err = got;
	df_reader_free(in);
	r->first_pass = 0;
	/* the start: FINISH says it; a recording cut short starts at its first sample */
	r->start_time = r->end && r->duration <= r->end ? r->end - r->duration : r->first_sample;
	if (r->first_sample && r->first_sample < r->start_time)
		r->start_time = r->first_sample;
	return err == -EBADMSG ? 0 : err;
}

/*
 * The records the first pass did not replay. Returns 0, or the replay's
 * -errno; *END gets how the file ended (df_read()'s 0 or -errno).
 */
static int second_pass(struct resolver *r, struct df_reader *in, int *end)
{
	struct df_record rec;
	int err;

	while ((*end = df_read(in, &rec)) > 0) {
		if (rec.type == DF_PERFMAP || rec.type == DF_KSYM || rec.type == DF_META)
			continue;
		if ((err = replay_record(r->replay, &rec)))
			return err;
	}
	return 0;
}

static int copy_note(struct report_note *to, const struct namer_note *from)
{
	to->kind = from->kind;
	snprintf(to->build_id, sizeof(to->build_id), "%s", from->build_id);
	to->path = printable_dup(from->path); /* the target named it */
	return to->path ? 0 : -ENOMEM;
}

/* What naming found, into r->stats as data. */
static int collect_stats(struct resolver *r)
{
	struct report_stats *st = r->stats;
	struct namer *nm = replay_namer(r->replay);
	struct namer_note note;
	size_t pos = 0, i, cap = 0;
	uint64_t a, b, v, named;
	int got;

	st->stacks = replay_stack_count(r->replay);
	st->cache_refused = namer_cache_refused(nm);
	while (pairmap_next(r->trunc_by_mod, &pos, &a, &b, &v)) {
		struct report_trunc *t;

		if (array_reserve(&st->trunc_where, &cap, st->ntrunc_where + 1, sizeof(*t)))
			return -ENOMEM;
		t = &st->trunc_where[st->ntrunc_where];
		*t = (struct report_trunc){ .reason = (uint32_t)a, .samples = v,
					    .where = printable_dup(namer_label(nm, (uint32_t)b)) };
		if (!t->where)
			return -ENOMEM;
		st->ntrunc_where++;
	}
	for (i = 0, cap = 0; !namer_warning(nm, i, &note); i++) {
		if (array_reserve(&st->warnings, &cap, st->nwarnings + 1, sizeof(*st->warnings)) ||
		    copy_note(&st->warnings[st->nwarnings++], &note))
			return -ENOMEM;
	}
	for (i = 0, cap = 0; (got = namer_module_note(nm, i, &note)) >= 0; i++) {
		if (got)
			continue;
		if (array_reserve(&st->binaries, &cap, st->nbinaries + 1, sizeof(*st->binaries)) ||
		    copy_note(&st->binaries[st->nbinaries++], &note))
			return -ENOMEM;
	}
	/* a runtime that could have named its JIT code and did not */
	for (pos = 0, cap = 0; pairmap_next(r->runtimes, &pos, &a, &b, &v);) {
		if (b || pairmap_get(r->runtimes, a, 1, &named) || !jit_hint((enum jit_runtime)v))
			continue;
		if ((v == JIT_PYTHON && st->python.stacks) || (v == JIT_NODE && namer_js_frames(nm)))
			continue; /* named from its memory */
		if (array_reserve(&st->hints, &cap, st->nhints + 1, sizeof(*st->hints)))
			return -ENOMEM;
		st->hints[st->nhints++] = (struct report_hint){ (uint32_t)a, (enum jit_runtime)v };
	}
	return 0;
}

void report_stats_release(struct report_stats *st)
{
	size_t i;

	for (i = 0; i < st->ntrunc_where; i++)
		free(st->trunc_where[i].where);
	for (i = 0; i < st->nwarnings; i++)
		free(st->warnings[i].path);
	for (i = 0; i < st->nbinaries; i++)
		free(st->binaries[i].path);
	free(st->trunc_where);
	free(st->warnings);
	free(st->binaries);
	free(st->hints);
	st->trunc_where = NULL;
	st->warnings = st->binaries = NULL;
	st->hints = NULL;
	st->ntrunc_where = st->nwarnings = st->nbinaries = st->nhints = 0;
}

static void resolver_release(struct resolver *r)
{
	replay_free(r->replay);
	pairmap_free(r->threads);
	pairmap_free(r->trunc_by_mod);
	pairmap_free(r->runtimes);
}

int resolver_load(const struct resolve_opts *opts, struct profile **out,
		  struct report_stats *stats)
{
	struct namer_config ncfg = { .inlines = opts->inlines, .lines = opts->lines,
				     .demangle = opts->demangle, .debug_path = opts->debug_path };
	struct resolver r = { .tool = { .meta = on_meta, .sample = on_sample, .mmap = on_mmap,
					.perfmap = on_perfmap, .lost = on_lost,
					.finish = on_finish },
			      .opts = opts, .stats = stats };
	struct df_reader *in = NULL;
	int err, end = 0;

	memset(stats, 0, sizeof(*stats));
	*out = NULL;
	err = df_reader_new(opts->input, &in);
	if (err)
		goto out;
	if ((err = profile_new(&r.prof)) ||
	    (err = profile_add_column(r.prof, "samples", "count", &r.col_samples)) ||
	    (err = profile_add_column(r.prof, "cpu", "nanoseconds", &r.col_cpu)) ||
	    (err = replay_new(&ncfg, r.prof, &r.tool, &r.replay)) ||
	    (err = pairmap_new(&r.threads)) || (err = pairmap_new(&r.trunc_by_mod)) ||
	    (err = pairmap_new(&r.runtimes)))
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
	if ((err = second_pass(&r, in, &end)))
		goto out;
	if (end == -EBADMSG)
		stats->cut_short = 1;
	else
		err = end;
	stats->skipped = df_reader_skipped(in) + r.unknown_stacks;
	if (err || (err = collect_stats(&r)))
		goto out;
	if (r.events_unordered)
		profile_sort_events(r.prof);
	*out = r.prof;
	r.prof = NULL;
out:
	df_reader_free(in);
	profile_free(r.prof);
	resolver_release(&r);
	return err;
}
