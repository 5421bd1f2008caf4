/*
 * Functions where a stack walk ends: the recorder's unwinder stops at
 * them and the resolver calls a stack that reached one complete, whatever
 * the unwinder said of the step after it. One list for both sides.
 */
#ifndef CPROF_ROOTS_H
#define CPROF_ROOTS_H

enum root_kind {
	ROOT_NONE,
	ROOT_START,  /* every stack begins here: _start, clone, start_thread, runtime.goexit */
	ROOT_SWITCH, /* a Go stack switch (systemstack, morestack, mcall): the g0 stack ends */
	ROOT_CUT,    /* called from another stack that is not in the copy (Go's vDSO calls) */
};

/*
 * What NAME (a symbol as spelled in the ELF file, Go's ".abi0" suffix
 * allowed) is. ROOT_START and ROOT_SWITCH end a complete stack; a walk
 * stops at ROOT_CUT too, as truncated, rather than invent a caller.
 */
enum root_kind root_kind(const char *name);

/*
 * How a walk that stopped at NAME may go on, as Go's own traceback does
 * (the recorder's unwinder, gostack.h); JUMP_NONE: it may not.
 */
enum root_jump {
	JUMP_NONE,
	JUMP_SYSTEMSTACK, /* to the goroutine that called systemstack: g0.m.curg.sched.sp */
	JUMP_MORESTACK,   /* to the function that asked for more stack: curg.sched.{pc,sp,bp} */
	JUMP_SIGNAL,      /* to the code a signal interrupted: the signal frame's registers */
	JUMP_VDSO,        /* to the caller of a vDSO call on g0: its frame on the goroutine's stack */
};
enum root_jump root_jump(const char *name);

/* Bytes past an ELF entry point that still belong to _start (ld.so's has no symbol). */
#define ROOT_ENTRY_SPAN 64

#endif
