/*
 * Off-CPU intervals from context switches: where each thread stopped
 * running, why, and for how long.
 *
 * Protocol, per thread, in time order: offcpu_stack() with the stack of
 * the context-switch sample taken as the thread is switched out, then
 * offcpu_out() at its switch-out record, then offcpu_in() at the switch-in
 * record, which closes the interval. A switch-out whose sample was lost
 * still opens one (with OFFCPU_NO_STACK), a switch-in with none open is
 * counted as unpaired. offcpu_exit() forgets a dead thread (its last
 * switch-out is no block); offcpu_close_all() ends what is still open
 * when the recording stops. Pure bookkeeping: no perf, no I/O.
 */
#ifndef CPROF_OFFCPU_H
#define CPROF_OFFCPU_H

#include <stdint.h>

#include "cprof/datafile.h"

#define OFFCPU_NO_STACK UINT32_MAX

struct offcpu;

struct offcpu_stats {
	uint64_t blocked, preempted; /* intervals closed, of each kind */
	uint64_t no_stack;       /* of them, without the switch-out sample's stack */
	uint64_t unpaired;       /* switch-ins with no switch-out before them */
};

int offcpu_new(struct offcpu **out);
void offcpu_free(struct offcpu *o);

/* The stack (an id of the caller's) TID of PID is switched out at, at TIME. */
int offcpu_stack(struct offcpu *o, uint32_t pid, uint32_t tid, uint64_t time, uint32_t stack);
/* TID of PID was switched out at TIME, PREEMPTED while runnable or else blocked. */
int offcpu_out(struct offcpu *o, uint32_t pid, uint32_t tid, uint64_t time, int preempted);
/*
 * TID was switched in on CPU at TIME. Returns 1 with the interval that
 * ended in *W (time: its start, value: its length in ns), or 0.
 */
int offcpu_in(struct offcpu *o, uint32_t tid, uint32_t cpu, uint64_t time,
	      struct df_wsample *w);
/* TID exited: drop its state; later switches of it are ignored. */
void offcpu_exit(struct offcpu *o, uint32_t tid);

/* End every open interval at END, handing each to FN; FN's nonzero return stops. */
typedef int (*offcpu_fn)(const struct df_wsample *w, void *arg);
int offcpu_close_all(struct offcpu *o, uint64_t end, offcpu_fn fn, void *arg);

const struct offcpu_stats *offcpu_stats(const struct offcpu *o);

#endif
