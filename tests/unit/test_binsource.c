/*
 * Unit tests of include/cprof/binsource.h: the in-root walk (the fallback
 * for kernels without openat2, so the end-to-end tests on this kernel never
 * reach it) on a small tree of files and links, the names binsource
 * refuses without opening anything, and binsource_open_data's rules.
 */
#include "unit.h"

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>

#include "cprof/binsource.h"
#include "cprof/elffile.h"

static char *dir;
static int root;

static void make(const char *name, const char *link_to)
{
	char *p = unit_path(dir, name);

	if (link_to)
		assert_int_equal(symlink(link_to, p), 0);
	else
		unit_write_file(p, "\177ELF in the root", 16);
	free(p);
}

static int setup(void **state)
{
	char *p;

	(void)state;
	dir = unit_tmpdir();
	p = unit_path(dir, "usr");
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = unit_path(dir, "usr/lib");
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	make("usr/lib/libx.so", NULL);
	make("lib", "usr/lib");              /* relative: followed inside the root */
	make("usr/lib/liby.so", "libx.so");
	make("usr/lib/libz.so", "../../lib/libx.so");
	make("abs", "/etc");                 /* absolute: the host's /etc */
	make("usr/lib/shadow", "/etc/shadow");
	make("up", "../../../../../../..");  /* climbs above the root */
	make("loop", "loop");
	p = unit_path(dir, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	free(p);
	root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown(void **state)
{
	(void)state;
	close(root);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return 0;
}

static void expect_file(const char *path)
{
	char buf[17] = "";
	int fd = binsource_open_in_root(root, path);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, 16, 0), 16);
	assert_string_equal(buf, "\177ELF in the root");
	close(fd);
}

static void test_links_inside(void **state)
{
	(void)state;
	expect_file("/usr/lib/libx.so");
	expect_file("/lib/libx.so");
	expect_file("/lib/liby.so");
	expect_file("/lib/libz.so");
	expect_file("/usr/lib/../lib/./libx.so");
	expect_file("//usr//lib/libx.so");
}

static void test_links_out(void **state)
{
	(void)state;
	assert_int_equal(binsource_open_in_root(root, "/abs/passwd"), -EXDEV);
	assert_int_equal(binsource_open_in_root(root, "/lib/shadow"), -EXDEV);
	assert_int_equal(binsource_open_in_root(root, "/up/etc/passwd"), -EXDEV);
	assert_int_equal(binsource_open_in_root(root, "/../etc/passwd"), -EXDEV);
	assert_int_equal(binsource_open_in_root(root, "/loop"), -ELOOP);
	assert_int_equal(binsource_open_in_root(root, "/usr/lib/libx.so/x"), -ENOTDIR);
	assert_int_equal(binsource_open_in_root(root, "/usr/lib/"), -EISDIR);
	assert_int_equal(binsource_open_in_root(root, "/usr/lib/none"), -ENOENT);
}

static void test_fifo_does_not_block(void **state)
{
	char *p;
	int fd;

	(void)state;
	fd = binsource_open_in_root(root, "/fifo");
	assert_true(fd >= 0);
	close(fd);
	/* binsource_open refuses it without opening: not a regular file */
	p = unit_path(dir, "fifo");
	assert_int_equal(binsource_open(p), -ENOEXEC);
	free(p);
}

static void test_refused_names(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(binsource_open("/proc/self/mem"), -EPERM);
	assert_int_equal(binsource_open("/dev/zero"), -EPERM);
	assert_int_equal(binsource_open("/sys/kernel/notes"), -EPERM);
	assert_int_equal(binsource_open("//proc/self/mem"), -EPERM);
	assert_int_equal(binsource_open("/tmp/../proc/self/mem"), -EPERM);
	assert_int_equal(binsource_open("relative"), -EPERM);
	assert_int_equal(binsource_open("/proc/1/map_files/../mem"), -EPERM);
	/* our own root: not a container, a roundabout name */
	snprintf(name, sizeof(name), "/proc/%d/root/etc/passwd", (int)getpid());
	assert_int_equal(binsource_open(name), -EPERM);
	assert_int_equal(binsource_open("/etc/passwd"), -ENOEXEC);
}

