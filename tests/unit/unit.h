/*
 * Shared by the unit tests: cmocka's include order, and scratch files in a
 * private temporary directory that the test removes when it is done.
 */
#ifndef CPROF_UNIT_H
#define CPROF_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); the caller frees the name. */
static inline char *unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (!base || !*base)
		base = "/tmp";
	assert_true(asprintf(&dir, "%s/cprof-unit-XXXXXX", base) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* DIR/NAME into a new string the caller frees. */
static inline char *unit_path(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static inline void unit_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* The whole of PATH in a malloc'ed buffer (NUL-terminated for convenience). */
static inline unsigned char *unit_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	data[n] = '\0';
	*len = (size_t)n;
	return data;
}

/* Remove the files in DIR (the tests keep it flat), DIR itself, and free it. */
static inline void unit_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_int_equal(unlinkat(dirfd(d), de->d_name, 0), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

#endif
