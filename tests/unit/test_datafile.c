/*
 * Unit tests of include/cprof/datafile.h: every record type written and
 * read back field by field, files cut at every byte, foreign and newer
 * files, the FILE.old rename and the skipping of unknown record types.
 */
#include "unit.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <sys/stat.h>

#include "cprof/datafile.h"
#include "cprof/util.h"
#include "crafted.h"

static const uint64_t chain_ips[] = {
	PERF_CONTEXT_KERNEL, 0xffffffff81234567ULL, PERF_CONTEXT_USER, 0x401234, 0x7f00deadbeefULL,
};

static const char perfmap_text[] =
	"7f0000001000 40 LazyCompile:~handler /srv/app.js:10\n"
	"7f0000001040 1a0 py::worker:/srv/w.py\n";

static struct df_record sample_records[16];

/* One record of every type, with every field set to a distinct value. */
static size_t make_records(void)
{
	struct df_record *r = sample_records;
	size_t n = 0;

	memset(sample_records, 0, sizeof(sample_records));
	r[n].type = DF_META;
	r[n++].meta = (struct df_meta){
		.freq = 997, .mode = DF_MODE_DWARF, .stack_size = 16384, .kernel = 1,
		.start_realtime_ns = 1700000000123456789ULL,
		.cmdline = "cprof record -F 997 -g dwarf -- ./workload 'arg with spaces'",
		.hostname = "build-host", .release = "6.1.0-18-amd64", .offcpu = DF_OFFCPU_WALL,
	};
	r[n].type = DF_COMM;
	r[n++].comm = (struct df_comm){ .pid = 1000, .tid = 1001, .exec = 1, .time = 11,
					.comm = "workload" };
	r[n].type = DF_COMM;
	r[n++].comm = (struct df_comm){ .pid = 1000, .tid = 1002, .exec = 0, .time = 12,
					.comm = "" };
	r[n].type = DF_MMAP;
	r[n].mmap = (struct df_mmap){ .pid = 1000, .tid = 1000, .time = 13,
				      .start = 0x555555554000ULL, .len = 0x2000, .pgoff = 0x1000,
				      .build_id_size = DF_BUILD_ID_MAX,
				      .path = "/home/user/my dir/workload" };
	for (int i = 0; i < DF_BUILD_ID_MAX; i++)
		r[n].mmap.build_id[i] = (unsigned char)(0xf0 - i);
	n++;
	r[n].type = DF_MMAP;
	r[n++].mmap = (struct df_mmap){ .pid = 1000, .tid = 1003, .time = 14,
					.start = 0x7f0000000000ULL, .len = 0x1b000, .pgoff = 0,
					.build_id_size = 0, .path = "/tmp/perf-1000.map (deleted)" };
	r[n].type = DF_FORK;
	r[n++].task = (struct df_task){ .pid = 1000, .ppid = 999, .tid = 1004, .ptid = 1001,
					.time = 15 };
	r[n].type = DF_STACK;
	r[n++].stack = (struct df_stack){ .id = 0, .trunc = DF_TRUNC_NO_CFI,
					  .n = sizeof(chain_ips) / sizeof(chain_ips[0]),
					  .ips = chain_ips };
	r[n].type = DF_STACK;
	r[n++].stack = (struct df_stack){ .id = 1, .trunc = DF_TRUNC_NO_USER, .n = 0,
					  .ips = chain_ips };
	r[n].type = DF_SAMPLE;
	r[n++].sample = (struct df_sample){ .time = 16, .pid = 1000, .tid = 1004, .stack_id = 1,
					    .cpu = 7 };
	r[n].type = DF_WSAMPLE;
	r[n++].wsample = (struct df_wsample){ .time = 16, .pid = 1000, .tid = 1004, .stack_id = 1,
					      .cpu = 6, .kind = DF_WS_RUNQ,
					      .value = 9876543210123ULL };
	r[n].type = DF_LOST;
	r[n++].lost = (struct df_lost){ .time = 17, .count = 123456789012ULL };
	r[n].type = DF_EXIT;
	r[n++].task = (struct df_task){ .pid = 1000, .ppid = 999, .tid = 1004, .ptid = 1004,
					.time = 18 };
	r[n].type = DF_PERFMAP;
	r[n++].perfmap = (struct df_perfmap){ .pid = 1000, .len = sizeof(perfmap_text) - 1,
					      .text = perfmap_text };
	r[n].type = DF_PERFMAP;
	r[n++].perfmap = (struct df_perfmap){ .pid = 1001, .len = 0, .text = perfmap_text };
	r[n].type = DF_KSYM;
	r[n++].ksym = (struct df_ksym){ .start = 0xffffffff81234560ULL, .size = 0x1a0,
					.name = "do_syscall_64" };
	r[n].type = DF_FINISH;
	r[n++].finish = (struct df_finish){ .time = 19, .samples = 1, .lost = 123456789012ULL,
					    .recorder_cpu_ns = 20, .duration_ns = 21,
					    .threads = 3, .processes = 1, .flags = DF_FINISH_ALL,
					    .max_processes = 256, .filtered = 5000000000ULL,
					    .dropped = 6000000000ULL, .host_processes = 22,
					    .read = 23, .reread = 24, .unreadable = 25 };
	assert_true(n <= sizeof(sample_records) / sizeof(sample_records[0]));
	return n;
}

