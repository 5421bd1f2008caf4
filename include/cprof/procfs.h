/* Reading a live process's state from /proc: threads, names, mappings. */
#ifndef CPROF_PROCFS_H
#define CPROF_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

struct proc_map {
	uint64_t start, end, pgoff;
	int exec;                /* 'x' in the permissions */
	const char *path;        /* borrowed from the parsed line; "" if anonymous */
};

/*
 * Parse one line of /proc/PID/maps (its trailing newline, if any, is
 * overwritten). Returns 0 or -EINVAL for a malformed line.
 */
int procfs_parse_maps_line(char *line, struct proc_map *map);

/*
 * Call FN for every mapping of PID. Returns 0, -ESRCH when PID is gone,
 * or FN's nonzero result.
 */
typedef int (*procfs_map_fn)(const struct proc_map *map, void *arg);
int procfs_for_each_map(pid_t pid, procfs_map_fn fn, void *arg);

/* Call FN for every thread id of PID. Returns 0, -ESRCH, or FN's result. */
typedef int (*procfs_task_fn)(pid_t tid, void *arg);
int procfs_for_each_task(pid_t pid, procfs_task_fn fn, void *arg);

/* Thread TID's name into BUF (NUL-terminated, newline stripped). */
int procfs_read_comm(pid_t pid, pid_t tid, char *buf, size_t size);

/*
 * 0 when PID sees another root directory than ours (a container, a
 * chroot): its paths are then to be read under /proc/PID/root. 1 when it
 * is the same or cannot be told.
 */
int procfs_same_root(pid_t pid);

/* Whether PID exists and is not a zombie. */
int procfs_alive(pid_t pid);

/*
 * The child processes of PID (those its threads started, from
 * /proc/PID/task/TID/children) into PIDS, at most MAX; *N how many. A
 * thread that ends meanwhile is skipped, as is a number out of range.
 * Returns 0, -E2BIG when PID has more than MAX (the first MAX are in
 * PIDS), -ESRCH when PID is gone, or -errno.
 */
int procfs_children(pid_t pid, pid_t *pids, size_t max, size_t *n);

/*
 * The CPU time PID has used, all its threads, user and system
 * (/proc/PID/stat), in nanoseconds, and its start time (clock ticks after
 * boot: with the pid, it names one process). Returns 0 or -ESRCH.
 */
int procfs_cpu(pid_t pid, uint64_t *cpu_ns, uint64_t *start);

/*
 * A process held by what it is, not by its number: once a process has
 * exited and been reaped its pid goes to the next process started, so a
 * number alone may name a newcomer. The process is held by a pidfd
 * (pidfd_open(2), Linux 5.3) and its start time, so that a newcomer with
 * the same pid is never taken for it.
 */
struct procfs_proc {
	pid_t pid;
	int pidfd;               /* -1 on kernels without pidfd_open */
	uint64_t start;          /* clock ticks after boot (/proc/PID/stat field 22) */
};

/* Hold PID as it is now into P. Returns 0, -ESRCH (gone, or a zombie) or -errno. */
int procfs_proc_open(pid_t pid, struct procfs_proc *p);
/* Whether the process P holds still runs (a zombie does not); 0 once its pid names another. */
int procfs_proc_alive(const struct procfs_proc *p);
/* Let go of P (its pidfd). Safe to call twice. */
void procfs_proc_release(struct procfs_proc *p);

/*
 * The id thread TID of process PID has inside its own pid namespace (the
 * last NSpid field of its status), TID itself when it has no other or it
 * cannot be read.
 */
pid_t procfs_ns_tid(pid_t pid, pid_t tid);

#endif
