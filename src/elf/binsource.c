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
#include "cprof/elfinflate.h"

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

/* DIR/KIND/xx/rest-of-the-hex-id for build-id ID, into OUT. */
static int cache_file(const char *kind, const unsigned char *id, size_t len, char *out,
		      size_t size)
{
	char dir[4096], hex[129];
	int err, n;

	if (!len || len > 64)
		return -ENOENT;
	if ((err = cache_dir(dir, sizeof(dir))))
		return err;
	build_id_hex(id, len, hex);
	n = snprintf(out, size, "%s/%s/%.2s/%s", dir, kind, hex, hex + 2);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int binsource_cache_path(const unsigned char *id, size_t len, char *out, size_t size)
{
	return cache_file("build-id", id, len, out, size);
}

static int copy_out(char *out, size_t size, const char *name)
{
	if (strlen(name) >= size)
		return -ENAMETOOLONG;
	strcpy(out, name);
	return 0;
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

/* The directory NAME in PARENT (created 0700 if missing and CREATE), never through a link. */
static int subdir(int parent, const char *name, int create)
{
	int fd;

	if (create && mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Whether ST (of the cache's directory or a file in it) is owned by root or
 * by us and writable by no one else: another user who could write there
 * could plant an ELF file with the build-id looked for and its own symbols.
 */
static int cache_trusted(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == geteuid()) && !(st->st_mode & 022);
}

/* Whether the directory FD is one cache_trusted() accepts (0 if fstat fails). */
static int dir_trusted(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && cache_trusted(&st);
}

/*
 * The cache's directory KIND/xx for the build-id HEX, made 0700 when CREATE:
 * an O_PATH fd or -errno. *TRUSTED is 1 if the cache's directory, KIND and
 * xx all pass cache_trusted(), else 0 (what is in them may not be used).
 */
static int cache_subdir(const char *kind, const char *hex, int create, int *trusted)
{
	char dir[4096], two[3] = { hex[0], hex[1], '\0' };
	int top, sub, err;

	if ((err = cache_dir(dir, sizeof(dir))) || (create && (err = make_dirs(dir))))
		return err;
	top = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return -errno;
	*trusted = dir_trusted(top);
	sub = subdir(top, kind, create);
	close(top);
	if (sub < 0)
		return sub;
	*trusted = *trusted && dir_trusted(sub);
	top = sub;
	sub = subdir(top, two, create);
	close(top);
	if (sub >= 0)
		*trusted = *trusted && dir_trusted(sub);
	return sub;
}

/*
 * The build-id cache's copy of ID into OUT: 0, -ENOENT if there is none,
 * -EPERM if there is one that may not be used (a link, another file than a
 * regular one, or it or a directory above it in the cache not accepted by
 * cache_trusted()).
 */
static int cache_copy(const unsigned char *id, size_t len, char *out, size_t size)
{
	char hex[129];
	struct stat st;
	int sub, err, trusted;

	if (!len || len > 64)
		return -ENOENT;
	build_id_hex(id, len, hex);
	if ((sub = cache_subdir("build-id", hex, 0, &trusted)) < 0)
		return sub;
	if (fstatat(sub, hex + 2, &st, AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	else if (!trusted || !S_ISREG(st.st_mode) || !cache_trusted(&st))
		err = -EPERM;
	else
		err = binsource_cache_path(id, len, out, size);
	close(sub);
	return err;
}

int binsource_for_report(const char *path, const char *host_path, const unsigned char *id,
			 size_t len, char *out, size_t size, int *cache_refused)
{
	char dir[64];
	int err;

	/* a file of another root or a deleted one: only by its build-id */
	if (host_path[0] && len) {
		err = cache_copy(id, len, out, size);
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

/*
 * Put what FILL writes from the file NAME (opened by OPEN, its build-id
 * checked to be ID) at KIND/xx/rest in the cache, unless something is
 * there already: a new 0600 file, renamed into place.
 */
static int cache_put(const char *kind, const unsigned char *id, size_t len, const char *name,
		     int (*open_in)(const char *), int (*fill)(int in, int out))
{
	char hex[129], tmp[160];
	int sub, in = -1, out = -1, err = 0, trusted;
	struct stat st;

	if (!len || len > 64)
		return -ENOENT;
	build_id_hex(id, len, hex);
	if ((sub = cache_subdir(kind, hex, 1, &trusted)) < 0)
		return sub;
	if (!trusted) {
		err = -EPERM; /* another user could swap what we write */
		goto out;
	}
	if (!fstatat(sub, hex + 2, &st, AT_SYMLINK_NOFOLLOW))
		goto out; /* kept already */
	if ((in = open_in(name)) < 0) {
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
	err = fill(in, out);
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
	close(sub);
	return err;
}

int binsource_store(const char *name, const unsigned char *id, size_t len)
{
	return cache_put("build-id", id, len, name, binsource_open, copy_fd);
}

/*
 * The cache's KIND/xx/rest for build-id ID, if it is what cprof put there:
 * a regular file (no link followed) of ours, 0600 or stricter, in
 * directories cache_trusted() accepts, an ELF file with build-id ID. An fd,
 * or -errno (-ESTALE: another build-id, -EPERM: not to be trusted).
 */
static int cache_get(const char *kind, const unsigned char *id, size_t len)
{
	char hex[129];
	struct stat st;
	int sub, fd, err, trusted;

	if (!len || len > 64)
		return -ENOENT;
	build_id_hex(id, len, hex);
	if ((sub = cache_subdir(kind, hex, 0, &trusted)) < 0)
		return sub;
	fd = openat(sub, hex + 2, READ_FLAGS);
	close(sub);
	if (fd < 0)
		return -errno;
	if (!trusted) {
		close(fd);
		return -EPERM;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	if ((fd = checked(fd, 1)) < 0)
		return fd;
	if ((err = has_build_id(fd, id, len))) {
		close(fd);
		return err;
	}
	return fd;
}

/* The debug files a lookup may find: their count, the binary itself (libdwfl skips it) left out. */
struct found {
	dev_t dev;
	ino_t ino;
	int n;
};

/*
 * Whether DIR/SUB/FILE is absent or, links followed as libdwfl will, a
 * regular file; FOUND counts the regular files.
 */
static int harmless(const char *dir, const char *sub, const char *file, struct found *found)
{
	char name[2 * PATH_MAX];
	struct stat st;

	snprintf(name, sizeof(name), "%s/%s%s%s", dir, sub, *sub ? "/" : "", file);
	if (stat(name, &st) < 0)
		return 1;
	found->n += S_ISREG(st.st_mode) && (st.st_dev != found->dev || st.st_ino != found->ino);
	return S_ISREG(st.st_mode);
}

/*
 * Whether every place libdwfl's find_debuginfo_in_path and build-id lookup
 * may open for a binary in directory DIR is harmless: for each entry E of
 * the debuginfo path, "" is DIR, a relative E is DIR/E, an absolute E is
 * E/.build-id/xx/rest.debug, E itself, E/.dwz and E/ each tail of DIR.
 * FOUND counts the files there.
 */
static int search_harmless(const char *path, const char *dir, const char *file,
			   const char *bid_hex, struct found *found)
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
			ok = harmless(dir, "", file, found);
		} else if (*e != '/') {
			ok = harmless(dir, e, file, found);
		} else {
			ok = harmless(e, "", file, found) && harmless(e, ".dwz", file, found) &&
			     (!bfile[0] || harmless(e, bsub, bfile, found));
			for (s = dir; ok && s; s = strchr(s + 1, '/'))
				ok = harmless(e, s + 1, file, found);
		}
	}
	free(copy);
	return ok;
}

/* search_harmless for each name libdwfl may try for FILE_NAME (absolute), whose directory is DIR. */
static int lookup_harmless(const char *path, const char *file_name, const char *link,
			   const char *bid_hex, struct found *found)
{
	const char *base = strrchr(file_name, '/') + 1;
	char dir[PATH_MAX], debug[NAME_MAX + 8];

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - file_name), file_name);
	if (link)
		return search_harmless(path, dir, link, bid_hex, found);
	snprintf(debug, sizeof(debug), "%s.debug", base);
	return search_harmless(path, dir, debug, bid_hex, found) &&
	       search_harmless(path, dir, base, bid_hex, found);
}

/*
 * A debug file libdwfl would open, links followed: an fd of a regular ELF
 * file, or -errno. What the name leads to is looked at before it is
 * opened, so that a FIFO or device there is not opened at all.
 */
static int open_debug(const char *name)
{
	struct stat st;
	int fd;

	if (stat(name, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : checked(fd, 1);
}

/*
 * The debug file of build-id ID with its DWARF inflated, from the cache,
 * put there first if the debug file libdwfl's build-id lookup would find
 * (E/.build-id/xx/rest.debug, the first E of PATH that has one) has
 * compressed sections. An fd and its name in *NAME (malloc'd), or -errno:
 * libdwfl then reads the debug file itself, as without a cache.
 */
static int inflated_debug(const char *path, const unsigned char *id, size_t len,
			  const char *hex, char **name)
{
	char file[PATH_MAX], *copy, *p, *e;
	int fd = cache_get("inflated", id, len), err = -ENOENT;

	if (fd == -ENOENT) {
		if (!(copy = p = strdup(path)))
			return -ENOMEM;
		while (err == -ENOENT && (e = strsep(&p, ":"))) {
			e += *e == '+' || *e == '-';
			if (*e != '/' || snprintf(file, sizeof(file), "%s/.build-id/%.2s/%s.debug", e,
						  hex, hex + 2) >= (int)sizeof(file))
				continue;
			if ((fd = open_debug(file)) == -ENOENT)
				continue;
			err = fd < 0 ? fd : elfinflate_needed(fd) == 1 ? 0 : -ENOTSUP;
			if (fd >= 0)
				close(fd);
		}
		free(copy);
		if (!err)
			err = cache_put("inflated", id, len, file, open_debug, elfinflate_copy);
		fd = err ? err : cache_get("inflated", id, len);
	}
	if (fd >= 0 && (cache_file("inflated", id, len, file, sizeof(file)) ||
			!(*name = strdup(file)))) {
		close(fd);
		fd = -ENOMEM;
	}
	return fd;
}

/*
 * Whether LINK is the dwz file named by the .gnu_debugaltlink of MOD's own
 * ELF file: libdwfl's lookup of the file shared by the DWARF of MOD's main
 * file, which has another build-id than MOD.
 */
static int main_altlink(Dwfl_Module *mod, const char *link)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".gnu_debugaltlink"))
			continue;
		d = elf_getdata(scn, NULL);
		return d && d->d_buf && strnlen(d->d_buf, d->d_size) < d->d_size &&
		       !strcmp(d->d_buf, link);
	}
	return 0;
}

/* Whether a debuginfod server is configured: libdwfl's last resort, which else finds nothing. */
static int debuginfod_urls(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	return urls && urls[strspn(urls, " \t")];
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
	Dwarf_Addr dwbias = 0;
	struct found found = { 0 };
	struct stat st;
	int n, fd, ok, alt;

	if (!file_name || file_name[0] != '/')
		return -1; /* libdwfl would look relative to our working directory */
	if (link && !*link)
		link = NULL;
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	if (n > 0 && n <= 64)
		build_id_hex(bits, (size_t)n, hex);
	if (!stat(file_name, &st)) {
		found.dev = st.st_dev;
		found.ino = st.st_ino;
	}
	/* libdwfl tries the name with its links resolved too */
	canon = realpath(file_name, NULL);
	ok = lookup_harmless(path, file_name, link, hex, &found) &&
	     (!canon || lookup_harmless(path, canon, link, hex, &found));
	free(canon);
	if (!ok)
		return -1;
	/* a debug file known already, or the main file's altlink: the lookup is for a dwz file */
	dwfl_module_info(mod, NULL, NULL, NULL, &dwbias, NULL, NULL, NULL);
	alt = dwbias != (Dwarf_Addr)-1 || (debuglink && main_altlink(mod, debuglink));
	if (!alt && found.n && hex[0] &&
	    (fd = inflated_debug(path, bits, (size_t)n, hex, debuginfo_file_name)) >= 0)
		return fd;
	/* nothing to find here, and no server: skip libdwfl's loading of libdebuginfod (~20 libraries) */
	if (!alt && !found.n && !debuginfod_urls()) {
		errno = 0;
		return -1;
	}
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, link, crc,
					  debuginfo_file_name);
	if (fd >= 0 && checked(fd, 1) < 0) {
		free(*debuginfo_file_name);
		*debuginfo_file_name = NULL;
		return -1;
	}
	return fd;
}