static void assert_record_equal(const struct df_record *w, const struct df_record *g)
{
	assert_int_equal(g->type, w->type);
	switch (w->type) {
	case DF_META:
		assert_int_equal(g->meta.freq, w->meta.freq);
		assert_int_equal(g->meta.mode, w->meta.mode);
		assert_int_equal(g->meta.stack_size, w->meta.stack_size);
		assert_int_equal(g->meta.kernel, w->meta.kernel);
		assert_int_equal(g->meta.start_realtime_ns, w->meta.start_realtime_ns);
		assert_string_equal(g->meta.cmdline, w->meta.cmdline);
		assert_string_equal(g->meta.hostname, w->meta.hostname);
		assert_string_equal(g->meta.release, w->meta.release);
		assert_int_equal(g->meta.offcpu, w->meta.offcpu);
		break;
	case DF_COMM:
		assert_int_equal(g->comm.pid, w->comm.pid);
		assert_int_equal(g->comm.tid, w->comm.tid);
		assert_int_equal(g->comm.exec, w->comm.exec);
		assert_int_equal(g->comm.time, w->comm.time);
		assert_string_equal(g->comm.comm, w->comm.comm);
		break;
	case DF_MMAP:
		assert_int_equal(g->mmap.pid, w->mmap.pid);
		assert_int_equal(g->mmap.tid, w->mmap.tid);
		assert_int_equal(g->mmap.time, w->mmap.time);
		assert_int_equal(g->mmap.start, w->mmap.start);
		assert_int_equal(g->mmap.len, w->mmap.len);
		assert_int_equal(g->mmap.pgoff, w->mmap.pgoff);
		assert_int_equal(g->mmap.build_id_size, w->mmap.build_id_size);
		if (w->mmap.build_id_size)
			assert_memory_equal(g->mmap.build_id, w->mmap.build_id,
					    w->mmap.build_id_size);
		assert_string_equal(g->mmap.path, w->mmap.path);
		break;
	case DF_FORK:
	case DF_EXIT:
		assert_int_equal(g->task.pid, w->task.pid);
		assert_int_equal(g->task.ppid, w->task.ppid);
		assert_int_equal(g->task.tid, w->task.tid);
		assert_int_equal(g->task.ptid, w->task.ptid);
		assert_int_equal(g->task.time, w->task.time);
		break;
	case DF_STACK:
		assert_int_equal(g->stack.id, w->stack.id);
		assert_int_equal(g->stack.trunc, w->stack.trunc);
		assert_int_equal(g->stack.n, w->stack.n);
		if (w->stack.n)
			assert_memory_equal(g->stack.ips, w->stack.ips, w->stack.n * 8);
		break;
	case DF_SAMPLE:
		assert_int_equal(g->sample.time, w->sample.time);
		assert_int_equal(g->sample.pid, w->sample.pid);
		assert_int_equal(g->sample.tid, w->sample.tid);
		assert_int_equal(g->sample.stack_id, w->sample.stack_id);
		assert_int_equal(g->sample.cpu, w->sample.cpu);
		break;
	case DF_WSAMPLE:
		assert_int_equal(g->wsample.time, w->wsample.time);
		assert_int_equal(g->wsample.value, w->wsample.value);
		assert_int_equal(g->wsample.pid, w->wsample.pid);
		assert_int_equal(g->wsample.tid, w->wsample.tid);
		assert_int_equal(g->wsample.stack_id, w->wsample.stack_id);
		assert_int_equal(g->wsample.cpu, w->wsample.cpu);
		assert_int_equal(g->wsample.kind, w->wsample.kind);
		break;
	case DF_LOST:
		assert_int_equal(g->lost.time, w->lost.time);
		assert_int_equal(g->lost.count, w->lost.count);
		break;
	case DF_FINISH:
		assert_int_equal(g->finish.time, w->finish.time);
		assert_int_equal(g->finish.samples, w->finish.samples);
		assert_int_equal(g->finish.lost, w->finish.lost);
		assert_int_equal(g->finish.recorder_cpu_ns, w->finish.recorder_cpu_ns);
		assert_int_equal(g->finish.duration_ns, w->finish.duration_ns);
		assert_int_equal(g->finish.threads, w->finish.threads);
		assert_int_equal(g->finish.processes, w->finish.processes);
		assert_int_equal(g->finish.flags, w->finish.flags);
		assert_int_equal(g->finish.max_processes, w->finish.max_processes);
		assert_int_equal(g->finish.filtered, w->finish.filtered);
		assert_int_equal(g->finish.dropped, w->finish.dropped);
		assert_int_equal(g->finish.host_processes, w->finish.host_processes);
		assert_int_equal(g->finish.read, w->finish.read);
		assert_int_equal(g->finish.reread, w->finish.reread);
		assert_int_equal(g->finish.unreadable, w->finish.unreadable);
		break;
	case DF_PERFMAP:
		assert_int_equal(g->perfmap.pid, w->perfmap.pid);
		assert_int_equal(g->perfmap.len, w->perfmap.len);
		if (w->perfmap.len)
			assert_memory_equal(g->perfmap.text, w->perfmap.text, w->perfmap.len);
		break;
	case DF_KSYM:
		assert_int_equal(g->ksym.start, w->ksym.start);
		assert_int_equal(g->ksym.size, w->ksym.size);
		assert_string_equal(g->ksym.name, w->ksym.name);
		break;
	default:
		fail_msg("unexpected record type %d", (int)w->type);
	}
}

