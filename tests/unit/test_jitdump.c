/* Unit tests of include/cprof/jitdump.h. */
#include "unit.h"

#include <errno.h>

#include "cprof/jitdump.h"

struct dump {
	uint8_t b[1024];
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