/* A jitdump is no ELF file: the same rules but the magic. */
static void test_data_file(void **state)
{
	char *p, *link;
	int fd;

	(void)state;
	p = unit_path(dir, "jit-1.dump");
	unit_write_file(p, "JiTD", 4);
	assert_int_equal(binsource_open(p), -ENOEXEC);
	fd = binsource_open_data(p);
	assert_true(fd >= 0);
	close(fd);
	link = unit_path(dir, "jit-2.dump");
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(binsource_open_data(link), -ENOEXEC);
	free(link);
	free(p);
	p = unit_path(dir, "fifo");
	assert_int_equal(binsource_open_data(p), -ENOEXEC);
	free(p);
	assert_int_equal(binsource_open_data("/proc/self/environ"), -EPERM);
	assert_int_equal(binsource_open_data("/tmp/../proc/self/environ"), -EPERM);
}

static void test_for_report(void **state)
{
	const unsigned char id[4] = { 1, 2, 3, 4 };
	char out[4400], name[64];

	(void)state;
	setenv("CPROF_CACHE_DIR", dir, 1);
	assert_int_equal(binsource_for_report("/usr/lib/libc.so.6", "", id, 4, out, sizeof(out),
					      NULL), 0);
	assert_string_equal(out, "/usr/lib/libc.so.6");
	assert_int_equal(binsource_for_report("/proc/self/mem", "", id, 4, out, sizeof(out), NULL),
			 -EPERM);
	/* a "container" whose root is ours is ignored, and so is map_files */
	snprintf(name, sizeof(name), "/proc/%d/root/etc/shadow", (int)getpid());
	assert_int_equal(binsource_for_report("/lib/x.so", name, id, 4, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "/lib/x.so");
	assert_int_equal(binsource_for_report("/proc/1/root/x", "/proc/1/map_files/1-2", id, 4, out,
					      sizeof(out), NULL), -EPERM);
}

/*
 * The build-id cache is used, read or written, only while its directories
 * and files are owned by root or us and writable by no one else.
 */
static void test_cache_ownership(void **state)
{
	char *self = realpath("/proc/self/exe", NULL), *cache = unit_path(dir, "cache");
	const unsigned char *bid;
	unsigned char id[64];
	struct elffile *ef;
	char out[4400], want[4400];
	struct stat st;
	size_t len;
	int refused = 0;

	(void)state;
	assert_non_null(self);
	assert_int_equal(elffile_open(self, &ef), 0);
	len = elffile_build_id(ef, &bid);
	if (!len || len > sizeof(id))
		skip(); /* the test binary has no build-id */
	memcpy(id, bid, len);
	elffile_free(ef);
	setenv("CPROF_CACHE_DIR", cache, 1);
	assert_int_equal(binsource_cache_path(id, len, want, sizeof(want)), 0);

	/* a world-writable cache directory is not written to */
	assert_int_equal(mkdir(cache, 0700), 0);
	assert_int_equal(chmod(cache, 0777), 0);
	assert_int_equal(binsource_store(self, id, len), -EPERM);
	assert_int_equal(lstat(want, &st), -1);

	/* ours, 0700: the copy is made and used */
	assert_int_equal(chmod(cache, 0700), 0);
	assert_int_equal(binsource_store(self, id, len), 0);
	assert_int_equal(binsource_for_report("/lib/gone.so", "/proc/1/map_files/1-2", id, len, out,
					      sizeof(out), &refused), 0);
	assert_string_equal(out, want);
	assert_int_equal(refused, 0);

	/* others may write to it now: the copy is passed over, and said to be */
	assert_int_equal(chmod(cache, 0777), 0);
	assert_int_equal(binsource_for_report("/lib/gone.so", "/proc/1/map_files/1-2", id, len, out,
					      sizeof(out), &refused), 0);
	assert_string_equal(out, "/lib/gone.so");
	assert_int_equal(refused, 1);
	assert_int_equal(chmod(cache, 0700), 0);

	/* and so is a copy others may write */
	refused = 0;
	assert_int_equal(chmod(want, 0666), 0);
	assert_int_equal(binsource_for_report("/lib/gone.so", "/proc/1/map_files/1-2", id, len, out,
					      sizeof(out), &refused), 0);
	assert_string_equal(out, "/lib/gone.so");
	assert_int_equal(refused, 1);
	free(cache);
	free(self);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links_inside),
		cmocka_unit_test(test_links_out),
		cmocka_unit_test(test_fifo_does_not_block),
		cmocka_unit_test(test_refused_names),
		cmocka_unit_test(test_for_report),
		cmocka_unit_test(test_cache_ownership),
		cmocka_unit_test(test_data_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
