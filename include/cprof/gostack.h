/*
 * Go's stack switches, crossed the way Go's own traceback crosses them
 * (runtime/traceback.go, _TraceJumpStack): a walk of a sampled stack that
 * reached runtime.systemstack or runtime.morestack on a thread's system
 * stack (g0) goes on where the goroutine stopped, at g.m.curg.sched; one
 * that reached the end of a signal handler (runtime.sigreturn) goes on in
 * the code the signal interrupted, from the registers the kernel saved in
 * the signal frame of the stack copy.
 *
 * A sample copies only the stack it was taken on. The goroutine's is read
 * from the target's memory (process_vm_readv) when the sample is unwound,
 * a page at a time as the walk asks for it, at most GOSTACK_MAX bytes a
 * switch; nothing is allocated per sample. That is moments after the
 * sample was taken, so a switch is crossed only when the thread is seen
 * still inside it: its g0 frames hold the return addresses the sample
 * had, its goroutine is still m.curg and still stopped in systemstack
 * (sched.sp is cleared when it returns) or morestack. Else the walk ends
 * there, as before.
 */
#ifndef CPROF_GOSTACK_H
#define CPROF_GOSTACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof/golayout.h"
#include "cprof/roots.h"

/* The most bytes of a goroutine's stack read for one switch. */
#define GOSTACK_MAX (16u << 10)
/* The most g0 return-address slots checked against the target's memory. */
#define GOSTACK_SLOTS 2

struct gostack;

int gostack_new(struct gostack **out);
void gostack_free(struct gostack *gs);

/*
 * The layout of the binary the unwinder knows as FILE (an index of its
 * own) at PATH, read at the first call for FILE (binsource's rules):
 * borrowed from GS, NULL if PATH is not a Go binary or has none.
 */
const struct golayout *gostack_layout(struct gostack *gs, uint32_t file, const char *path);

/* The sample's copy of the stack it was taken on: BYTES at SP, SIZE of them (borrowed). */
struct gostack_copy {
	const unsigned char *bytes;
	uint64_t sp, size;
};

/*
 * The walk found the return address VALUE at ADDR: the last GOSTACK_SLOTS
 * of them, on the stack a walk stops on, are checked against the target's
 * memory before a switch is crossed.
 */
void gostack_slot(struct gostack *gs, uint64_t addr, uint64_t value);

/*
 * A walk of a sample of PID stopped at a frame whose x86-64 DWARF
 * registers (0..16: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip) are REGS,
 * in a function where HOW says how Go goes on. LAY (NULL: not known) is
 * its binary's layout, loaded at BIAS. Sets RESUME to the registers to go
 * on from and forgets what an earlier switch read and the slots noted.
 * Returns 1 if the walk can go on, 0 if not.
 */
int gostack_jump(struct gostack *gs, pid_t pid, const struct golayout *lay, uint64_t bias,
		 enum root_jump how, const struct gostack_copy *copy, const uint64_t regs[17],
		 uint64_t resume[17]);

/*
 * The 8 bytes at ADDR of the stack the last jump went to, into *OUT:
 * 1, 0 if ADDR is outside what may be read for it (below it, past its end
 * or past GOSTACK_MAX), -1 if the target's memory could not be read there.
 */
int gostack_read(struct gostack *gs, uint64_t addr, uint64_t *out);
/* Whether ADDR lies just past that window, where a deeper stack would go on. */
int gostack_beyond(const struct gostack *gs, uint64_t addr);

/* LEN bytes of PID's memory at ADDR into OUT, all of them: 0, or -EFAULT. */
int gostack_peek(pid_t pid, uint64_t addr, void *out, size_t len);

/* A new sample: no stack of an earlier one is read from, no slot noted. */
void gostack_reset(struct gostack *gs);

#endif