/* Write the records to PATH; BOUNDS[i] is the file size after record i. */
static void write_records(const char *path, const struct df_record *recs, size_t n,
			  uint64_t *bounds)
{
	struct df_writer *w;
	size_t i;

	assert_int_equal(df_writer_new(path, &w), 0);
	assert_int_equal(df_bytes(w), 16);
	for (i = 0; i < n; i++) {
		assert_int_equal(df_write(w, &recs[i]), 0);
		if (bounds)
			bounds[i] = df_bytes(w);
		if (i && bounds)
			assert_true(bounds[i] > bounds[i - 1]);
	}
	assert_int_equal(df_writer_free(w), 0);
}

static void test_round_trip(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "rt.cprof");
	size_t n = make_records(), i, len;
	uint64_t bounds[16];
	struct df_reader *r;
	struct df_record rec;
	struct stat st;
	unsigned char *data;

	(void)state;
	write_records(path, sample_records, n, bounds);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, bounds[n - 1]);

	/* the header of docs/data-format.md */
	data = unit_read_file(path, &len);
	assert_memory_equal(data, "CPROFDAT\1\0\0\0\20\0\0\0", 16);
	free(data);

	assert_int_equal(df_reader_new(path, &r), 0);
	for (i = 0; i < n; i++) {
		memset(&rec, 0xa5, sizeof(rec));
		assert_int_equal(df_read(r, &rec), 1);
		assert_record_equal(&sample_records[i], &rec);
	}
	assert_int_equal(df_read(r, &rec), 0);
	assert_int_equal(df_read(r, &rec), 0);
	df_reader_free(r);
	df_reader_free(NULL);
	free(path);
	unit_rmdir(dir);
}

/* A recording that dies right after it started still leaves a valid file. */
static void test_header_written_at_once(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "early.cprof");
	struct df_writer *w;
	struct df_reader *r;
	struct df_record rec;
	struct stat st;

	(void)state;
	assert_int_equal(df_writer_new(path, &w), 0);
	assert_int_equal(df_writer_commit(w), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 16);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 0);
	df_reader_free(r);
	assert_int_equal(df_writer_free(w), 0);
	free(path);
	unit_rmdir(dir);
}

/* Enough records to go through the writer's buffer many times over. */
static void test_round_trip_many(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "many.cprof");
	enum { NSAMPLES = 100000, BIG = 100000 };
	uint64_t *big = malloc(BIG * sizeof(*big));
	struct df_writer *w;
	struct df_reader *r;
	struct df_record rec;
	struct stat st;
	uint32_t i;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < BIG; i++)
		big[i] = 0x400000 + (uint64_t)i * 5;
	assert_int_equal(df_writer_new(path, &w), 0);
	assert_int_equal(df_writer_commit(w), 0);
	rec.type = DF_STACK;
	rec.stack = (struct df_stack){ .id = 0, .trunc = DF_TRUNC_DEPTH, .n = BIG, .ips = big };
	assert_int_equal(df_write(w, &rec), 0);
	for (i = 0; i < NSAMPLES; i++) {
		rec.type = DF_SAMPLE;
		rec.sample = (struct df_sample){ .time = 1000 + i, .pid = i % 13, .tid = i,
						 .stack_id = i % 5, .cpu = i % 64 };
		assert_int_equal(df_write(w, &rec), 0);
	}
	/* a flush leaves whole records on disk */
	assert_int_equal(df_flush(w), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, df_bytes(w));
	assert_int_equal(df_bytes(w), 16 + (8 + 12 + BIG * 8) + (uint64_t)NSAMPLES * (8 + 24));
	assert_int_equal(df_writer_free(w), 0);

	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 1);
	assert_int_equal(rec.type, DF_STACK);
	assert_int_equal(rec.stack.n, BIG);
	assert_int_equal(rec.stack.trunc, DF_TRUNC_DEPTH);
	assert_memory_equal(rec.stack.ips, big, BIG * sizeof(*big));
	for (i = 0; i < NSAMPLES; i++) {
		assert_int_equal(df_read(r, &rec), 1);
		assert_int_equal(rec.type, DF_SAMPLE);
		assert_int_equal(rec.sample.time, 1000 + i);
		assert_int_equal(rec.sample.pid, i % 13);
		assert_int_equal(rec.sample.tid, i);
		assert_int_equal(rec.sample.stack_id, i % 5);
		assert_int_equal(rec.sample.cpu, i % 64);
	}
	assert_int_equal(df_read(r, &rec), 0);
	df_reader_free(r);
	free(big);
	free(path);
	unit_rmdir(dir);
}

