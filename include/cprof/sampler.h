/*
 * The sampler opens perf cpu-clock events on the target's threads and
 * owns one ring buffer per CPU. With off_cpu, a second event source per
 * thread and CPU: the context-switches software event, sampled at every
 * switch-out (the stack where the thread stops running) and emitting
 * PERF_RECORD_SWITCH records for every switch out and in.
 *
 * Events are per (thread, CPU) with `inherit`, so threads and children
 * born later are sampled too (the kernel refuses to mmap an inherited
 * per-thread event, hence the per-CPU split); every event on one CPU
 * writes into that CPU's ring via PERF_EVENT_IOC_SET_OUTPUT.
 */
#ifndef CPROF_SAMPLER_H
#define CPROF_SAMPLER_H

#include <stdint.h>
#include <sys/types.h>

#include <asm/perf_regs.h>

#include "cprof/event.h"

/* sample_regs_user of DWARF mode: every general-purpose register the unwinder may need (x86-64's: event.h). */
#define SAMPLER_USER_REGS                                                     \
	((1ULL << PERF_REG_X86_AX) | (1ULL << PERF_REG_X86_BX) |               \
	 (1ULL << PERF_REG_X86_CX) | (1ULL << PERF_REG_X86_DX) |               \
	 (1ULL << PERF_REG_X86_SI) | (1ULL << PERF_REG_X86_DI) |               \
	 (1ULL << PERF_REG_X86_BP) | (1ULL << PERF_REG_X86_SP) |               \
	 (1ULL << PERF_REG_X86_IP) | (1ULL << PERF_REG_X86_R8) |               \
	 (1ULL << PERF_REG_X86_R9) | (1ULL << PERF_REG_X86_R10) |              \
	 (1ULL << PERF_REG_X86_R11) | (1ULL << PERF_REG_X86_R12) |             \
	 (1ULL << PERF_REG_X86_R13) | (1ULL << PERF_REG_X86_R14) |             \
	 (1ULL << PERF_REG_X86_R15))

enum callgraph_mode {
	CALLGRAPH_FP,            /* kernel frame-pointer call chains */
	CALLGRAPH_DWARF,         /* user regs + stack copy, unwound by cprof */
};

struct sampler_config {
	unsigned freq;           /* samples per second per thread */
	enum callgraph_mode mode;
	unsigned stack_size;     /* bytes of user stack per sample (dwarf) */
	int kernel;              /* keep kernel call chains */
	int start_disabled;      /* open disabled; sampler_enable() or exec starts */
	int enable_on_exec;      /* for a launched command */
	int off_cpu;             /* also open the context-switch source */
	int system_wide;         /* per-CPU events of every process (sampler_add_cpus) */
	int wake_each;           /* wake the reader at every sample, not at a quarter ring (a
				    sample's process memory is read as it is drained) */
	const char *cgroup;      /* system_wide: of the tasks of this cgroup (a directory of a
				    cgroup file system, perf's -G) only; NULL: every task */
	size_t ring_pages;       /* data pages per CPU ring, power of two (fewer
				  * if the locked-memory limit says so) */
};

struct sampler;

/*
 * Returns 0 or -errno (CFG->cgroup's open(): -ENOENT, -ENOTDIR...); the
 * sampler opens no event until sampler_add_*().
 */
int sampler_new(const struct sampler_config *cfg, struct sampler **out);
void sampler_free(struct sampler *s);

/*
 * Open events for thread TID (and, through inherit, its future children).
 * Returns 0, -ESRCH when the thread is gone, or the perf_event_open errno
 * (-EACCES/-EPERM: not allowed; -ENOENT/-EOPNOTSUPP: event unsupported),
 * or -ENOBUFS when not even a small ring buffer could be mapped.
 */
int sampler_add_thread(struct sampler *s, pid_t tid);

/*
 * System-wide: one event per CPU for every process (perf's -a: pid -1),
 * with the records of every process's mappings, names, forks and exits.
 * Returns 0 or an errno as sampler_add_thread(); -EACCES/-EPERM when
 * perf_event_paranoid allows no CPU-wide events to this user.
 */
int sampler_add_cpus(struct sampler *s);
/*
 * Whether this user may open CPU-wide events at all (before starting a
 * server that opens them later): one disabled cpu-clock event of every
 * process on this CPU, opened and closed. Returns 0 or its errno as
 * sampler_add_cpus().
 */
int sampler_probe_cpus(void);

/*
 * Stop sampling TID through the events opened for it by
 * sampler_add_thread(), and through what its children inherited from
 * them (for a thread found to be sampled by inheritance already).
 * Returns 0 or -ENOENT if none were opened for it.
 */
int sampler_remove_thread(struct sampler *s, pid_t tid);

/* Start counting on every event opened so far (not needed with enable_on_exec). */
int sampler_enable(struct sampler *s);
int sampler_disable(struct sampler *s);

/* Wait up to TIMEOUT_MS for data. Returns >0 ready, 0 timeout, -errno (-EINTR). */
int sampler_poll(struct sampler *s, int timeout_ms);

/*
 * Decode and hand every pending record to FN. Non-sample records of all
 * rings go first, merged in time order, then samples, so a sample never
 * precedes the mapping it needs. FN's event is borrowed for the call. A
 * nonzero return of FN stops the walk and is returned.
 */
typedef int (*sampler_fn)(const struct event *ev, void *arg);
int sampler_drain(struct sampler *s, sampler_fn fn, void *arg);

/*
 * Why the context-switch source could not be opened (the perf_event_open
 * errno), or 0. After a failure it is no longer tried: the CPU sampling
 * goes on without it.
 */
int sampler_switch_error(const struct sampler *s);

const struct event_layout *sampler_layout(const struct sampler *s);
unsigned sampler_nr_threads(const struct sampler *s);
/* Records the kernel dropped because rings were full, so far. */
uint64_t sampler_lost(const struct sampler *s);
/* Bytes of the smallest ring mapped (0 before the first), for the summary. */
size_t sampler_ring_bytes(const struct sampler *s);

/* Advice for a perf_event_open errno, for the user (static string). */
const char *sampler_strerror(int err);
/* The same for sampler_switch_error(): what to change so that it opens. */
const char *sampler_switch_strerror(int err);

#endif
