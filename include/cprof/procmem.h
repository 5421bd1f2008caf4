/*
 * Bounded reads of another process's memory (or of any memory source
 * behind the same small interface: a test's buffer, a fuzzer's image).
 * The memory belongs to a process that may be hostile: every read is at
 * most a per-read cap, all the reads of one walk (between two
 * procmem_begin() calls) at most a byte budget, and a read that cannot be
 * done whole fails with -EFAULT; nothing here dereferences what it read.
 */
#ifndef CPROF_PROCMEM_H
#define CPROF_PROCMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Defaults of the limits below. */
#define PROCMEM_READ_MAX (64u << 10)     /* bytes in one read */
#define PROCMEM_WALK_BUDGET (256u << 10) /* bytes between two procmem_begin() */

/*
 * A memory source: READ copies LEN bytes at ADDR into BUF, all of them,
 * and returns 0, or -EFAULT when any cannot be read (or another -errno:
 * -ESRCH when the process is gone, -EPERM when it may not be read).
 */
struct procmem_src {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;               /* borrowed: outlives the reader */
};

struct procmem;

/* A reader of PID's memory by process_vm_readv(2). Returns 0 or -ENOMEM. */
int procmem_new(pid_t pid, struct procmem **out);
/* A reader of the source SRC (copied; its CTX is borrowed). Returns 0 or -ENOMEM. */
int procmem_new_src(const struct procmem_src *src, struct procmem **out);
void procmem_free(struct procmem *m);

/* Set the per-read cap and the per-walk budget (0 keeps the current value). */
void procmem_set_limits(struct procmem *m, size_t read_max, size_t walk_budget);
/* Start a walk: the budget is whole again. */
void procmem_begin(struct procmem *m);
/* Bytes read since procmem_begin(), failed reads included. */
size_t procmem_spent(const struct procmem *m);

/*
 * Copy LEN bytes at ADDR into BUF. Returns 0, -EFAULT (address 0, a range
 * that wraps, or memory that cannot be read whole), -E2BIG (LEN over the
 * per-read cap), -ENOBUFS (the walk's budget is spent), or the source's
 * -errno (-ESRCH, -EPERM). BUF is undefined after an error.
 */
int procmem_read(struct procmem *m, uint64_t addr, void *buf, size_t len);
/* A pointer (8 bytes: 64-bit targets only), a u64 and a u32 at ADDR, in host order. */
int procmem_read_ptr(struct procmem *m, uint64_t addr, uint64_t *out);
int procmem_read_u32(struct procmem *m, uint64_t addr, uint32_t *out);
/* One range of a procmem_readv(). */
struct procmem_iov {
	uint64_t addr;
	void *buf;
	size_t len;
};

/*
 * Read the N ranges V, each as procmem_read() would, in one system call
 * for a process (up to 64 at a time). Returns how many of them, from the
 * first, were read whole (a range that cannot be read stops it: those
 * after it are not read), or the -errno of the first when none was.
 */
int procmem_readv(struct procmem *m, const struct procmem_iov *v, size_t n);

/*
 * The NUL-terminated string at ADDR into BUF (SIZE >= 1 bytes, always
 * NUL-terminated), read page by page so that a short string near the end
 * of a mapping can be read. Returns 0, -ENAMETOOLONG when no NUL is found
 * in SIZE - 1 bytes (BUF then holds them), or procmem_read()'s errors.
 */
int procmem_read_cstr(struct procmem *m, uint64_t addr, char *buf, size_t size);

#endif
