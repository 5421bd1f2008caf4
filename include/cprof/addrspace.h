/*
 * The address spaces of the processes of a recording, replayed from their
 * mmap, fork and exec events: what was mapped where, at any point.
 *
 * The rules are mmap(2)'s: a new mapping replaces whatever it overlaps,
 * and the parts of an old mapping on either side of it stay (the tail
 * with its file offset moved along); fork copies the parent's mappings
 * (the copy is shared until either process changes: a fork costs O(1));
 * exec empties the process. Each process has a generation number that
 * changes whenever its mappings do, so callers can cache by it.
 */
#ifndef CPROF_ADDRSPACE_H
#define CPROF_ADDRSPACE_H

#include <stddef.h>
#include <stdint.h>

struct as_map {              /* a plain value */
	uint64_t start, end;     /* [start, end) */
	uint64_t pgoff;          /* file offset of start */
	uint64_t bias;           /* the caller's: address - bias, fixed when mapped */
	uint32_t ids[3];         /* the caller's ids of what is mapped */
	int has_bias;
};

struct addrspace;

int addrspace_new(struct addrspace **out);
void addrspace_free(struct addrspace *as);

/*
 * PID mapped M (copied), replacing what it overlaps; an M of no bytes
 * (end <= start) changes nothing. Returns 0 or -ENOMEM.
 */
int addrspace_map(struct addrspace *as, uint32_t pid, const struct as_map *m);
/* Process PID was forked from PPID: it starts with a copy of PPID's mappings. */
int addrspace_fork(struct addrspace *as, uint32_t ppid, uint32_t pid);
/* PID exec'd (or exited): it has no mappings. */
int addrspace_exec(struct addrspace *as, uint32_t pid);

/* The mapping of PID holding ADDR, or NULL. Borrowed until the next change. */
const struct as_map *addrspace_find(const struct addrspace *as, uint32_t pid, uint64_t addr);
/* PID's mappings, sorted by start and disjoint; borrowed until the next change. */
size_t addrspace_maps(const struct addrspace *as, uint32_t pid, const struct as_map **maps);
/* Changes whenever PID's mappings change; 0 for a process never seen. */
uint32_t addrspace_gen(const struct addrspace *as, uint32_t pid);

#endif
