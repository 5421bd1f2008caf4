#include "cprof/elfpages.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Whether [START, END) is one mapping of all of FILE, from offset 0 (/proc/self/maps). */
static int maps_file(uintptr_t start, uintptr_t end, const struct stat *file)
{
	unsigned long long lo, hi, off, ino;
	unsigned maj, min;
	char *line = NULL, *e;
	size_t cap = 0;
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) > 0) {
		if (strtoull(line, &e, 16) != start || *e != '-')
			continue; /* most lines: the one number read */
		found = sscanf(line, "%llx-%llx %*4s %llx %x:%x %llu", &lo, &hi, &off, &maj, &min,
			       &ino) == 6 &&
			hi == end && !off && ino == file->st_ino && makedev(maj, min) == file->st_dev;
		break;
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * Give back the pages of libelf's mapping of ELF, read from FILE. The
 * mapping is private and never written (libdwfl relocates only ET_REL
 * files, libelf converts nothing of a native file), so a page read again
 * is the file's; MADV_RANDOM then maps only the page read. Nothing is done
 * unless /proc/self/maps shows the whole file mapped where the ELF header
 * is (libelf may have read the file into memory instead).
 */
static void release_pages(Elf *elf, const struct stat *file)
{
	Elf64_Ehdr *eh = elf && gelf_getclass(elf) == ELFCLASS64 ? elf64_getehdr(elf) : NULL;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)eh, len;

	if (!eh || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) || start % page ||
	    eh->e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB
										 : ELFDATA2MSB))
		return;
	len = ((uintptr_t)file->st_size + page - 1) & ~(page - 1);
	if (!maps_file(start, start + len, file))
		return;
	madvise(eh, len, MADV_DONTNEED);
	madvise(eh, len, MADV_RANDOM);
}

void elfpages_release(Dwfl_Module *mod, const struct stat *file, Elf *elf)
{
	const char *debug = NULL;
	Dwarf_Addr bias;
	struct stat st;

	if (!elf)
		return;
	if (elf == dwfl_module_getelf(mod, &bias)) {
		release_pages(elf, file);
		return;
	}
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, &debug);
	if (debug && !stat(debug, &st))
		release_pages(elf, &st);
}

void elfpages_release_symbols(Dwfl_Module *mod, const struct stat *file)
{
	Dwarf_Addr bias;
	Elf *main = dwfl_module_getelf(mod, &bias), *sym = NULL;
	GElf_Sym s;
	GElf_Word shndx;

	if (dwfl_module_getsymtab(mod) > 1)
		dwfl_module_getsym_info(mod, 1, &s, &bias, &shndx, &sym, &bias);
	elfpages_release(mod, file, main);
	if (sym && sym != main)
		elfpages_release(mod, file, sym);
}
