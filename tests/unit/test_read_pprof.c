/*
 * Unit tests of include/cprof/read_pprof.h's bounds (issue 23): a gzip
 * bomb and a protobuf of empty messages are refused with -EFBIG before
 * they cost more than the documented multiples of the input.
 */
#include "unit.h"

#include <errno.h>
#include <zlib.h>

#include "cprof/read_pprof.h"

/* N bytes of empty Sample messages (field 2, length 0): 88 bytes each once decoded. */
static unsigned char *empty_samples(size_t n)
{
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i + 1 < n; i += 2) {
		p[i] = 0x12;
		p[i + 1] = 0;
	}
	return p;
}

/* A protobuf decodes to at most READ_PPROF_UNPACK_RATIO times its size. */
static void test_decoded_bound(void **state)
{
	size_t n = 4 << 20;
	unsigned char *pb = empty_samples(n);
	struct profile *p = (struct profile *)1;

	(void)state;
	assert_int_equal(read_pprof(pb, n, &p), -EFBIG);
	assert_null(p);
	/* the same messages, few enough: read */
	assert_int_equal(read_pprof(pb, 1000, &p), 0);
	profile_free(p);
	free(pb);
}

/* Inflated, at most READ_PPROF_INFLATE_RATIO times the gzip'd size (plus slack). */
static void test_inflated_bound(void **state)
{
	size_t n = 16 << 20;
	unsigned char *pb = empty_samples(n);
	uLongf gzlen = compressBound(n) + 64;
	unsigned char *gz = malloc(gzlen);
	z_stream z = { 0 };
	struct profile *p = (struct profile *)1;

	(void)state;
	assert_non_null(gz);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = pb;
	z.avail_in = (uInt)n;
	z.next_out = gz;
	z.avail_out = (uInt)gzlen;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	gzlen = z.total_out;
	deflateEnd(&z);
	assert_true(gzlen * READ_PPROF_INFLATE_RATIO + READ_PPROF_SLACK < n);
	assert_int_equal(read_pprof(gz, gzlen, &p), -EFBIG);
	assert_null(p);
	free(gz);
	free(pb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoded_bound),
		cmocka_unit_test(test_inflated_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
