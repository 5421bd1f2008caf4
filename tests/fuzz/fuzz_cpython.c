/*
 * libFuzzer harness of the CPython frame reader (cpython.h) on crafted
 * memory images: input [minor][tid, u32][image], the image standing for
 * a process's memory from 0x10000 with _PyRuntime at its start (the seeds
 * are tests/unit/pyimage.h's, `test_cpython --seeds DIR`). Every thread
 * is walked, every frame named and its line read. Checks the contracts:
 * counts within what was asked, strings NUL-terminated UTF-8, and only the
 * documented errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/cpython.h"
#include "cprof/procmem.h"
#include "cprof/util.h"
#include "fuzz.h"

#define BASE 0x10000u
#define HEAD 5

struct image {
	const uint8_t *data;
	size_t len;
};

static int image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct image *im = ctx;

	if (addr < BASE || addr - BASE > im->len || len > im->len - (addr - BASE))
		return -EFAULT;
	memcpy(buf, im->data + (addr - BASE), len);
	return 0;
}

static void check_err(int err)
{
	switch (err) {
	case 0: case -EFAULT: case -ELOOP: case -E2BIG: case -ENOBUFS: case -ESRCH:
	case -EPROTO: case -ENOENT:
		return;
	}
	abort();
}

static void check_str(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);
	size_t i, n;

	if (!nul)
		abort();
	for (i = 0; i < (size_t)(nul - s); i += n)
		if (!(n = (size_t)utf8_seq_len((const unsigned char *)s + i, (size_t)(nul - s) - i)))
			abort();
}

static void walk(struct cpython *py, uint32_t tid)
{
	struct cpython_frame fr[32];
	size_t n = 99, i;
	int err = cpython_stack(py, (pid_t)tid, fr, 32, &n);

	check_err(err);
	if (n > 32)
		abort();
	for (i = 0; i < n; i++) {
		struct cpython_code code;
		uint32_t line = 7;

		check_err(cpython_code(py, fr[i].code, &code));
		check_str(code.qualname, sizeof(code.qualname));
		check_str(code.filename, sizeof(code.filename));
		err = cpython_line(py, fr[i].code, fr[i].lasti, &line);
		check_err(err);
		if (err && line)
			abort(); /* no line: 0 */
		if (line > INT32_MAX)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpython_thread th[16];
	struct image im;
	struct procmem_src src = { image_read, &im };
	struct procmem *mem;
	struct cpython *py;
	uint32_t tid;
	size_t n = 99, i;
	int err;

	if (size < HEAD)
		return 0;
	memcpy(&tid, data + 1, 4);
	im.data = data + HEAD;
	im.len = size - HEAD;
	if (procmem_new_src(&src, &mem))
		return 0;
	err = cpython_open(mem, 3, data[0], BASE, 1000, &py);
	if (err) {
		if (err != -EPROTONOSUPPORT && err != -EPROTO && err != -EFAULT)
			abort();
		procmem_free(mem);
		return 0;
	}
	walk(py, tid);
	err = cpython_threads(py, th, 16, &n);
	check_err(err);
	if (n > 16)
		abort();
	for (i = 0; i < n; i++)
		walk(py, th[i].native_tid);
	cpython_free(py);
	procmem_free(mem);
	return 0;
}
