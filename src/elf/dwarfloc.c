#include "cprof/dwarfloc.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cprof/elfpages.h"
#include "cprof/util.h"

/* A compile unit's address range, for producers that write no .debug_aranges (Go). */
struct curange {
	uint64_t start, end;
	Dwarf_Die cu;
};

/* A function's address range in a CU, from one walk of the CU's top-level DIEs. */
struct cufn {
	uint64_t start, end;
	Dwarf_Die die;
};

struct cufns {
	struct cufn *fns;        /* sorted by start */
	size_t n;
};

struct dwarfloc {
	Dwfl_Module *mod;
	struct stat file;        /* of MOD's main file */
	struct curange *cus;     /* sorted by start; built on the first address aranges miss */
	size_t ncus;
	int cus_built;
	int dwarf_released;      /* the pages read for the DWARF's CU table given back */
	struct pairmap *cu_fns;  /* CU offset -> index in cfs + 1 */
	struct cufns *cfs;
	size_t ncfs, capcfs;
};

int dwarfloc_new(Dwfl_Module *mod, const struct stat *file, struct dwarfloc **out)
{
	struct dwarfloc *d = calloc(1, sizeof(*d));

	if (!d || pairmap_new(&d->cu_fns)) {
		free(d);
		return -ENOMEM;
	}
	d->mod = mod;
	d->file = *file;
	*out = d;
	return 0;
}

void dwarfloc_free(struct dwarfloc *d)
{
	size_t i;

	if (!d)
		return;
	free(d->cus);
	pairmap_free(d->cu_fns);
	for (i = 0; i < d->ncfs; i++)
		free(d->cfs[i].fns);
	free(d->cfs);
	free(d);
}

/* The best name of a DWARF function DIE: its linkage name, else its name. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (!name)
		name = dwarf_diename(die);
	return name;
}

/* The call site of inlined-subroutine DIE, as F's position. */
static void call_site(Dwarf_Die *cu, Dwarf_Die *die, struct dwarfloc_frame *f)
{
	Dwarf_Attribute attr;
	Dwarf_Word file = 0, line = 0;
	Dwarf_Files *files;
	size_t nfiles;
	const char *name = NULL;

	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &file) == 0 &&
	    dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &line) == 0 &&
	    dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && file < nfiles)
		name = dwarf_filesrc(files, file, NULL, NULL);
	f->file = name;
	f->line = (int)line;
}

/* F's position: the line table's row for ADDR (a DWARF address) in CU. */
static void addr_line(Dwarf_Die *cu, uint64_t addr, struct dwarfloc_frame *f)
{
	Dwarf_Line *l = dwarf_getsrc_die(cu, addr);
	int line = 0;

	if (!l || dwarf_lineno(l, &line))
		return;
	f->file = dwarf_linesrc(l, NULL, NULL);
	f->line = line;
}

