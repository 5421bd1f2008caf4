#include "cprof/trampoline.h"

#include <errno.h>
#include <string.h>

int tramp_decode(const uint8_t *code, size_t len, struct tramp_template *out)
{
	size_t i = 0;

	if (!len || len > TRAMP_MAX)
		return -ENOEXEC;
	memset(out, 0, sizeof(*out));
	memcpy(out->code, code, len);
	out->len = len;
	for (;;) {
		if (i < len && code[i] == 0x55) { /* push %rbp */
			out->frame += 8;
			out->saves_rbp = out->frame == 8;
			i += 1;
		} else if (i + 3 <= len && code[i] == 0x48 && code[i + 1] == 0x89 &&
			   code[i + 2] == 0xe5) { /* mov %rsp,%rbp */
			i += 3;
		} else if (i + 4 <= len && code[i] == 0x48 && code[i + 1] == 0x83 &&
			   code[i + 2] == 0xec) { /* sub $imm8,%rsp */
			out->frame += code[i + 3];
			i += 4;
		} else if (i + 4 <= len && code[i] == 0xf3 && code[i + 1] == 0x0f &&
			   code[i + 2] == 0x1e && code[i + 3] == 0xfa) { /* endbr64 */
			i += 4;
		} else {
			break;
		}
	}
	/* call *%reg: ff /2 with a register operand (mod 11), REX.B allowed */
	if (i < len && code[i] == 0x41)
		i++;
	if (i + 2 > len || code[i] != 0xff || (code[i + 1] & 0xf8) != 0xd0)
		return -ENOEXEC;
	out->ret_off = i + 2;
	/* the caller's return address must sit 8-aligned above what was pushed */
	if (out->frame % 8 || out->frame > 4096)
		return -ENOEXEC;
	return 0;
}

/* File bytes of vaddr [START, START + LEN) of ELF, through its sections. */
static int read_vaddr(Elf *elf, uint64_t start, size_t len, uint8_t *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    start < sh.sh_addr || start - sh.sh_addr + len > sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || start - sh.sh_addr + len > d->d_size)
			return -ENOENT;
		memcpy(out, (const uint8_t *)d->d_buf + (start - sh.sh_addr), len);
		return 0;
	}
	return -ENOENT;
}

/* Values of the symbols NAME_START and NAME_END in the symbol table SCN. */
static int find_pair(Elf *elf, Elf_Scn *scn, uint64_t *start, uint64_t *end)
{
	GElf_Shdr sh;
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i, n;
	int got = 0;

	if (!d || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return 0;
	n = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < n && got != 3; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(d, (int)i, &sym) || !sym.st_name)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || strncmp(name, "_Py_trampoline_func_", 20))
			continue;
		if (!strcmp(name + 20, "start")) {
			*start = sym.st_value;
			got |= 1;
		} else if (!strcmp(name + 20, "end")) {
			*end = sym.st_value;
			got |= 2;
		}
	}
	return got == 3;
}

int tramp_from_elf(Elf *elf, struct tramp_template *out)
{
	uint8_t code[TRAMP_MAX];
	uint64_t start = 0, end = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int found = 0;

	while (!found && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			found = find_pair(elf, scn, &start, &end);
	if (!found || end <= start || end - start > TRAMP_MAX)
		return -ENOENT;
	if (read_vaddr(elf, start, end - start, code))
		return -ENOENT;
	return tramp_decode(code, end - start, out);
}

int tramp_is_copy(const struct tramp_template *t, const uint8_t *code)
{
	return t->len && !memcmp(t->code, code, t->len);
}
