/*
 * jitdump files (/tmp/jit-PID.dump), the format perf defines for JIT
 * compilers (tools/perf/util/jitdump.h): Python 3.13's -X perf_jit and
 * node --perf-prof write one. cprof keeps what names code: each code-load
 * record becomes a perf-map line, so the report names JIT frames the same
 * way whichever file the runtime wrote. The input is untrusted.
 */
#ifndef CPROF_JITDUMP_H
#define CPROF_JITDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/util.h"

/*
 * Append a perf-map line "ADDR SIZE NAME" to OUT for every code-load
 * record of the LEN bytes at DATA, a jitdump file; a record cut short at
 * the end (a runtime still writing) ends the file. Returns 0, -EPROTO if
 * DATA is not a jitdump file of this byte order, or -ENOMEM.
 */
int jitdump_to_perfmap(const uint8_t *data, size_t len, struct buf *out);

#endif