/*
 * A recording cut at any byte reads back every complete record, then
 * reports the cut: -EBADMSG inside a record, 0 on a boundary.
 */
static void test_truncated_everywhere(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "full.cprof");
	char *cut_path = unit_path(dir, "cut.cprof");
	size_t n = make_records(), len, cut, i;
	uint64_t bounds[16];
	unsigned char *data;

	(void)state;
	write_records(path, sample_records, n, bounds);
	data = unit_read_file(path, &len);
	assert_int_equal(len, bounds[n - 1]);

	for (cut = 0; cut <= len; cut++) {
		struct df_reader *r;
		struct df_record rec;
		size_t complete = 0;
		int err, at_boundary = cut == 16;

		unit_write_file(cut_path, data, cut);
		err = df_reader_new(cut_path, &r);
		if (cut < 16) {
			if (err != -EPROTO)
				fail_msg("header cut at %zu: df_reader_new = %d, want -EPROTO", cut, err);
			continue;
		}
		assert_int_equal(err, 0);
		for (i = 0; i < n; i++) {
			if (bounds[i] <= cut)
				complete = i + 1;
			if (bounds[i] == cut)
				at_boundary = 1;
		}
		for (i = 0; i < complete; i++) {
			err = df_read(r, &rec);
			if (err != 1)
				fail_msg("cut at %zu: record %zu: df_read = %d, want 1", cut, i, err);
			assert_record_equal(&sample_records[i], &rec);
		}
		err = df_read(r, &rec);
		if (err != (at_boundary ? 0 : -EBADMSG))
			fail_msg("cut at %zu after %zu records: df_read = %d, want %d", cut, complete,
				 err, at_boundary ? 0 : -EBADMSG);
		df_reader_free(r);
	}
	free(data);
	free(cut_path);
	free(path);
	unit_rmdir(dir);
}

static void test_not_a_data_file(void **state)
{
	static const char text[] = "this is a text file, not a recording\n";
	static const unsigned char elf[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	char *dir = unit_tmpdir(), *path = unit_path(dir, "foreign");
	char *missing = unit_path(dir, "missing.cprof");
	struct df_reader *r;

	(void)state;
	unit_write_file(path, text, sizeof(text) - 1);
	assert_int_equal(df_reader_new(path, &r), -EPROTO);
	unit_write_file(path, elf, sizeof(elf));
	assert_int_equal(df_reader_new(path, &r), -EPROTO);
	unit_write_file(path, "", 0);
	assert_int_equal(df_reader_new(path, &r), -EPROTO);
	/* right magic, lower case */
	unit_write_file(path, "cprofdat\1\0\0\0\20\0\0\0", 16);
	assert_int_equal(df_reader_new(path, &r), -EPROTO);
	assert_int_equal(df_reader_new(missing, &r), -ENOENT);
	free(missing);
	free(path);
	unit_rmdir(dir);
}

static void test_future_version(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "new.cprof");
	static const uint32_t versions[] = { DATAFILE_VERSION + 1, 0x100, UINT32_MAX };
	struct df_record lost = { .type = DF_LOST, .lost = { .time = 1, .count = 2 } };
	unsigned char *data;
	struct df_reader *r;
	size_t len, i;

	(void)state;
	write_records(path, &lost, 1, NULL);
	data = unit_read_file(path, &len);
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		memcpy(data + 8, &versions[i], 4);
		unit_write_file(path, data, len);
		assert_int_equal(df_reader_new(path, &r), -EPROTONOSUPPORT);
	}
	/* and the version we write is readable */
	memcpy(data + 8, &(uint32_t){ DATAFILE_VERSION }, 4);
	unit_write_file(path, data, len);
	assert_int_equal(df_reader_new(path, &r), 0);
	df_reader_free(r);
	free(data);
	free(path);
	unit_rmdir(dir);
}

