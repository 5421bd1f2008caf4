/*
 * A cache of binaries by build-id, for files that will not be at their
 * path when the report runs: those of processes in containers or chroots,
 * read through /proc/PID/root while they live. The cache directory is
 * $CPROF_CACHE_DIR, else $XDG_CACHE_HOME/cprof, else ~/.cache/cprof; a
 * file lives at DIR/build-id/xx/rest-of-the-hex-id.
 */
#ifndef CPROF_BIDCACHE_H
#define CPROF_BIDCACHE_H

#include <stddef.h>

/* Path in the cache for build-id ID into OUT. Returns 0 or -ENAMETOOLONG/-ENOENT (no home). */
int bidcache_path(const unsigned char *id, size_t len, char *out, size_t size);

/*
 * Copy the file at SRC into the cache under ID, unless it is there
 * already. Returns 0 or -errno.
 */
int bidcache_store(const char *src, const unsigned char *id, size_t len);

#endif
