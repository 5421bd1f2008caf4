#include "cprof/gobin.h"

#include <string.h>

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
