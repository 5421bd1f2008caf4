/*
 * The Python stacks of the sampled processes, read from their CPython
 * interpreters' memory (cpython.h) while the recorder processes a sample,
 * and appended to the sample's chain after DF_CONTEXT_PYTHON (datafile.h),
 * so that the namer can put each Python frame where the interpreter ran it.
 *
 * A process is probed once, on its first sample (and again after an exec);
 * one that runs no CPython, or one this cprof cannot read, costs a pairmap
 * lookup per sample after that. The first time a code object is seen its
 * names are handed to the EMIT callback as a DF_PYCODE record, before the
 * chain that uses its id is returned. Lines are cached per (code, offset).
 *
 * Reading happens after the sample was taken, when the recorder drains
 * its rings: they wake it at every sample (record -a: it reads them every
 * PYSTACKS_POLL_MS once a process runs a Python it reads). The Python
 * stack may be younger than the native one; the lag is measured
 * (docs/python.md: reading at a fixed interval instead costs less and
 * puts ten times more samples under the wrong function).
 * A read that fails (a hostile or changing memory, a thread that is gone)
 * leaves the sample its native stack and is counted, never an error.
 *
 * Not thread-safe; allocates only for a new process, code object or line.
 */
#ifndef CPROF_PYSTACKS_H
#define CPROF_PYSTACKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof/datafile.h"

#define PYSTACKS_POLL_MS 2        /* the recorder's rings are read this often once a Python is read */
#define PYSTACKS_DEPTH 512       /* Python frames read per sample */
#define PYSTACKS_LATE_NS 20000000ULL /* a read this long after its sample is counted late */
#define PYSTACKS_CODES_MAX (1u << 24) /* code objects named per recording */
#define PYSTACKS_READERS_MAX 256  /* processes read at once (about 70 KiB each); more are not */

struct pystacks_stats {
	uint64_t processes;      /* processes whose interpreter is read */
	uint64_t stacks;         /* samples given a Python stack */
	uint64_t frames;         /* Python frames appended */
	uint64_t failed;         /* reads that failed: native stack only */
	uint64_t late;           /* reads more than PYSTACKS_LATE_NS after their sample */
	uint64_t lag_max_ns, lag_sum_ns; /* from a sample to its read, over STACKS + FAILED */
	uint64_t over_cap;       /* Python processes not read: PYSTACKS_READERS_MAX were */
};

/* A process running a CPython this cprof does not read. */
struct pystacks_note {
	pid_t pid;
	unsigned major, minor;   /* 0.0 when unknown */
	int err;                 /* cpython_new()'s: -EPROTONOSUPPORT, -EPROTO, -EPERM... */
};

typedef int (*pystacks_emit_fn)(const struct df_record *rec, void *arg);

struct pystacks;

/* A reader handing DF_PYCODE records to EMIT(ARG). Returns 0 or -ENOMEM. */
int pystacks_new(pystacks_emit_fn emit, void *arg, struct pystacks **out);
void pystacks_free(struct pystacks *ps);

/*
 * Append TID's Python stack (process PID, sampled at TIME, CLOCK_MONOTONIC
 * ns) to CHAIN[*N..MAX): DF_CONTEXT_PYTHON and its frames, innermost first;
 * nothing when PID runs no readable Python or the read failed. Returns 0,
 * or the -errno of EMIT or of an allocation.
 */
int pystacks_append(struct pystacks *ps, pid_t pid, pid_t tid, uint64_t time, uint64_t *chain,
		    size_t max, size_t *n);

/*
 * PID mapped the file PATH: a process found running no Python is probed
 * again on its next sample when PATH may be one (python*, libpython*: an
 * interpreter linked with libpython maps it after its first samples).
 */
void pystacks_mapped(struct pystacks *ps, pid_t pid, const char *path);

/* PID exec'd or exited: its reader is dropped, probed again on its next sample. */
void pystacks_forget(struct pystacks *ps, pid_t pid);

const struct pystacks_stats *pystacks_stats(const struct pystacks *ps);

/* The I'th process whose Python could not be read. Returns 0, or -ENOENT past the last. */
int pystacks_note(const struct pystacks *ps, size_t i, struct pystacks_note *out);

#endif
