/*
 * Source positions and inlined calls of a Go binary from its own table,
 * the pclntab (.gopclntab), which Go's linker writes even when it writes
 * no DWARF (-ldflags=-w) and which Go's tracebacks and pprof read: each
 * function's pc -> file and pc -> line tables, and its inline tree
 * (FUNCDATA_InlTree indexed by PCDATA_InlTreeIndex). Layouts of Go 1.16
 * and later (the magics of 1.16, 1.18 and 1.20).
 *
 * The file is untrusted: every offset read from it is checked against the
 * table it points into, every varint and every walk is bounded, and a bad
 * entry makes that position unknown, never a read past the data.
 */
#ifndef CPROF_GOPCLN_H
#define CPROF_GOPCLN_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#include "cprof/dwarfloc.h"

struct gopcln;

/*
 * The pclntab of ELF (borrowed until gopcln_free; its section data is
 * read in place). Returns 0, -ENOENT (no pclntab, or a layout not known),
 * or -ENOMEM.
 */
int gopcln_new(Elf *elf, struct gopcln **out);
void gopcln_free(struct gopcln *g);

/*
 * Frames of ADDR (an ELF vaddr) as dwarfloc_at gives them, with the same
 * FLAGS, MAX and order: [0] the function (name NULL: the caller names it
 * from its symbols), then with DWARFLOC_INLINES the calls inlined at ADDR,
 * named as Go names them; with DWARFLOC_LINES each frame's file and line
 * (the call site of the next inlined call; ADDR's own position in the
 * innermost) and, from Go 1.20 on, its declaration line. Returns the
 * number of frames: 1, with nothing known, when no function holds ADDR.
 * Strings point into ELF's data, borrowed until its elf_end.
 */
size_t gopcln_at(struct gopcln *g, uint64_t addr, int flags, struct dwarfloc_frame *out,
		 size_t max);

#endif
