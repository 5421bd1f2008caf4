/* Bounded reads of another process's memory: see include/cprof/procmem.h. */
#include "cprof/procmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define PAGE 4096u
#define IOV_BATCH 64             /* ranges per process_vm_readv() */

struct procmem {
	struct procmem_src src;
	pid_t pid;
	size_t read_max, budget, spent;
};

static int vm_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct procmem *m = ctx;
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n = process_vm_readv(m->pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return errno == EFAULT || errno == EINVAL ? -EFAULT : -errno;
	return (size_t)n == len ? 0 : -EFAULT; /* a range running into unmapped memory */
}

static int procmem_alloc(struct procmem **out)
{
	struct procmem *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->read_max = PROCMEM_READ_MAX;
	m->budget = PROCMEM_WALK_BUDGET;
	*out = m;
	return 0;
}

int procmem_new(pid_t pid, struct procmem **out)
{
	int err = procmem_alloc(out);

	if (err)
		return err;
	(*out)->pid = pid;
	(*out)->src.read = vm_read;
	(*out)->src.ctx = *out;
	return 0;
}

int procmem_new_src(const struct procmem_src *src, struct procmem **out)
{
	int err = procmem_alloc(out);

	if (err)
		return err;
	(*out)->src = *src;
	return 0;
}

void procmem_free(struct procmem *m)
{
	free(m);
}

void procmem_set_limits(struct procmem *m, size_t read_max, size_t walk_budget)
{
	if (read_max)
		m->read_max = read_max;
	if (walk_budget)
		m->budget = walk_budget;
}

void procmem_begin(struct procmem *m)
{
	m->spent = 0;
}

size_t procmem_spent(const struct procmem *m)
{
	return m->spent;
}

int procmem_read(struct procmem *m, uint64_t addr, void *buf, size_t len)
{
	if (!len)
		return 0;
	if (!addr || addr + len - 1 < addr)
		return -EFAULT;
	if (len > m->read_max)
		return -E2BIG;
	if (len > m->budget - m->spent)
		return -ENOBUFS;
	m->spent += len;
	return m->src.read(m->src.ctx, addr, buf, len);
}

/* Whether procmem_read() would take the range R: 0 or its error. */
static int range_ok(const struct procmem *m, const struct procmem_iov *r)
{
	if (!r->len)
		return 0;
	if (!r->addr || r->addr + r->len - 1 < r->addr)
		return -EFAULT;
	if (r->len > m->read_max)
		return -E2BIG;
	return r->len > m->budget - m->spent ? -ENOBUFS : 0;
}

/* The ranges V[0..N) (0 < N <= IOV_BATCH): how many, from the first, were read whole. */
static int src_readv(struct procmem *m, const struct procmem_iov *v, size_t n)
{
	struct iovec local[IOV_BATCH] = { 0 }, remote[IOV_BATCH] = { 0 };
	size_t i;
	ssize_t got;
	int err;

	if (m->src.read != vm_read) {
		for (i = 0; i < n; i++)
			if ((err = m->src.read(m->src.ctx, v[i].addr, v[i].buf, v[i].len)))
				return i ? (int)i : err;
		return (int)n;
	}
	for (i = 0; i < n; i++) {
		local[i] = (struct iovec){ .iov_base = v[i].buf, .iov_len = v[i].len };
		remote[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)v[i].addr,
					    .iov_len = v[i].len };
	}
	got = process_vm_readv(m->pid, local, (unsigned long)n, remote, (unsigned long)n, 0);
	if (got < 0)
		return errno == EFAULT || errno == EINVAL ? -EFAULT : -errno;
	/* the ranges before the first one it could not read whole */
	for (i = 0; i < n && (size_t)got >= v[i].len; i++)
		got -= (ssize_t)v[i].len;
	return i ? (int)i : -EFAULT;
}

int procmem_readv(struct procmem *m, const struct procmem_iov *v, size_t n)
{
	size_t done = 0, batch;
	int err = 0, got;

	while (done < n && !err) {
		for (batch = 0; done + batch < n && batch < IOV_BATCH &&
				!(err = range_ok(m, &v[done + batch])); batch++)
			m->spent += v[done + batch].len;
		if (!batch)
			break;
		got = src_readv(m, v + done, batch);
		if (got < 0) {
			err = got;
			break;
		}
		done += (size_t)got;
		if ((size_t)got < batch)
			break;
	}
	return done ? (int)done : err;
}

int procmem_read_ptr(struct procmem *m, uint64_t addr, uint64_t *out)
{
	return procmem_read(m, addr, out, sizeof(*out));
}

int procmem_read_u32(struct procmem *m, uint64_t addr, uint32_t *out)
{
	return procmem_read(m, addr, out, sizeof(*out));
}

int procmem_read_cstr(struct procmem *m, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	buf[0] = '\0';
	while (got + 1 < size) {
		/* to the end of ADDR's page at most: the next may be unmapped */
		size_t chunk = PAGE - (size_t)((addr + got) % PAGE);
		char *nul;
		int err;

		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		if (chunk > m->read_max)
			chunk = m->read_max;
		err = procmem_read(m, addr + got, buf + got, chunk);
		if (err) {
			buf[got] = '\0';
			return err;
		}
		nul = memchr(buf + got, '\0', chunk);
		if (nul)
			return 0;
		got += chunk;
	}
	buf[got] = '\0';
	return -ENAMETOOLONG;
}
