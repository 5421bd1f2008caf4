/*
 * The jitdumps recorded processes map, followed while recording: a
 * runtime (python -X perf_jit, node --perf-prof) maps its dump for the
 * profiler to find, as perf does; each is read as it grows, its code loads
 * kept as perf-map lines (the dump may be gone when the recording ends)
 * and their unwinding info handed to the unwinder before any sample taken
 * after it is unwound. The files are the targets': opened by binsource's
 * rules, only if theirs, ours or root's, and bounded in what is read.
 */
#ifndef CPROF_JITFOLLOW_H
#define CPROF_JITFOLLOW_H

#include <sys/types.h>

#include "cprof/util.h"

/*
 * Bytes read of one jitdump, and of all the dumps of a recording (processes
 * that map one dump again and again must not multiply it), at most; a dump
 * at a cap, or with a record over 16 MiB, is read no further: it is cut.
 */
#define JITFOLLOW_DUMP_MAX (256u << 20)
#define JITFOLLOW_TOTAL_MAX (4ull * JITFOLLOW_DUMP_MAX)

struct jitfollow;
struct unwinder;

/* U gets the dumps' CFI; NULL: their names only. */
int jitfollow_new(struct unwinder *u, struct jitfollow **out);
void jitfollow_free(struct jitfollow *f);

/* Whether PATH's last component is a jitdump's name, jit-PID.dump (perhaps deleted). */
int jitfollow_is_dump(const char *path);
/* PID mapped the jitdump FILE (the name cprof can read it by): follow it, once per program. */
int jitfollow_add(struct jitfollow *f, pid_t pid, const char *file);
/* Read every followed dump up to its present end. */
int jitfollow_read_all(struct jitfollow *f);
/* PID exec'd or exited: read its dump to its end and stop; what it named stays. */
int jitfollow_end(struct jitfollow *f, pid_t pid);

/*
 * The perf-map lines of every dump PID followed (its programs before an
 * exec too), each read to its end, handed to FN (which may consume them)
 * with CUT set if that dump was cut; *FOLLOWED set if any.
 */
typedef int (*jitfollow_fn)(pid_t pid, struct buf *names, int cut, void *arg);
int jitfollow_names(struct jitfollow *f, pid_t pid, jitfollow_fn fn, void *arg, int *followed);

/*
 * The code loads of the jitdump open at FD (not followed: found in /tmp),
 * as perf-map lines appended to NAMES; read within the caps of the dumps
 * followed (counted with them), *CUT set if the file holds more.
 */
int jitfollow_file_names(struct jitfollow *f, int fd, struct buf *names, int *cut);

#endif
