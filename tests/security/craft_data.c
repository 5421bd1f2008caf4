/*
 * craft_data - write a data file naming the mappings an attacker chooses,
 * for the tests of what `cprof report` agrees to open.
 *
 * Usage: craft_data OUT SPEC...
 *   SPEC is PATH|HOST_PATH|BUILD_ID_HEX|IP_OFFSET (the last three may be
 *   empty): one mapping of PATH (with that host_path and build-id) per SPEC,
 *   each at its own address, and one sample whose stack has a frame in each,
 *   IP_OFFSET (hex, default 0x1000) bytes into its mapping.
 *
 *       craft_data --resync KIND BYTES OUT
 *   OUT is a damaged file of BYTES bytes, a worst case of the reader's
 *   resynchronisation (crafted.h: past-end, strings, damaged-chain).
 *
 *       craft_data --forks OUT NMAPS NFORKS
 *   OUT has process 42 with NMAPS anonymous mappings forked NFORKS times
 *   (pids 1000...), one sample in each child.
 *
 *       craft_data --overflow OUT NINTERVALS
 *   OUT is a --wall recording of NINTERVALS off-CPU intervals of 2^50 - 1
 *   ns and one of 2^63 ns on one stack, and LOST records counting 2^63 each.
 *
 *       craft_data --distinct OUT N
 *   OUT has N stacks of one frame each, at N addresses of an anonymous
 *   mapping (N distinct frames), one sample on each.
 *
 *       craft_data --pprof-bomb OUT BYTES [plain]
 *   OUT is a pprof profile of empty Sample messages (2 bytes each, 88 once
 *   decoded), BYTES of them, gzip'd at level 9 (about 1000:1) unless plain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cprof/datafile.h"
#include "crafted.h"

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

static int write_bytes(const char *out, const unsigned char *data, size_t len)
{
	FILE *f = fopen(out, "wbx");
	int ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f))
		ok = 0;
	if (!ok)
		perror(out);
	return ok ? 0 : 1;
}

static int craft_resync(const char *kind, const char *bytes, const char *out)
{
	unsigned long long n = strtoull(bytes, NULL, 0);
	unsigned char *data;
	enum crafted_resync k;
	int err;

	for (k = CRAFTED_PAST_END; crafted_resync_name(k) && strcmp(crafted_resync_name(k), kind);
	     k++)
		;
	if (!crafted_resync_name(k) || n < 64 || n > (1ULL << 30)) {
		fprintf(stderr, "craft_data: --resync: unknown kind '%s' or size '%s'\n", kind, bytes);
		return 2;
	}
	if (!(data = crafted_resync(k, (size_t)n))) {
		fprintf(stderr, "craft_data: out of memory\n");
		return 1;
	}
	err = write_bytes(out, data, (size_t)n);
	free(data);
	return err;
}

/*
 * A new data file OUT with META (of a --wall recording if WALL), COMM of
 * 42 and STACK 0 (one user frame); NULL after a message.
 */
static struct df_writer *start(const char *out, int wall)
{
	static const uint64_t ips[] = { CTX_USER, BASE + 0x1000 };
	struct df_writer *w;
	int err = df_writer_new(out, &w);

	if (err) {
		fprintf(stderr, "craft_data: %s: %s\n", out, strerror(-err));
		return NULL;
	}
	err = put(w, &(struct df_record){ .type = DF_META, .meta = {
		.freq = 99, .mode = DF_MODE_FP, .cmdline = "crafted", .hostname = "h",
		.release = "r", .offcpu = wall ? DF_OFFCPU_WALL : DF_OFFCPU_NONE } }, out);
	err = err ? err : put(w, &(struct df_record){ .type = DF_COMM, .comm = {
		.pid = 42, .tid = 42, .time = 1, .comm = "victim" } }, out);
	err = err ? err : put(w, &(struct df_record){ .type = DF_STACK,
		.stack = { .id = 0, .n = 2, .ips = ips } }, out);
	if (err) {
		df_writer_discard(w);
		return NULL;
	}
	return w;
}

/* Close W; the exit status of a run whose writing ended with ERR. */
static int finish(struct df_writer *w, int err)
{
	int err2 = df_writer_free(w);

	return err || err2 ? 1 : 0;
}

static int craft_forks(const char *out, unsigned long nmaps, unsigned long nforks)
{
	struct df_writer *w = start(out, 0);
	unsigned long i;
	int err = 0;

	if (!w)
		return 1;
	for (i = 0; i < nmaps && !err; i++)
		err = put(w, &(struct df_record){ .type = DF_MMAP, .mmap = {
			.pid = 42, .tid = 42, .time = 2, .start = BASE + 0x2000 * (uint64_t)i,
			.len = 0x1000, .path = "//anon" } }, out);
	for (i = 0; i < nforks && !err; i++) {
		uint32_t pid = 1000 + (uint32_t)i;

		err = put(w, &(struct df_record){ .type = DF_FORK, .task = {
			.pid = pid, .ppid = 42, .tid = pid, .ptid = 42, .time = 3 } }, out);
		err = err ? err : put(w, &(struct df_record){ .type = DF_SAMPLE, .sample = {
			.time = 10, .pid = pid, .tid = pid, .stack_id = 0 } }, out);
	}
	return finish(w, err);
}

