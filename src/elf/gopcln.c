#include "cprof/gopcln.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/gobin.h"

/*
 * The pclntab, as Go's linker lays it out (runtime/symtab.go): a header
 * (magic, pad, pad, pc quantum, pointer size, the function and file
 * counts, Go 1.18 on the text start, then the offsets of five tables from
 * the header), the function names, the CUs' file indexes, the file names,
 * the pc-value tables, and the function table: nfunc + 1 (entry, offset of
 * the function's _func) pairs sorted by entry, the last one the end of
 * text. A _func holds offsets of its pc-file and pc-line tables in the
 * pc-value tables, its pcdata (more pc-value tables) and its funcdata
 * (pointers, or from 1.18 on offsets from the go:func.* symbol), of which
 * FUNCDATA_InlTree is the function's inline tree.
 */
enum gover { V116, V118, V120 };

#define PCDATA_INLTREE 2
#define FUNCDATA_INLTREE 3
#define MAX_REGIONS 64
#define MAX_INLTREE (1u << 20) /* entries of one inline tree, as the runtime's own view of it */

/* An allocated section of the file: where its bytes are and at which vaddr. */
struct region {
	uint64_t vaddr;
	const unsigned char *data;
	size_t size;
};

struct gopcln {
	enum gover ver;
	unsigned ptr;            /* pointer size, 4 or 8 */
	unsigned quantum;        /* the pc quantum (1 on amd64) */
	const unsigned char *tab;/* the pclntab, SIZE bytes, at vaddr TAB_VADDR */
	size_t size;
	uint64_t tab_vaddr;
	uint64_t text;           /* what 1.18+ entries are offsets from */
	uint64_t nfunc;
	uint64_t funcname, cu, filetab, pctab, pcln; /* the tables' offsets in tab */
	uint64_t gofunc;         /* 1.18+: what funcdata offsets are from; 0 unknown */
	struct region regions[MAX_REGIONS];
	size_t nregions;
};

/* A function's _func, as far as it is read. */
struct fn {
	uint64_t off, hdr;       /* where its _func starts in tab, the bytes before its pcdata */
	uint64_t entry, end;
	uint32_t nameoff, pcsp, pcfile, pcln, npcdata, cuoff;
	int32_t start_line;      /* 1.20+, else 0 */
	uint8_t nfuncdata;
};

static uint32_t le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4); /* little-endian: checked in gopcln_new */
	return v;
}

static uint64_t leptr(const struct gopcln *g, const unsigned char *p)
{
	uint64_t v = 0;

	memcpy(&v, p, g->ptr);
	return v;
}

/* The LEN bytes at OFF of the table, or NULL when they are not all in it. */
static const unsigned char *at(const struct gopcln *g, uint64_t off, uint64_t len)
{
	if (off > g->size || len > g->size - off)
		return NULL;
	return g->tab + off;
}

/* The LEN bytes at VADDR of one allocated section of the file, or NULL. */
static const unsigned char *mem(const struct gopcln *g, uint64_t vaddr, uint64_t len)
{
	size_t i;

	for (i = 0; i < g->nregions; i++) {
		const struct region *r = &g->regions[i];

		if (vaddr >= r->vaddr && vaddr - r->vaddr <= r->size &&
		    len <= r->size - (vaddr - r->vaddr))
			return r->data + (vaddr - r->vaddr);
	}
	return NULL;
}

/* The NUL-terminated string at OFF of the table, or NULL if it runs off its end. */
static const char *str(const struct gopcln *g, uint64_t off)
{
	if (off >= g->size || !memchr(g->tab + off, '\0', g->size - off))
		return NULL;
	return (const char *)g->tab + off;
}

/* Go's unsigned varint (at most 5 bytes for 32 bits) at *POS, which it moves past it. */
static int varint(const struct gopcln *g, uint64_t *pos, uint32_t *out)
{
	uint32_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 35; shift += 7) {
		unsigned char b;

		if (*pos >= g->size)
			return -ENOENT;
		b = g->tab[(*pos)++];
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -ENOENT;
}

/* Entry I of the function table: the function's entry and its _func's offset in tab. */
static int ftab(const struct gopcln *g, uint64_t i, uint64_t *entry, uint64_t *funcoff)
{
	uint64_t esize = g->ver == V116 ? 2 * g->ptr : 8;
	const unsigned char *p = at(g, g->pcln + i * esize, esize);

	if (!p)
		return -ENOENT;
	if (g->ver == V116) {
		*entry = leptr(g, p);
		*funcoff = leptr(g, p + g->ptr);
	} else {
		*entry = g->text + le32(p);
		*funcoff = le32(p + 4);
	}
	return 0;
}

