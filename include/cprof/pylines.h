/*
 * The source line of a bytecode offset, from a CPython code object's line
 * table as CPython's PyCode_Addr2Line decodes it: co_lnotab (3.8-3.9),
 * co_linetable (3.10), the location table (3.11+). Pure functions of the
 * table's bytes, which come from an untrusted process: every step is
 * bounded by the table's length and a line out of range is refused.
 */
#ifndef CPROF_PYLINES_H
#define CPROF_PYLINES_H

#include <stddef.h>
#include <stdint.h>

enum pylines_kind {
	PYLINES_LNOTAB,          /* 3.8-3.9 co_lnotab */
	PYLINES_LINETABLE,       /* 3.10 co_linetable */
	PYLINES_LOCATIONS,       /* 3.11+ the location table */
};

/*
 * The line of the instruction at byte offset ADDRQ of a code object whose
 * first line is LINE, from its table T (LEN bytes) of KIND; -1 when the
 * table names none (or is cut or crafted).
 */
int64_t pylines_line(enum pylines_kind kind, const uint8_t *t, size_t len, int64_t line,
		     int64_t addrq);

#endif
