/*
 * One replay of a recording's record stream (datafile.h) for each of its
 * consumers: the report's resolver and the live aggregator of `cprof top`
 * and `cprof serve` implement the callbacks of a replay_tool, as perf's
 * tools implement struct perf_tool. The replay keeps what naming needs:
 * thread and process names (a new thread inherits its parent's), the
 * recorder's stacks, the processes' mappings, JIT and kernel symbols, all
 * in one namer (namer.h), so whatever the report names, the live views
 * name. A new record type is one case of the data file's decoder and the
 * callbacks that want it.
 *
 * Protocol: feed every record, in file order, to replay_record(); it
 * calls the tool's callbacks (each may be NULL) with a sample's names
 * looked up; the tool names a sample's stack with replay_stack() when it
 * keeps it (naming is the costly part, so a filtered-out sample costs
 * nothing). A META record after the first starts another recording of
 * the same processes (`cprof serve`): stacks, names and the memo of named
 * stacks are forgotten, the namer's knowledge of binaries kept.
 *
 * Not thread-safe: one thread feeds and asks it.
 */
#ifndef CPROF_REPLAY_H
#define CPROF_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/datafile.h"
#include "cprof/namer.h"
#include "cprof/profile.h"

/* What a sample's value is. */
enum replay_kind {
	REPLAY_CPU,              /* a CPU sample: one period */
	REPLAY_OFFCPU,           /* an interval blocked (DF_WS_OFFCPU), VALUE ns */
	REPLAY_RUNQ,             /* an interval runnable, not running (DF_WS_RUNQ), VALUE ns */
};

struct replay_sample {
	uint64_t time;           /* CLOCK_MONOTONIC ns; an interval's start */
	uint64_t value;          /* ns of an interval; 0 for a CPU sample */
	uint32_t pid, tid, cpu;
	uint32_t stack_id;       /* the recorder's: replay_stack() names it */
	enum replay_kind kind;
	const char *comm;        /* the thread's name, "" if unknown (borrowed) */
	const char *process;     /* the process's (its main thread's) name, "" if unknown */
	uint32_t comm_id, process_id; /* ids of these names in this recording, UINT32_MAX if
					 unknown: equal ids, equal names */
	const char *container;   /* the process's container or unit (DF_CONTAINER), "" if none */
};

struct replay_tool {
	/* A recording starts (its META record). */
	int (*meta)(struct replay_tool *t, const struct df_meta *m);
	/* A sample, or an off-CPU interval of a recording made with --off-cpu. */
	int (*sample)(struct replay_tool *t, const struct replay_sample *s);
	/* A mapping, after the namer has it. */
	int (*mmap)(struct replay_tool *t, const struct df_mmap *m);
	/* A chunk of a process's perf map, after the namer has it. */
	int (*perfmap)(struct replay_tool *t, const struct df_perfmap *pm);
	/* Records lost in the rings (COUNT of them). */
	int (*lost)(struct replay_tool *t, uint64_t count);
	/* The recording's last record. */
	int (*finish)(struct replay_tool *t, const struct df_finish *f);
};

struct replay;

/*
 * A replay naming into PROF (borrowed: see namer_new()) for TOOL
 * (borrowed; called back from replay_record()). Returns 0 or -errno.
 */
int replay_new(const struct namer_config *cfg, struct profile *prof, struct replay_tool *tool,
	       struct replay **out);
void replay_free(struct replay *rp);

/*
 * Take REC (its pointers borrowed for the call). Returns 0, -EBADMSG for a
 * record that contradicts the stream (a stack id out of order), or the
 * -errno of the namer or of a callback, which stops nothing: the caller
 * decides whether to go on.
 */
int replay_record(struct replay *rp, const struct df_record *rec);

/*
 * The profile stack *OUT of the recorder's stack STACK_ID in process PID,
 * as its mappings and symbols are now (named once per mapping generation
 * and perf-map chunk). Returns 0, -ENOENT if the stack's record was never
 * seen (a damaged file), or -errno.
 */
int replay_stack(struct replay *rp, uint32_t pid, uint32_t stack_id, uint32_t *out);

/*
 * The recorder's chain STACK_ID (leaf first, perf's context markers kept;
 * borrowed until the next record) with its length *N and why the
 * unwinder stopped (*TRUNC, enum df_trunc); NULL if never seen.
 */
const uint64_t *replay_chain(const struct replay *rp, uint32_t stack_id, size_t *n,
			     uint32_t *trunc);

/* How many of the recorder's stacks this recording has sent. */
uint32_t replay_stack_count(const struct replay *rp);

/* The name of thread TID, or of process PID ("" if unknown; borrowed until the next record). */
const char *replay_comm(const struct replay *rp, uint32_t tid);
const char *replay_process(const struct replay *rp, uint32_t pid);
/* The container or unit of process PID ("" if none known; borrowed until the next record). */
const char *replay_container(const struct replay *rp, uint32_t pid);

/* The namer (borrowed until replay_free()): labels, roots, kernel symbols, notes. */
struct namer *replay_namer(struct replay *rp);

/*
 * Name from now on into PROF, a new empty profile (namer_set_profile());
 * the stacks named so far are forgotten. Returns 0 or -errno.
 */
int replay_set_profile(struct replay *rp, struct profile *prof);

#endif
