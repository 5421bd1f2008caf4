/*
 * pystack PID: the Python stack of each thread of the running CPython PID,
 * read from its memory by cpython.h, innermost frame first:
 *
 *   python 3.11 /usr/bin/python3.11
 *   thread TID
 *     QUALNAME FILE:LINE
 *
 * A test tool (python_read.sh). Exit codes: 0 read, 1 an error, 3 a python
 * cprof does not read (the line names its version), 4 no python in PID.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/cpython.h"
#include "cprof/util.h"

#define DEPTH 256

int main(int argc, char **argv)
{
	static struct cpython_thread threads[CPYTHON_THREADS_MAX];
	static struct cpython_frame frames[DEPTH];
	struct cpython_probe probe;
	struct cpython *py;
	uint64_t pid;
	size_t nthreads, i, j, n;
	int err;

	if (argc != 2 || parse_u64(argv[1], 1, INT32_MAX, &pid)) {
		fprintf(stderr, "usage: pystack PID\n");
		return 1;
	}
	err = cpython_probe((pid_t)pid, &probe);
	if (err == -EPROTONOSUPPORT) {
		printf("pystack: python %u.%u (%s) is not a version cprof reads\n", probe.major,
		       probe.minor, probe.path);
		return 3;
	}
	if (err == -ENOENT) {
		printf("pystack: no python in process %u\n", (unsigned)pid);
		return 4;
	}
	if (!err)
		err = cpython_new((pid_t)pid, &py);
	if (err) {
		fprintf(stderr, "pystack: %s\n", strerror(-err));
		return 1;
	}
	printf("python %u.%u %s\n", probe.major, probe.minor, probe.path);
	err = cpython_threads(py, threads, CPYTHON_THREADS_MAX, &nthreads);
	if (err) {
		fprintf(stderr, "pystack: threads: %s\n", strerror(-err));
		cpython_free(py);
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		printf("thread %u\n", threads[i].native_tid);
		err = cpython_stack(py, (pid_t)threads[i].native_tid, frames, DEPTH, &n);
		if (err)
			printf("  error %s\n", strerror(-err));
		for (j = 0; j < n; j++) {
			struct cpython_code code;
			uint32_t line = 0;
			int e = cpython_code(py, frames[j].code, &code);

			if (!e)
				e = cpython_line(py, frames[j].code, frames[j].lasti, &line);
			if (e && e != -ENOENT) {
				printf("  ? %s\n", strerror(-e));
				continue;
			}
			code.qualname[str_printable(code.qualname, strlen(code.qualname))] = '\0';
			code.filename[str_printable(code.filename, strlen(code.filename))] = '\0';
			printf("  %s %s:%u\n", code.qualname, code.filename, line);
		}
	}
	cpython_free(py);
	return 0;
}