static int craft_distinct(const char *out, unsigned long n)
{
	struct df_writer *w = start(out, 0);
	unsigned long i;
	int err;

	if (!w)
		return 1;
	err = put(w, &(struct df_record){ .type = DF_MMAP, .mmap = {
		.pid = 42, .tid = 42, .time = 2, .start = BASE,
		.len = ((uint64_t)n * 16 + 0xfff) & ~(uint64_t)0xfff, .path = "//anon" } }, out);
	for (i = 0; i < n && !err; i++) {
		uint64_t ips[] = { CTX_USER, BASE + 16 * (uint64_t)i };

		err = put(w, &(struct df_record){ .type = DF_STACK,
			.stack = { .id = 1 + i, .n = 2, .ips = ips } }, out);
		err = err ? err : put(w, &(struct df_record){ .type = DF_SAMPLE, .sample = {
			.time = 10, .pid = 42, .tid = 42, .stack_id = 1 + i } }, out);
	}
	return finish(w, err);
}

static int craft_overflow(const char *out, unsigned long n)
{
	struct df_writer *w = start(out, 1);
	unsigned long i;
	int err;

	if (!w)
		return 1;
	err = put(w, &(struct df_record){ .type = DF_SAMPLE, .sample = {
		.time = 10, .pid = 42, .tid = 42, .stack_id = 0 } }, out);
	for (i = 0; i <= n && !err; i++)
		err = put(w, &(struct df_record){ .type = DF_WSAMPLE, .wsample = {
			.time = 11 + i, .pid = 42, .tid = 42, .stack_id = 0,
			.kind = i % 2 ? DF_WS_RUNQ : DF_WS_OFFCPU,
			.value = i == n ? UINT64_C(1) << 63 : (UINT64_C(1) << 50) - 1 } }, out);
	for (i = 0; i < 3 && !err; i++)
		err = put(w, &(struct df_record){ .type = DF_LOST, .lost = {
			.time = 20, .count = UINT64_C(1) << 63 } }, out);
	err = err ? err : put(w, &(struct df_record){ .type = DF_FINISH, .finish = {
		.time = 30 + n, .samples = 1, .lost = UINT64_MAX, .duration_ns = 25 + n } }, out);
	return finish(w, err);
}

static int craft_pprof_bomb(const char *out, unsigned long long bytes, int plain)
{
	static unsigned char in[65536], buf[65536];
	FILE *f = fopen(out, "wbx");
	z_stream z = { 0 };
	int zerr = Z_OK, ok = f != NULL;
	size_t i;

	for (i = 0; i < sizeof(in); i += 2) {
		in[i] = 0x12; /* field 2 (sample), length-delimited */
		in[i + 1] = 0;
	}
	if (ok && !plain)
		ok = deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK;
	while (ok && zerr != Z_STREAM_END) {
		size_t n = bytes < sizeof(in) ? (size_t)bytes : sizeof(in);

		bytes -= n;
		if (plain) {
			ok = fwrite(in, 1, n, f) == n;
			zerr = bytes ? Z_OK : Z_STREAM_END;
			continue;
		}
		z.next_in = in;
		z.avail_in = (unsigned)n;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			zerr = deflate(&z, bytes ? Z_NO_FLUSH : Z_FINISH);
			ok = zerr != Z_STREAM_ERROR &&
			     fwrite(buf, 1, sizeof(buf) - z.avail_out, f) == sizeof(buf) - z.avail_out;
		} while (ok && z.avail_out == 0);
	}
	if (!plain)
		deflateEnd(&z);
	if (f && fclose(f))
		ok = 0;
	if (!ok)
		fprintf(stderr, "craft_data: %s: cannot write\n", out);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t ips[MAX_SPECS + 1];
	struct df_writer *w;
	uint32_t n = 0;
	int i, err;

	if (argc == 5 && !strcmp(argv[1], "--resync"))
		return craft_resync(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "--forks"))
		return craft_forks(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "--pprof-bomb"))
		return craft_pprof_bomb(argv[2], strtoull(argv[3], NULL, 0),
					argc == 5 && !strcmp(argv[4], "plain"));
	if (argc == 4 && !strcmp(argv[1], "--distinct"))
		return craft_distinct(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "--overflow"))
		return craft_overflow(argv[2], strtoul(argv[3], NULL, 0));
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
