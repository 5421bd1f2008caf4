#include "cprof/golayout.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <string.h>

#include "cprof/gobin.h"

/*
 * The runtime's types are top-level DIEs of one CU; a walk looks at no
 * more than this many DIEs (a crafted file must not take the recorder's
 * time: Go's own binaries have a few hundred thousand).
 */
#define MAX_DIES (1u << 22)

/* The fields read, by type and member; what each holds until the sums below. */
enum { T_G, T_M, T_GOBUF, T_STACK, NTYPES };
static const char *const type_names[NTYPES] = { "runtime.g", "runtime.m", "runtime.gobuf",
						"runtime.stack" };

struct field {
	int type;
	const char *name;
	uint32_t off;
	int found;
};

enum { F_G_STACK, F_G_M, F_G_SCHED, F_M_G0, F_M_GSIGNAL, F_M_CURG, F_BUF_SP, F_BUF_PC, F_BUF_BP, F_STACK_LO, F_STACK_HI, NFIELDS };

static const struct field fields_init[NFIELDS] = {
	[F_G_STACK] = { T_G, "stack", 0, 0 },       [F_G_M] = { T_G, "m", 0, 0 },
	[F_G_SCHED] = { T_G, "sched", 0, 0 },       [F_M_G0] = { T_M, "g0", 0, 0 },
	[F_M_GSIGNAL] = { T_M, "gsignal", 0, 0 },   [F_M_CURG] = { T_M, "curg", 0, 0 },
	[F_BUF_SP] = { T_GOBUF, "sp", 0, 0 },       [F_BUF_PC] = { T_GOBUF, "pc", 0, 0 },
	[F_BUF_BP] = { T_GOBUF, "bp", 0, 0 },       [F_STACK_LO] = { T_STACK, "lo", 0, 0 },
	[F_STACK_HI] = { T_STACK, "hi", 0, 0 },
};

/* The members of STRUCT (a DIE of type T) that FIELDS asks for. */
static void read_members(Dwarf_Die *st, int t, struct field *fields, unsigned *budget)
{
	Dwarf_Die m;
	int i;

	if (dwarf_child(st, &m))
		return;
	do {
		Dwarf_Attribute at;
		Dwarf_Word off;
		const char *name;

		if (dwarf_tag(&m) != DW_TAG_member || !(name = dwarf_diename(&m)) ||
		    !dwarf_attr(&m, DW_AT_data_member_location, &at) || dwarf_formudata(&at, &off) ||
		    off > UINT32_MAX - 8)
			continue;
		for (i = 0; i < NFIELDS; i++)
			if (fields[i].type == t && !fields[i].found && !strcmp(fields[i].name, name)) {
				fields[i].off = (uint32_t)off;
				fields[i].found = 1;
			}
	} while (--*budget && !dwarf_siblingof(&m, &m));
}

/* Find the four types among the top-level DIEs of DW's CUs. */
static int from_dwarf(Dwarf *dw, struct field *fields)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	unsigned budget = MAX_DIES, seen = 0;
	int t;

	while (seen != (1u << NTYPES) - 1 && budget &&
	       !dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) {
		Dwarf_Die cu, die;

		if (dwarf_offdie(dw, off + hsize, &cu) && !dwarf_child(&cu, &die)) {
			do {
				const char *name;

				if (dwarf_tag(&die) != DW_TAG_structure_type ||
				    !(name = dwarf_diename(&die)) || strncmp(name, "runtime.", 8))
					continue;
				for (t = 0; t < NTYPES; t++)
					if (!(seen & (1u << t)) && !strcmp(name, type_names[t])) {
						seen |= 1u << t;
						read_members(&die, t, fields, &budget);
					}
			} while (budget && --budget && !dwarf_siblingof(&die, &die));
		}
		off = next;
	}
	for (t = 0; t < NFIELDS; t++)
		if (!fields[t].found)
			return -ENOENT;
	return 0;
}

