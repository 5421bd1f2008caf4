/*
 * Finding a process's CPython (cpython_probe, cpython_new of
 * include/cprof/cpython.h): among the files it maps named python* or
 * libpython*, the one whose dynamic symbols hold _PyRuntime; its version
 * from Py_Version (3.11+) in memory, else from the file's name
 * (python3.9, libpython3.8.so.1.0, libpython3.7m.so).
 */
#include "cprof/cpython.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/procmem.h"
#include "cprof/rtsyms.h"

_Static_assert(sizeof(((struct cpython_probe *)0)->path) == sizeof(((struct rtsyms_file *)0)->path),
	       "a probe holds a file's path whole");

/* MAJOR.MINOR from a python file's name, 0 if it has none. */
static void version_of_name(const char *path, unsigned *major, unsigned *minor)
{
	const char *base = strrchr(path, '/');
	unsigned a, b;

	base = base ? base + 1 : path;
	if (!strncmp(base, "lib", 3))
		base += 3;
	if (sscanf(base, "python%u.%u", &a, &b) == 2 && a < 100 && b < 1000) {
		*major = a;
		*minor = b;
	}
}

static int is_python_name(const char *base)
{
	return !strncmp(base, "python", 6) || !strncmp(base, "libpython", 9);
}

/* An rtsyms_fn: _PyRuntime's and Py_Version's values into ARG[0], ARG[1]. */
static void find_runtime(const char *name, uint64_t value, uint64_t size, void *arg)
{
	uint64_t *found = arg;

	(void)size;
	if (!strcmp(name, "_PyRuntime"))
		found[0] = value;
	else if (!strcmp(name, "Py_Version"))
		found[1] = value;
}

/* Look into candidate C of PID: _PyRuntime's and Py_Version's addresses in the process. */
static int look_into(pid_t pid, const struct rtsyms_file *c, uint64_t *runtime,
		     uint64_t *version)
{
	uint64_t found[2] = { 0, 0 }, bias = 0;
	int err = rtsyms_scan(pid, c, find_runtime, found, &bias);

	if (!err && !found[0])
		err = -ENOENT;
	if (err)
		return err;
	*runtime = found[0] + bias;
	*version = found[1] ? found[1] + bias : 0;
	return 0;
}

int cpython_supported(unsigned major, unsigned minor)
{
	return major == 3 && minor >= 8 && minor <= 13;
}

int cpython_probe(pid_t pid, struct cpython_probe *p)
{
	struct rtsyms_file cs[RTSYMS_FILES];
	uint64_t runtime = 0, version = 0;
	size_t i, pass, n;
	int err, found = 0;

	memset(p, 0, sizeof(*p));
	err = rtsyms_files(pid, is_python_name, cs, &n);
	if (err)
		return err;
	if (!n)
		return -ENOENT;
	/* libpython first: a python linked with it holds no _PyRuntime of its own */
	for (pass = 0; pass < 2 && !found; pass++)
		for (i = 0; i < n && !found; i++)
			if ((strstr(cs[i].path, "/libpython") != NULL) == !pass &&
			    !look_into(pid, &cs[i], &runtime, &version)) {
				found = 1;
				memcpy(p->path, cs[i].path, sizeof(p->path)); /* NUL-terminated */
				version_of_name(cs[i].path, &p->major, &p->minor);
			}
	if (!found) {
		/* a python without _PyRuntime (2.7, 3.6): its name tells which */
		memcpy(p->path, cs[0].path, sizeof(p->path));
		version_of_name(cs[0].path, &p->major, &p->minor);
		return p->major ? -EPROTONOSUPPORT : -ENOENT;
	}
	p->runtime = runtime;
	if (version) {
		struct procmem *m;
		uint64_t hex;

		err = procmem_new(pid, &m);
		if (err)
			return err;
		err = procmem_read_ptr(m, version, &hex);
		procmem_free(m);
		if (err)
			return err;
		p->major = (unsigned)(hex >> 24) & 0xff;
		p->minor = (unsigned)(hex >> 16) & 0xff;
		p->micro = (unsigned)(hex >> 8) & 0xff;
	}
	return cpython_supported(p->major, p->minor) ? 0 : -EPROTONOSUPPORT;
}
