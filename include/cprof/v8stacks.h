/*
 * The JavaScript functions of the sampled node processes, read from V8's
 * memory (v8.h) while the recorder processes a sample, and appended to the
 * sample's chain after DF_CONTEXT_JS (datafile.h): for each native frame
 * that was a JavaScript frame, the id of its function.
 *
 * Which frames: those the unwinder gave a frame pointer. The two slots
 * under it (the context or frame-type marker, the function) are taken
 * from the sample's own copy of the stack, so they are the sample's; the
 * function's SharedFunctionInfo is read from the process after the sample
 * (when the recorder drains its rings). A function moved by V8's garbage
 * collector in between is not an SFI any more where it was read and its
 * frame is left unnamed (counted), never misnamed. Frames sharing a frame
 * pointer (a frameless stub and the JavaScript frame it runs in) are one:
 * only the outermost is named.
 *
 * A process is probed once, on its first sample (and again after an exec);
 * one that runs no node costs a pairmap lookup per sample after that. The
 * first time a function (an SFI address with its fingerprint) is seen its
 * names are handed to the EMIT callback as a DF_JSFUNC record, before the
 * chain that uses its id is returned.
 *
 * Not thread-safe; allocates only for a new process or function.
 */
#ifndef CPROF_V8STACKS_H
#define CPROF_V8STACKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof/datafile.h"

#define V8STACKS_DEPTH 256        /* JavaScript frames named per sample */
#define V8STACKS_FUNCS_MAX (1u << 24) /* functions named per recording */

struct v8stacks_stats {
	uint64_t processes;      /* node processes whose V8 is read */
	uint64_t stacks;         /* samples given JavaScript frames */
	uint64_t frames;         /* JavaScript frames named */
	uint64_t moved;          /* frames whose function could not be read (moved, freed) */
};

/* A node process this cprof does not read (no usable metadata). */
struct v8stacks_note {
	pid_t pid;
	int err;                 /* v8_new()'s: -EPROTONOSUPPORT, -EPERM... */
};

/* What the recorder knows of a sample's user frames. */
struct v8stacks_sample {
	pid_t pid;
	const uint64_t *fps;     /* each user frame's frame pointer (rbp), 0 when unknown */
	size_t first, nframes;   /* chain[FIRST + i] is the frame of fps[i] */
	const unsigned char *stack; /* the sample's copy of the stack, from SP */
	uint64_t sp, stack_size;
};

typedef int (*v8stacks_emit_fn)(const struct df_record *rec, void *arg);

struct v8stacks;

/* A reader handing DF_JSFUNC records to EMIT(ARG). Returns 0 or -ENOMEM. */
int v8stacks_new(v8stacks_emit_fn emit, void *arg, struct v8stacks **out);
void v8stacks_free(struct v8stacks *vs);

/*
 * Append the JavaScript frames of sample S to CHAIN[*N..MAX): DF_CONTEXT_JS
 * and one entry per named frame; nothing when S's process runs no node
 * cprof reads, or no frame was named. Returns 0, or the -errno of EMIT or
 * of an allocation.
 */
int v8stacks_append(struct v8stacks *vs, const struct v8stacks_sample *s, uint64_t *chain,
		    size_t max, size_t *n);

/* PID mapped the file PATH: a process found running no node is probed again if PATH may be one. */
void v8stacks_mapped(struct v8stacks *vs, pid_t pid, const char *path);

/* PID exec'd or exited: its reader is dropped, probed again on its next sample. */
void v8stacks_forget(struct v8stacks *vs, pid_t pid);

const struct v8stacks_stats *v8stacks_stats(const struct v8stacks *vs);

/* The I'th node process whose V8 could not be read. Returns 0, or -ENOENT past the last. */
int v8stacks_note(const struct v8stacks *vs, size_t i, struct v8stacks_note *out);

#endif
