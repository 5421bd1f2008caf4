/*
 * fuzz_report - libFuzzer harness: arbitrary bytes as a cprof data file.
 *
 * The input is written to a memfd and read back by path, as `cprof report`
 * would: first record by record through the reader API (every field of
 * every record touched the way a consumer would), then through the whole
 * report pipeline twice: once with everything on (inlines, lines,
 * annotations, demangling, per-thread grouping, --stats, a timeline) into
 * every writer, once plain into the folded writer with
 * a pid filter, per-process or thread-name grouping (by the input's size)
 * and the truncation warning. Output goes to /dev/null; only
 * crashes, sanitizer reports, leaks and hangs count.
 *
 * Built two ways: by build.sh with -fsanitize=fuzzer for fuzzing, and by
 * CMake into replay.c, which calls LLVMFuzzerTestOneInput on every file of
 * the corpus in each test run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cprof/datafile.h"
#include "cprof/resolver.h"
#include "cprof/writer.h"

#include "fuzz.h"

/*
 * Debug info only from the binaries themselves, not /usr/lib/debug: a
 * recording of anything mapping libc would otherwise decompress libc's
 * separate DWARF (libc6-dbg) on every run, at a few runs per second, and
 * the outcome would depend on the -dbg packages installed.
 */
#define NO_DEBUG_DIR "/nonexistent/cprof-fuzz-debug"

struct harness {
	int fd;                  /* memfd holding the current input */
	char path[64];           /* "/proc/self/fd/N" */
	FILE *null;
};

/* Set up once, kept for the life of the process (not a leak: reachable). */
static struct harness *harness_get(void)
{
	static struct harness h = { .fd = -1 };

	if (h.fd >= 0)
		return &h;
	/* no network lookups of debug info, no writes to the user's cache */
	unsetenv("DEBUGINFOD_URLS");
	setenv("CPROF_CACHE_DIR", "/nonexistent/cprof-fuzz-cache", 1);
	h.null = fopen("/dev/null", "we");
	h.fd = memfd_create("cprof-fuzz", MFD_CLOEXEC);
	if (!h.null || h.fd < 0) {
		perror("cprof fuzz: setup");
		abort();
	}
	snprintf(h.path, sizeof(h.path), "/proc/self/fd/%d", h.fd);
	return &h;
}

static void put_input(const struct harness *h, const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(h->fd, 0) < 0)
		abort();
	while (done < size) {
		ssize_t k = pwrite(h->fd, data + done, size - done, (off_t)done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			abort();
		done += (size_t)k;
	}
}

/* Fold a string into SUM so every byte up to its NUL is read. */
static uint64_t sum_str(uint64_t sum, const char *s)
{
	while (*s)
		sum = sum * 31 + (unsigned char)*s++;
	return sum;
}

/*
 * Every field of every record, as a consumer of df_read() may use it.
 * Returns the pid of the first sample (0 if none) for the pid filter.
 */
