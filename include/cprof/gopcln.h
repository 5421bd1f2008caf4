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

/*
 * The function holding ADDR (an ELF vaddr): its entry and its end, the
 * next function's entry. Returns 0 or -ENOENT (no function holds it).
 */
int gopcln_func(struct gopcln *g, uint64_t addr, uint64_t *entry, uint64_t *end);

/*
 * How many bytes below the stack pointer at its entry (where its return
 * address is) the stack pointer is at ADDR, Go's pcsp table: at a return
 * address of a Go function, its frame size. Returns 0 or -ENOENT.
 */
int gopcln_spdelta(struct gopcln *g, uint64_t addr, int32_t *delta);

/* The name of the function holding ADDR, as the table spells it; NULL if none (borrowed). */
const char *gopcln_name(struct gopcln *g, uint64_t addr);

/*
 * The entry of the function named NAME (LEN bytes): 0 or -ENOENT. A
 * search of the whole table: callers keep what they found.
 */
int gopcln_find_name(struct gopcln *g, const char *name, size_t len, uint64_t *entry);

/*
 * The LEN bytes at VADDR of the file's allocated sections (its code, say),
 * or NULL when they are not all in one; borrowed like gopcln_at's strings.
 */
const unsigned char *gopcln_bytes(const struct gopcln *g, uint64_t vaddr, size_t len);

#endif
