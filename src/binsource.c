#include "cprof/binsource.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
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

#define READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
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

/* File systems whose "regular files" are kernel interfaces, not binaries. */
static int pseudo_fs(long type)
{
	static const long types[] = { PROC_SUPER_MAGIC, SYSFS_MAGIC, DEBUGFS_MAGIC, TRACEFS_MAGIC,
				      SECURITYFS_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
				      BPF_FS_MAGIC };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (type == types[i])
			return 1;
	return 0;
}

/*
 * FD if it is a regular file outside the pseudo file systems and, if ELF
 * is set, starts with the ELF magic; else closed and -errno.
 */
static int checked(int fd, int elf)
{
	unsigned char magic[SELFMAG];
	struct statfs fs;
	struct stat st;
	int err = 0;

	if (fstat(fd, &st) < 0 || fstatfs(fd, &fs) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode) || pseudo_fs((long)fs.f_type))
		err = -ENOEXEC;
	else if (elf && (pread(fd, magic, SELFMAG, 0) != SELFMAG || memcmp(magic, ELFMAG, SELFMAG)))
		err = -ENOEXEC;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
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
	fd = open(name, READ_FLAGS);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &after) < 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino) {
		close(fd);
		return -ESTALE; /* replaced between the look and the open */
	}
	return checked(fd, elf);
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
	struct open_how how = { .flags = READ_FLAGS,
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
	return fd < 0 ? fd : checked(fd, elf);
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
		return fd < 0 ? -errno : checked(fd, elf);
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
		err = openat(w->dirs[w->depth], comp, READ_FLAGS);
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

static int cache_dir(char *out, size_t size)
{
	const char *dir = getenv("CPROF_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (dir && *dir)
		n = snprintf(out, size, "%s", dir);
	else if (xdg && *xdg)
		n = snprintf(out, size, "%s/cprof", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.cache/cprof", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int binsource_cache_path(const unsigned char *id, size_t len, char *out, size_t size)
{
	char dir[4096], hex[129];
	int err, n;

	if (!len || len > 64)
		return -ENOENT;
	if ((err = cache_dir(dir, sizeof(dir))))
		return err;
	build_id_hex(id, len, hex);
	n = snprintf(out, size, "%s/build-id/%.2s/%s", dir, hex, hex + 2);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int copy_out(char *out, size_t size, const char *name)
{
	if (strlen(name) >= size)
		return -ENAMETOOLONG;
	strcpy(out, name);
	return 0;
}

int binsource_for_report(const char *path, const char *host_path, const unsigned char *id,
			 size_t len, char *out, size_t size)
{
	struct stat st;
	char dir[64];

	/* a file of another root or a deleted one: only by its build-id */
	if (host_path[0] && len) {
		if (!binsource_cache_path(id, len, out, size) && !lstat(out, &st) &&
		    S_ISREG(st.st_mode))
			return 0;
		if (proc_name(host_path, "root", dir, sizeof(dir)) && same_root(dir) == 0)
			return copy_out(out, size, host_path);
	}
	if (!host_path_ok(path))
		return -EPERM;
	return copy_out(out, size, path);
}

/* mkdir -p PATH, creating what is missing 0700. */
static int make_dirs(char *path)
{
	char *p = path;
	int err = 0;

	for (;;) {
		p = strchr(p + 1, '/');
		if (p)
			*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			err = -errno;
		if (!p || err) {
			if (p)
				*p = '/';
			return err;
		}
		*p = '/';
	}
}

/* The directory NAME in PARENT, created 0700 if missing, never through a link. */
static int subdir(int parent, const char *name)
{
	int fd;

	if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(in, buf, sizeof(buf), off)) > 0) {
		char *p = buf;

		off += n;
		while (n > 0) {
			ssize_t k = write(out, p, (size_t)n);

			if (k < 0)
				return -errno;
			p += k;
			n -= k;
		}
	}
	return n < 0 ? -errno : 0;
}

/* Whether the ELF file FD has build-id ID. */
static int has_build_id(int fd, const unsigned char *id, size_t len)
{
	const unsigned char *fid;
	struct elffile *ef;
	int err = elffile_fdopen(fd, &ef);

	if (err)
		return err;
	if (elffile_build_id(ef, &fid) != len || memcmp(fid, id, len))
		err = -ESTALE;
	elffile_free(ef);
	return err;
}

int binsource_store(const char *name, const unsigned char *id, size_t len)
{
	char dir[4096], hex[129], tmp[160], two[3] = "";
	int top = -1, ids = -1, sub = -1, in = -1, out = -1, err;
	struct stat st;

	if (!len || len > 64)
		return -ENOENT;
	if ((err = cache_dir(dir, sizeof(dir))) || (err = make_dirs(dir)))
		return err;
	build_id_hex(id, len, hex);
	top = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return -errno;
	two[0] = hex[0];
	two[1] = hex[1];
	if ((ids = subdir(top, "build-id")) < 0 || (sub = subdir(ids, two)) < 0) {
		err = ids < 0 ? ids : sub;
		goto out;
	}
	if (!fstatat(sub, hex + 2, &st, AT_SYMLINK_NOFOLLOW))
		goto out; /* kept already */
	if ((in = binsource_open(name)) < 0) {
		err = in;
		goto out;
	}
	if ((err = has_build_id(in, id, len)))
		goto out;
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", hex + 2, (int)getpid());
	unlinkat(sub, tmp, 0); /* a leftover of a killed run of the same pid */
	out = openat(sub, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		err = -errno;
		goto out;
	}
	err = copy_fd(in, out);
	if (close(out) < 0 && !err)
		err = -errno;
	/* rename: a reader never sees half a file */
	if (!err && renameat(sub, tmp, sub, hex + 2) < 0)
		err = -errno;
	if (err)
		unlinkat(sub, tmp, 0);
out:
	if (in >= 0)
		close(in);
	if (sub >= 0)
		close(sub);
	if (ids >= 0)
		close(ids);
	close(top);
	return err;
}

/* Whether DIR/SUB/FILE is absent or, links followed as libdwfl will, a regular file. */
static int harmless(const char *dir, const char *sub, const char *file)
{
	char name[2 * PATH_MAX];
	struct stat st;

	snprintf(name, sizeof(name), "%s/%s%s%s", dir, sub, *sub ? "/" : "", file);
	return stat(name, &st) < 0 || S_ISREG(st.st_mode);
}

/*
 * Whether every place libdwfl's find_debuginfo_in_path and build-id lookup
 * may open for a binary in directory DIR is harmless: for each entry E of
 * the debuginfo path, "" is DIR, a relative E is DIR/E, an absolute E is
 * E/.build-id/xx/rest.debug, E itself, E/.dwz and E/ each tail of DIR.
 */
static int search_harmless(const char *path, const char *dir, const char *file,
			   const char *bid_hex)
{
	char *copy = strdup(path), *p = copy, *e;
	char bsub[16] = ".build-id/xx", bfile[140] = "";
	int ok = !!copy;

	if (bid_hex[0]) {
		bsub[10] = bid_hex[0];
		bsub[11] = bid_hex[1];
		snprintf(bfile, sizeof(bfile), "%s.debug", bid_hex + 2);
	}
	while (ok && (e = strsep(&p, ":"))) {
		const char *s;

		e += *e == '+' || *e == '-';
		if (!*e) {
			ok = harmless(dir, "", file);
		} else if (*e != '/') {
			ok = harmless(dir, e, file);
		} else {
			ok = harmless(e, "", file) && harmless(e, ".dwz", file) &&
			     (!bfile[0] || harmless(e, bsub, bfile));
			for (s = dir; ok && s; s = strchr(s + 1, '/'))
				ok = harmless(e, s + 1, file);
		}
	}
	free(copy);
	return ok;
}

/* search_harmless for each name libdwfl may try for FILE_NAME (absolute), whose directory is DIR. */
static int lookup_harmless(const char *path, const char *file_name, const char *link,
			   const char *bid_hex)
{
	const char *base = strrchr(file_name, '/') + 1;
	char dir[PATH_MAX], debug[NAME_MAX + 8];

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - file_name), file_name);
	if (link)
		return search_harmless(path, dir, link, bid_hex);
	snprintf(debug, sizeof(debug), "%s.debug", base);
	return search_harmless(path, dir, debug, bid_hex) &&
	       search_harmless(path, dir, base, bid_hex);
}

int binsource_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink,
			     GElf_Word crc, char **debuginfo_file_name)
{
	const char *path = userdata && *userdata ? *userdata : ":.debug:/usr/lib/debug";
	const char *link = debuglink && strrchr(debuglink, '/') ? strrchr(debuglink, '/') + 1
								: debuglink;
	char hex[129] = "", *canon = NULL;
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n, fd, ok;

	if (!file_name || file_name[0] != '/')
		return -1; /* libdwfl would look relative to our working directory */
	if (link && !*link)
		link = NULL;
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	if (n > 0 && n <= 64)
		build_id_hex(bits, (size_t)n, hex);
	/* libdwfl tries the name with its links resolved too */
	canon = realpath(file_name, NULL);
	ok = lookup_harmless(path, file_name, link, hex) &&
	     (!canon || lookup_harmless(path, canon, link, hex));
	free(canon);
	if (!ok)
		return -1;
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, link, crc,
					  debuginfo_file_name);
	if (fd >= 0 && checked(fd, 1) < 0) {
		free(*debuginfo_file_name);
		*debuginfo_file_name = NULL;
		return -1;
	}
	return fd;
}