/* A larger header (a later version adding fields) is skipped by its size. */
static void test_longer_header(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "hdr.cprof");
	struct df_record lost = { .type = DF_LOST, .lost = { .time = 5, .count = 6 } };
	struct df_record rec;
	struct df_reader *r;
	unsigned char *data, *big;
	size_t len;

	(void)state;
	write_records(path, &lost, 1, NULL);
	data = unit_read_file(path, &len);
	big = calloc(1, len + 16);
	assert_non_null(big);
	memcpy(big, data, 16);
	memcpy(big + 12, &(uint32_t){ 32 }, 4);
	memset(big + 16, 0xee, 16);
	memcpy(big + 32, data + 16, len - 16);
	unit_write_file(path, big, len + 16);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 1);
	assert_record_equal(&lost, &rec);
	assert_int_equal(df_read(r, &rec), 0);
	df_reader_free(r);
	free(big);
	free(data);
	free(path);
	unit_rmdir(dir);
}

static void test_existing_file_renamed(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "cprof.data");
	char *old = unit_path(dir, "cprof.data.old");
	struct df_record lost = { .type = DF_LOST, .lost = { .time = 8, .count = 9 } };
	struct df_record rec;
	struct df_reader *r;
	unsigned char *data;
	size_t len;

	(void)state;
	unit_write_file(path, "previous recording", 18);
	write_records(path, &lost, 1, NULL);
	data = unit_read_file(old, &len);
	assert_int_equal(len, 18);
	assert_memory_equal(data, "previous recording", 18);
	free(data);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 1);
	assert_record_equal(&lost, &rec);
	df_reader_free(r);

	/* again: the first recording becomes the .old one, replacing it */
	lost.lost.count = 10;
	write_records(path, &lost, 1, NULL);
	assert_int_equal(df_reader_new(old, &r), 0);
	assert_int_equal(df_read(r, &rec), 1);
	assert_int_equal(rec.lost.count, 9);
	df_reader_free(r);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 1);
	assert_int_equal(rec.lost.count, 10);
	df_reader_free(r);
	free(old);
	free(path);
	unit_rmdir(dir);
}

static void test_writer_errors(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "no-such-dir/x.cprof");
	char *ok = unit_path(dir, "sticky.cprof");
	struct df_record bad = { .type = (enum df_type)0 };
	struct df_record lost = { .type = DF_LOST, .lost = { .time = 1, .count = 1 } };
	struct df_writer *w;
	int err;

	(void)state;
	assert_int_equal(df_writer_new(path, &w), -ENOENT);
	assert_int_equal(df_writer_free(NULL), 0);

	/* errors are sticky: after one, every call returns it */
	assert_int_equal(df_writer_new(ok, &w), 0);
	assert_int_equal(df_write(w, &lost), 0);
	err = df_write(w, &bad);
	assert_true(err < 0);
	assert_int_equal(df_write(w, &lost), err);
	assert_int_equal(df_flush(w), err);
	assert_int_equal(df_writer_free(w), err);
	free(ok);
	free(path);
	unit_rmdir(dir);
}

/* Raw record bytes: u32 type, u32 size, payload. */
static size_t raw_record(unsigned char *out, uint32_t type, const void *payload, uint32_t n)
{
	uint32_t size = 8 + n;

	memcpy(out, &type, 4);
	memcpy(out + 4, &size, 4);
	memcpy(out + 8, payload, n);
	return size;
}

static void test_unknown_type_skipped(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "unknown.cprof");
	struct df_record recs[2] = {
		{ .type = DF_LOST, .lost = { .time = 30, .count = 31 } },
		{ .type = DF_SAMPLE, .sample = { .time = 32, .pid = 33, .tid = 34, .stack_id = 0,
						 .cpu = 35 } },
	};
	unsigned char *data, *mixed;
	struct df_reader *r;
	struct df_record rec;
	size_t len, k = 0;

	(void)state;
	write_records(path, recs, 2, NULL);
	data = unit_read_file(path, &len);
	assert_int_equal(len, 16 + 24 + 32);
	mixed = malloc(len + 256);
	assert_non_null(mixed);
	/* header, unknown, LOST, two unknowns (one empty), SAMPLE, unknown */
	memcpy(mixed, data, 16);
	k = 16;
	k += raw_record(mixed + k, 200, "thirteen byte", 13);
	memcpy(mixed + k, data + 16, 24);
	k += 24;
	k += raw_record(mixed + k, 1000, "\1\0\0\0\0\0\0\0\2\0\0\0\0\0\0\0name\0", 21);
	k += raw_record(mixed + k, 0x7fffffff, "", 0);
	memcpy(mixed + k, data + 16 + 24, 32);
	k += 32;
	k += raw_record(mixed + k, 250, "trailing", 8);
	unit_write_file(path, mixed, k);

	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 1);
	assert_record_equal(&recs[0], &rec);
	assert_int_equal(df_read(r, &rec), 1);
	assert_record_equal(&recs[1], &rec);
	assert_int_equal(df_read(r, &rec), 0);
	df_reader_free(r);
	free(mixed);
	free(data);
	free(path);
	unit_rmdir(dir);
}

