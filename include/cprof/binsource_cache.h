/*
 * The build-id cache, binsource's second part (binsource.h): copies of the
 * binaries a report needs that will not be at their path, and debug files
 * made cheaper to read.
 *
 * It keeps copies of binaries that will not be at their path
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
#ifndef CPROF_BINSOURCE_CACHE_H
#define CPROF_BINSOURCE_CACHE_H

#include <stddef.h>

/* Path in the cache for build-id ID into OUT. Returns 0 or -ENAMETOOLONG/-ENOENT (no home). */
int binsource_cache_path(const unsigned char *id, size_t len, char *out, size_t size);

/* DIR/KIND/xx/rest-of-the-hex-id for build-id ID into OUT ("build-id", "inflated"); as above. */
int binsource_cache_file(const char *kind, const unsigned char *id, size_t len, char *out,
			 size_t size);


/*
 * The name of the build-id cache's copy of ID into OUT: 0, -ENOENT if there
 * is none, -EPERM if there is one that may not be used (not a regular file,
 * or it or a directory above it failing the ownership rule).
 */
int binsource_cache_copy(const unsigned char *id, size_t len, char *out, size_t size);

/*
 * Put what FILL writes from the file NAME (opened by OPEN_IN, its build-id
 * checked to be ID) at KIND/xx/rest, unless something is there already: a
 * new 0600 file renamed into place. FILL NULL: a plain copy. Returns 0 or
 * -errno.
 */
int binsource_cache_put(const char *kind, const unsigned char *id, size_t len, const char *name,
			int (*open_in)(const char *), int (*fill)(int in, int out));

/*
 * The cache's KIND/xx/rest for ID opened, if it is what cprof put there (a
 * regular file of ours, 0600 or stricter, in trusted directories, an ELF
 * file with build-id ID): an fd, or -errno (-ESTALE: another build-id,
 * -EPERM: not to be trusted).
 */
int binsource_cache_get(const char *kind, const unsigned char *id, size_t len);

#endif
