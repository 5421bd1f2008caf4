/* Warnings and statistics of a recording, as text (notes.h). */
#include "cprof/notes.h"

#include <inttypes.h>

#include "cprof/datafile.h"

static const char *trunc_reason(uint32_t why)
{
	static const char *const reasons[] = {
		[DF_TRUNC_STACK_COPY] = "stack copy exhausted (raise --stack-size)",
		[DF_TRUNC_NO_CFI] = "no unwind info (CFI) and no frame pointer",
		[DF_TRUNC_BAD_READ] = "bad memory read or address outside any known mapping",
		[DF_TRUNC_DEPTH] = "frame limit reached",
		[DF_TRUNC_OTHER_STACK] = "the caller is on another stack (Go's vDSO calls)",
	};

	return why > 0 && why < sizeof(reasons) / sizeof(reasons[0]) && reasons[why] ?
		       reasons[why] : "other";
}

static const char *binary_note(enum namer_note_kind kind)
{
	switch (kind) {
	case NAMER_MISSING:
		return "file not found";
	case NAMER_NOT_ELF:
		return "not an ELF file";
	case NAMER_CHANGED:
		return "file changed since the recording";
	case NAMER_NO_SYMBOLS:
		return "no symbols";
	case NAMER_NO_DEBUGINFO:
		return "no debug info (no inline frames or lines)";
	default:
		return "?";
	}
}

static uint64_t truncated(const struct report_stats *st)
{
	uint64_t bad = 0;
	int why;

	for (why = 1; why < 8; why++)
		bad += st->truncated[why];
	return bad;
}

static void say_warnings(FILE *f, const struct report_stats *st)
{
	size_t i;

	for (i = 0; i < st->nwarnings; i++) {
		const struct report_note *n = &st->warnings[i];

		if (n->kind == NAMER_CHANGED)
			fprintf(f, "cprof: warning: %s changed since the recording (build-id differs); "
				"its frames are shown as [module+0xoffset]\n", n->path);
		else if (n->kind == NAMER_CACHE_REFUSED)
			fprintf(f, "cprof: warning: not using %s: it or a directory of the build-id "
				"cache is not owned by root or you, or others can write to it "
				"('--stats' counts them)\n", n->path);
	}
}

/* record -a: the processes kept, what was not recorded, what the budget dropped. */
static void say_host(FILE *f, const struct report_stats *st)
{
	fprintf(f, "# -a: samples of %" PRIu32 " processes recorded; %" PRIu64 " samples not "
		"(cprof's own, kernel threads', excluded and other names' processes)\n",
		st->host_processes, st->host_filtered);
	fprintf(f, "# -a: mappings of %" PRIu32 " processes read from /proc (running before the "
		"recording), %" PRIu32 " unreadable (exited or not ours: their samples keep the "
		"sampled address alone)\n", st->host_read, st->host_unreadable);
	fprintf(f, "# -a: unwinding state of %" PRIu64 " processes dropped past --max-processes %"
		PRIu32 ", %" PRIu32 " of them read again at their next sample\n", st->host_dropped,
		st->max_processes, st->host_reread);
}

static void say_stats(FILE *f, const struct report_stats *st)
{
	uint64_t bad = truncated(st);
	size_t i;

	fprintf(f, "# samples: %" PRIu64 ", distinct stacks: %" PRIu64 ", lost: %" PRIu64 "\n",
		st->samples, st->stacks, st->lost);
	if (st->duration_ns)
		fprintf(f, "# recorder CPU: %.2f s over %.2f s (%.1f%% of one CPU)\n",
			st->recorder_cpu_ns / 1e9, st->duration_ns / 1e9,
			100.0 * st->recorder_cpu_ns / st->duration_ns);
	if (st->all)
		say_host(f, st);
	fprintf(f, "# truncated stacks: %" PRIu64 " of %" PRIu64 " samples (%.1f%%)\n", bad,
		st->samples, st->samples ? 100.0 * bad / st->samples : 0.0);
	for (i = 0; i < st->ntrunc_where; i++)
		fprintf(f, "#   %8" PRIu64 "  %s, in %s\n", st->trunc_where[i].samples,
			trunc_reason(st->trunc_where[i].reason), st->trunc_where[i].where);
	for (i = 0; i < st->nbinaries; i++)
		fprintf(f, "# %s: %s%s%s\n", binary_note(st->binaries[i].kind), st->binaries[i].path,
			st->binaries[i].build_id[0] ? " build-id " : "", st->binaries[i].build_id);
	if (st->cache_refused)
		fprintf(f, "# build-id cache copies not used (not owned by root or you, or writable "
			"by others): %" PRIu64 "\n", st->cache_refused);
	if (st->python.stacks)
		fprintf(f, "# Python stacks: %" PRIu64 " samples; %" PRIu64 " (%.1f%%) with another "
			"number of evaluation-loop runs than the native stack (read after it moved on, "
			"or the native stack cut short), %" PRIu64 " with none (Python frames at the "
			"root)\n", st->python.stacks,
			st->python.mismatched, 100.0 * st->python.mismatched / st->python.stacks,
			st->python.no_eval);
	/* a runtime that could have named its JIT code and did not: how to make it */
	for (i = 0; i < st->nhints; i++)
		fprintf(f, "# PID %" PRIu32 " %s\n", st->hints[i].pid, jit_hint(st->hints[i].runtime));
}

/* Without --stats: one line when truncated stacks are worth knowing about. */
static void say_truncation(FILE *f, const struct report_stats *st)
{
	uint64_t bad = truncated(st);

	if (!st->samples || bad * 100 < st->samples)
		return;
	fprintf(f, "cprof: %.1f%% of samples have truncated stacks", 100.0 * bad / st->samples);
	if (st->truncated[DF_TRUNC_STACK_COPY] * 2 >= bad)
		fprintf(f, ", mostly because the stack copy (%u bytes) was too small: record with a "
			"larger --stack-size", st->stack_size);
	fprintf(f, "; 'cprof report --stats' lists reasons per binary\n");
}

int notes_load(const struct resolve_opts *opts, struct profile **out, struct report_stats *st,
	       int stats, FILE *f)
{
	int err = resolver_load(opts, out, st);

	say_warnings(f, st);
	if (!err && stats)
		say_stats(f, st);
	else if (!err)
		say_truncation(f, st);
	report_stats_release(st);
	return err;
}
