#include "cprof/vdso.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cprof/procfs.h"

struct vdso_range {
	uint64_t start, end;
};

static int find_vdso(const struct proc_map *m, void *arg)
{
	struct vdso_range *r = arg;

	if (strcmp(m->path, "[vdso]"))
		return 0;
	r->start = m->start;
	r->end = m->end;
	return 1;
}

int vdso_open(int *fd, char *path, size_t size)
{
	struct vdso_range r = { 0, 0 };
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	int err;

	if (!base)
		return -ENOENT;
	err = procfs_for_each_map(getpid(), find_vdso, &r);
	if (err < 0)
		return err;
	if (r.start != base || r.end <= r.start)
		return -ENOENT;
	*fd = memfd_create("cprof-vdso", MFD_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (write(*fd, (const void *)(uintptr_t)base, r.end - r.start) != (ssize_t)(r.end - r.start)) {
		close(*fd);
		*fd = -1;
		return -EIO;
	}
	snprintf(path, size, "/proc/self/fd/%d", *fd);
	return 0;
}
