/* Unit tests of include/cprof/jitdump.h. */
#include "unit.h"

#include <errno.h>

#include "cprof/jitdump.h"

struct dump {
	uint8_t b[4096];
	size_t n;
};

static void put(struct dump *d, const void *p, size_t n)
{
	assert_true(d->n + n <= sizeof(d->b));
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

static void put32(struct dump *d, uint32_t v) { put(d, &v, 4); }
static void put64(struct dump *d, uint64_t v) { put(d, &v, 8); }

static void header(struct dump *d, uint32_t magic, uint32_t size)
{
	put32(d, magic);
	put32(d, 1);
	put32(d, size);
	put32(d, 62);
	put32(d, 0);
	put32(d, 99);
	put64(d, 1);
	put64(d, 0);
}

static void code_load(struct dump *d, uint64_t addr, uint64_t size, const char *name)
{
	size_t len = strlen(name) + 1;

	put32(d, 0);
	put32(d, (uint32_t)(16 + 40 + len + size));
	put64(d, 5);
	put32(d, 99);
	put32(d, 99);
	put64(d, addr);
	put64(d, addr);
	put64(d, size);
	put64(d, 1);
	put(d, name, len);
	for (uint64_t i = 0; i < size; i++)
		put(d, "\x90", 1);
}

static void test_code_loads(void **state)
{
	struct dump d = { .n = 0 };
	struct buf out;

	(void)state;
	header(&d, 0x4A695444, 40);
	code_load(&d, 0x7f0000001000, 16, "py::leaf:/x.py");
	/* a record of another kind is passed over */
	put32(&d, 3);
	put32(&d, 16);
	put64(&d, 6);
	code_load(&d, 0x7f0000002000, 8, "two\nlines");
	/* cut short: a runtime still writing; what came before stands */
	put32(&d, 0);
	put32(&d, 500);
	put64(&d, 7);
	buf_init(&out);
	assert_int_equal(jitdump_to_perfmap(d.b, d.n, &out), 0);
	assert_non_null(out.data);
	assert_int_equal(out.len, strlen("7f0000001000 10 py::leaf:/x.py\n7f0000002000 8 two lines\n"));
	assert_memory_equal(out.data, "7f0000001000 10 py::leaf:/x.py\n7f0000002000 8 two lines\n",
			    out.len);
	buf_release(&out);
}

/* An unwinding-info record: SIZES (unwinding, header, mapped) over N bytes of DATA. */
static void unwinding_info(struct dump *d, uint64_t total, uint64_t hdr, const void *data, size_t n)
{
	put32(d, 4);
	put32(d, (uint32_t)(16 + 24 + n));
	put64(d, 4);
	put64(d, total);
	put64(d, hdr);
	put64(d, 0);
	put(d, data, n);
}

static void test_unwinding_info(void **state)
{
	static const uint8_t cfi[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct dump d = { .n = 0 };
	struct jitdump_load load;
	size_t pos, start, cut;

	(void)state;
	header(&d, 0x4A695444, 40);
	assert_int_equal(jitdump_header(d.b, d.n, &pos), 0);
	assert_int_equal(pos, 40);
	start = d.n;
	unwinding_info(&d, 32, 20, cfi, sizeof(cfi));
	put32(&d, 3); /* a debug-info record between them changes nothing */
	put32(&d, 16);
	put64(&d, 0);
	code_load(&d, 0x1000, 16, "with_cfi");
	code_load(&d, 0x2000, 16, "without"); /* it was for the load before */
	/* lies: more bytes than the record has, a header larger than the whole */
	unwinding_info(&d, 33, 20, cfi, sizeof(cfi));
	code_load(&d, 0x3000, 16, "past_record");
	unwinding_info(&d, 32, 32, cfi, sizeof(cfi));
	code_load(&d, 0x4000, 16, "hdr_too_big");
	cut = d.n;
	unwinding_info(&d, 32, 20, cfi, sizeof(cfi));
	code_load(&d, 0x5000, 16, "last");

	assert_int_equal(jitdump_next_load(d.b, d.n, &pos, &load), 1);
	assert_int_equal(load.addr, 0x1000);
	assert_int_equal(load.name_len, 8);
	assert_memory_equal(load.name, "with_cfi", 8);
	assert_ptr_equal(load.unwind, d.b + start + 40);
	assert_int_equal(load.eh_frame_size, 12);
	assert_int_equal(load.hdr_size, 20);
	assert_int_equal(jitdump_next_load(d.b, d.n, &pos, &load), 1);
	assert_int_equal(load.addr, 0x2000);
	assert_null(load.unwind);
	assert_int_equal(jitdump_next_load(d.b, d.n, &pos, &load), 1);
	assert_int_equal(load.addr, 0x3000);
	assert_null(load.unwind);
	assert_int_equal(jitdump_next_load(d.b, d.n, &pos, &load), 1);
	assert_int_equal(load.addr, 0x4000);
	assert_null(load.unwind);
	assert_int_equal(pos, cut);
	/* the last code load cut short: reading resumes at its unwinding info */
	assert_int_equal(jitdump_next_load(d.b, d.n - 1, &pos, &load), 0);
	assert_int_equal(pos, cut);
	assert_int_equal(jitdump_next_load(d.b, d.n, &pos, &load), 1);
	assert_int_equal(load.addr, 0x5000);
	assert_non_null(load.unwind);
	assert_int_equal(jitdump_next_load(d.b, d.n, &pos, &load), 0);
	assert_int_equal(pos, d.n);
	/* a position past the data reads nothing */
	pos = d.n + 100;
	assert_int_equal(jitdump_next_load(d.b, d.n, &pos, &load), 0);
	/* a header still being written */
	assert_int_equal(jitdump_header(d.b, 20, &pos), -EAGAIN);
}

static void test_not_jitdump(void **state)
{
	struct dump d = { .n = 0 };
	struct buf out;

	(void)state;
	buf_init(&out);
	header(&d, 0x4454694A, 40); /* the other byte order */
	assert_int_equal(jitdump_to_perfmap(d.b, d.n, &out), -EPROTO);
	d.n = 0;
	header(&d, 0x4A695444, 4000); /* header larger than the file */
	assert_int_equal(jitdump_to_perfmap(d.b, d.n, &out), -EPROTO);
	assert_int_equal(jitdump_to_perfmap(d.b, 10, &out), -EPROTO);
	d.n = 0;
	header(&d, 0x4A695444, 40);
	put32(&d, 0);
	put32(&d, 8); /* a record smaller than its own header ends the file */
	put64(&d, 0);
	assert_int_equal(jitdump_to_perfmap(d.b, d.n, &out), 0);
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_loads),
		cmocka_unit_test(test_not_jitdump),
		cmocka_unit_test(test_unwinding_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
