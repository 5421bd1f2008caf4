/* Unit tests of include/cprof/procmem.h: bounded reads of a process's memory. */
#include "unit.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cprof/procmem.h"

/* A source over a buffer mapped at BASE: anything outside is -EFAULT. */
struct image {
	uint64_t base;
	const unsigned char *data;
	size_t len;
	unsigned reads;
};

static int image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct image *im = ctx;

	im->reads++;
	if (addr < im->base || addr - im->base > im->len || len > im->len - (addr - im->base))
		return -EFAULT;
	memcpy(buf, im->data + (addr - im->base), len);
	return 0;
}

static void test_own_memory(void **state)
{
	static const char text[] = "hello, procmem";
	uint64_t value = 0x1122334455667788ull, got = 0;
	uint32_t u32 = 0;
	char buf[64], small[6];
	struct procmem *m;

	(void)state;
	assert_int_equal(procmem_new(getpid(), &m), 0);
	assert_int_equal(procmem_read_ptr(m, (uintptr_t)&value, &got), 0);
	assert_true(got == value);
	assert_int_equal(procmem_read_u32(m, (uintptr_t)&value, &u32), 0);
	assert_int_equal(u32, 0x55667788u);
	assert_int_equal(procmem_read_cstr(m, (uintptr_t)text, buf, sizeof(buf)), 0);
	assert_string_equal(buf, text);
	/* a string longer than the buffer: cut, NUL-terminated, said so */
	assert_int_equal(procmem_read_cstr(m, (uintptr_t)text, small, sizeof(small)), -ENAMETOOLONG);
	assert_string_equal(small, "hello");
	/* address 0, a wrapping range, memory nobody mapped */
	assert_int_equal(procmem_read_ptr(m, 0, &got), -EFAULT);
	assert_int_equal(procmem_read(m, UINT64_MAX - 3, buf, 8), -EFAULT);
	assert_int_equal(procmem_read_ptr(m, 8, &got), -EFAULT);
	procmem_free(m);
	procmem_free(NULL);
}

/* A string that ends at the last byte of a page followed by an unreadable one. */
static void test_string_at_page_end(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct procmem *m;
	char buf[256];

	(void)state;
	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + page, page, PROT_NONE), 0);
	memcpy(p + page - 4, "abc", 4);
	memset(p + page - 20, 'x', 16);
	assert_int_equal(procmem_new(getpid(), &m), 0);
	assert_int_equal(procmem_read_cstr(m, (uintptr_t)(p + page - 4), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abc");
	assert_int_equal(procmem_read_cstr(m, (uintptr_t)(p + page - 20), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "xxxxxxxxxxxxxxxxabc");
	/* no NUL before the unreadable page: the read into it fails */
	p[page - 1] = 'z';
	assert_int_equal(procmem_read_cstr(m, (uintptr_t)(p + page - 4), buf, sizeof(buf)), -EFAULT);
	/* a read that runs into the unreadable page is not half done */
	assert_int_equal(procmem_read(m, (uintptr_t)(p + page - 4), buf, 8), -EFAULT);
	procmem_free(m);
	munmap(p, 2 * page);
}

static void test_gone_process(void **state)
{
	pid_t pid = fork();
	struct procmem *m;
	uint64_t v;
	int status;

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(procmem_new(pid, &m), 0);
	assert_int_equal(procmem_read_ptr(m, (uintptr_t)&v, &v), -ESRCH);
	procmem_free(m);
}

static void test_caps(void **state)
{
	unsigned char data[4096];
	struct image im = { .base = 0x10000, .data = data, .len = sizeof(data) };
	struct procmem_src src = { image_read, &im };
	struct procmem *m;
	unsigned char buf[4096];
	int i;

	(void)state;
	memset(data, 'a', sizeof(data));
	assert_int_equal(procmem_new_src(&src, &m), 0);
	procmem_set_limits(m, 100, 1000);
	assert_int_equal(procmem_read(m, 0x10000, buf, 101), -E2BIG);
	assert_int_equal(im.reads, 0u); /* refused before the source is asked */
	for (i = 0; i < 10; i++)
		assert_int_equal(procmem_read(m, 0x10000, buf, 100), 0);
	assert_int_equal(procmem_spent(m), 1000);
	assert_int_equal(procmem_read(m, 0x10000, buf, 1), -ENOBUFS);
	procmem_begin(m);
	assert_int_equal(procmem_spent(m), 0);
	assert_int_equal(procmem_read(m, 0x10000, buf, 1), 0);
	/* a failed read counts: a walk of bad pointers ends too */
	assert_int_equal(procmem_read(m, 0x20000, buf, 50), -EFAULT);
	assert_int_equal(procmem_spent(m), 51);
	/* a string read never asks for more than the per-read cap */
	procmem_begin(m);
	assert_int_equal(procmem_read_cstr(m, 0x10000, (char *)buf, sizeof(buf)), -ENOBUFS);
	assert_int_equal(procmem_spent(m), 1000);
	assert_int_equal(procmem_read(m, 0, buf, 0), 0); /* nothing to read */
	procmem_free(m);
}

/* Several ranges in one call: whole ones counted from the first, stopped at an unreadable one. */
static void test_readv(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t a = 1, b = 2, c = 3, x = 0, y = 0, z = 0;
	struct procmem_iov v[3] = {
		{ (uintptr_t)&a, &x, 8 }, { (uintptr_t)&b, &y, 8 }, { (uintptr_t)&c, &z, 8 },
	};
	struct procmem *m;

	(void)state;
	assert_true(p != MAP_FAILED);
	assert_int_equal(munmap(p + page, page), 0);
	assert_int_equal(procmem_new(getpid(), &m), 0);
	assert_int_equal(procmem_readv(m, v, 3), 3);
	assert_true(x == 1 && y == 2 && z == 3);
	/* the second runs into an unmapped page: the first only */
	x = y = 0;
	v[1].addr = (uintptr_t)(p + page - 4);
	assert_int_equal(procmem_readv(m, v, 3), 1);
	assert_true(x == 1);
	/* the first unreadable: its error */
	v[0].addr = (uintptr_t)(p + page);
	assert_int_equal(procmem_readv(m, v, 3), -EFAULT);
	v[0].addr = 0;
	assert_int_equal(procmem_readv(m, v, 1), -EFAULT);
	/* past the walk's budget: the ranges within it */
	v[0].addr = (uintptr_t)&a, v[1].addr = (uintptr_t)&b;
	procmem_set_limits(m, 0, 16);
	procmem_begin(m);
	assert_int_equal(procmem_readv(m, v, 3), 2);
	procmem_free(m);
	munmap(p, page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_memory),
		cmocka_unit_test(test_string_at_page_end),
		cmocka_unit_test(test_gone_process),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_readv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