/* Sizes that cannot be right are malformed, not a reason to crash. */
static void test_bad_record_sizes(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "sizes.cprof");
	unsigned char file[64];
	uint32_t hdr[2];
	struct df_reader *r;
	struct df_record rec;
	static const uint32_t sizes[] = { 0, 4, 7, 1u << 20, 0x7fffffff, UINT32_MAX };
	size_t i;

	(void)state;
	memcpy(file, "CPROFDAT\1\0\0\0\20\0\0\0", 16);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		hdr[0] = DF_SAMPLE;
		hdr[1] = sizes[i];
		memcpy(file + 16, hdr, 8);
		memset(file + 24, 0, 40);
		unit_write_file(path, file, sizeof(file));
		assert_int_equal(df_reader_new(path, &r), 0);
		assert_int_equal(df_read(r, &rec), -EBADMSG);
		df_reader_free(r);
	}
	/* a whole SAMPLE record too short for its fields: passed over, counted */
	hdr[0] = DF_SAMPLE;
	hdr[1] = 8 + 20;
	memcpy(file + 16, hdr, 8);
	unit_write_file(path, file, 16 + 28);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 0);
	assert_int_equal(df_reader_skipped(r), 1);
	df_reader_free(r);
	/* a STACK whose n disagrees with its size */
	hdr[0] = DF_STACK;
	hdr[1] = 8 + 12 + 16;
	memcpy(file + 16, hdr, 8);
	memcpy(file + 24, &(uint32_t[3]){ 0, 0, 3 }, 12);
	unit_write_file(path, file, 16 + 36);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &rec), 0);
	assert_int_equal(df_reader_skipped(r), 1);
	df_reader_free(r);
	free(path);
	unit_rmdir(dir);
}

/* Damaged headers are named as such: version 0, a header size out of range. */
static void test_bad_header(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "bad.cprof");
	char *fifo = unit_path(dir, "fifo");
	static const uint32_t sizes[] = { 0, 15, 4097, 0x10000, UINT32_MAX };
	struct df_record lost = { .type = DF_LOST, .lost = { .time = 1, .count = 2 } };
	unsigned char *data;
	struct df_reader *r;
	size_t len, i;

	(void)state;
	write_records(path, &lost, 1, NULL);
	data = unit_read_file(path, &len);
	memcpy(data + 8, &(uint32_t){ 0 }, 4);
	unit_write_file(path, data, len);
	assert_int_equal(df_reader_new(path, &r), -EILSEQ);
	memcpy(data + 8, &(uint32_t){ DATAFILE_VERSION }, 4);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memcpy(data + 12, &sizes[i], 4);
		unit_write_file(path, data, len);
		assert_int_equal(df_reader_new(path, &r), -EOVERFLOW);
	}
	/* beyond the end of the file */
	memcpy(data + 12, &(uint32_t){ (uint32_t)len + 1 }, 4);
	unit_write_file(path, data, len);
	assert_int_equal(df_reader_new(path, &r), -EOVERFLOW);
	/* not files: refused at once, never read */
	assert_int_equal(df_reader_new(dir, &r), -EISDIR);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(df_reader_new(fifo, &r), -ENXIO);
	unlink(fifo);
	free(data);
	free(fifo);
	free(path);
	unit_rmdir(dir);
}

/*
 * A record size damaged mid-file (too large, too small, beyond the end)
 * costs that record only: the reader resynchronises on the next one and
 * counts what it passed over.
 */