/* The function holding ADDR: the last entry at or before it, binary searched. */
static int find_func(const struct gopcln *g, uint64_t addr, struct fn *f)
{
	uint64_t lo = 0, hi = g->nfunc, e, fo, b;
	const unsigned char *p;

	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (ftab(g, mid, &e, &fo))
			return -ENOENT;
		if (e <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (!g->nfunc || ftab(g, lo, &f->entry, &fo) || ftab(g, lo + 1, &f->end, &e) ||
	    addr < f->entry || addr >= f->end)
		return -ENOENT;
	f->off = g->pcln + fo;
	f->hdr = g->ver == V116 ? g->ptr + 36 : g->ver == V118 ? 40 : 44;
	if (fo > g->size || !(p = at(g, f->off, f->hdr)))
		return -ENOENT;
	b = g->ver == V116 ? g->ptr : 4; /* where nameoff is; the fields follow it */
	f->nameoff = le32(p + b);
	f->pcsp = le32(p + b + 12);
	f->pcfile = le32(p + b + 16);
	f->pcln = le32(p + b + 20);
	f->npcdata = le32(p + b + 24);
	f->cuoff = le32(p + b + 28);
	f->start_line = g->ver == V120 ? (int32_t)le32(p + 36) : 0;
	f->nfuncdata = p[f->hdr - 1];
	return 0;
}

/*
 * The value at TARGET of the pc-value table at OFF of the pc-value tables
 * (Go's pcvalue): from -1 at the entry, pairs of a zig-zag value delta and
 * a pc delta in quanta, ended by a zero value delta after the first pair.
 * Each pair takes at least two bytes, so the walk ends within the table.
 */
static int pcvalue(const struct gopcln *g, const struct fn *f, uint32_t off, uint64_t target,
		   int32_t *val)
{
	uint64_t pos = g->pctab + off, pc = f->entry;
	uint32_t v = (uint32_t)-1, uv, pd;

	if (!off)
		return -ENOENT;
	for (;;) {
		if (pos >= g->size || (g->tab[pos] == 0 && pc != f->entry))
			return -ENOENT;
		if (varint(g, &pos, &uv) || varint(g, &pos, &pd))
			return -ENOENT;
		v += -(uv & 1) ^ (uv >> 1);
		pc += (uint64_t)pd * g->quantum;
		if (target < pc) {
			*val = (int32_t)v;
			return 0;
		}
		if (pc >= f->end)
			return -ENOENT;
	}
}

/* F's pcdata table I at PC. */
static int pcdata(const struct gopcln *g, const struct fn *f, uint32_t i, uint64_t pc,
		  int32_t *val)
{
	const unsigned char *p;

	if (i >= f->npcdata || !(p = at(g, f->off + f->hdr + 4ull * i, 4)))
		return -ENOENT;
	return pcvalue(g, f, le32(p), pc, val);
}

/* The vaddr F's funcdata I points at. */
static int funcdata(const struct gopcln *g, const struct fn *f, unsigned i, uint64_t *vaddr)
{
	uint64_t base = f->off + f->hdr + 4ull * f->npcdata;
	const unsigned char *p;

	if (i >= f->nfuncdata || f->npcdata > g->size)
		return -ENOENT;
	if (g->ver == V116) {
		/* pointers, aligned in memory as the runtime reads them */
		if (g->ptr == 8 && ((g->tab_vaddr + base) & 4))
			base += 4;
		if (!(p = at(g, base + (uint64_t)i * g->ptr, g->ptr)) || !(*vaddr = leptr(g, p)))
			return -ENOENT;
		return 0;
	}
	if (!g->gofunc || !(p = at(g, base + 4ull * i, 4)) || le32(p) == UINT32_MAX)
		return -ENOENT;
	*vaddr = g->gofunc + le32(p);
	return 0;
}

/* The file and line F is at at PC into FR (left unknown when a table says nothing). */
static void position(const struct gopcln *g, const struct fn *f, uint64_t pc,
		     struct dwarfloc_frame *fr)
{
	const unsigned char *p;
	int32_t fileno, line;

	if (pcvalue(g, f, f->pcfile, pc, &fileno) || fileno < 0 ||
	    pcvalue(g, f, f->pcln, pc, &line) || line <= 0)
		return;
	p = at(g, g->cu + 4 * ((uint64_t)f->cuoff + (uint32_t)fileno), 4);
	if (!p || le32(p) == UINT32_MAX || !(fr->file = str(g, g->filetab + le32(p))))
		return;
	fr->line = line;
}

/* A call of the inline tree at TREE: its name, where in the caller it is, its start line. */
struct inlcall {
	const char *name;
	int32_t parent_pc, start_line;
};

static int inl_call(const struct gopcln *g, uint64_t tree, int32_t ix, struct inlcall *c)
{
	uint64_t size = g->ver == V120 ? 16 : 20;
	const unsigned char *p;
	int32_t name;

	if (ix < 0 || (uint32_t)ix >= MAX_INLTREE || !(p = mem(g, tree + size * (uint32_t)ix, size)))
		return -ENOENT;
	/* 1.20: funcID, pad, nameOff, parentPc, startLine; before: parent, funcID, pad, file, line, func_, parentPc */
	name = (int32_t)le32(p + (g->ver == V120 ? 4 : 12));
	c->parent_pc = (int32_t)le32(p + (g->ver == V120 ? 8 : 16));
	c->start_line = g->ver == V120 ? (int32_t)le32(p + 12) : 0;
	c->name = name >= 0 ? str(g, g->funcname + (uint32_t)name) : NULL;
	return 0;
}

size_t gopcln_at(struct gopcln *g, uint64_t addr, int flags, struct dwarfloc_frame *out,
		 size_t max)
{
	struct dwarfloc_frame in[DWARFLOC_MAX]; /* innermost first; in[n] the function's */
	uint64_t tree = 0, pc = addr;
	size_t n = 0, k = 1;
	int has_tree;
	struct fn f;

	out[0] = (struct dwarfloc_frame){ 0 };
	if (!max || find_func(g, addr, &f))
		return 1;
	has_tree = !funcdata(g, &f, FUNCDATA_INLTREE, &tree);
	/* as Go's traceback: the call at PC, then the caller's at the call's parentPc */
	for (;;) {
		struct inlcall c;
		int32_t ix;

		in[n] = (struct dwarfloc_frame){ 0 };
		if (flags & DWARFLOC_LINES)
			position(g, &f, pc, &in[n]);
		if (n + 1 >= DWARFLOC_MAX || !has_tree || pcdata(g, &f, PCDATA_INLTREE, pc, &ix) ||
		    inl_call(g, tree, ix, &c))
			break;
		in[n].name = c.name;
		in[n].decl_line = c.start_line > 0 ? (uint32_t)c.start_line : 0;
		n++;
		if (c.parent_pc < 0 || (uint64_t)c.parent_pc >= f.end - f.entry) {
			in[n] = (struct dwarfloc_frame){ 0 };
			break;
		}
		pc = f.entry + (uint32_t)c.parent_pc;
	}
	out[0] = in[n];
	out[0].name = NULL;
	out[0].decl_line = (flags & DWARFLOC_LINES) && f.start_line > 0 ? (uint32_t)f.start_line : 0;
	while ((flags & DWARFLOC_INLINES) && n && k < max) {
		out[k] = in[--n];
		if (!(flags & DWARFLOC_LINES))
			out[k].decl_line = 0;
		k++;
	}
	return k;
}

int gopcln_func(struct gopcln *g, uint64_t addr, uint64_t *entry, uint64_t *end)
{
	struct fn f;

	if (find_func(g, addr, &f))
		return -ENOENT;
	*entry = f.entry;
	*end = f.end;
	return 0;
}

int gopcln_spdelta(struct gopcln *g, uint64_t addr, int32_t *delta)
{
	struct fn f;

	if (find_func(g, addr, &f) || pcvalue(g, &f, f.pcsp, addr, delta) || *delta < 0)
		return -ENOENT;
	return 0;
}

const char *gopcln_name(struct gopcln *g, uint64_t addr)
{
	struct fn f;

	return find_func(g, addr, &f) ? NULL : str(g, g->funcname + f.nameoff);
}

int gopcln_find_name(struct gopcln *g, const char *name, size_t len, uint64_t *entry)
{
	uint64_t i, fo, e;
	const unsigned char *p;
	const char *s;

	/* one pass over the function table, bounded by its checked size */
	for (i = 0; i < g->nfunc; i++) {
		if (ftab(g, i, &e, &fo) || fo > g->size || !(p = at(g, g->pcln + fo, 12)))
			continue;
		s = str(g, g->funcname + le32(p + (g->ver == V116 ? g->ptr : 4)));
		if (s && !strncmp(s, name, len) && s[len] == '\0') {
			*entry = e;
			return 0;
		}
	}
	return -ENOENT;
}

const unsigned char *gopcln_bytes(const struct gopcln *g, uint64_t vaddr, size_t len)
{
	return mem(g, vaddr, len);
}

/* The allocated sections with bytes in the file, for reads by vaddr. */
static void read_regions(Elf *elf, struct gopcln *g)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)) && g->nregions < MAX_REGIONS) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		g->regions[g->nregions++] = (struct region){ sh.sh_addr, d->d_buf, d->d_size };
	}
}

