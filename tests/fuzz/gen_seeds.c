/*
 * gen_seeds - write the synthetic seed files of the fuzz corpus.
 *
 * Usage: gen_seeds OUTDIR
 *
 * Small, valid data files made with the project's own writer, together
 * using every record type and the paths through the report that a short
 * real recording rarely takes: a mapping split by a later one, fork and
 * exec, JIT and kernel symbols, a container file (host_path), a vDSO and
 * a binary whose build-id differs, files missing or not ELF, every
 * truncation reason, a record type from the future and a file cut short.
 * Code addresses point into /proc/self/exe, which exists for whichever
 * program (fuzzer or replay) reads the file and has debug info.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/datafile.h"

#define SELF_BASE 0x555555554000ULL
#define SELF_LEN 0x4000000ULL
#define LIBC_BASE 0x7f0000000000ULL /* libc.so.6's text segment at file offset 0x26000 */
#define CXX_BASE 0x7f1000000000ULL  /* libstdc++.so.6's text segment at file offset 0x99000 */
#define JIT_BASE 0x7e0000000000ULL
#define VDSO_BASE 0x7fff00000000ULL
#define CONTAINER_BASE 0x560000000000ULL
#define GONE_BASE 0x561000000000ULL
#define KBASE 0xffffffff81000000ULL
#define CTX_KERNEL ((uint64_t)-128)
#define CTX_USER ((uint64_t)-512)

static const unsigned char bogus_id[DF_BUILD_ID_MAX] = {
	0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
};

struct gen {
	struct df_writer *w;
	const char *path;
	int err;
};

static void gen_begin(struct gen *g, const char *path)
{
	g->path = path;
	unlink(path);
	g->err = df_writer_new(path, &g->w);
	if (g->err)
		fprintf(stderr, "gen_seeds: %s: %s\n", path, strerror(-g->err));
}

static void rec(struct gen *g, const struct df_record *r)
{
	if (!g->err && (g->err = df_write(g->w, r)))
		fprintf(stderr, "gen_seeds: %s: writing record type %d: %s\n", g->path, r->type,
			strerror(-g->err));
}

static int gen_end(struct gen *g)
{
	int err = df_writer_free(g->w);

	return g->err ? g->err : err;
}

