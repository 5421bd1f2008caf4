/*
 * Write a synthetic cprof recording for the report benchmark: one process
 * mapping BINARY, NSAMPLES samples over NSTACKS distinct stacks built from
 * the code addresses listed (one hex ELF vaddr a line) on standard input.
 *
 *   report-synth BINARY OUT.data NSAMPLES NSTACKS < addresses
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cprof/datafile.h"
#include "cprof/elffile.h"

#define BASE 0x555555554000ULL

/* xorshift: the same file from the same input, run after run */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	struct df_writer *w;
	struct df_record rec;
	struct elffile *ef;
	const unsigned char *bid;
	struct stat st;
	uint64_t *addrs = NULL, a, seed = 0x9e3779b97f4a7c15ULL, ips[40];
	size_t naddrs = 0, cap = 0, nsamples, nstacks, i, k;
	int err;

	if (argc != 5) {
		fprintf(stderr, "usage: report-synth BINARY OUT.data NSAMPLES NSTACKS < addresses\n");
		return 2;
	}
	nsamples = strtoul(argv[3], NULL, 10);
	nstacks = strtoul(argv[4], NULL, 10);
	while (scanf("%" SCNx64, &a) == 1) {
		if (naddrs == cap) {
			cap = cap ? cap * 2 : 1024;
			addrs = realloc(addrs, cap * sizeof(*addrs));
			if (!addrs)
				return 1;
		}
		addrs[naddrs++] = a;
	}
	if (!naddrs || !nstacks || stat(argv[1], &st) || elffile_open(argv[1], &ef)) {
		fprintf(stderr, "report-synth: need addresses and a readable ELF file\n");
		return 1;
	}
	if ((err = df_writer_new(argv[2], &w))) {
		fprintf(stderr, "report-synth: %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	memset(&rec, 0, sizeof(rec));
	rec.type = DF_COMM;
	rec.comm = (struct df_comm){ .pid = 100, .tid = 100, .comm = "synth" };
	df_write(w, &rec);
	rec.type = DF_MMAP;
	rec.mmap = (struct df_mmap){ .pid = 100, .tid = 100, .start = BASE,
				     .len = ((uint64_t)st.st_size + 4095) & ~4095ULL, .path = argv[1] };
	rec.mmap.build_id_size = (uint32_t)elffile_build_id(ef, &bid);
	if (rec.mmap.build_id_size > DF_BUILD_ID_MAX)
		rec.mmap.build_id_size = 0;
	memcpy(rec.mmap.build_id, bid, rec.mmap.build_id_size);
	df_write(w, &rec);
	for (i = 0; i < nstacks; i++) {
		size_t depth = 10 + next_rand(&seed) % 20;

		/* every address shows up: the first stacks walk the list in order */
		ips[0] = PERF_CONTEXT_USER;
		for (k = 1; k <= depth; k++) {
			size_t j = i * depth + k < naddrs ? i * depth + k : next_rand(&seed) % naddrs;

			ips[k] = BASE + addrs[j];
		}
		rec.type = DF_STACK;
		rec.stack = (struct df_stack){ .id = (uint32_t)i, .n = (uint32_t)depth + 1, .ips = ips };
		df_write(w, &rec);
	}
	for (i = 0; i < nsamples; i++) {
		rec.type = DF_SAMPLE;
		rec.sample = (struct df_sample){ .time = i, .pid = 100, .tid = 100 + i % 4,
						 .stack_id = (uint32_t)(next_rand(&seed) % nstacks) };
		df_write(w, &rec);
	}
	rec.type = DF_FINISH;
	rec.finish = (struct df_finish){ .samples = nsamples, .threads = 4, .processes = 1 };
	df_write(w, &rec);
	elffile_free(ef);
	free(addrs);
	return df_writer_free(w) ? 1 : 0;
}
