/*
 * Crafted CPython memory images for the unit tests of cpython.h and the
 * seeds of fuzz_cpython: a buffer standing for a process's memory from
 * PYIMAGE_BASE, _PyRuntime at its start, objects laid out by the offsets
 * of one CPython version (3.8, 3.10, 3.11 as the real ones; 3.13 by
 * _Py_DebugOffsets of its own, small ones). Every pointer is an address
 * in the image; a test may write anything anywhere to make it hostile.
 */
#ifndef CPROF_PYIMAGE_H
#define CPROF_PYIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/procmem.h"

#define PYIMAGE_BASE 0x10000u
#define PYIMAGE_PID 1000         /* the pid the image's main thread has (3.8-3.10) */

struct pyimage {
	unsigned minor;
	uint8_t *buf;
	size_t len, cap;
	uint64_t interp;
	struct procmem_src src;  /* reads of the image: -EFAULT outside it */
};

/* A new image of 3.MINOR (8, 10, 11 or 13) with a runtime and one interpreter. */
void pyimage_init(struct pyimage *im, unsigned minor);
void pyimage_release(struct pyimage *im);

/* ZEROED bytes in the image, 16-aligned: their address. */
uint64_t pyimage_alloc(struct pyimage *im, size_t size);
void pyimage_put_u64(struct pyimage *im, uint64_t addr, uint64_t v);
void pyimage_put_u32(struct pyimage *im, uint64_t addr, uint32_t v);

/* A compact ASCII str object holding S. */
uint64_t pyimage_str(struct pyimage *im, const char *s);
/* A code object: names, first line, line table (the version's format), bytecode size. */
uint64_t pyimage_code(struct pyimage *im, const char *qualname, const char *file, uint32_t first,
		      const uint8_t *table, size_t tlen, size_t code_bytes);
/* A frame of CODE at byte offset LASTI (-1: not started) whose caller is BACK (0: none). */
uint64_t pyimage_frame(struct pyimage *im, uint64_t code, int32_t lasti, uint64_t back);
/* A thread state of native id TID running FRAME, put first in the interpreter's list. */
uint64_t pyimage_thread(struct pyimage *im, uint32_t tid, uint64_t frame);
/* Where a frame's caller and a thread state's next are: to make cycles. */
uint64_t pyimage_frame_back(const struct pyimage *im, uint64_t frame);
uint64_t pyimage_tstate_next(const struct pyimage *im, uint64_t ts);
/* A string object's length field. */
uint64_t pyimage_str_length(const struct pyimage *im, uint64_t str);

#endif