/* Where the pclntab is: its section (.gopclntab, PIE's .data.rel.ro.gopclntab), else its symbol. */
static int find_table(Elf *elf, struct gopcln *g)
{
	static const char *const names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	uint64_t v, size;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		Elf_Scn *scn = gobin_section(elf, names[i]);
		GElf_Shdr sh;

		if (scn && gelf_getshdr(scn, &sh) && sh.sh_type != SHT_NOBITS &&
		    (g->tab = mem(g, sh.sh_addr, sh.sh_size))) {
			g->tab_vaddr = sh.sh_addr;
			g->size = sh.sh_size;
			return 0;
		}
	}
	if (gobin_symbol(elf, "runtime.pclntab", &v, &size))
		return -ENOENT;
	for (i = 0; i < g->nregions; i++)
		if (v >= g->regions[i].vaddr && v - g->regions[i].vaddr < g->regions[i].size) {
			g->tab_vaddr = v;
			g->size = g->regions[i].size - (v - g->regions[i].vaddr);
			g->tab = g->regions[i].data + (v - g->regions[i].vaddr);
			return 0;
		}
	return -ENOENT;
}

/* The header: the version by its magic, then the counts and the tables' offsets. */
static int read_header(Elf *elf, struct gopcln *g)
{
	const unsigned char *p = g->tab;
	uint64_t offs[5], esize, v, size;
	unsigned i, first;

	if (g->size < 8)
		return -ENOENT;
	switch (le32(p)) {
	case 0xfffffffa: g->ver = V116; break;
	case 0xfffffff0: g->ver = V118; break;
	case 0xfffffff1: g->ver = V120; break;
	default: return -ENOENT;
	}
	g->quantum = p[6];
	g->ptr = p[7];
	if (p[4] || p[5] || (g->ptr != 4 && g->ptr != 8) || !g->quantum || g->quantum > 4 ||
	    g->size < 8 + 8ull * g->ptr)
		return -ENOENT;
	g->nfunc = leptr(g, p + 8);
	first = g->ver == V116 ? 2 : 3;
	for (i = 0; i < 5; i++)
		if ((offs[i] = leptr(g, p + 8 + (first + i) * g->ptr)) >= g->size)
			return -ENOENT;
	g->funcname = offs[0];
	g->cu = offs[1];
	g->filetab = offs[2];
	g->pctab = offs[3];
	g->pcln = offs[4];
	esize = g->ver == V116 ? 2 * g->ptr : 8;
	if (g->nfunc >= g->size / esize || !at(g, g->pcln, (g->nfunc + 1) * esize))
		return -ENOENT;
	if (g->ver != V116) {
		/* a PIE's is relocated at load and may read 0 in the file: the text symbol's then */
		g->text = leptr(g, p + 8 + 2 * g->ptr);
		if (!g->text && gobin_symbol(elf, "runtime.text", &g->text, &size))
			return -ENOENT;
		if (!gobin_symbol(elf, "go:func.*", &v, &size) ||
		    !gobin_symbol(elf, "go.func.*", &v, &size))
			g->gofunc = v;
	}
	return 0;
}

int gopcln_new(Elf *elf, struct gopcln **out)
{
	struct gopcln *g;
	GElf_Ehdr eh;
	int err;

	if (!elf || !gelf_getehdr(elf, &eh) || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return -ENOENT;
	if (!(g = calloc(1, sizeof(*g))))
		return -ENOMEM;
	read_regions(elf, g);
	if ((err = find_table(elf, g)) || (err = read_header(elf, g))) {
		free(g);
		return err;
	}
	*out = g;
	return 0;
}

void gopcln_free(struct gopcln *g)
{
	free(g);
}
