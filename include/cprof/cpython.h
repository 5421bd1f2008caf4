/*
 * CPython's Python frames read from a process's memory, as py-spy does:
 * the interpreter's `_PyRuntime` (a dynamic symbol of the python binary or
 * of libpython, stripped or not) leads to the interpreters, their thread
 * states and each thread's chain of frames; a frame gives its code object
 * and its instruction, a code object its names and its line table.
 * CPython 3.13 describes its own layout (`_Py_DebugOffsets`, the start of
 * `_PyRuntime`); 3.8 to 3.12 are read by a table of offsets per minor
 * version. Other versions are refused with -EPROTONOSUPPORT.
 *
 * The memory is the profiled process's and may be hostile: every read goes
 * through procmem (a per-read cap, a byte budget per call), every chain
 * has a bound and a cycle in one ends the walk with -ELOOP; a bad pointer
 * ends it with the read's error. Nothing is trusted to be what it says.
 *
 * Protocol: cpython_new() once per process (finds the interpreter and
 * resolves the offsets), then per sample cpython_stack() for a thread
 * (reads only, no allocation), and for each code object not seen before
 * cpython_code() and cpython_line() (the caller caches: a code object
 * lives as long as its function, and its address may be reused after).
 * Only 64-bit little-endian targets (x86-64, aarch64) are read.
 */
#ifndef CPROF_CPYTHON_H
#define CPROF_CPYTHON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procmem;

#define CPYTHON_NAME_MAX 256     /* bytes of a qualified name, NUL included */
#define CPYTHON_FILE_MAX 1024    /* bytes of a file name, NUL included */
#define CPYTHON_LINETABLE_MAX (64u << 10) /* bytes of a line table read */
#define CPYTHON_INTERPS_MAX 64   /* interpreters followed */
#define CPYTHON_THREADS_MAX 4096 /* thread states followed, of all interpreters */

/* Where a process's interpreter is, and which version it is. */
struct cpython_probe {
	unsigned major, minor, micro; /* 0.0.0 when unknown; micro may be unknown alone */
	uint64_t runtime;        /* _PyRuntime's address in the process; 0 if none */
	char path[1024];         /* the mapping found, as the process names it; "" if none */
};

/*
 * Find the CPython interpreter of PID (the binary or libpython*.so it maps
 * that holds _PyRuntime) into P. Returns 0 for a version cprof reads,
 * -EPROTONOSUPPORT for a CPython it cannot (P says which, as far as known:
 * 2.7, 3.7, 3.14...), -ENOENT when PID maps no python, -ESRCH, or -errno.
 */
int cpython_probe(pid_t pid, struct cpython_probe *p);

/* Whether MAJOR.MINOR is a version this module reads (3.8 to 3.13). */
int cpython_supported(unsigned major, unsigned minor);

struct cpython;

/*
 * The reader of PID's interpreter: cpython_probe(), then cpython_open() on
 * a reader of PID's memory it owns. Returns 0, the probe's errors,
 * -EPROTO when the interpreter's memory is not what its version says (an
 * unknown build, a runtime not initialized yet), or -errno.
 */
int cpython_new(pid_t pid, struct cpython **out);

/*
 * A reader of the interpreter MAJOR.MINOR whose _PyRuntime is at RUNTIME in
 * the memory MEM (borrowed: it outlives the reader). PID is the process's
 * pid as its threads see it, used only by 3.8 to 3.10 to tell thread ids
 * (0: their native ids stay unknown). Returns 0, -EPROTONOSUPPORT, -EPROTO
 * (3.13: no valid _Py_DebugOffsets), a read's error or -ENOMEM.
 */
int cpython_open(struct procmem *mem, unsigned major, unsigned minor, uint64_t runtime,
		 pid_t pid, struct cpython **out);
void cpython_free(struct cpython *py);

/* The minor version read (3.MINOR). */
unsigned cpython_minor(const struct cpython *py);

/* A Python thread: its thread state and ids. */
struct cpython_thread {
	uint64_t tstate;         /* the PyThreadState's address */
	uint64_t thread_id;      /* its pthread_t */
	uint32_t native_tid;     /* the kernel's thread id; 0 when unknown */
};

/*
 * The thread states of every interpreter into OUT (MAX entries), newest
 * first, their count into *N. Returns 0, -E2BIG when there were more than
 * MAX (the first MAX are in OUT), -ELOOP for a cycle, or a read's error
 * (OUT[0..*N) then holds those read before it).
 */
int cpython_threads(struct cpython *py, struct cpython_thread *out, size_t max, size_t *n);

/* A Python frame: its code object and the instruction it runs. */
struct cpython_frame {
	uint64_t code;           /* the PyCodeObject's address */
	int32_t lasti;           /* byte offset of that instruction in the bytecode, -1 before the first */
	uint8_t entry;           /* the outermost frame of one run of the evaluation loop (one C
				    call of _PyEval_EvalFrameDefault): 3.8-3.10 every frame */
};

/*
 * The Python stack of the thread TID (its native id): into FRAMES (MAX
 * entries) the innermost frame first, their count into *N. Reads memory
 * only (the thread-state cache is refreshed when the thread list changed)
 * and allocates nothing. Returns 0; -ESRCH when TID has no Python thread
 * state; -ELOOP for a cycle in the chain; -E2BIG when it is deeper than
 * MAX (FRAMES holds its MAX innermost); a read's error (-EFAULT, -ENOBUFS:
 * the budget spent, -ESRCH: the process is gone). After an error
 * FRAMES[0..*N) holds the frames read before it: a caller drops them or
 * keeps them as a partial stack.
 */
int cpython_stack(struct cpython *py, pid_t tid, struct cpython_frame *frames, size_t max,
		  size_t *n);

/* What names a code object: copied out of the process, UTF-8, NUL-terminated, cut to fit. */
struct cpython_code {
	char qualname[CPYTHON_NAME_MAX]; /* co_qualname (3.11+) or co_name */
	char filename[CPYTHON_FILE_MAX];
	uint32_t firstlineno;
};

/*
 * The names of the code object at CODE into OUT. Returns 0, -EPROTO when
 * the strings are not strings this reader knows (a legacy or absurd
 * unicode object), or a read's error.
 */
int cpython_code(struct cpython *py, uint64_t code, struct cpython_code *out);

/*
 * A fingerprint of each of the N code objects CODES into KEYS (0 when one
 * could not be read): a hash of its name, qualified name and file name
 * objects' addresses and its first line. A code object is freed with its
 * function and its address may be given to another: the fingerprint tells
 * a cached code object's names still hold (as far as 32 bits tell), at one
 * read of all of them. Returns 0, or the read's error when none was read.
 */
int cpython_code_keys(struct cpython *py, const uint64_t *codes, size_t n, uint32_t *keys);

/*
 * The source line of the instruction at byte offset LASTI (a frame's) of
 * the code object CODE, from its line table (co_lnotab 3.8-3.9,
 * co_linetable 3.10, the location table 3.11+) into *LINE; LASTI < 0 gives
 * the first line. Returns 0; -ENOENT when the table names no line for it
 * (*LINE = 0); -E2BIG when the table is over CPYTHON_LINETABLE_MAX and
 * LASTI beyond what was read (3.8-3.9: the line of the last entry read);
 * or a read's error.
 */
int cpython_line(struct cpython *py, uint64_t code, int32_t lasti, uint32_t *line);

#endif
