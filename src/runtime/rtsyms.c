/* The dynamic symbols of a file a process maps: see include/cprof/rtsyms.h. */
#include "cprof/rtsyms.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/elffile.h"
#include "cprof/procfs.h"

struct found {
	int (*match)(const char *base);
	struct rtsyms_file *out;
	size_t n;
};

static int collect(const struct proc_map *m, void *arg)
{
	struct found *f = arg;
	const char *base = strrchr(m->path, '/');
	size_t i;

	if (!m->exec || m->path[0] != '/' || !f->match(base + 1) ||
	    strlen(m->path) >= sizeof(f->out[0].path))
		return 0;
	for (i = 0; i < f->n; i++)
		if (!strcmp(f->out[i].path, m->path))
			return 0;
	if (f->n == RTSYMS_FILES)
		return 0;
	snprintf(f->out[f->n].path, sizeof(f->out[0].path), "%s", m->path);
	f->out[f->n].start = m->start;
	f->out[f->n].end = m->end;
	f->out[f->n++].pgoff = m->pgoff;
	return 0;
}

int rtsyms_files(pid_t pid, int (*match)(const char *base), struct rtsyms_file *out, size_t *n)
{
	struct found f = { match, out, 0 };
	int err = procfs_for_each_map(pid, collect, &f);

	*n = f.n;
	return err;
}

static void each_dynsym(Elf *elf, rtsyms_fn fn, void *arg)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

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
			if (name)
				fn(name, sym.st_value, sym.st_size, arg);
		}
	}
}

int rtsyms_scan(pid_t pid, const struct rtsyms_file *m, rtsyms_fn fn, void *arg, uint64_t *bias)
{
	char host[4200];
	struct elffile *ef = NULL;
	Elf *elf = NULL;
	int fd, err;

	binsource_for_mapping(pid, m->path, m->start, m->end, host, sizeof(host));
	fd = binsource_open(host[0] ? host : m->path);
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
	each_dynsym(elf, fn, arg);
	err = elffile_fdopen(fd, &ef);
	if (!err)
		err = elffile_bias(ef, m->start, m->pgoff, bias);
out:
	elffile_free(ef);
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}
