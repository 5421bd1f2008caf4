/*
 * DWARF unwinding of sampled user stacks, done while recording.
 *
 * The unwinder mirrors the executable mappings of each sampled process
 * (fed from the recording's MMAP2/FORK/COMM events) and unwinds a copy of
 * the user stack plus registers with the binaries' CFI (.eh_frame,
 * .debug_frame), falling back to frame pointers where CFI is missing.
 * CFI and opened files are cached per process and binary; nothing is
 * re-read per sample.
 */
#ifndef CPROF_UNWIND_H
#define CPROF_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof/datafile.h"

struct unwinder;

int unwinder_new(struct unwinder **out);
void unwinder_free(struct unwinder *u);

/*
 * An executable mapping of PATH appeared in PID. PATH is where cprof can
 * read the file (under /proc/PID/root, a copy of the vDSO...); a path not
 * starting with '/' names no file, and such frames end the stack.
 */
int unwinder_map(struct unwinder *u, pid_t pid, uint64_t start, uint64_t len,
		 uint64_t pgoff, const char *path);
/*
 * JIT code of PID at [START, START + LEN) has the CFI of IMAGE (IMAGE_LEN
 * bytes, from jitcfi_image; the unwinder takes it and frees it, on failure
 * too). JIT code loaded over older JIT code replaces it; code over a file
 * mapping, or past a process's limit of JIT images, is refused
 * (-EEXIST, -ENOSPC). Returns 0, one of those, or -ENOMEM.
 */
int unwinder_map_jit(struct unwinder *u, pid_t pid, uint64_t start, uint64_t len,
		     uint8_t *image, size_t image_len);
/* PID was replaced by exec or exited: drop its state. */
void unwinder_forget(struct unwinder *u, pid_t pid);
/* Process PID was forked from PPID and shares its mappings. */
int unwinder_fork(struct unwinder *u, pid_t ppid, pid_t pid);

/*
 * At most MAX processes' state (0: no limit, the default): the state of
 * one more process drops that of the one unwound (or mapped into) longest
 * ago, its mappings, CFI session and JIT images; unwinder_dropped() counts
 * them. Its caller sees it gone (unwinder_has()) and feeds its mappings
 * again before its next sample, or that unwinds no further than its pc.
 */
void unwinder_set_max_procs(struct unwinder *u, size_t max);
uint64_t unwinder_dropped(const struct unwinder *u);
/* Whether the unwinder holds state of PID (mappings it was given). */
int unwinder_has(struct unwinder *u, pid_t pid);

/* The frames of the kernel's chain at the default perf_event_max_stack: it may go on. */
#define UNWIND_FP_MAX 127

struct unwind_input {
	pid_t pid, tid;
	const uint64_t *regs;    /* indexed by PERF_REG_X86_* */
	const unsigned char *stack;
	uint64_t stack_size;     /* valid bytes at regs[SP] */
	/*
	 * The kernel's frame-pointer chain of the user stack, taken with the
	 * sample (the pc, then return addresses; NFP of them, 0: none): where
	 * a walk goes on past a Go stack switch (gochain.h).
	 */
	const uint64_t *fp;
	size_t nfp;
	uint64_t *fps;           /* NULL, or room for MAX: each frame's rbp, 0 unknown (only
				    the frames walked are written: not the sampled pc alone) */
};

/*
 * Unwind IN into IPS (at most MAX): ips[0] is the interrupted pc, the
 * rest are return addresses, innermost first. *WHY tells why the stack
 * ended early (DF_TRUNC_NONE when it reached its outermost frame).
 * Returns 0 (even for a partial stack) or -ENOMEM.
 */
int unwinder_unwind(struct unwinder *u, const struct unwind_input *in,
		    uint64_t *ips, size_t max, size_t *n, enum df_trunc *why);

#endif
