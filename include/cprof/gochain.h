/*
 * Go's stack switches crossed with the chain of frame pointers the kernel
 * walked when it took the sample (PERF_SAMPLE_CALLCHAIN's user part).
 *
 * A sample taken past runtime.systemstack, on the thread's system stack
 * (g0), copies only that stack; the goroutine that called systemstack
 * waits on its own. Go keeps frame pointers, and systemstack keeps the
 * goroutine's BP when it switches, so the first frame on g0 saved it: the
 * kernel's chain goes on from g0 into the goroutine's frames, read at the
 * moment of the sample, up to runtime.goexit. One frame is not in it:
 * systemstack has no frame of its own, so the return address into the
 * function that called it (at the goroutine's SP) is in no chained frame.
 * That function is named by the call before the next return address (a
 * direct call, CALL rel32), and where in it systemstack was called by
 * its calls of systemstack (one, mostly; of several, the one whose return
 * address the goroutine's stack still holds, else the first). Code,
 * function bounds and frame sizes come from the binary's pclntab
 * (gopcln.h), which -ldflags=-w binaries keep.
 */
#ifndef CPROF_GOCHAIN_H
#define CPROF_GOCHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof/gostack.h"
#include "cprof/roots.h"

struct gochain;

int gochain_new(struct gochain **out);
void gochain_free(struct gochain *gc);

/* Where a walk stopped: a return address into a function where Go switches stacks. */
struct gochain_stop {
	uint32_t file;           /* the unwinder's index of the binary, at PATH */
	const char *path;
	uint64_t bias;           /* its load bias */
	uint64_t start, end;     /* the function's ELF vaddrs */
	enum root_jump how;      /* JUMP_NONE: it is no switch */
};

/* The sample a walk is of. */
struct gochain_sample {
	pid_t pid;
	struct gostack_copy copy; /* its stack copy */
	uint64_t bp;              /* its BP */
	const uint64_t *fp;       /* the kernel's chain, NFP addresses, the sample's pc first */
	size_t nfp;
};

enum gochain_way {
	GOCHAIN_STOP,            /* the stack ends at the switch */
	GOCHAIN_SPLICED,         /* the rest of the stack was appended from the kernel's chain */
	GOCHAIN_RESUME,          /* the walk goes on from the registers set */
};

/*
 * A walk of sample S stopped at STOP, at a frame whose x86-64 DWARF
 * registers (0..16, 0: not known) are REGS, its pc the last of IPS (*N of
 * MAX used, innermost first). Past a systemstack, a vDSO call or a signal
 * handler's end, the frames of the kernel's chain are appended to IPS (a
 * signal's restorer, no call, replaced by the interrupted pc), all of the
 * chain that was left: the caller ends the stack at its first root. Else
 * RESUME is set as gostack_jump() sets it, from the goroutine's memory
 * or the signal frame (GS). Returns the way taken.
 */
enum gochain_way gochain_cross(struct gochain *gc, struct gostack *gs,
			       const struct gochain_sample *s, const struct gochain_stop *stop,
			       const uint64_t regs[17], uint64_t *ips, size_t max, size_t *n,
			       uint64_t resume[17]);

#endif
