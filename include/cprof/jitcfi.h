/*
 * CFI for JIT code: an ELF image that carries a jitdump's unwinding info
 * (jitdump.h) for one code load, so libdw unwinds that code as it unwinds
 * a binary's. The image is laid out as perf's genelf lays out the ELF of
 * `perf inject --jit`: the code (a NOBITS .text) at vaddr 0, .eh_frame at
 * its size rounded up to 8, .eh_frame_hdr right after, so the runtime's
 * pc- and data-relative encodings hold; it is loaded at bias ADDR.
 */
#ifndef CPROF_JITCFI_H
#define CPROF_JITCFI_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/jitdump.h"

/* Larger code loads or unwinding info are refused (-EFBIG). */
#define JITCFI_CODE_MAX (1ull << 30)
#define JITCFI_UNWIND_MAX (1u << 20)

/*
 * A new image (*IMAGE, *LEN bytes: the caller frees it) for LOAD, which
 * has unwinding info. Copies what it needs of LOAD. Returns 0, -EINVAL
 * if LOAD has none, -EFBIG or -ENOMEM.
 */
int jitcfi_image(const struct jitdump_load *load, uint8_t **image, size_t *len);

#endif
