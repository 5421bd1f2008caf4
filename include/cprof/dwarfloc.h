/*
 * What a binary's DWARF says of a code address: the inlined calls that
 * the instruction belongs to and the source position reached in each
 * function, the way elfutils' addr2line -i reads them (the enclosing
 * scope's DW_AT_call_file/line is where the caller stands).
 *
 * Each compile unit's functions are indexed on its first lookup, so an
 * address costs a binary search and a walk of one function, not of its
 * whole CU. For producers that write no .debug_aranges (Go) the CUs' own
 * ranges are indexed on the first miss.
 */
#ifndef CPROF_DWARFLOC_H
#define CPROF_DWARFLOC_H

#include <stddef.h>
#include <stdint.h>

struct Dwfl_Module;
struct stat;

/* The most frames dwarfloc_at gives (a function and 63 inlined calls). */
#define DWARFLOC_MAX 64

struct dwarfloc;

/*
 * The DWARF index of MOD (borrowed until dwarfloc_free), whose main file
 * is FILE (what fstat said, copied: the pages read for the CU table are
 * given back, cprof/elfpages.h). Returns 0 or -ENOMEM.
 */
int dwarfloc_new(struct Dwfl_Module *mod, const struct stat *file, struct dwarfloc **out);
void dwarfloc_free(struct dwarfloc *d);

/* A frame: the function itself, or an inlined call. */
struct dwarfloc_frame {
	const char *name;        /* inlined calls: linkage name, else name, NULL unknown */
	uint32_t decl_line;      /* the function's declaration line, 0 unknown */
	const char *file;        /* the position reached in it: NULL unknown */
	int line;
};

#define DWARFLOC_INLINES 1   /* a frame for each inlined call */
#define DWARFLOC_LINES 2     /* declaration lines and positions */

/*
 * Frames of ADDR (a vaddr of MOD), outermost first: [0] the function
 * (the caller names it from its symbols), then with DWARFLOC_INLINES its
 * inlined calls, at most MAX (1 to DWARFLOC_MAX) frames in all.
 * With DWARFLOC_LINES, the position in each frame is the call site of the
 * next inlined call, ADDR's own line-table row in the innermost frame
 * kept (without DWARFLOC_INLINES, the function's frame is at the call
 * of the outermost inlined call). Returns the number of frames: 1, with
 * nothing known, when no CU holds ADDR. Strings are libdw's, borrowed
 * until MOD's dwfl_end.
 */
size_t dwarfloc_at(struct dwarfloc *d, uint64_t addr, int flags, struct dwarfloc_frame *out,
		   size_t max);

#endif