/* Append raw bytes after the writer is done (what the writer cannot write). */
static int append_raw(const char *path, const void *data, size_t len, off_t truncate_to)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (truncate_to >= 0 && ftruncate(fd, truncate_to) < 0)
		err = -errno;
	if (!err && len && write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

static void meta(struct gen *g, uint32_t mode, uint32_t kernel)
{
	rec(g, &(struct df_record){ .type = DF_META, .meta = {
		.freq = 999, .mode = mode, .stack_size = mode == DF_MODE_DWARF ? 24576 : 0,
		.kernel = kernel, .start_realtime_ns = 1700000000000000000ULL,
		.cmdline = "app --serve \"x\"", .hostname = "fuzzhost", .release = "6.1.0-fuzz" } });
}

static void wsample(struct gen *g, uint64_t time, uint64_t value, uint32_t tid, uint32_t stack_id,
		    uint32_t kind)
{
	rec(g, &(struct df_record){ .type = DF_WSAMPLE, .wsample = {
		.time = time, .value = value, .pid = 100, .tid = tid, .stack_id = stack_id,
		.kind = kind } });
}

static void comm(struct gen *g, uint32_t pid, uint32_t tid, uint32_t exec, const char *name)
{
	rec(g, &(struct df_record){ .type = DF_COMM,
		.comm = { .pid = pid, .tid = tid, .exec = exec, .time = 10, .comm = name } });
}

static void mmap_rec(struct gen *g, uint32_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
		     const char *path, const char *host_path, const unsigned char *id)
{
	struct df_record r = { .type = DF_MMAP, .mmap = {
		.pid = pid, .tid = pid, .time = 20, .start = start, .len = len, .pgoff = pgoff,
		.path = path, .host_path = host_path } };

	if (id) {
		r.mmap.build_id_size = DF_BUILD_ID_MAX;
		memcpy(r.mmap.build_id, id, DF_BUILD_ID_MAX);
	}
	rec(g, &r);
}

static void task(struct gen *g, enum df_type type, uint32_t pid, uint32_t ppid, uint32_t tid,
		 uint32_t ptid)
{
	rec(g, &(struct df_record){ .type = type,
		.task = { .pid = pid, .ppid = ppid, .tid = tid, .ptid = ptid, .time = 30 } });
}

static void stack(struct gen *g, uint32_t id, uint32_t trunc, const uint64_t *ips, uint32_t n)
{
	rec(g, &(struct df_record){ .type = DF_STACK,
		.stack = { .id = id, .trunc = trunc, .n = n, .ips = ips } });
}

static void sample(struct gen *g, uint32_t pid, uint32_t tid, uint32_t stack_id)
{
	rec(g, &(struct df_record){ .type = DF_SAMPLE,
		.sample = { .time = 40, .pid = pid, .tid = tid, .stack_id = stack_id, .cpu = 1 } });
}

static void perfmap(struct gen *g, uint32_t pid, const char *text)
{
	rec(g, &(struct df_record){ .type = DF_PERFMAP,
		.perfmap = { .pid = pid, .len = (uint32_t)strlen(text), .text = text } });
}

static void ksym(struct gen *g, uint64_t start, uint64_t size, const char *name)
{
	rec(g, &(struct df_record){ .type = DF_KSYM,
		.ksym = { .start = start, .size = size, .name = name } });
}

static void finish(struct gen *g)
{
	rec(g, &(struct df_record){ .type = DF_FINISH, .finish = {
		.time = 50, .samples = 12, .lost = 7, .recorder_cpu_ns = 20000000,
		.duration_ns = 1000000000, .threads = 3, .processes = 2 } });
}

/* Every record type, every kind of mapping and frame. */
static int gen_full(const char *dir)
{
	char path[4096];
	struct gen g;
	uint64_t mixed[48], user[24], split[4];
	const unsigned char unknown_rec[16] = { 42, 0, 0, 0, 16, 0, 0, 0, 'f', 'u', 't', 'u', 'r', 'e' };
	uint32_t n = 0, i;
	int err;

	/* kernel part, then the user part leaf first, down to main-ish addresses */
	mixed[n++] = CTX_KERNEL;
	mixed[n++] = KBASE + 0x10;   /* interrupted pc */
	mixed[n++] = KBASE + 0x105;  /* return address */
	mixed[n++] = KBASE + 0x9000; /* no symbol */
	mixed[n++] = CTX_USER;
	mixed[n++] = JIT_BASE + 0x1010;
	mixed[n++] = JIT_BASE + 0x2001;
	mixed[n++] = JIT_BASE + 0x9000;          /* anon, no JIT symbol */
	mixed[n++] = VDSO_BASE + 0x900;
	mixed[n++] = LIBC_BASE + 0x98930 + 0x21; /* malloc */
	mixed[n++] = LIBC_BASE + 0xa2d70 + 0x5;  /* memcpy@GLIBC_2.2.5 */
	mixed[n++] = LIBC_BASE + 0x525b0 + 0x9;  /* printf */
	mixed[n++] = CXX_BASE + 0xd2ba0 + 0x11;  /* std::ios_base::ios_base(), mangled */
	mixed[n++] = CXX_BASE + 0xcc150 + 0x20;
	mixed[n++] = CONTAINER_BASE + 0x6000;
	mixed[n++] = GONE_BASE + 0x1234;
	mixed[n++] = 0x1000;                      /* in no mapping */
	mixed[n++] = 0x600000000000ULL + 0x10;    /* [heap] */
	mixed[n++] = 0x610000000000ULL + 0x10;    /* relative path */
	for (i = 0; i < 16; i++)
		mixed[n++] = SELF_BASE + 0x5000 + 0x2400 * i + 0x13;
	mixed[n++] = SELF_BASE + 0x1000000 + 0x800; /* the hole a later mapping cut */
	mixed[n++] = SELF_BASE + 0x1001000 + 0x40;  /* the tail after it */
	for (i = 0; i < 24; i++)
		user[i] = SELF_BASE + 0x6000 + 0x1800 * i + 0x7;
	split[0] = SELF_BASE + 0x1000000 + 0x10;
	split[1] = SELF_BASE + 0x1002000 + 0x20;
	split[2] = SELF_BASE + 0x0fff000;
	split[3] = CTX_USER;

	snprintf(path, sizeof(path), "%s/seed-synthetic-full", dir);
	gen_begin(&g, path);
	meta(&g, DF_MODE_DWARF, 1);
	comm(&g, 100, 100, 1, "app");
	mmap_rec(&g, 100, SELF_BASE, SELF_LEN, 0, "/proc/self/exe", "", NULL);
	mmap_rec(&g, 100, LIBC_BASE + 0x26000, 0x156000, 0x26000,
		 "/usr/lib/x86_64-linux-gnu/libc.so.6", "", NULL);
	mmap_rec(&g, 100, CXX_BASE + 0x99000, 0x101000, 0x99000,
		 "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "", NULL);
	mmap_rec(&g, 100, VDSO_BASE, 0x2000, 0, "[vdso]", "", bogus_id);
	mmap_rec(&g, 100, JIT_BASE, 0x100000, 0, "//anon", "", NULL);
	mmap_rec(&g, 100, 0x600000000000ULL, 0x1000, 0, "[heap]", "", NULL);
	mmap_rec(&g, 100, 0x610000000000ULL, 0x1000, 0, "relative/lib.so", "", NULL);
	mmap_rec(&g, 100, CONTAINER_BASE, SELF_LEN, 0, "/opt/app/bin/server", "/proc/self/exe",
		 NULL);
	mmap_rec(&g, 100, GONE_BASE, 0x10000, 0, "/usr/bin/gone", "/proc/4242/root/usr/bin/gone",
		 bogus_id);
	/* cuts a hole in /proc/self/exe: a left part and a tail remain */
	mmap_rec(&g, 100, SELF_BASE + 0x1000000, 0x1000, 0, "//anon", "", NULL);
	comm(&g, 100, 101, 0, "worker 1;x");
	task(&g, DF_FORK, 100, 100, 101, 100);
	task(&g, DF_FORK, 200, 100, 200, 100); /* a process: copies the maps */
	comm(&g, 200, 200, 0, "child");
	task(&g, DF_FORK, 200, 200, 201, 200); /* its thread inherits the comm */
	ksym(&g, KBASE, 0x100, "do_syscall_64");
	ksym(&g, KBASE + 0x100, 0, "entry_SYSCALL_64_after_hwframe");
	ksym(&g, KBASE, 0x80, "later_wins");
	perfmap(&g, 100, "7e0000001000 100 jit_func_one\n"
			 "7e0000002000 80 LazyCompile:*foo bar.js:1\n"
			 "not a perf map line\n");
	perfmap(&g, 100, "7e0000003000 40 jit;semi\"quote\r\n7e0000003000 0 zero_size");
	stack(&g, 0, DF_TRUNC_NONE, mixed, n);
	stack(&g, 1, DF_TRUNC_STACK_COPY, user, 24);
	stack(&g, 2, DF_TRUNC_NO_USER, NULL, 0);
	stack(&g, 3, DF_TRUNC_BAD_READ, mixed + 12, 2);
	stack(&g, 4, 9, user, 3); /* a reason from the future */
	stack(&g, 5, DF_TRUNC_NO_CFI, split, 4);
	stack(&g, 6, DF_TRUNC_DEPTH, user + 10, 10);
	for (i = 0; i < 7; i++)
		sample(&g, 100, 100, i);
	sample(&g, 100, 100, 0);
	sample(&g, 100, 101, 1);
	sample(&g, 200, 200, 0);
	sample(&g, 200, 201, 5);
	sample(&g, 300, 301, 0); /* a process never seen */
	rec(&g, &(struct df_record){ .type = DF_LOST, .lost = { .time = 45, .count = 7 } });
	comm(&g, 100, 100, 1, "app2"); /* exec: the old maps are gone */
	sample(&g, 100, 100, 0);
	task(&g, DF_EXIT, 200, 100, 200, 100);
	finish(&g);
	if ((err = gen_end(&g)))
		return err;
	/* a record type a newer cprof might write: skipped */
	return append_raw(path, unknown_rec, sizeof(unknown_rec), -1);
}

/* Frames of a changed binary, a missing one, a non-ELF one; cut short. */
static int gen_trouble(const char *dir)
{
	char path[4096];
	struct gen g;
	uint64_t ips[8], a[2] = { 0x700000000000ULL + 0x100, 0x710000000000ULL + 0x100 };
	uint64_t size;
	uint32_t i;
	int err;

	for (i = 0; i < 8; i++)
		ips[i] = SELF_BASE + 0x8000 + 0x1000 * i;
	snprintf(path, sizeof(path), "%s/seed-synthetic-trouble", dir);
	gen_begin(&g, path);
	meta(&g, DF_MODE_FP, 0);
	comm(&g, 7, 7, 0, "trouble");
	mmap_rec(&g, 7, SELF_BASE, SELF_LEN, 0, "/proc/self/exe", "", bogus_id);
	mmap_rec(&g, 7, 0x700000000000ULL, 0x1000, 0, "/nonexistent/libgone.so", "", NULL);
	mmap_rec(&g, 7, 0x710000000000ULL, 0x1000, 0, "/proc/self/cmdline", "", NULL);
	stack(&g, 0, DF_TRUNC_NO_CFI, ips, 8);
	stack(&g, 1, DF_TRUNC_NONE, a, 2);
	for (i = 0; i < 4; i++)
		sample(&g, 7, 7, i & 1);
	stack(&g, 2, DF_TRUNC_NONE, ips, 8); /* will be cut in the middle */
	size = g.err ? 0 : df_bytes(g.w);
	if ((err = gen_end(&g)))
		return err;
	return append_raw(path, NULL, 0, (off_t)size - 20);
}

/*
 * A --wall recording: CPU samples and off-CPU intervals of two threads,
 * the intervals written at their end (out of time order), of both kinds
 * and of a kind from the future, one of an unknown stack, lengths of 0 and
 * of 2^63.
 */
static int gen_offcpu(const char *dir)
{
	char path[4096];
	struct gen g;
	uint64_t ips[4];
	uint32_t i;

	for (i = 0; i < 4; i++)
		ips[i] = SELF_BASE + 0x9000 + 0x800 * i;
	snprintf(path, sizeof(path), "%s/seed-synthetic-offcpu", dir);
	gen_begin(&g, path);
	rec(&g, &(struct df_record){ .type = DF_META, .meta = {
		.freq = 99, .mode = DF_MODE_DWARF, .stack_size = 24576, .kernel = 0,
		.start_realtime_ns = 1700000000000000000ULL, .cmdline = "app", .hostname = "h",
		.release = "6.1.0-fuzz", .offcpu = DF_OFFCPU_WALL } });
	comm(&g, 100, 100, 1, "app");
	comm(&g, 100, 101, 0, "waiter");
	mmap_rec(&g, 100, SELF_BASE, SELF_LEN, 0, "/proc/self/exe", "", NULL);
	task(&g, DF_FORK, 100, 100, 101, 100);
	stack(&g, 0, DF_TRUNC_NONE, ips, 4);
	stack(&g, 1, DF_TRUNC_NONE, ips + 1, 3);
	for (i = 0; i < 6; i++) {
		rec(&g, &(struct df_record){ .type = DF_SAMPLE, .sample = {
			.time = 1000000 * (i + 2), .pid = 100, .tid = 100, .stack_id = i & 1 } });
		wsample(&g, 1000000 * (i + 1), 1500000, 101, 1, i & 1 ? DF_WS_RUNQ : DF_WS_OFFCPU);
	}
	wsample(&g, 500, 0, 101, 0, DF_WS_OFFCPU);
	wsample(&g, 700, 1ULL << 63, 101, 0, DF_WS_OFFCPU);
	wsample(&g, 900, 1000, 101, 0, 7);
	wsample(&g, 1100, 1000, 101, 99, DF_WS_OFFCPU);
	finish(&g);
	return gen_end(&g);
}

int main(int argc, char **argv)
{
	int err;

	if (argc != 2) {
		fprintf(stderr, "Usage: gen_seeds OUTDIR\n");
		return 2;
	}
	if ((err = gen_full(argv[1])) || (err = gen_trouble(argv[1])) ||
	    (err = gen_offcpu(argv[1]))) {
		fprintf(stderr, "gen_seeds: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
