/*
 * The function index of one binary: its function symbols in one sorted
 * array, from one pass over the symbol table libdwfl chose for it
 * (.symtab, else .dynsym with MiniDebugInfo, or a separate debug file's),
 * and its PLT stubs named after the functions they jump to. One symbol
 * per address, the best of its aliases; a sizeless symbol (assembly) runs
 * to the next one, at most to its section's end.
 */
#ifndef CPROF_SYMINDEX_H
#define CPROF_SYMINDEX_H

#include <stddef.h>
#include <stdint.h>

struct Dwfl_Module;

/*
 * A function. NAME is borrowed from libdwfl's copy of the string table
 * (valid until the module's dwfl_end); LEN leaves out an ELF symbol
 * version ("memcpy@@GLIBC_2.14") and, in a binary Go linked, Go's ABI
 * suffix (".abi0": gobin.h); a PLT stub has its target's name and PLT
 * set (its user adds "@plt").
 */
struct symindex_sym {
	uint64_t start, end;
	const char *name;
	uint32_t len;
	uint8_t rank;            /* binding: 0 global, 1 weak, 2 local */
	uint8_t versioned, plt, sized;
};

/* A plain value: symindex_build() fills it, symindex_release() empties it. */
struct symindex {
	struct symindex_sym *syms; /* sorted by start */
	size_t n;
	uint64_t entry;          /* the ELF header's e_entry, 0 if none */
};

/*
 * Index the functions of MOD into X. Returns 0, or -ENOMEM with X empty
 * (no names rather than wrong ones) but for its entry.
 */
int symindex_build(struct symindex *x, struct Dwfl_Module *mod);
void symindex_release(struct symindex *x);

/* The function at ADDR (an ELF vaddr), or NULL: borrowed from X. */
const struct symindex_sym *symindex_find(const struct symindex *x, uint64_t addr);

#endif
