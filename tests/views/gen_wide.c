/*
 * gen_wide - write a data file with a very wide profile: many distinct
 * stacks of JIT frames (named by a perf map, so nothing needs reading).
 *
 * Usage: gen_wide PATH STACKS HOT_SAMPLES
 *
 * STACKS stacks of one sample each, 8 frames deep, the frame at depth K
 * (0 outermost) one of the first 4^(K+1) of 4000 functions "jit_fNNNN": a
 * tree that fans out until its frames are far narrower than a pixel. Plus
 * HOT_SAMPLES samples on one stack jit_hot_outer;jit_hot_leaf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/datafile.h"

#define JIT_BASE 0x7e0000000000ULL
#define NFUNC 4000
#define DEPTH 8

static int put(struct df_writer *w, struct df_record r)
{
	return df_write(w, &r);
}

int main(int argc, char **argv)
{
	struct df_writer *w = NULL;
	uint64_t ips[DEPTH], hot[2] = { JIT_BASE + 0x10 * NFUNC + 8, JIT_BASE + 0x10 * (NFUNC + 1) + 8 };
	unsigned long stacks, nhot, i, k, seed = 1;
	static char map[NFUNC * 40 + 100];
	size_t len = 0;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: gen_wide PATH STACKS HOT_SAMPLES\n");
		return 2;
	}
	stacks = strtoul(argv[2], NULL, 10);
	nhot = strtoul(argv[3], NULL, 10);
	for (i = 0; i < NFUNC; i++)
		len += (size_t)sprintf(map + len, "%llx 10 jit_f%04lu\n",
				       (unsigned long long)(JIT_BASE + 0x10 * i), i);
	len += (size_t)sprintf(map + len, "%llx 10 jit_hot_leaf\n%llx 10 jit_hot_outer\n",
			       (unsigned long long)(hot[0] - 8), (unsigned long long)(hot[1] - 8));
	err = df_writer_new(argv[1], &w);
	err = err ? err : put(w, (struct df_record){ .type = DF_META, .meta = {
		.freq = 999, .mode = DF_MODE_FP, .cmdline = "wide", .hostname = "gen",
		.release = "" } });
	err = err ? err : put(w, (struct df_record){ .type = DF_COMM,
		.comm = { .pid = 100, .tid = 100, .comm = "wide" } });
	err = err ? err : put(w, (struct df_record){ .type = DF_MMAP, .mmap = {
		.pid = 100, .tid = 100, .start = JIT_BASE, .len = 0x100000, .path = "//anon",
		.host_path = "" } });
	err = err ? err : put(w, (struct df_record){ .type = DF_PERFMAP,
		.perfmap = { .pid = 100, .len = (uint32_t)len, .text = map } });
	err = err ? err : put(w, (struct df_record){ .type = DF_STACK,
		.stack = { .id = 0, .n = 2, .ips = hot } });
	for (i = 0; i < stacks && !err; i++) {
		for (k = 0; k < DEPTH; k++) {
			unsigned long n = 4ul << (2 * k);

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* ips are leaf first; +8: a return address inside its function */
			ips[DEPTH - 1 - k] = JIT_BASE + 0x10 * ((seed >> 33) % (n < NFUNC ? n : NFUNC)) + 8;
		}
		err = put(w, (struct df_record){ .type = DF_STACK,
			.stack = { .id = (uint32_t)(i + 1), .n = DEPTH, .ips = ips } });
		if (!err)
			err = put(w, (struct df_record){ .type = DF_SAMPLE, .sample = {
				.pid = 100, .tid = 100, .stack_id = (uint32_t)(i + 1) } });
	}
	for (i = 0; i < nhot && !err; i++)
		err = put(w, (struct df_record){ .type = DF_SAMPLE,
			.sample = { .pid = 100, .tid = 100, .stack_id = 0 } });
	err = err ? err : put(w, (struct df_record){ .type = DF_FINISH, .finish = {
		.samples = stacks + nhot, .duration_ns = 1000000000, .threads = 1,
		.processes = 1 } });
	if (df_writer_free(w) && !err)
		err = -1;
	if (err) {
		fprintf(stderr, "gen_wide: cannot write %s: %s\n", argv[1], strerror(err < 0 ? -err : err));
		return 1;
	}
	return 0;
}
