#include "cprof/binsource.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cprof/elffile.h"
#include "cprof/procfs.h"
#include "cprof/safefile.h"

#define MAX_LINKS 40
#define MAX_DEPTH 64

/* Absolute, with no empty, "." or ".." component. */
static int canonical(const char *p)
{
	if (*p != '/')
		return 0;
	while (*p == '/') {
		const char *e = strchrnul(p + 1, '/');
		size_t n = (size_t)(e - p - 1);

		if (!n || (n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
			return 0;
		p = e;
	}
	return 1;
}

static int under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (p[n] == '/' || !p[n]);
}

static int host_path_ok(const char *p)
{
	return canonical(p) && !under(p, "/proc") && !under(p, "/dev") && !under(p, "/sys");
}

static int open_host(const char *name, int elf)
{
	struct stat before, after;
	int fd;

	if (!host_path_ok(name))
		return -EPERM;
	/* look first: a FIFO, device or link is never opened at all */
	if (lstat(name, &before) < 0)
		return -errno;
	if (!S_ISREG(before.st_mode))
		return -ENOEXEC;
	fd = open(name, BINFILE_READ_FLAGS);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &after) < 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino) {
		close(fd);
		return -ESTALE; /* replaced between the look and the open */
	}
	return binfile_checked(fd, elf);
}

/*
 * For NAME "/proc/PID/WHAT/REST": "/proc/PID/WHAT" into DIR and "/REST"
 * returned; NULL for any other name.
 */
static const char *proc_name(const char *name, const char *what, char *dir, size_t size)
{
	size_t n, w = strlen(what);
	const char *p = name + 6;

	if (strncmp(name, "/proc/", 6))
		return NULL;
	n = strspn(p, "0123456789");
	if (!n || n > 10 || p[n] != '/' || strncmp(p + n + 1, what, w) || p[n + 1 + w] != '/')
		return NULL;
	if ((size_t)snprintf(dir, size, "%.*s", (int)(6 + n + 1 + w), name) >= size)
		return NULL;
	return p + n + 1 + w;
}

