/*
 * Where a Go program's runtime keeps what Go's own traceback reads to go
 * from the system stack (g0, gsignal) back to the goroutine's stack: the
 * offsets of the fields of runtime.g and runtime.m (runtime/runtime2.go)
 * in one binary.
 */
#ifndef CPROF_GOLAYOUT_H
#define CPROF_GOLAYOUT_H

#include <gelf.h>
#include <stdint.h>

/* Byte offsets in runtime.g (g_*) and runtime.m (m_*). */
struct golayout {
	uint32_t g_stack_lo, g_stack_hi;  /* g.stack: the goroutine's stack [lo, hi) */
	uint32_t g_m;                      /* g.m: its thread */
	uint32_t g_sched_sp, g_sched_pc, g_sched_bp; /* g.sched: where it stopped */
	uint32_t m_g0, m_gsignal, m_curg;  /* the thread's system stacks, its goroutine */
	uint32_t g_size, m_size;           /* bytes of g and of m that hold these */
	/* ELF vaddrs [start, end) of runtime.systemstack_switch, 0 if not known (no symbols) */
	uint64_t switch_start, switch_end;
};

/*
 * The layout of ELF, a binary Go linked: from the DWARF types runtime.g,
 * runtime.m, runtime.gobuf and runtime.stack, else (-ldflags=-w) from a
 * table by the Go version in .go.buildinfo. Returns 0, -ENOENT (no DWARF
 * and a version not in the table, or not Go), or -ENOMEM.
 */
int golayout_read(Elf *elf, struct golayout *out);
/* golayout_read() of the binary PATH, opened by binsource's rules (binsource.h). */
int golayout_read_file(const char *path, struct golayout *out);

#endif
