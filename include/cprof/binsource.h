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
 * The build-id cache keeps copies of binaries that will not be at their path
 * when the report runs (containers, deleted files): the directory is
 * $CPROF_CACHE_DIR, else $XDG_CACHE_HOME/cprof, else ~/.cache/cprof; a file
 * lives at DIR/build-id/xx/rest-of-the-hex-id, mode 0600, in directories
 * cprof creates 0700.
 *
 * The same directory holds inflated debug files, DIR/inflated/xx/rest: a
 * debug file found by build-id whose DWARF is zlib-compressed (libc6-dbg's)
 * is copied there once with its sections inflated (elfinflate.h), and
 * libdwfl is handed that copy, read in place, instead of inflating the
 * DWARF into memory at every report. A file of the cache is used only if
 * it is a regular file (no link followed) of ours, mode 0600, with the
 * build-id looked for; anything else there, or a cache that cannot be
 * written, leaves libdwfl to read the debug file as without a cache.
 *
 * Neither part of the cache is used, read or written, unless the cache's
 * directory and the directories and file below it are owned by root or the
 * user running cprof and writable by no one else: another user who can
 * write there could plant an ELF file with the build-id looked for and
 * names of their choosing (a world-writable CPROF_CACHE_DIR).
 */
#ifndef CPROF_BINSOURCE_H
#define CPROF_BINSOURCE_H

#include <elfutils/libdwfl.h>
#include <stddef.h>

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
 * held a copy it may not use (see the ownership rule above), else left as is.
 */
int binsource_for_report(const char *path, const char *host_path, const unsigned char *id,
			 size_t len, char *out, size_t size, int *cache_refused);

/* Path in the cache for build-id ID into OUT. Returns 0 or -ENAMETOOLONG/-ENOENT (no home). */
int binsource_cache_path(const unsigned char *id, size_t len, char *out, size_t size);

/*
 * Copy the binary NAME (see binsource_open) into the cache under ID, unless
 * a copy is there already. Copies only a regular ELF file whose build-id is
 * ID (-ESTALE if it differs), to a new 0600 file renamed into place.
 * Returns 0 or -errno.
 */
int binsource_store(const char *name, const unsigned char *id, size_t len);

/*
 * A libdwfl find_debuginfo callback: dwfl_standard_find_debuginfo (build-id
 * directories, .gnu_debuglink, debuginfod), but refusing to look when one of
 * the files it would open is not a regular file (libdwfl opens them without
 * O_NONBLOCK: a FIFO would hang it) and taking only the file name of a
 * debuglink (a crafted "../../dev/zero" stays in the debug directories).
 * A debug file found by build-id comes from the inflated cache (above).
 * Without DEBUGINFOD_URLS, a module with no debug file in any of those
 * places is not looked up by libdwfl at all: its last resort, debuginfod,
 * would load libdebuginfod and its ~20 libraries only to find nothing.
 */
int binsource_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink,
			     GElf_Word crc, char **debuginfo_file_name);

#endif