static void test_resync_after_bad_size(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "resync.cprof");
	static const uint32_t bad_sizes[] = { 40, 16, 1000, 100000, 7, 0 };
	struct df_record recs[12], rec;
	unsigned char *data;
	struct df_reader *r;
	size_t len, i, k;
	uint32_t type;

	(void)state;
	for (i = 0; i < 12; i++)
		recs[i] = (struct df_record){ .type = DF_LOST,
					      .lost = { .time = 100 + i, .count = i } };
	recs[11] = (struct df_record){ .type = DF_SAMPLE,
				       .sample = { .time = 7, .pid = 8, .tid = 9, .cpu = 1 } };
	write_records(path, recs, 12, NULL);
	data = unit_read_file(path, &len);
	assert_int_equal(len, 16 + 11 * 24 + 32);
	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		/* record 4 (a LOST at 16 + 4 * 24) gets a wrong size */
		memcpy(data + 16 + 4 * 24 + 4, &bad_sizes[i], 4);
		unit_write_file(path, data, len);
		assert_int_equal(df_reader_new(path, &r), 0);
		for (k = 0; k < 12; k++) {
			if (k == 4)
				continue;
			if (df_read(r, &rec) != 1)
				fail_msg("size %u: record %zu not read", bad_sizes[i], k);
			if (rec.type != recs[k].type || rec.lost.time != recs[k].lost.time)
				fail_msg("size %u: record %zu: type %d time %llu", bad_sizes[i], k,
					 rec.type, (unsigned long long)rec.lost.time);
			assert_record_equal(&recs[k], &rec);
		}
		assert_int_equal(df_read(r, &rec), 0);
		assert_int_equal(df_reader_skipped(r), 1);
		assert_int_equal(df_reader_skipped_bytes(r), 24);
		df_reader_free(r);
	}
	/* a damaged type too: passed over the same way */
	memcpy(data + 16 + 4 * 24 + 4, &(uint32_t){ 24 }, 4);
	type = 0;
	memcpy(data + 16 + 4 * 24, &type, 4);
	unit_write_file(path, data, len);
	assert_int_equal(df_reader_new(path, &r), 0);
	for (k = 0; k < 11; k++)
		assert_int_equal(df_read(r, &rec), 1);
	assert_int_equal(df_read(r, &rec), 0);
	assert_int_equal(df_reader_skipped(r), 1);
	df_reader_free(r);
	free(data);
	free(path);
	unit_rmdir(dir);
}

/* Bytes this process has read by read(2) and pread(2) so far (/proc/self/io's rchar). */
static uint64_t bytes_read(void)
{
	unsigned long long v = 0;
	char line[128];
	FILE *f = fopen("/proc/self/io", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

struct read_cost {
	uint64_t work, io;
};

/* Read the crafted file of KIND and SIZE bytes to its end; what it cost. */
static struct read_cost read_crafted(const char *path, enum crafted_resync kind, size_t size)
{
	unsigned char *data = crafted_resync(kind, size);
	struct read_cost c;
	struct df_reader *r;
	struct df_record rec;
	uint64_t io0, records = 0;
	int got;

	assert_non_null(data);
	unit_write_file(path, data, size);
	free(data);
	io0 = bytes_read();
	assert_int_equal(df_reader_new(path, &r), 0);
	while ((got = df_read(r, &rec)) > 0)
		assert_true(++records <= size / 8);
	assert_true(got == 0 || got == -EBADMSG);
	c.io = bytes_read() - io0;
	c.work = df_reader_work(r);
	df_reader_free(r);
	return c;
}

/*
 * Issue 23: a resynchronisation that tries a plausible header at every
 * offset read each one's whole claimed size (a 1 MiB file took 5 s, 4 MiB
 * over 100 s). Now the reading of every crafted worst case is linear in
 * the file's size: the bytes read from the file (the kernel's count) stay
 * within twice the file, the bytes examined within a fixed multiple, and
 * four times the file costs under 8 times the work (quadratic is 16).
 */
static void test_resync_linear(void **state)
{
	enum { SMALL = 64 << 10, LARGE = 4 * SMALL, WORK_PER_BYTE = 16 };
	char *dir = unit_tmpdir(), *path = unit_path(dir, "crafted.cprof");
	enum crafted_resync kind;

	(void)state;
	for (kind = CRAFTED_PAST_END; crafted_resync_name(kind); kind++) {
		struct read_cost small = read_crafted(path, kind, SMALL);
		struct read_cost large = read_crafted(path, kind, LARGE);

		print_message("%s: %zu bytes: work %llu, read %llu; %zu bytes: work %llu, read %llu\n",
			      crafted_resync_name(kind), (size_t)SMALL,
			      (unsigned long long)small.work, (unsigned long long)small.io,
			      (size_t)LARGE, (unsigned long long)large.work,
			      (unsigned long long)large.io);
		if (large.io > 2 * (uint64_t)LARGE)
			fail_msg("%s: %llu bytes read of a %d-byte file", crafted_resync_name(kind),
				 (unsigned long long)large.io, LARGE);
		if (large.work > (uint64_t)WORK_PER_BYTE * LARGE)
			fail_msg("%s: work %llu for a %d-byte file", crafted_resync_name(kind),
				 (unsigned long long)large.work, LARGE);
		if (large.work >= 8 * small.work)
			fail_msg("%s: 4x the file, %.1fx the work", crafted_resync_name(kind),
				 (double)large.work / (double)small.work);
	}
	free(path);
	unit_rmdir(dir);
}

/*
 * A FINISH of the files written before its -a fields (48 bytes of payload)
 * still decodes, those fields 0; one cut inside them is malformed.
 */
static void test_old_finish(void **state)
{
	struct df_record w = { .type = DF_FINISH,
			       .finish = { .time = 1, .samples = 2, .lost = 3, .recorder_cpu_ns = 4,
					   .duration_ns = 5, .threads = 6, .processes = 7,
					   .flags = DF_FINISH_ALL, .max_processes = 8, .filtered = 9,
					   .dropped = 10, .host_processes = 11, .read = 12,
					   .reread = 13, .unreadable = 14 } };
	struct df_record g, old = { .type = DF_FINISH };
	struct buf b;
	uint32_t size = 8 + 48;

	(void)state;
	buf_init(&b);
	assert_int_equal(df_encode(&w, &b), 0);
	assert_int_equal(b.len, 8 + 48 + 40);
	memset(&g, 0xff, sizeof(g));
	assert_int_equal(df_decode(b.data, b.len, &g), 0);
	assert_record_equal(&w, &g);

	memcpy(b.data + 4, &size, 4); /* the same record as an old writer wrote it */
	old.finish = (struct df_finish){ .time = 1, .samples = 2, .lost = 3, .recorder_cpu_ns = 4,
					 .duration_ns = 5, .threads = 6, .processes = 7 };
	memset(&g, 0xff, sizeof(g));
	assert_int_equal(df_decode(b.data, size, &g), 0);
	assert_record_equal(&old, &g);

	size = 8 + 48 + 20; /* cut in the middle of the appended fields */
	memcpy(b.data + 4, &size, 4);
	assert_int_equal(df_decode(b.data, size, &g), -EBADMSG);
	buf_release(&b);
}

/* DF_CONTAINER round trip. */
static void test_container(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "ct.cprof");
	struct df_record in = { .type = DF_CONTAINER }, out;
	struct df_reader *r;

	(void)state;
	in.container = (struct df_container){ .pid = 42, .id = "nginx.service" };
	write_records(path, &in, 1, NULL);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &out), 1);
	assert_int_equal(out.type, DF_CONTAINER);
	assert_int_equal(out.container.pid, 42);
	assert_string_equal(out.container.id, "nginx.service");
	assert_int_equal(df_read(r, &out), 0);
	df_reader_free(r);
	free(path);
	unit_rmdir(dir);
}

