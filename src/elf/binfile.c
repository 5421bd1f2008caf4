/* A target's file descriptor checked (binfile.h). */
#include "cprof/binfile.h"

#include <elf.h>
#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

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

int binfile_checked(int fd, int elf)
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

