/*
 * gen_golden - write the data file of the folded golden test.
 *
 * Usage: gen_golden OUT BINARY TEXT_VADDR TEXT_OFFSET TEXT_SIZE ADDR...
 *
 * A recording made with the project's own writer whose names do not depend
 * on the machine: BINARY (a workload the test built) mapped where a loader
 * would put its text segment (the segment's vaddr, file offset and size as
 * readelf shows them), stacks through the function addresses ADDR... (ELF
 * vaddrs, root last: main, outer, ..., leaf as the test passes them), and
 * around them every other kind of frame whose name comes from the file
 * itself: kernel symbols, a JIT perf map, anonymous memory, no mapping at
 * all; threads named, renamed, forked and exec'd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/datafile.h"

#define BASE 0x555555554000ULL
#define JIT_BASE 0x7e0000000000ULL
#define KBASE 0xffffffff81000000ULL
#define CTX_KERNEL ((uint64_t)-128)
#define CTX_USER ((uint64_t)-512)
#define MAX_ADDRS 16

static int err;
static uint64_t now = 1000000000ULL;

static void rec(struct df_writer *w, struct df_record r)
{
	if (!err)
		err = df_write(w, &r);
}

static void comm(struct df_writer *w, uint32_t pid, uint32_t tid, uint32_t exec, const char *name)
{
	rec(w, (struct df_record){ .type = DF_COMM, .comm = { .pid = pid, .tid = tid, .exec = exec,
							      .time = now, .comm = name } });
}

static void sample(struct df_writer *w, uint32_t pid, uint32_t tid, uint32_t stack, int times)
{
	while (times-- > 0)
		rec(w, (struct df_record){ .type = DF_SAMPLE, .sample = {
			.time = now += 1000000, .pid = pid, .tid = tid, .stack_id = stack } });
}

static void stack(struct df_writer *w, uint32_t id, const uint64_t *ips, uint32_t n)
{
	rec(w, (struct df_record){ .type = DF_STACK, .stack = { .id = id, .n = n, .ips = ips } });
}

int main(int argc, char **argv)
{
	struct df_writer *w;
	uint64_t a[MAX_ADDRS], text, off, size, s[40];
	int i, n = argc - 6;

	if (argc < 8 || n > MAX_ADDRS) {
		fprintf(stderr, "usage: gen_golden OUT BINARY TEXT_VADDR TEXT_OFFSET TEXT_SIZE ADDR...\n");
		return 2;
	}
	text = strtoull(argv[3], NULL, 0);
	off = strtoull(argv[4], NULL, 0);
	size = strtoull(argv[5], NULL, 0);
	for (i = 0; i < n; i++)
		a[i] = BASE + strtoull(argv[6 + i], NULL, 0) + 4; /* inside the function */
	if ((err = df_writer_new(argv[1], &w)))
		goto out;
	rec(w, (struct df_record){ .type = DF_META, .meta = {
		.freq = 1000, .mode = DF_MODE_DWARF, .stack_size = 8192, .kernel = 1,
		.start_realtime_ns = 1700000000000000000ULL, .cmdline = "golden", .hostname = "h",
		.release = "r" } });
	comm(w, 10, 10, 1, "app main");
	rec(w, (struct df_record){ .type = DF_MMAP, .mmap = { .pid = 10, .tid = 10, .time = now,
		.start = BASE + (text & ~0xfffULL), .len = size + (text & 0xfff),
		.pgoff = off & ~0xfffULL, .path = argv[2], .host_path = "" } });
	rec(w, (struct df_record){ .type = DF_MMAP, .mmap = { .pid = 10, .tid = 10, .time = now,
		.start = JIT_BASE, .len = 0x10000, .path = "//anon", .host_path = "" } });
	rec(w, (struct df_record){ .type = DF_KSYM, .ksym = { KBASE, 0x100, "do_syscall_64" } });
	rec(w, (struct df_record){ .type = DF_KSYM, .ksym = { KBASE + 0x100, 0x100, "entry_SYSCALL_64" } });
	rec(w, (struct df_record){ .type = DF_PERFMAP, .perfmap = { .pid = 10, .len = 48,
		.text = "7e0000001000 100 LazyCompile:*hot;js file.js:1\n" } });
	/* 0: the whole chain, leaf first as the recorder stores it */
	for (i = 0; i < n; i++)
		s[i] = a[n - 1 - i];
	stack(w, 0, s, (uint32_t)n);
	/* 1: kernel on top of the leaf */
	s[0] = CTX_KERNEL;
	s[1] = KBASE + 0x10;
	s[2] = KBASE + 0x105;
	s[3] = CTX_USER;
	for (i = 0; i < n; i++)
		s[4 + i] = a[n - 1 - i];
	stack(w, 1, s, (uint32_t)n + 4);
	/* 2: JIT code called from main, and a frame in anonymous memory */
	s[0] = JIT_BASE + 0x1010;
	s[1] = JIT_BASE + 0x5000;
	s[2] = a[0];
	stack(w, 2, s, 3);
	/* 3: nothing mapped there; 4: empty */
	s[0] = 0x1000;
	s[1] = a[1];
	s[2] = a[0];
	stack(w, 3, s, 3);
	stack(w, 4, s, 0);
	comm(w, 10, 11, 0, "worker;1");
	rec(w, (struct df_record){ .type = DF_FORK, .task = { 10, 10, 11, 10, now } });
	rec(w, (struct df_record){ .type = DF_FORK, .task = { 20, 10, 20, 10, now } });
	sample(w, 10, 10, 0, 5);
	sample(w, 10, 11, 0, 3);
	sample(w, 10, 10, 1, 2);
	sample(w, 10, 11, 2, 4);
	sample(w, 20, 20, 3, 1);   /* the child inherited the maps, not the name */
	sample(w, 10, 10, 4, 1);
	sample(w, 30, 31, 0, 1);   /* a process never seen */
	comm(w, 10, 11, 0, "renamed");
	sample(w, 10, 11, 0, 2);
	comm(w, 20, 20, 1, "exec'd");
	sample(w, 20, 20, 3, 1);   /* after exec: no mappings */
	rec(w, (struct df_record){ .type = DF_FINISH, .finish = { .time = now + 1000,
		.samples = 20, .duration_ns = now + 1000 - 1000000000ULL, .threads = 4,
		.processes = 3 } });
	err = err ? err : df_writer_free(w);
out:
	if (err)
		fprintf(stderr, "gen_golden: %s: %s\n", argv[1], strerror(-err));
	return err ? 1 : 0;
}
