#include "cprof/binsource_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof/binfile.h"
#include "cprof/elffile.h"

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
int binsource_cache_file(const char *kind, const unsigned char *id, size_t len, char *out,
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
	return binsource_cache_file("build-id", id, len, out, size);
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
int binsource_cache_copy(const unsigned char *id, size_t len, char *out, size_t size)
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
int binsource_cache_put(const char *kind, const unsigned char *id, size_t len, const char *name,
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
	err = (fill ? fill : copy_fd)(in, out);
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

/*
 * The cache's KIND/xx/rest for build-id ID, if it is what cprof put there:
 * a regular file (no link followed) of ours, 0600 or stricter, in
 * directories cache_trusted() accepts, an ELF file with build-id ID. An fd,
 * or -errno (-ESTALE: another build-id, -EPERM: not to be trusted).
 */
int binsource_cache_get(const char *kind, const unsigned char *id, size_t len)
{
	char hex[129];
	struct stat st;
	int sub, fd, err, trusted;

	if (!len || len > 64)
		return -ENOENT;
	build_id_hex(id, len, hex);
	if ((sub = cache_subdir(kind, hex, 0, &trusted)) < 0)
		return sub;
	fd = openat(sub, hex + 2, BINFILE_READ_FLAGS);
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
	if ((fd = binfile_checked(fd, 1)) < 0)
		return fd;
	if ((err = has_build_id(fd, id, len))) {
		close(fd);
		return err;
	}
	return fd;
}

