/*
 * Where a binary can be read: the one place that opens the binaries a
 * recording names (and the debug files libdwfl looks for beside them), with
 * the rules of docs/security.md. Names come from processes that may be
 * hostile (a container's root, its symbolic links) or from a data file that
 * may be crafted, so nothing here follows a name blindly:
 *
 *  - a host path must be absolute and canonical (no "//", ".", "..") and not
 *    under /proc, /dev or /sys; its last component must be a regular file,
 *    not a link;
 *  - "/proc/PID/root/PATH" (a process in another root) resolves PATH inside
 *    that root, links included (openat2 RESOLVE_IN_ROOT, or a walk that
 *    refuses absolute and escaping links), and never when that root is ours;
 *  - "/proc/PID/map_files/START-END" (a deleted binary still mapped) is the
 *    file the kernel mapped there;
 *  - every file is opened O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC, must be a
 *    regular file outside procfs and sysfs, and must start with the ELF magic.
 *
 * A target's JIT files in /tmp (perf maps, jitdumps it did not map) are
 * anyone's to plant: only a regular file, not a link, owned by root, the
 * user running cprof or the target's user is opened.
 *
 * The module has three parts, each with its header: these path rules
 * (binsource.c), the build-id cache (binsource_cache.h) and the debug-file
 * lookup for libdwfl (binsource_debug.h); this header includes the other
 * two, so that a caller needs only it.
 */
#ifndef CPROF_BINSOURCE_H
#define CPROF_BINSOURCE_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cprof/binfile.h"
#include "cprof/binsource_cache.h"
#include "cprof/binsource_debug.h"


/*
 * Open the binary NAME (one of the three forms above) for reading. Returns
 * a file descriptor (the caller closes it) or -errno: -EPERM for a name that
 * may not be read, -ENOEXEC for a file that is not a regular ELF file.
 */
int binsource_open(const char *name);

/*
 * binsource_open() for a file of the process that is not a binary (a
 * jitdump it mapped): the same rules but the ELF magic.
 */
int binsource_open_data(const char *name);

struct elffile;

/* binsource_open() NAME and read it as an ELF file (elffile.h). Same returns, 0 on success. */
int binsource_elf(const char *name, struct elffile **out);

/*
 * Open PATH (absolute, as the process sees it) inside the directory ROOTFD
 * as if ROOTFD were "/", without openat2: each component is opened with
 * O_NOFOLLOW, relative links are followed inside the root, absolute links
 * and ".." above the root are refused (-EXDEV). The fallback of
 * binsource_open on kernels before 5.6; returns an fd or -errno.
 */
int binsource_open_in_root(int rootfd, const char *path);

/*
 * The name to read for a mapping a data file recorded at PATH, HOST_PATH
 * and build-id ID (all untrusted), into OUT: the build-id cache's copy of a
 * file of another root or a deleted file, else that root while its process
 * lives, else PATH. The name is one binsource_open accepts. Returns 0, or
 * -EPERM when PATH may not be read and nothing else is available.
 * *CACHE_REFUSED (if CACHE_REFUSED is not NULL) is set to 1 when the cache
 * held a copy it may not use (the ownership rule of binsource_cache.h), else left as is.
 */
int binsource_for_report(const char *path, const char *host_path, const unsigned char *id,
			 size_t len, char *out, size_t size, int *cache_refused);

/*
 * The name a mapping of PATH at [START, END) of the live process PID is
 * read by while recording, into HOST (SIZE bytes): for a file deleted since
 * it was mapped ("PATH (deleted)") the file the kernel mapped,
 * /proc/PID/map_files/START-END; for a process in another root, PATH inside
 * that root, /proc/PID/root/PATH. "" when PATH itself is to be read: neither
 * case, or that name cannot be read (a chroot() made after the mapping). A
 * name set is the mapping's host_path in the data file.
 */
void binsource_for_mapping(pid_t pid, const char *path, uint64_t start, uint64_t end,
			   char *host, size_t size);

/*
 * The JIT file /tmp/KIND-PID.EXT of PID (a perf map: "perf", "map"; a
 * jitdump: "jit", "dump") by the rule above: in its root, by the pid it has
 * in its own pid namespace, while it lives, else in ours. Returns an fd
 * (the caller closes it) or -errno (-EPERM: not its, ours or root's).
 */
int binsource_open_jit_file(pid_t pid, const char *kind, const char *ext);

/* Whether the JIT file open at FD is a regular file owned by us, root or the user of PID. */
int binsource_jit_owned(int fd, pid_t pid);

/*
 * Copy the binary NAME (see binsource_open) into the build-id cache under
 * ID, unless a copy is there already. Copies only a regular ELF file whose
 * build-id is ID (-ESTALE if it differs), to a new 0600 file renamed into
 * place. Returns 0 or -errno.
 */
int binsource_store(const char *name, const unsigned char *id, size_t len);

#endif
