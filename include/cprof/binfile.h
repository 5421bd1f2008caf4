/*
 * A target's file, opened: how every file a target names is opened
 * (never blocking, never through a last link), and the check that the
 * descriptor is a file to read, not a kernel interface. The lowest part of
 * binsource.h's rules, which the build-id cache uses too.
 */
#ifndef CPROF_BINFILE_H
#define CPROF_BINFILE_H

#include <fcntl.h>

/* How every file of a target is opened: never blocking, never through a last link. */
#define BINFILE_READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)

/*
 * FD itself if it is a regular file outside the pseudo file systems (procfs,
 * sysfs...) and, if ELF is set, starts with the ELF magic; else FD is
 * closed and -errno returned (-ENOEXEC).
 */
int binfile_checked(int fd, int elf);

#endif
