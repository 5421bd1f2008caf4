/*
 * craft_data - write a data file naming the mappings an attacker chooses,
 * for the tests of what `cprof report` agrees to open.
 *
 * Usage: craft_data OUT SPEC...
 *   SPEC is PATH|HOST_PATH|BUILD_ID_HEX|IP_OFFSET (the last three may be
 *   empty): one mapping of PATH (with that host_path and build-id) per SPEC,
 *   each at its own address, and one sample whose stack has a frame in each,
 *   IP_OFFSET (hex, default 0x1000) bytes into its mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/datafile.h"

#define BASE 0x500000000000ULL
#define STEP 0x10000000ULL
#define CTX_USER ((uint64_t)-512)
#define MAX_SPECS 30

static int put(struct df_writer *w, const struct df_record *r, const char *out)
{
	int err = df_write(w, r);

	if (err)
		fprintf(stderr, "craft_data: %s: %s\n", out, strerror(-err));
	return err;
}

static void parse_id(const char *hex, struct df_mmap *m)
{
	while (hex[0] && hex[1] && m->build_id_size < DF_BUILD_ID_MAX) {
		char byte[3] = { hex[0], hex[1], 0 };

		m->build_id[m->build_id_size++] = (unsigned char)strtoul(byte, NULL, 16);
		hex += 2;
	}
}

int main(int argc, char **argv)
{
	uint64_t ips[MAX_SPECS + 1];
	struct df_writer *w;
	uint32_t n = 0;
	int i, err;

	if (argc < 3 || argc - 2 > MAX_SPECS) {
		fprintf(stderr, "usage: craft_data OUT 'PATH|HOST_PATH|BUILD_ID|IP_OFFSET'...\n");
		return 2;
	}
	if ((err = df_writer_new(argv[1], &w))) {
		fprintf(stderr, "craft_data: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	err = put(w, &(struct df_record){ .type = DF_META, .meta = {
		.freq = 99, .mode = DF_MODE_FP, .cmdline = "crafted", .hostname = "h",
		.release = "r" } }, argv[1]);
	err = err ? err : put(w, &(struct df_record){ .type = DF_COMM, .comm = {
		.pid = 42, .tid = 42, .time = 1, .comm = "victim" } }, argv[1]);
	ips[n++] = CTX_USER;
	for (i = 2; i < argc && !err; i++) {
		char *f[4] = { argv[i], "", "", "" }, *p = argv[i];
		struct df_record r = { .type = DF_MMAP };
		int k;

		for (k = 1; k < 4 && (p = strchr(p, '|')); k++) {
			*p++ = '\0';
			f[k] = p;
		}
		r.mmap = (struct df_mmap){ .pid = 42, .tid = 42, .time = 2,
					   .start = BASE + STEP * (uint64_t)i, .len = STEP,
					   .path = f[0], .host_path = f[1] };
		parse_id(f[2], &r.mmap);
		ips[n++] = r.mmap.start + (*f[3] ? strtoull(f[3], NULL, 16) : 0x1000);
		err = put(w, &r, argv[1]);
	}
	err = err ? err : put(w, &(struct df_record){ .type = DF_STACK,
		.stack = { .id = 0, .n = n, .ips = ips } }, argv[1]);
	for (i = 0; i < 10 && !err; i++)
		err = put(w, &(struct df_record){ .type = DF_SAMPLE, .sample = {
			.time = 10 + (uint64_t)i, .pid = 42, .tid = 42, .stack_id = 0 } }, argv[1]);
	i = df_writer_free(w);
	return err || i ? 1 : 0;
}
