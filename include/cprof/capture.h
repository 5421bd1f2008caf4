/*
 * What a report needs that dies with the processes or the boot, captured
 * as a recording ends: the JIT names of every process recorded, as
 * DF_PERFMAP records (its perf map, the jitdumps it mapped, which jitfollow
 * read while recording, else one left in /tmp; a live JVM is first asked
 * to write its map with jcmd), and the kernel functions the recorded
 * stacks use, as DF_KSYM records (from /proc/kallsyms).
 *
 * The JIT files are the targets' and untrusted: opened only if theirs,
 * ours or root's and regular, read within the caps of record.h, and only
 * whole lines the report can use are kept. A file cut at a cap is noted in
 * RES->jit_cut; a runtime that could have named its code and did not (or
 * only by a dump it still holds) in RES->hints.
 */
#ifndef CPROF_CAPTURE_H
#define CPROF_CAPTURE_H

#include <stdint.h>

#include "cprof/record.h"

struct jitfollow;
struct perfmap_src;
struct pairmap;
struct sink;
struct stacktab;

struct capture {
	struct sink *out;           /* the records go here (borrowed) */
	struct record_result *res;  /* jit_cut, hints (borrowed) */
	struct jitfollow *jits;     /* the dumps followed while recording (borrowed) */
	int jvm;                    /* ask live JVMs for their perf map (jcmd) */
	uint64_t perfmap_read;      /* bytes of perf maps read, of RECORD_PERFMAP_TOTAL */
	struct pairmap *map_idx;    /* pid -> index in maps */
	struct perfmap_src *maps;   /* each perf map: how far it was read */
	size_t nmaps, capmaps;
	struct pairmap *gone;       /* pid -> 1: seen exited by capture_follow() */
};

/*
 * C set up to write to OUT and note in RES, with JITS and JVM as above.
 * Returns 0 or -ENOMEM; capture_release() frees what C holds, either way.
 */
int capture_init(struct capture *c, struct sink *out, struct record_result *res,
		 struct jitfollow *jits, int jvm);
void capture_release(struct capture *c);

/* capture_follow() reads at most this much a call, of all the maps. */
#define CAPTURE_FOLLOW_MAX (4u << 20)

/*
 * While recording (about once a second): the whole lines the perf maps of
 * the live processes of PIDS (pid -> anything) gained since the last call,
 * so that a live view names JIT code as it runs. What is read counts
 * towards the caps, and is not read again at the end unless the file was
 * replaced or written anew. Returns 0 or -errno.
 */
int capture_follow(struct capture *c, const struct pairmap *pids);

/*
 * As the recording ends: the JIT names of every process of PIDS, the rest
 * of each perf map (an unended last line too) and the jitdumps' names.
 * Returns 0 or -errno.
 */
int capture_perfmaps(struct capture *c, const struct pairmap *pids);

/* The kernel functions the stacks of STACKS use, once each. Returns 0 or -errno. */
int capture_ksyms(struct capture *c, const struct stacktab *stacks);

#endif
