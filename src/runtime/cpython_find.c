/*
 * Finding a process's CPython (cpython_probe, cpython_new of
 * include/cprof/cpython.h): among the files it maps named python* or
 * libpython*, the one whose dynamic symbols hold _PyRuntime; its version
 * from Py_Version (3.11+) in memory, else from the file's name
 * (python3.9, libpython3.8.so.1.0, libpython3.7m.so).
 */
#include "cprof/cpython.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/elffile.h"
#include "cprof/procfs.h"
#include "cprof/procmem.h"

#define CANDIDATES 4             /* python files of one process looked into */

struct cand {
	char path[1024];
	uint64_t start, end, pgoff;
	int lib;                 /* libpython: looked into first */
};

struct cands {
	struct cand c[CANDIDATES];
	size_t n;
};

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

static int is_python_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "python", 6) || !strncmp(base, "libpython", 9);
}

static int collect(const struct proc_map *m, void *arg)
{
	struct cands *cs = arg;
	struct cand *c;
	size_t i;

	if (!m->exec || m->path[0] != '/' || !is_python_name(m->path) ||
	    strlen(m->path) >= sizeof(cs->c[0].path))
		return 0;
	for (i = 0; i < cs->n; i++)
		if (!strcmp(cs->c[i].path, m->path))
			return 0;
	if (cs->n == CANDIDATES)
		return 0;
	c = &cs->c[cs->n++];
	strcpy(c->path, m->path);
	c->start = m->start;
	c->end = m->end;
	c->pgoff = m->pgoff;
	c->lib = strstr(m->path, "/libpython") != NULL;
	return 0;
}

/* The values of _PyRuntime and Py_Version in the dynamic symbols of ELF (0 if absent). */
static int dynsyms(Elf *elf, uint64_t *runtime, uint64_t *version)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	*runtime = *version = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; d && i < n && i < INT32_MAX; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym) || !sym.st_name || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			if (!strcmp(name, "_PyRuntime"))
				*runtime = sym.st_value;
			else if (!strcmp(name, "Py_Version"))
				*version = sym.st_value;
		}
	}
	return *runtime ? 0 : -ENOENT;
}

/* Look into candidate C of PID: _PyRuntime's and Py_Version's addresses in the process. */
static int look_into(pid_t pid, const struct cand *c, uint64_t *runtime, uint64_t *version)
{
	char host[4200];
	struct elffile *ef = NULL;
	Elf *elf = NULL;
	uint64_t bias;
	int fd, err;

	binsource_for_mapping(pid, c->path, c->start, c->end, host, sizeof(host));
	fd = binsource_open(host[0] ? host : c->path);
	if (fd < 0)
		return fd;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	err = -ENOEXEC;
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		goto out;
	err = -EPROTONOSUPPORT;
	if (gelf_getclass(elf) != ELFCLASS64)
		goto out;
	err = dynsyms(elf, runtime, version);
	if (!err)
		err = elffile_fdopen(fd, &ef);
	if (!err)
		err = elffile_bias(ef, c->start, c->pgoff, &bias);
	if (!err) {
		*runtime += bias;
		if (*version)
			*version += bias;
	}
out:
	elffile_free(ef);
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

int cpython_probe(pid_t pid, struct cpython_probe *p)
{
	struct cands cs = { .n = 0 };
	uint64_t runtime = 0, version = 0;
	size_t i, pass;
	int err, found = 0;

	memset(p, 0, sizeof(*p));
	err = procfs_for_each_map(pid, collect, &cs);
	if (err)
		return err;
	if (!cs.n)
		return -ENOENT;
	/* libpython first: a python linked with it holds no _PyRuntime of its own */
	for (pass = 0; pass < 2 && !found; pass++)
		for (i = 0; i < cs.n && !found; i++)
			if (cs.c[i].lib == !pass && !look_into(pid, &cs.c[i], &runtime, &version)) {
				found = 1;
				snprintf(p->path, sizeof(p->path), "%s", cs.c[i].path);
				version_of_name(cs.c[i].path, &p->major, &p->minor);
			}
	if (!found) {
		/* a python without _PyRuntime (2.7, 3.6): its name tells which */
		snprintf(p->path, sizeof(p->path), "%s", cs.c[0].path);
		version_of_name(cs.c[0].path, &p->major, &p->minor);
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