/*
 * Go's version, from .go.buildinfo as Go 1.18 and later write it: a
 * 32-byte header ("\xff Go buildinf:", pointer size, flags; flag 2: the
 * strings follow inline), then the version as a varint-prefixed string.
 */
static int go_version(Elf *elf, char *out, size_t size)
{
	static const char magic[] = "\xff Go buildinf:";
	Elf_Scn *scn = gobin_section(elf, ".go.buildinfo");
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const unsigned char *p;
	size_t len;

	if (!d || !d->d_buf || d->d_size < 33)
		return -ENOENT;
	p = d->d_buf;
	if (memcmp(p, magic, 14) || !(p[15] & 2) || p[32] >= 0x80)
		return -ENOENT;
	len = p[32];
	if (len >= size || 33 + len > d->d_size)
		return -ENOENT;
	memcpy(out, p + 33, len);
	out[len] = '\0';
	return 0;
}

/*
 * The layouts of the Go versions a binary without DWARF may come from,
 * as the DWARF of that version's binaries gives them (amd64).
 */
static const struct {
	const char *version; /* "go1.19" matches go1.19 and go1.19.N */
	struct golayout lay;
} known[] = {
	{ "go1.19", { .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched_sp = 56,
		      .g_sched_pc = 64, .g_sched_bp = 104, .m_g0 = 0, .m_gsignal = 80,
		      .m_curg = 192 } },
};

static int from_version(Elf *elf, struct golayout *out)
{
	char v[64];
	size_t i, n;

	if (go_version(elf, v, sizeof(v)))
		return -ENOENT;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		n = strlen(known[i].version);
		if (!strncmp(v, known[i].version, n) && (v[n] == '\0' || v[n] == '.')) {
			*out = known[i].lay;
			return 0;
		}
	}
	return -ENOENT;
}

/* Where runtime.systemstack_switch is, from ELF's .symtab. */
static void switch_range(Elf *elf, struct golayout *out)
{
	uint64_t value, size;

	if (gobin_symbol(elf, "runtime.systemstack_switch", &value, &size))
		return;
	out->switch_start = value;
	out->switch_end = value + (size ? size : 1);
}

static uint32_t max3(uint32_t a, uint32_t b, uint32_t c)
{
	return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

int golayout_read(Elf *elf, struct golayout *out)
{
	struct field f[NFIELDS];
	Dwarf *dw;
	int err = -ENOENT;

	memcpy(f, fields_init, sizeof(f));
	if (!gobin_is_go(elf))
		return -ENOENT;
	dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (dw) {
		err = from_dwarf(dw, f);
		dwarf_end(dw);
	}
	if (!err)
		*out = (struct golayout){
			.g_stack_lo = f[F_G_STACK].off + f[F_STACK_LO].off,
			.g_stack_hi = f[F_G_STACK].off + f[F_STACK_HI].off,
			.g_m = f[F_G_M].off,
			.g_sched_sp = f[F_G_SCHED].off + f[F_BUF_SP].off,
			.g_sched_pc = f[F_G_SCHED].off + f[F_BUF_PC].off,
			.g_sched_bp = f[F_G_SCHED].off + f[F_BUF_BP].off,
			.m_g0 = f[F_M_G0].off, .m_gsignal = f[F_M_GSIGNAL].off,
			.m_curg = f[F_M_CURG].off };
	else if ((err = from_version(elf, out)))
		return err;
	out->switch_start = out->switch_end = 0;
	switch_range(elf, out);
	out->g_size = max3(out->g_stack_hi, out->g_m, max3(out->g_sched_sp, out->g_sched_pc,
							   out->g_sched_bp)) + 8;
	out->m_size = max3(out->m_g0, out->m_gsignal, out->m_curg) + 8;
	return 0;
}

int golayout_read_file(const char *path, struct golayout *out)
{
	Elf *elf;
	int fd = gobin_open(path, &elf), err;

	if (fd < 0)
		return fd;
	err = golayout_read(elf, out);
	gobin_close(fd, elf);
	return err;
}