static int same_root(const char *rootdir)
{
	struct stat ours, theirs;

	if (stat("/", &ours) || stat(rootdir, &theirs))
		return -1;
	return ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

static int open_in_proc_root(const char *rootdir, const char *path, int elf)
{
	struct open_how how = { .flags = BINFILE_READ_FLAGS,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	struct stat ours, theirs;
	int root, fd;

	if (!canonical(path))
		return -EPERM;
	root = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	if (stat("/", &ours) < 0 || fstat(root, &theirs) < 0) {
		fd = -errno;
	} else if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino) {
		fd = -EPERM; /* our own root: a roundabout name for one of our files */
	} else {
		fd = (int)syscall(SYS_openat2, root, path + 1, &how, sizeof(how));
		if (fd < 0)
			fd = errno == ENOSYS ? binsource_open_in_root(root, path) : -errno;
	}
	close(root);
	return fd < 0 ? fd : binfile_checked(fd, elf);
}

int binsource_elf(const char *name, struct elffile **out)
{
	int fd = binsource_open(name), err;

	if (fd < 0)
		return fd;
	err = elffile_fdopen(fd, out);
	close(fd);
	return err;
}

static int open_name(const char *name, int elf)
{
	const char *rest;
	char dir[64];
	int fd;

	if ((rest = proc_name(name, "root", dir, sizeof(dir))))
		return open_in_proc_root(dir, rest, elf);
	if ((rest = proc_name(name, "map_files", dir, sizeof(dir)))) {
		if (!rest[1] || rest[1 + strspn(rest + 1, "0123456789abcdef-")])
			return -EPERM;
		/* a magic link to the file the kernel mapped: following it is the point */
		fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		return fd < 0 ? -errno : binfile_checked(fd, elf);
	}
	return open_host(name, elf);
}

int binsource_open(const char *name)
{
	return open_name(name, 1);
}

int binsource_open_data(const char *name)
{
	return open_name(name, 0);
}

/* The walk's state: directories from the root down, the path still to go. */
struct walk {
	int dirs[MAX_DEPTH];
	int depth;
	char rest[2 * PATH_MAX];
};

/* Replace the walk's remaining path by TARGET/AFTER (a link's target). */
static int walk_push_link(struct walk *w, const char *target, const char *after)
{
	char buf[sizeof(w->rest)];
	int n = snprintf(buf, sizeof(buf), "%s/%s", target, after);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(w->rest, buf, (size_t)n + 1);
	return 0;
}

/* One component COMP of the walk, AFTER the rest of the path. Returns 1 to go on, an fd, or -errno. */
static int walk_step(struct walk *w, const char *comp, const char *after, int *links)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, last = !after[strspn(after, "/")], err = 1;

	/* go on with AFTER, unless a link puts its target in front */
	memmove(w->rest, after, strlen(after) + 1);
	if (!strcmp(comp, "."))
		return last ? -EISDIR : 1;
	if (!strcmp(comp, "..")) {
		if (!w->depth)
			return -EXDEV; /* above the root */
		close(w->dirs[w->depth--]);
		return last ? -EISDIR : 1;
	}
	fd = openat(w->dirs[w->depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			err = -errno;
		else if (++*links > MAX_LINKS)
			err = -ELOOP;
		else if (target[0] == '/' || !n)
			err = -EXDEV; /* absolute: the host's root, not the process's */
		else {
			target[n] = '\0';
			err = walk_push_link(w, target, after);
			err = err ? err : 1;
		}
	} else if (last && S_ISDIR(st.st_mode)) {
		err = -EISDIR;
	} else if (last) {
		err = openat(w->dirs[w->depth], comp, BINFILE_READ_FLAGS);
		err = err < 0 ? -errno : err;
	} else if (!S_ISDIR(st.st_mode)) {
		err = -ENOTDIR;
	} else if (w->depth + 1 >= MAX_DEPTH) {
		err = -ENAMETOOLONG;
	} else {
		w->dirs[++w->depth] = fd;
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

int binsource_open_in_root(int rootfd, const char *path)
{
	struct walk w = { .dirs = { rootfd }, .depth = 0 };
	char comp[NAME_MAX + 1];
	int links = 0, ret = 1;

	if (strlen(path) >= sizeof(w.rest))
		return -ENAMETOOLONG;
	strcpy(w.rest, path);
	while (ret == 1) {
		const char *p = w.rest + strspn(w.rest, "/");
		size_t n = strcspn(p, "/");
		char after[sizeof(w.rest)];

		if (!n) {
			ret = -EISDIR;
			break;
		}
		if (n > NAME_MAX) {
			ret = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		strcpy(after, p + n);
		ret = walk_step(&w, comp, after, &links);
	}
	while (w.depth > 0)
		close(w.dirs[w.depth--]);
	return ret;
}

static int copy_out(char *out, size_t size, const char *name)
{
	if (strlen(name) >= size)
		return -ENAMETOOLONG;
	strcpy(out, name);
	return 0;
}

int binsource_for_report(const char *path, const char *host_path, const unsigned char *id,
			 size_t len, char *out, size_t size, int *cache_refused)
{
	char dir[64];
	int err;

	/* a file of another root or a deleted one: only by its build-id */
	if (host_path[0] && len) {
		err = binsource_cache_copy(id, len, out, size);
		if (!err)
			return 0;
		if (err == -EPERM && cache_refused)
			*cache_refused = 1;
		if (proc_name(host_path, "root", dir, sizeof(dir)) && same_root(dir) == 0)
			return copy_out(out, size, host_path);
	}
	if (!host_path_ok(path))
		return -EPERM;
	return copy_out(out, size, path);
}

int binsource_jit_owned(int fd, pid_t pid)
{
	char proc[32];
	struct stat st, target;

	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	return !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	       (st.st_uid == 0 || st.st_uid == geteuid() ||
		(!stat(proc, &target) && st.st_uid == target.st_uid));
}

/* PATH if it is a regular file, not a link, of ours, root's or PID's user's; else -errno. */
static int open_jit(const char *path, pid_t pid)
{
	int fd = safefile_open_regular(path);

	if (fd >= 0 && !binsource_jit_owned(fd, pid)) {
		close(fd);
		fd = -EPERM;
	}
	return fd;
}

int binsource_open_jit_file(pid_t pid, const char *kind, const char *ext)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root/tmp/%s-%d.%s", (int)pid, kind,
		 (int)procfs_ns_tid(pid, pid), ext);
	fd = open_jit(path, pid);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/%s-%d.%s", kind, (int)pid, ext);
		fd = open_jit(path, pid);
	}
	return fd;
}

void binsource_for_mapping(pid_t pid, const char *path, uint64_t start, uint64_t end,
			   char *host, size_t size)
{
	size_t plen = strlen(path);

	host[0] = '\0';
	if (path[0] != '/')
		return;
	/* a file deleted (upgraded) since it was mapped: the mapping still has it */
	if (plen > 10 && !strcmp(path + plen - 10, " (deleted)"))
		snprintf(host, size, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, start, end);
	/* a process in a container or chroot: its files are under its root */
	else if (!procfs_same_root(pid))
		snprintf(host, size, "/proc/%d/root%s", (int)pid, path);
	/* not readable (mapped before a chroot() we only see now: the path is ours) */
	if (host[0] && access(host, R_OK))
		host[0] = '\0';
}

int binsource_store(const char *name, const unsigned char *id, size_t len)
{
	return binsource_cache_put("build-id", id, len, name, binsource_open, NULL);
}
