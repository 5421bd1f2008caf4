/*
 * Shared by the unit tests that make ELF images by hand: the header of an
 * x86-64 little-endian ELF64 file of TYPE, its tables' offsets and counts
 * left to the caller.
 */
#ifndef CPROF_UNITELF_H
#define CPROF_UNITELF_H

#include <elf.h>
#include <string.h>

static inline void unit_ehdr(Elf64_Ehdr *eh, Elf64_Half type)
{
	memset(eh, 0, sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = type;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	eh->e_shentsize = sizeof(Elf64_Shdr);
}

#endif
