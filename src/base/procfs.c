#include "cprof/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int procfs_parse_maps_line(char *line, struct proc_map *m)
{
	char perms[5];
	unsigned long long start, end, off;
	unsigned long inode;
	int n = 0;
	char *nl = strchr(line, '\n');

	if (nl)
		*nl = '\0';
	if (sscanf(line, "%llx-%llx %4s %llx %*x:%*x %lu %n", &start, &end, perms,
		   &off, &inode, &n) < 5 || !n || end < start || strlen(perms) != 4)
		return -EINVAL;
	m->start = start;
	m->end = end;
	m->pgoff = off;
	m->exec = perms[2] == 'x';
	m->path = line + n;
	return 0;
}

int procfs_for_each_map(pid_t pid, procfs_map_fn fn, void *arg)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		struct proc_map m;

		if (procfs_parse_maps_line(line, &m))
			continue;
		err = fn(&m, arg);
	}
	free(line);
	fclose(f);
	return err;
}

int procfs_for_each_task(pid_t pid, procfs_task_fn fn, void *arg)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		err = fn((pid_t)atoi(de->d_name), arg);
	}
	closedir(d);
	return err;
}

int procfs_read_comm(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int procfs_same_root(pid_t pid)
{
	struct stat ours, theirs;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	if (stat("/", &ours) || stat(path, &theirs))
		return 1;
	return ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

/*
 * The state letter and start time (clock ticks after boot, field 22) of
 * PID from /proc/PID/stat. Returns 0 or -ESRCH.
 */
static int read_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p;
	unsigned long long t;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may contain spaces and parens */
	if (!p || p[1] != ' ' || !p[2])
		return -ESRCH;
	*state = p[2];
	/* fields 3 (the state) to 21, then the start time */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			  "%*d %*d %llu", &t) != 1)
		return -ESRCH;
	*start = t;
	return 0;
}

int procfs_alive(pid_t pid)
{
	uint64_t start;
	char state;

	return !read_stat(pid, &state, &start) && state != 'Z' && state != 'X';
}

int procfs_proc_open(pid_t pid, struct procfs_proc *p)
{
	char state;

	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd < 0 && errno != ENOSYS)
		return errno == ESRCH ? -ESRCH : -errno;
	/* read after the pidfd: had the pid been reused meanwhile, the pidfd tells */
	if (read_stat(pid, &state, &p->start) || state == 'Z' || state == 'X') {
		procfs_proc_release(p);
		return -ESRCH;
	}
	return 0;
}

int procfs_proc_alive(const struct procfs_proc *p)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
	uint64_t start;
	char state;

	/* a pidfd is readable once its process has exited, whoever has the pid now */
	if (p->pidfd >= 0 && poll(&pfd, 1, 0) != 0)
		return 0;
	return !read_stat(p->pid, &state, &start) && start == p->start && state != 'Z' &&
	       state != 'X';
}

void procfs_proc_release(struct procfs_proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}
