#include "cprof/jitcfi.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Sections of an image: the null one, then these, then their names. */
enum { SEC_TEXT = 1, SEC_HDR, SEC_EH, SEC_STRTAB, NSECS };

/* Their names, at the offsets the section headers give. */
static const char names[] = "\0.text\0.eh_frame_hdr\0.eh_frame\0.shstrtab";
enum { NAME_TEXT = 1, NAME_HDR = 7, NAME_EH = 21, NAME_STRTAB = 31 };

#define ALIGN8(x) (((x) + 7) & ~(uint64_t)7)

static Elf64_Shdr section(uint32_t name, uint32_t type, uint64_t flags, uint64_t addr,
			  uint64_t off, uint64_t size, uint64_t align)
{
	return (Elf64_Shdr){ .sh_name = name, .sh_type = type, .sh_flags = flags, .sh_addr = addr,
			     .sh_offset = off, .sh_size = size, .sh_addralign = align };
}

int jitcfi_image(const struct jitdump_load *load, uint8_t **image, size_t *len)
{
	/* file: ehdr, phdr, .eh_frame, .eh_frame_hdr, names, section headers */
	size_t eh_off = ALIGN8(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr)), hdr_off, str_off, sh_off, n;
	uint64_t eh_addr, hdr_addr;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Shdr sh[NSECS] = { 0 };
	uint8_t *p;

	if (!load->unwind || !load->eh_frame_size || !load->hdr_size)
		return -EINVAL;
	if (load->size > JITCFI_CODE_MAX ||
	    load->eh_frame_size > JITCFI_UNWIND_MAX || load->hdr_size > JITCFI_UNWIND_MAX)
		return -EFBIG;
	eh_addr = ALIGN8(load->size);
	hdr_addr = eh_addr + load->eh_frame_size;
	hdr_off = eh_off + load->eh_frame_size;
	str_off = hdr_off + load->hdr_size;
	sh_off = ALIGN8(str_off + sizeof(names));
	n = sh_off + sizeof(sh);
	p = calloc(1, n);
	if (!p)
		return -ENOMEM;

	eh = (Elf64_Ehdr){ .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
					EV_CURRENT },
			   .e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			   .e_phoff = sizeof(eh), .e_shoff = sh_off, .e_ehsize = sizeof(eh),
			   .e_phentsize = sizeof(ph), .e_phnum = 1, .e_shentsize = sizeof(Elf64_Shdr),
			   .e_shnum = NSECS, .e_shstrndx = SEC_STRTAB };
	/* the code's address range; its bytes are not in the image */
	ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
			   .p_memsz = hdr_addr + load->hdr_size, .p_align = 1 };
	/* the header before the table: libdw uses a header it has met already */
	sh[SEC_TEXT] = section(NAME_TEXT, SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR, 0, eh_off,
			       load->size, 16);
	sh[SEC_HDR] = section(NAME_HDR, SHT_PROGBITS, SHF_ALLOC, hdr_addr, hdr_off,
			      load->hdr_size, 4);
	sh[SEC_EH] = section(NAME_EH, SHT_PROGBITS, SHF_ALLOC, eh_addr, eh_off,
			     load->eh_frame_size, 8);
	sh[SEC_STRTAB] = section(NAME_STRTAB, SHT_STRTAB, 0, 0, str_off, sizeof(names), 1);

	memcpy(p, &eh, sizeof(eh));
	memcpy(p + sizeof(eh), &ph, sizeof(ph));
	memcpy(p + eh_off, load->unwind, load->eh_frame_size + load->hdr_size);
	memcpy(p + str_off, names, sizeof(names));
	memcpy(p + sh_off, sh, sizeof(sh));
	*image = p;
	*len = n;
	return 0;
}