/* DF_JSFUNC round trip, and the JavaScript and Python parts of a chain. */
static void test_jsfunc_and_chain_parts(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "js.cprof");
	struct df_record in = { .type = DF_JSFUNC }, out;
	const uint64_t chain[] = { 0x401000, 0x402000, DF_CONTEXT_JS, DF_JSFRAME(7, 1),
				   DF_JSFRAME(8, 0), DF_CONTEXT_PYTHON, DF_PYFRAME(3, 12, 1) };
	const uint64_t js_only[] = { 0x401000, DF_CONTEXT_JS, DF_JSFRAME(9, 0) };
	struct df_reader *r;
	size_t start;

	(void)state;
	in.jsfunc = (struct df_jsfunc){ .pid = 42, .id = 7, .line = 3, .name = "fibHotJs",
					.file = "/app/hot.js" };
	write_records(path, &in, 1, NULL);
	assert_int_equal(df_reader_new(path, &r), 0);
	assert_int_equal(df_read(r, &out), 1);
	assert_int_equal(out.type, DF_JSFUNC);
	assert_int_equal(out.jsfunc.pid, 42);
	assert_int_equal(out.jsfunc.id, 7);
	assert_int_equal(out.jsfunc.line, 3);
	assert_string_equal(out.jsfunc.name, "fibHotJs");
	assert_string_equal(out.jsfunc.file, "/app/hot.js");
	df_reader_free(r);

	assert_int_equal(df_native_len(chain, 7), 2);
	assert_int_equal(df_chain_part(chain, 7, DF_CONTEXT_JS, &start), 2);
	assert_int_equal(start, 3);
	assert_int_equal(df_chain_part(chain, 7, DF_CONTEXT_PYTHON, &start), 1);
	assert_int_equal(start, 6);
	assert_int_equal(df_chain_part(js_only, 3, DF_CONTEXT_JS, &start), 1);
	assert_int_equal(df_chain_part(js_only, 3, DF_CONTEXT_PYTHON, &start), 0);
	assert_int_equal(start, 3);
	assert_int_equal(df_chain_part(chain, 2, DF_CONTEXT_JS, &start), 0);
	free(path);
	unit_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header_written_at_once),
		cmocka_unit_test(test_round_trip_many),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_not_a_data_file),
		cmocka_unit_test(test_future_version),
		cmocka_unit_test(test_longer_header),
		cmocka_unit_test(test_existing_file_renamed),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_unknown_type_skipped),
		cmocka_unit_test(test_bad_record_sizes),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_resync_after_bad_size),
		cmocka_unit_test(test_resync_linear),
		cmocka_unit_test(test_old_finish),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_jsfunc_and_chain_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
