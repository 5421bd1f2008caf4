/*
 * Unit tests of safefile_open_regular() (include/cprof/safefile.h): a
 * regular file is opened; a link, a FIFO, a directory are refused without
 * being opened (a FIFO opened for reading with no writer would block this
 * test until its timeout).
 */
#include "unit.h"

#include <errno.h>
#include <sys/stat.h>

#include "cprof/safefile.h"

static void test_open_regular(void **state)
{
	char *dir = unit_tmpdir(), *file = unit_path(dir, "map"), *link = unit_path(dir, "link");
	char *fifo = unit_path(dir, "fifo"), buf[8] = { 0 };
	int fd;

	(void)state;
	unit_write_file(file, "7f00 10 f\n", 10);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	fd = safefile_open_regular(file);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, 4), 4);
	assert_memory_equal(buf, "7f00", 4);
	close(fd);
	assert_int_equal(safefile_open_regular(link), -ELOOP);
	assert_int_equal(safefile_open_regular(fifo), -ENXIO);
	assert_int_equal(safefile_open_regular(dir), -ENXIO);
	assert_int_equal(safefile_open_regular("/nonexistent/cprof"), -ENOENT);
	unlink(fifo);
	unlink(link);
	unlink(file);
	rmdir(dir);
	free(fifo);
	free(link);
	free(file);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_regular),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
