#include "cprof/pyframes.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

struct pycode {
	uint32_t qualname, filename; /* in strs */
	uint32_t firstlineno;
};

struct pycodes {
	struct strtab *strs;
	struct pairmap *ids;     /* code id -> index in codes */
	struct pycode *codes;
	size_t ncodes, capcodes;
};

/* CPython's evaluation loop, as 3.8 to 3.13 name it. */
static const char *const eval_names[] = {
	"_PyEval_EvalFrameDefault",
};

enum pyframes_role pyframes_role(const struct profile_frame *f)
{
	size_t i;

	if (f->kind == FRAME_JIT)
		return !strncmp(f->name, "py::", 4) ? PYROLE_TRAMPOLINE : PYROLE_OTHER;
	if (f->kind != FRAME_USER && f->kind != FRAME_INLINED)
		return PYROLE_OTHER;
	for (i = 0; i < sizeof(eval_names) / sizeof(eval_names[0]); i++)
		if (!strcmp(f->name, eval_names[i]))
			return PYROLE_EVAL;
	return PYROLE_OTHER;
}

enum pyframes_fit pyframes_merge(const uint32_t *native, const uint8_t *role, size_t n,
				 const uint32_t *py, const uint8_t *entry, size_t np,
				 uint32_t *out, uint8_t *outrole, size_t *nout)
{
	size_t i, j = 0, k = 0, evals = 0, runs = 0, m = 0, first = SIZE_MAX, last = 0;

	for (i = 0; i < n; i++)
		evals += role[i] == PYROLE_EVAL;
	for (i = 0; i < np; i++)
		runs += entry[i] || i == 0;
	if (!evals) {
		for (; j < np; j++)
			out[m] = py[j], outrole[m++] = PYROLE_PYTHON;
	}
	for (i = 0; i < n; i++) {
		if (role[i] == PYROLE_TRAMPOLINE)
			continue;
		if (role[i] != PYROLE_EVAL || j == np) {
			out[m] = native[i], outrole[m++] = role[i];
			continue;
		}
		/* the K'th loop frame: the K'th run, or every run left for the innermost */
		k++;
		do
			out[m] = py[j++], outrole[m++] = PYROLE_PYTHON;
		while (j < np && (k == evals || !entry[j]));
	}
	for (i = 0; i < m; i++)
		if (outrole[i] == PYROLE_PYTHON) {
			first = first == SIZE_MAX ? i : first;
			last = i;
		}
	/* the interpreter's frames between two Python frames: its call machinery */
	for (i = 0, *nout = 0; i < m; i++)
		if (outrole[i] != PYROLE_INTERP || first == SIZE_MAX || i < first || i > last)
			out[(*nout)++] = out[i];
	return !evals ? PYFIT_NO_EVAL : evals != runs ? PYFIT_MISMATCH : PYFIT_MATCH;
}

int pycodes_new(struct pycodes **out)
{
	struct pycodes *pc = calloc(1, sizeof(*pc));

	*out = NULL;
	if (!pc)
		return -ENOMEM;
	if (strtab_new(&pc->strs) || pairmap_new(&pc->ids)) {
		pycodes_free(pc);
		return -ENOMEM;
	}
	*out = pc;
	return 0;
}

void pycodes_free(struct pycodes *pc)
{
	if (!pc)
		return;
	strtab_free(pc->strs);
	pairmap_free(pc->ids);
	free(pc->codes);
	free(pc);
}

int pycodes_add(struct pycodes *pc, const struct df_pycode *c)
{
	struct pycode code = { .firstlineno = c->firstlineno };
	uint64_t idx;

	if (strtab_intern(pc->strs, c->qualname, strlen(c->qualname), &code.qualname) ||
	    strtab_intern(pc->strs, c->filename, strlen(c->filename), &code.filename))
		return -ENOMEM;
	if (pairmap_get(pc->ids, c->id, 0, &idx)) {
		pc->codes[idx] = code;
		return 0;
	}
	if (array_reserve(&pc->codes, &pc->capcodes, pc->ncodes + 1, sizeof(*pc->codes)) ||
	    pairmap_put(pc->ids, c->id, 0, pc->ncodes))
		return -ENOMEM;
	pc->codes[pc->ncodes++] = code;
	return 0;
}

void pycodes_clear(struct pycodes *pc)
{
	pairmap_clear(pc->ids);
	pc->ncodes = 0;
}

void pycodes_frame(const struct pycodes *pc, uint32_t id, uint32_t line, struct profile_frame *f)
{
	uint64_t idx;

	*f = (struct profile_frame){ .name = "[python]", .module = PROFILE_NONE,
				     .kind = FRAME_PYTHON };
	if (!id || !pairmap_get(pc->ids, id, 0, &idx))
		return;
	f->name = strtab_str(pc->strs, pc->codes[idx].qualname);
	f->file = strtab_str(pc->strs, pc->codes[idx].filename);
	f->line = line;
	f->start_line = pc->codes[idx].firstlineno;
	f->symbolized = 1;
}