static uint32_t read_all(const char *path)
{
	struct df_reader *in;
	struct df_record rec;
	volatile uint64_t sink;
	uint64_t sum = 0;
	uint32_t first_pid = 0, i;
	int got;

	if (df_reader_new(path, &in))
		return 0;
	while ((got = df_read(in, &rec)) > 0) {
		switch (rec.type) {
		case DF_META:
			sum += rec.meta.freq + rec.meta.mode + rec.meta.stack_size + rec.meta.kernel +
			       rec.meta.start_realtime_ns;
			sum = sum_str(sum, rec.meta.cmdline);
			sum = sum_str(sum, rec.meta.hostname);
			sum = sum_str(sum, rec.meta.release);
			break;
		case DF_COMM:
			sum += rec.comm.pid + rec.comm.tid + rec.comm.exec + rec.comm.time;
			sum = sum_str(sum, rec.comm.comm);
			break;
		case DF_MMAP:
			sum += rec.mmap.pid + rec.mmap.tid + rec.mmap.time + rec.mmap.start +
			       rec.mmap.len + rec.mmap.pgoff;
			if (rec.mmap.build_id_size > DF_BUILD_ID_MAX)
				abort(); /* the reader promised to refuse it */
			for (i = 0; i < rec.mmap.build_id_size; i++)
				sum += rec.mmap.build_id[i];
			sum = sum_str(sum, rec.mmap.path);
			sum = sum_str(sum, rec.mmap.host_path);
			break;
		case DF_FORK:
		case DF_EXIT:
			sum += rec.task.pid + rec.task.ppid + rec.task.tid + rec.task.ptid + rec.task.time;
			break;
		case DF_STACK:
			sum += rec.stack.id + rec.stack.trunc;
			for (i = 0; i < rec.stack.n; i++)
				sum += rec.stack.ips[i];
			break;
		case DF_SAMPLE:
			sum += rec.sample.time + rec.sample.tid + rec.sample.stack_id + rec.sample.cpu;
			if (!first_pid)
				first_pid = rec.sample.pid;
			break;
		case DF_WSAMPLE:
			sum += rec.wsample.time + rec.wsample.value + rec.wsample.pid +
			       rec.wsample.tid + rec.wsample.stack_id + rec.wsample.cpu +
			       rec.wsample.kind;
			break;
		case DF_LOST:
			sum += rec.lost.time + rec.lost.count;
			break;
		case DF_FINISH:
			sum += rec.finish.time + rec.finish.samples + rec.finish.lost +
			       rec.finish.recorder_cpu_ns + rec.finish.duration_ns +
			       rec.finish.threads + rec.finish.processes;
			break;
		case DF_PERFMAP:
			sum += rec.perfmap.pid;
			for (i = 0; i < rec.perfmap.len; i++)
				sum += (unsigned char)rec.perfmap.text[i];
			break;
		case DF_KSYM:
			sum += rec.ksym.start + rec.ksym.size;
			sum = sum_str(sum, rec.ksym.name);
			break;
		case DF_PYCODE:
		case DF_JSFUNC: /* one layout (datafile.h) */
			sum += rec.pycode.pid + rec.pycode.id + rec.pycode.firstlineno;
			sum = sum_str(sum_str(sum, rec.pycode.qualname), rec.pycode.filename);
			break;
		default:
			abort(); /* unknown types are skipped, never returned */
		}
	}
	sink = sum;
	(void)sink;
	df_reader_free(in);
	return first_pid;
}

/*
 * Resolve the input as O asks and write it: with every writer in every
 * value column (off-CPU recordings have five), or with folded in WO's.
 * What naming found (the statistics' arrays) is walked and released.
 */
static void report_once(struct harness *h, const struct resolve_opts *o, const struct writer_opts *wo,
			int every_writer)
{
	const struct writer *const *all;
	struct report_stats stats;
	struct writer_opts w = *wo;
	struct profile *prof;
	size_t n, i;

	int err = resolver_load(o, &prof, &stats);

	for (i = 0; i < stats.ntrunc_where; i++)
		fputs(stats.trunc_where[i].where, h->null);
	for (i = 0; i < stats.nbinaries; i++)
		fputs(stats.binaries[i].path, h->null);
	for (i = 0; i < stats.nwarnings; i++)
		fputs(stats.warnings[i].path, h->null);
	report_stats_release(&stats);
	if (err)
		return;
	all = writer_all(&n);
	for (w.column = 0; w.column < (every_writer ? prof->ncolumns : 1); w.column++)
		for (i = 0; i < n; i++)
			if (every_writer || !strcmp(all[i]->name, "folded"))
				all[i]->write(prof, &w, h->null);
	profile_free(prof);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct harness *h = harness_get();
	uint32_t pids[2] = { 1 };
	struct resolve_opts full = {
		.input = h->path, .inlines = 1, .lines = 1, .demangle = 1, .timeline = 1,
		.debug_path = NO_DEBUG_DIR, .filter = { .until = -1 },
	};
	struct writer_opts wfull = { .group = GROUP_TID, .annotate = 1, .lines = 1, .limit = 0,
				     .width = 1200, .minwidth = 0.1, .title = "fuzz" };
	struct resolve_opts plain = {
		.input = h->path, .debug_path = NO_DEBUG_DIR,
		.filter = { .pids = pids, .npids = 2, .since = 0.5, .until = -1 },
	};
	struct writer_opts wplain = { .group = size & 1 ? GROUP_PID : GROUP_COMM, .limit = 25,
				      .tty = 1, .columns = 80, .width = 1200 };

	put_input(h, data, size);
	pids[1] = read_all(h->path);
	report_once(h, &full, &wfull, 1);
	report_once(h, &plain, &wplain, 0);
	return 0;
}
