/*
 * The vDSO has no file on disk. Every process of one boot maps the same
 * image, so cprof exposes its own copy as a file (a memfd) that the
 * unwinder and the symbolizer open like any other binary.
 */
#ifndef CPROF_VDSO_H
#define CPROF_VDSO_H

#include <stddef.h>

/*
 * Copy this process's vDSO image into a new memfd: *FD (the caller
 * closes it) and its path "/proc/self/fd/N" in PATH (SIZE bytes).
 * Returns 0 or -errno (-ENOENT: no vDSO).
 */
int vdso_open(int *fd, char *path, size_t size);

#endif
