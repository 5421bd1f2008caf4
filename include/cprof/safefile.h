/*
 * The policy for every file cprof writes or reads by name (docs/security.md).
 * cprof often runs as root in directories other users can write, so a name
 * is never trusted to be what it looks like.
 *
 * Outputs: a new file is created beside the destination (O_CREAT|O_EXCL|
 * O_NOFOLLOW, mode 0600) and renamed over it only by safeout_commit(), so
 * an aborted run leaves the destination as it was. At the destination a
 * symbolic link is refused (-ELOOP), a directory (-EISDIR), a FIFO, socket
 * or block device (-ENXIO); a character device (/dev/null) is written in
 * place, never renamed over or rotated. No open can block.
 *
 * Inputs: only a regular file is opened, without blocking (a FIFO, device
 * or socket: -ENXIO, a directory: -EISDIR). A symbolic link to a regular
 * file is followed: reading through it clobbers nothing.
 */
#ifndef CPROF_SAFEFILE_H
#define CPROF_SAFEFILE_H

#include <stdio.h>

/* safeout_new flags */
#define SAFEOUT_KEEP_OLD 1u /* commit first renames a regular PATH to PATH.old
				(-ENAMETOOLONG up front if that name cannot be) */

struct safeout;

/*
 * Open an output for PATH under the policy above (PATH is copied).
 * Returns 0 or -errno; nothing at PATH has changed when it returns. Until
 * it is committed or closed, SIGPIPE, SIGINT, SIGTERM, SIGHUP and SIGXFSZ
 * remove its temporary file before they end the process (unless the
 * process already handles or ignores them: record's Ctrl-C).
 */
int safeout_new(const char *path, unsigned flags, struct safeout **out);
/* The descriptor to write to, owned by O: valid until safeout_close(). */
int safeout_fd(const struct safeout *o);
/*
 * A stdio stream on the descriptor, made on the first call and owned by O
 * (do not fclose it). NULL with errno set if it cannot be made.
 */
FILE *safeout_stream(struct safeout *o);
/*
 * Flush the stream (if any) and move the file into place: PATH.old
 * rotation (SAFEOUT_KEEP_OLD, only of a regular file), then rename. A
 * second call does nothing. Returns 0, the stream's write error, or the
 * -errno of a rename; after an error nothing at PATH has changed.
 */
int safeout_commit(struct safeout *o);
/*
 * Flush and close, then free O. An uncommitted temporary file is removed
 * (an abort: PATH stays as it was). Returns the first write or close
 * error. Accepts NULL.
 */
int safeout_close(struct safeout *o);

/*
 * Open PATH for reading if it is a regular file (see above). Returns the
 * descriptor (O_CLOEXEC, blocking mode) or -errno.
 */
int safefile_open_input(const char *path);
/*
 * Open PATH for reading only if it is itself a regular file: a link is not
 * followed, and a FIFO or device there is never opened, not even for a
 * moment (it is looked at through an O_PATH descriptor first). Returns the
 * descriptor (O_CLOEXEC) or -errno (-ELOOP a link, -ENXIO not regular).
 */
int safefile_open_regular(const char *path);

/* A phrase for the policy's refusals ("is a symbolic link ..."), else strerror. */
const char *safefile_strerror(int err);

#endif
