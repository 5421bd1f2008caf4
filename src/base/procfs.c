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

struct proc_stat {
	char state;
	uint64_t utime, stime;   /* clock ticks */
	uint64_t start;          /* clock ticks after boot */
};

/* The fields of /proc/PID/stat cprof uses. Returns 0 or -ESRCH. */
static int read_stat(pid_t pid, struct proc_stat *st)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, stt, t;
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
	st->state = p[2];
	/* fields 3 (the state) to 13, utime and stime, 16 to 21, the start time */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
			  "%*d %*d %*d %llu", &ut, &stt, &t) != 3)
		return -ESRCH;
	st->utime = ut;
	st->stime = stt;
	st->start = t;
	return 0;
}

int procfs_alive(pid_t pid)
{
	struct proc_stat st;

	return !read_stat(pid, &st) && st.state != 'Z' && st.state != 'X';
}

int procfs_cpu(pid_t pid, uint64_t *cpu_ns, uint64_t *start)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct proc_stat st;

	if (read_stat(pid, &st))
		return -ESRCH;
	if (hz <= 0)
		hz = 100;
	*cpu_ns = st.utime + st.stime > UINT64_MAX / 1000000000ULL
			  ? UINT64_MAX
			  : (st.utime + st.stime) * 1000000000ULL / (uint64_t)hz;
	*start = st.start;
	return 0;
}

/*
 * The children of one thread TID of PID, appended to PIDS[*N..MAX). The
 * file is numbers apart by spaces; parsed by hand, so that no number,
 * however long, overflows: one past a pid's range is skipped.
 */
static int task_children(pid_t pid, pid_t tid, pid_t *pids, size_t max, size_t *n)
{
	char path[64];
	uint64_t v = 0;
	int c, digits = 0, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT || errno == ESRCH ? 0 : -errno; /* the thread ended */
	do {
		c = getc(f);
		if (c >= '0' && c <= '9') {
			v = v > INT32_MAX ? v : v * 10 + (uint64_t)(c - '0');
			digits = 1;
			continue;
		}
		if (digits && v > 0 && v <= INT32_MAX) {
			if (*n >= max) {
				err = -E2BIG;
				break;
			}
			pids[(*n)++] = (pid_t)v;
		}
		v = 0;
		digits = 0;
	} while (c != EOF);
	fclose(f);
	return err;
}

struct children_ctx {
	pid_t pid, *pids;
	size_t max, *n;
};

static int on_task_children(pid_t tid, void *arg)
{
	struct children_ctx *c = arg;

	return task_children(c->pid, tid, c->pids, c->max, c->n);
}

int procfs_children(pid_t pid, pid_t *pids, size_t max, size_t *n)
{
	struct children_ctx c = { pid, pids, max, n };

	*n = 0;
	return procfs_for_each_task(pid, on_task_children, &c);
}

int procfs_proc_open(pid_t pid, struct procfs_proc *p)
{
	struct proc_stat st;

	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd < 0 && errno != ENOSYS)
		return errno == ESRCH ? -ESRCH : -errno;
	/* read after the pidfd: had the pid been reused meanwhile, the pidfd tells */
	if (read_stat(pid, &st) || st.state == 'Z' || st.state == 'X') {
		procfs_proc_release(p);
		return -ESRCH;
	}
	p->start = st.start;
	return 0;
}

int procfs_proc_alive(const struct procfs_proc *p)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
	struct proc_stat st;

	/* a pidfd is readable once its process has exited, whoever has the pid now */
	if (p->pidfd >= 0 && poll(&pfd, 1, 0) != 0)
		return 0;
	return !read_stat(p->pid, &st) && st.start == p->start && st.state != 'Z' &&
	       st.state != 'X';
}

void procfs_proc_release(struct procfs_proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

pid_t procfs_ns_tid(pid_t pid, pid_t tid)
{
	char path[64], line[256];
	pid_t ns = tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return tid;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 6, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (;;) { /* the last field is the innermost namespace */
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			ns = (pid_t)v;
			p = end;
		}
		break;
	}
	fclose(f);
	return ns;
}
