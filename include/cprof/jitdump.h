/*
 * jitdump files (/tmp/jit-PID.dump), the format perf defines for JIT
 * compilers (tools/perf/util/jitdump.h): Python 3.13's -X perf_jit and
 * node --perf-prof write one. cprof keeps what names code: each code-load
 * record becomes a perf-map line, so the report names JIT frames the same
 * way whichever file the runtime wrote. An unwinding-info record (an
 * .eh_frame and its .eh_frame_hdr) describes the code of the code-load
 * record after it; the recorder unwinds that code with it (jitcfi.h).
 * The input is untrusted.
 */
#ifndef CPROF_JITDUMP_H
#define CPROF_JITDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/util.h"

/*
 * A code-load record, with the unwinding info that preceded it. Pointers
 * are borrowed from the data parsed. NAME is NAME_LEN bytes, not empty,
 * with no NUL; SIZE is not 0. UNWIND is NULL or EH_FRAME_SIZE bytes of
 * .eh_frame (not 0) followed by HDR_SIZE bytes of .eh_frame_hdr, laid
 * out for the table to start at ADDR + SIZE rounded up to 8 (as perf's
 * genelf does).
 */
struct jitdump_load {
	uint64_t addr, size;
	const char *name;
	size_t name_len;
	const uint8_t *unwind;
	size_t eh_frame_size, hdr_size;
};

/*
 * Check the header of the LEN bytes at DATA and set *RECORDS to where its
 * records start. Returns 0, -EAGAIN if LEN bytes are too few to tell
 * (a file still being written), or -EPROTO if DATA is not a jitdump file
 * of this byte order.
 */
int jitdump_header(const uint8_t *data, size_t len, size_t *records);

/*
 * The next code load of the records at DATA[*POS..LEN) (*POS at a record
 * boundary, past the header). Returns 1 with LOAD set and *POS past it,
 * or 0 at the end: *POS is then where reading must resume once more data
 * has come, at a record cut short (a runtime still writing; a damaged
 * size looks the same) or at an unwinding-info record whose code load is
 * not whole yet. Records of other kinds and malformed ones are passed
 * over; never reads outside DATA[0..LEN).
 */
int jitdump_next_load(const uint8_t *data, size_t len, size_t *pos, struct jitdump_load *load);

/* Append LOAD's perf-map line "ADDR SIZE NAME\n" to OUT. Returns 0 or -ENOMEM. */
int jitdump_perfmap_line(const struct jitdump_load *load, struct buf *out);

/*
 * Append a perf-map line for every code-load record of the LEN bytes at
 * DATA, a jitdump file; a record cut short at the end ends the file.
 * Returns 0, -EPROTO if DATA is not a jitdump file of this byte order, or
 * -ENOMEM.
 */
int jitdump_to_perfmap(const uint8_t *data, size_t len, struct buf *out);

#endif
