#include "cprof/gobin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cprof/binsource.h"

Elf_Scn *gobin_section(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *s;

		if (gelf_getshdr(scn, &sh) && (s = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(s, name))
			return scn;
	}
	return NULL;
}

int gobin_is_go(Elf *elf)
{
	return gobin_section(elf, ".go.buildinfo") != NULL;
}

int gobin_is_go_symbol(const char *name)
{
	return !strcmp(name, "runtime.buildVersion");
}

size_t gobin_name_len(const char *name, size_t len)
{
	static const char *const suffixes[] = { ".abi0", ".abiinternal" };
	size_t i, n;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		n = strlen(suffixes[i]);
		if (len > n && !memcmp(name + len - n, suffixes[i], n))
			return len - n;
	}
	return len;
}

int gobin_symbol(Elf *elf, const char *name, uint64_t *value, uint64_t *size)
{
	size_t want = strlen(name);
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		/* one pass, bounded by the table's size */
		n = sh.sh_size / sh.sh_entsize;
		for (i = 1; i < n; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(d, (int)i, &sym) ||
			    !(s = elf_strptr(elf, sh.sh_link, sym.st_name)) ||
			    gobin_name_len(s, strlen(s)) != want || memcmp(s, name, want))
				continue;
			*value = sym.st_value;
			*size = sym.st_size;
			return 0;
		}
	}
	return -ENOENT;
}

int gobin_open(const char *path, Elf **elf)
{
	int fd = binsource_open(path);

	if (fd < 0)
		return fd;
	elf_version(EV_CURRENT);
	if (!(*elf = elf_begin(fd, ELF_C_READ_MMAP, NULL))) {
		close(fd);
		return -ENOEXEC;
	}
	return fd;
}

void gobin_close(int fd, Elf *elf)
{
	elf_end(elf);
	close(fd);
}

int gobin_file_is_go(const char *path)
{
	Elf *elf;
	int fd = gobin_open(path, &elf), go;

	if (fd < 0)
		return fd;
	go = gobin_is_go(elf);
	gobin_close(fd, elf);
	return go;
}

int gobin_pid_is_go(pid_t pid)
{
	char link[64], path[PATH_MAX], host[PATH_MAX + 64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return -ENOENT;
	path[n] = '\0';
	/* in a container its path is in its root; a deleted file is not read */
	binsource_for_mapping(pid, path, 0, 0, host, sizeof(host));
	return gobin_file_is_go(host[0] ? host : path);
}
