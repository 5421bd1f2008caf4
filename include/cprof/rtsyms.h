/*
 * The dynamic symbols of a file a process maps, for the runtime readers
 * (cpython, v8): where a runtime's own symbols (_PyRuntime, v8dbg_*) are
 * in the process. The file is opened by binsource's rules (the process's
 * root, a deleted file's mapping), never trusted beyond its ELF headers.
 */
#ifndef CPROF_RTSYMS_H
#define CPROF_RTSYMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RTSYMS_FILES 4           /* files of one process looked into */

/* An executable mapping of a file: as /proc/PID/maps gives it. */
struct rtsyms_file {
	char path[1024];         /* as the process names it */
	uint64_t start, end, pgoff;
};

/*
 * The files PID maps executable whose base name MATCH accepts, each path
 * once (its first mapping), at most RTSYMS_FILES, into OUT, their count
 * into *N. Returns 0, -ESRCH or procfs's -errno.
 */
int rtsyms_files(pid_t pid, int (*match)(const char *base), struct rtsyms_file *out, size_t *n);

/* Called for each defined dynamic symbol: NAME (borrowed), its file VALUE and SIZE. */
typedef void (*rtsyms_fn)(const char *name, uint64_t value, uint64_t size, void *arg);

/*
 * Call FN(ARG) for every defined dynamic symbol of the 64-bit ELF file
 * mapped as M in PID, and set *BIAS to add to a symbol's value for its
 * address in PID. Returns 0, -ENOEXEC (not ELF), -EPROTONOSUPPORT (not
 * 64-bit), -ENOENT (M's offset in no segment) or the open's -errno.
 */
int rtsyms_scan(pid_t pid, const struct rtsyms_file *m, rtsyms_fn fn, void *arg, uint64_t *bias);

#endif
