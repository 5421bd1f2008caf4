#include "cprof/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int procfs_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may contain spaces and parens */
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}
