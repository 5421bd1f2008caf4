#include "cprof/bidcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int bidcache_path(const unsigned char *id, size_t len, char *out, size_t size)
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

/* mkdir -p of the directories leading to PATH. */
static int make_parents(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int err = -errno;

			*p = '/';
			return err;
		}
		*p = '/';
	}
	return 0;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (n > 0) {
			ssize_t k = write(out, p, n);

			if (k < 0)
				return -errno;
			p += k;
			n -= k;
		}
	}
	return n < 0 ? -errno : 0;
}

int bidcache_store(const char *src, const unsigned char *id, size_t len)
{
	char dst[4400], tmp[4500];
	int in = -1, out = -1, err;

	if ((err = bidcache_path(id, len, dst, sizeof(dst))))
		return err;
	if (access(dst, R_OK) == 0)
		return 0;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if ((err = make_parents(dst)))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", dst, (int)getpid());
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		goto out;
	}
	err = copy_fd(in, out);
	if (close(out) < 0 && !err)
		err = -errno;
	out = -1;
	/* rename: a reader never sees half a file */
	if (!err && rename(tmp, dst) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
out:
	close(in);
	return err;
}
