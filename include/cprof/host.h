/*
 * Every process of the host (record -a): the sampler's per-CPU events see
 * every task, and this module decides which samples are recorded and what
 * the recorder must learn of a process before its first one.
 *
 * The kernel announces the mappings, names, forks and exits of what
 * happens during the recording; of a process that ran before it started,
 * nothing. Such a process is read from /proc on first sight, lazily: its
 * name when it is first sampled, its mappings when it is first kept (a
 * host of a thousand idle processes costs nothing for the idle ones). A
 * process whose unwinding state the unwinder dropped for its budget
 * (unwind.h) has its mappings read again before its next sample.
 *
 * Never kept: the recorder itself, --exclude-pid's processes, kernel
 * threads and the idle task (no user mappings) unless KERNEL, threads
 * whose name and whose process's name both differ from COMM.
 */
#ifndef CPROF_HOST_H
#define CPROF_HOST_H

#include <stdint.h>
#include <sys/types.h>

#include "cprof/event.h"
#include "cprof/procfs.h"

struct unwinder;

struct host_opts {
	pid_t self;              /* the recorder's process: never kept */
	const char *comm;        /* keep threads of this name or of a process of it; NULL: all */
	const pid_t *exclude;    /* never keep these processes (borrowed) */
	size_t nexclude;
	int kernel;              /* keep kernel threads and the idle task (pid 0) */
};

/* What a first sight asks of the recorder; each returns 0 or -errno (which stops). */
struct host_hooks {
	/* thread TID of process PID is named COMM (from /proc, or "swapper" for the idle task) */
	int (*comm)(pid_t pid, pid_t tid, const char *comm, void *arg);
	/* a mapping of PID read from /proc/PID/maps */
	int (*map)(pid_t pid, const struct proc_map *m, void *arg);
	/* PID, first kept, runs in container or unit ID (host_container_parse()); may be NULL */
	int (*container)(pid_t pid, const char *id, void *arg);
	void *arg;
};

struct host_stats {
	uint64_t kept, filtered; /* samples recorded, and dropped by the rules above */
	uint32_t processes;      /* processes with a sample recorded */
	uint32_t read;           /* processes whose mappings were read from /proc */
	uint32_t reread;         /* ... again, their unwinding state dropped meanwhile */
	uint32_t unreadable;     /* ... or not: exited meanwhile, or not ours (no unwinding) */
	uint32_t containers;     /* processes found in a container or unit */
};

struct host;

/*
 * O and H are copied (O->comm and O->exclude are borrowed); U, the
 * recorder's unwinder (NULL in fp mode), is asked whether it still holds
 * a process. Returns 0 or -ENOMEM.
 */
int host_new(const struct host_opts *o, const struct host_hooks *h, struct unwinder *u,
	     struct host **out);
void host_free(struct host *h);

/*
 * Before the recorder handles EV (every record, in the order handed
 * out): a sample's process and thread read from /proc on first sight
 * (the hooks are called), the names, forks, execs and exits followed.
 * Returns 1 when the recorder is to handle EV, 0 for a sample not to be
 * recorded, or a hook's -errno.
 */
int host_event(struct host *h, const struct event *ev);

const struct host_stats *host_stats(const struct host *h);

#define HOST_CONTAINER_MAX 65    /* a 64-hex id or a unit's name, and its NUL */

/*
 * The container a process runs in, from the N bytes of its
 * /proc/PID/cgroup (TEXT, not NUL-terminated; an unfinished last line is
 * not read): the deepest path component of a line that is
 * docker-ID.scope, cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope
 * (ID: 12 to 64 hex digits) or a bare ID of 64 (cgroupfs: /docker/ID,
 * /kubepods/.../ID); else the deepest NAME.service (a systemd unit). Into OUT
 * (SIZE bytes, NUL-terminated). Returns 1 when found, 0 when not ("").
 */
int host_container_parse(const char *text, size_t n, char *out, size_t size);

#endif
