#include "cprof/stoptab.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>

#include "cprof/util.h"

static int entry_cmp(const void *a, const void *b)
{
	const struct stoptab_entry *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void stoptab_build(struct stoptab *t, Dwfl_Module *mod, uint64_t bias)
{
	int n = dwfl_module_getsymtab(mod), i;
	size_t cap = 0;

	t->built = 1;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);
		enum root_kind kind;

		if (!name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || !addr ||
		    (kind = root_kind(name)) == ROOT_NONE)
			continue;
		if (array_reserve(&t->e, &cap, t->n + 1, sizeof(*t->e)))
			break;
		t->e[t->n++] = (struct stoptab_entry){ addr - bias,
						       addr - bias + (sym.st_size ? sym.st_size : 1),
						       kind, root_jump(name) };
	}
	if (t->n) /* qsort of an empty, NULL array is undefined */
		qsort(t->e, t->n, sizeof(*t->e), entry_cmp);
}

void stoptab_release(struct stoptab *t)
{
	free(t->e);
	*t = (struct stoptab){ 0 };
}

static uint64_t entry_start(const void *e)
{
	return ((const struct stoptab_entry *)e)->start;
}

const struct stoptab_entry *stoptab_find(const struct stoptab *t, uint64_t vaddr)
{
	size_t lo = upper_bound_u64(t->e, t->n, sizeof(t->e[0]), vaddr, entry_start);

	return lo && vaddr < t->e[lo - 1].end ? &t->e[lo - 1] : NULL;
}
