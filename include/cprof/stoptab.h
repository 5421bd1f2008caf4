/*
 * The functions of one binary where a stack walk ends or switches stacks
 * (roots.h), in one sorted array of ELF vaddrs, from one pass over the
 * symbols libdwfl has for it: the recorder's unwinder asks it at every
 * frame.
 */
#ifndef CPROF_STOPTAB_H
#define CPROF_STOPTAB_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/roots.h"

struct Dwfl_Module;

struct stoptab_entry {
	uint64_t start, end;
	enum root_kind kind;
	enum root_jump jump;     /* how a walk may go on past it (Go's stack switches) */
};

/* A plain value: zeroed is empty and not built; stoptab_release() empties it. */
struct stoptab {
	struct stoptab_entry *e; /* sorted by start */
	size_t n;
	int built;
};

/* Build T from MOD's symbols (BIAS: MOD's load bias); out of memory leaves what fit. */
void stoptab_build(struct stoptab *t, struct Dwfl_Module *mod, uint64_t bias);
void stoptab_release(struct stoptab *t);

/* The function of T at VADDR, or NULL: borrowed from T. */
const struct stoptab_entry *stoptab_find(const struct stoptab *t, uint64_t vaddr);

#endif