static int curange_cmp(const void *a, const void *b)
{
	const struct curange *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static uint64_t curange_start(const void *r)
{
	return ((const struct curange *)r)->start;
}

/*
 * The CUs' own ranges (DW_AT_ranges, low_pc/high_pc) of D's DWARF, for
 * producers such as Go that write no .debug_aranges (libdw then finds no
 * CU for any address).
 */
static int index_cus(struct dwarfloc *d, Dwarf *dw)
{
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Half version;
	uint8_t type;
	Dwarf_Die die;
	size_t cap = 0;

	while (dwarf_get_units(dw, cu, &next, &version, &type, &die, NULL) == 0) {
		Dwarf_Addr base, start, end;
		ptrdiff_t off = 0;

		cu = next;
		while ((off = dwarf_ranges(&die, off, &base, &start, &end)) > 0) {
			if (start >= end)
				continue;
			if (array_reserve(&d->cus, &cap, d->ncus + 1, sizeof(*d->cus)))
				return -ENOMEM;
			d->cus[d->ncus++] = (struct curange){ start, end, die };
		}
	}
	if (d->ncus) /* qsort of an empty, NULL array is undefined */
		qsort(d->cus, d->ncus, sizeof(*d->cus), curange_cmp);
	return 0;
}

/*
 * The CU of ADDR and the bias of its DWARF: aranges, else D's CU range
 * index. libdwfl's aranges answer with the CU before a gap too (node's
 * V8 code, which has no DWARF, "is" in libuv's CUs): a CU must hold ADDR.
 */
static Dwarf_Die *addr_cu(struct dwarfloc *d, uint64_t addr, Dwarf_Addr *bias, Dwarf_Die *mem)
{
	Dwarf_Die *cu = dwfl_module_addrdie(d->mod, addr, bias);
	Dwarf *dw;
	size_t i;

	if (!d->dwarf_released) {
		/* the CU table is read now: the pages of every CU header */
		d->dwarf_released = 1;
		if ((dw = dwfl_module_getdwarf(d->mod, bias)))
			elfpages_release(d->mod, &d->file, dwarf_getelf(dw));
	}
	if (cu && dwarf_haspc(cu, addr - *bias) > 0)
		return cu;
	if (!(dw = dwfl_module_getdwarf(d->mod, bias)))
		return NULL;
	if (!d->cus_built) {
		d->cus_built = 1;
		if (index_cus(d, dw))
			d->ncus = 0;
		elfpages_release(d->mod, &d->file, dwarf_getelf(dw));
	}
	i = upper_bound_u64(d->cus, d->ncus, sizeof(*d->cus), addr - *bias, curange_start);
	if (!i || addr - *bias >= d->cus[i - 1].end)
		return NULL;
	*mem = d->cus[i - 1].cu;
	return mem;
}

static uint32_t decl_line(Dwarf_Die *die)
{
	int line = 0;

	return die && dwarf_decl_line(die, &line) == 0 && line > 0 ? (uint32_t)line : 0;
}

static int cufn_cmp(const void *a, const void *b)
{
	const struct cufn *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static uint64_t cufn_start(const void *fn)
{
	return ((const struct cufn *)fn)->start;
}

/* The functions with code among PARENT's children, through namespaces and classes. */
static int collect_fns(struct cufns *c, size_t *cap, Dwarf_Die *parent)
{
	Dwarf_Die child;
	int err = 0;

	if (dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child);
		Dwarf_Addr base, start, end;
		ptrdiff_t off = 0;

		if (tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
		    tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_module)
			err = collect_fns(c, cap, &child);
		else if (tag == DW_TAG_subprogram)
			while (!err && (off = dwarf_ranges(&child, off, &base, &start, &end)) > 0) {
				if (start >= end)
					continue;
				if (array_reserve(&c->fns, cap, c->n + 1, sizeof(*c->fns)))
					return -ENOMEM;
				c->fns[c->n++] = (struct cufn){ start, end, child };
			}
	} while (!err && dwarf_siblingof(&child, &child) == 0);
	return err;
}

/*
 * The function DIE of CU that holds PC (a DWARF address): from CU's
 * function index, built on its first use, so that an address costs a
 * binary search and a walk of one function, not of its whole CU.
 */
static Dwarf_Die *cu_function(struct dwarfloc *d, Dwarf_Die *cu, uint64_t pc)
{
	uint64_t off = dwarf_dieoffset(cu), v;
	struct cufns *c;
	size_t i;

	if (!pairmap_get(d->cu_fns, off, 0, &v)) {
		size_t cap = 0;

		if (array_reserve(&d->cfs, &d->capcfs, d->ncfs + 1, sizeof(*d->cfs)))
			return NULL;
		c = &d->cfs[d->ncfs];
		*c = (struct cufns){ 0 };
		if (collect_fns(c, &cap, cu))
			c->n = 0;
		if (c->n) /* qsort of an empty, NULL array is undefined */
			qsort(c->fns, c->n, sizeof(*c->fns), cufn_cmp);
		v = ++d->ncfs;
		if (pairmap_put(d->cu_fns, off, 0, v))
			return NULL;
	}
	c = &d->cfs[v - 1];
	i = upper_bound_u64(c->fns, c->n, sizeof(*c->fns), pc, cufn_start);
	return i && pc < c->fns[i - 1].end ? &c->fns[i - 1].die : NULL;
}

/*
 * The inlined calls at PC in function FN, outermost first, into INL (up
 * to MAX): down the scopes (blocks, inlined calls) that hold PC.
 */
static int inline_chain(Dwarf_Die *fn, uint64_t pc, Dwarf_Die *inl, int max)
{
	Dwarf_Die cur = *fn, child;
	int m = 0, found = 1;

	while (found && m < max) {
		found = 0;
		if (dwarf_child(&cur, &child) != 0)
			break;
		do {
			int tag = dwarf_tag(&child);

			if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
			     tag == DW_TAG_try_block || tag == DW_TAG_catch_block) &&
			    dwarf_haspc(&child, pc) > 0) {
				if (tag == DW_TAG_inlined_subroutine)
					inl[m++] = child;
				cur = child;
				found = 1;
			}
		} while (!found && dwarf_siblingof(&child, &child) == 0);
	}
	return m;
}

size_t dwarfloc_at(struct dwarfloc *d, uint64_t addr, int flags, struct dwarfloc_frame *out,
		   size_t max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die cumem, *cu = addr_cu(d, addr, &bias, &cumem);
	Dwarf_Die *scopes = NULL, *inl[DWARFLOC_MAX], chain[DWARFLOC_MAX];
	Dwarf_Die *fn = cu ? cu_function(d, cu, addr - bias) : NULL;
	size_t j, k;
	int i, nscopes, m = 0;

	if (fn) {
		m = inline_chain(fn, addr - bias, chain, DWARFLOC_MAX);
		for (i = 0; i < m; i++)
			inl[i] = &chain[i];
	} else if (cu) {
		/* not in the index (code in an imported unit, say): libdw's walk of the CU */
		nscopes = dwarf_getscopes(cu, addr - bias, &scopes);
		/* innermost first, up to the concrete function */
		for (i = 0; i < nscopes && m < DWARFLOC_MAX; i++) {
			int tag = dwarf_tag(&scopes[i]);

			if (tag == DW_TAG_subprogram) {
				fn = &scopes[i];
				break;
			}
			if (tag == DW_TAG_inlined_subroutine)
				inl[m++] = &scopes[i];
		}
		for (i = 0; i < m / 2; i++) { /* outermost first */
			Dwarf_Die *t = inl[i];

			inl[i] = inl[m - 1 - i];
			inl[m - 1 - i] = t;
		}
	}
	/* frame j > 0 is the inlined call inl[j - 1] */
	k = flags & DWARFLOC_INLINES ? 1 + (size_t)m : 1;
	if (k > max)
		k = max;
	for (j = 0; j < k; j++)
		out[j] = (struct dwarfloc_frame){ .name = j ? die_name(inl[j - 1]) : NULL };
	if (flags & DWARFLOC_LINES) {
		/* position in frame j: call site of the frame it inlines next */
		out[0].decl_line = decl_line(fn);
		for (j = 1; j < k; j++)
			out[j].decl_line = decl_line(inl[j - 1]);
		for (j = 0; j + 1 < k; j++)
			call_site(cu, inl[j], &out[j]);
		if (k == 1 && m > 0)
			call_site(cu, inl[0], &out[0]);
		else if (cu)
			addr_line(cu, addr - bias, &out[k - 1]);
	}
	free(scopes);
	return k;
}
