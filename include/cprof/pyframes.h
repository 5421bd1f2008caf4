/*
 * Python frames of a recorded chain (DF_CONTEXT_PYTHON, datafile.h): the
 * code objects' names the recorder sent (DF_PYCODE), and the rule that puts
 * the Python frames where the interpreter ran them in the native stack.
 *
 * The rule: each run of CPython's evaluation loop is one native frame
 * (_PyEval_EvalFrameDefault) and, in the Python stack, the frames from one
 * marked "entry" inwards to the next one (3.8-3.10: one frame each; 3.11+
 * several). Runs are matched from the root: the K'th loop frame is
 * replaced by the K'th run; when the Python stack has more runs than the
 * native one (it was read after the sample, or the native unwind stopped
 * early), the innermost loop frame takes them all; loop frames left over
 * stay. Without any loop frame the Python frames stand at the root. When
 * a chain has Python frames, CPython's perf-trampoline frames (-X perf)
 * are dropped: the interpreter's memory is the one source of its names;
 * and the interpreter's own frames between two Python frames (its call
 * machinery: call_function, _PyObject_Vectorcall...) are folded away, a C
 * extension's (another module's) kept.
 */
#ifndef CPROF_PYFRAMES_H
#define CPROF_PYFRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/datafile.h"
#include "cprof/profile.h"

/* What a native frame is to the rule. */
enum pyframes_role {
	PYROLE_OTHER,
	PYROLE_EVAL,             /* a run of the evaluation loop: replaced */
	PYROLE_TRAMPOLINE,       /* a perf trampoline of CPython ("py::NAME:FILE"): dropped */
	PYROLE_INTERP,           /* the interpreter's (the loop's module): dropped between two
				    Python frames */
	PYROLE_PYTHON,           /* a Python frame (in OUT's roles only) */
};

/* The role of frame F. */
enum pyframes_role pyframes_role(const struct profile_frame *f);

/* How a Python stack stood in its native one. */
enum pyframes_fit {
	PYFIT_NONE,              /* no Python frames */
	PYFIT_MATCH,             /* as many loop frames in the native stack as runs in the Python one */
	PYFIT_MISMATCH,          /* another number: the Python stack was read after it moved on,
				    or the native unwind stopped early */
	PYFIT_NO_EVAL,           /* no loop frame: the Python frames stand at the root */
};

/* Samples with Python frames, by how they stood (the report's --stats). */
struct pyframes_stats {
	uint64_t stacks;         /* samples with Python frames */
	uint64_t mismatched;     /* PYFIT_MISMATCH */
	uint64_t no_eval;        /* PYFIT_NO_EVAL */
};

/*
 * Merge the N native frames NATIVE (root first, ROLE[i] each) with the NP
 * Python frames PY (root first; ENTRY[j] when frame j begins a run) into
 * OUT (room for N + NP), their count into *NOUT; OUTROLE (room for N + NP)
 * is scratch. Returns how the Python stack stood.
 */
enum pyframes_fit pyframes_merge(const uint32_t *native, const uint8_t *role, size_t n,
				 const uint32_t *py, const uint8_t *entry, size_t np,
				 uint32_t *out, uint8_t *outrole, size_t *nout);

struct pycodes;

int pycodes_new(struct pycodes **out);
void pycodes_free(struct pycodes *pc);
/* Keep what names C (strings copied); a later record of the same id replaces it. */
int pycodes_add(struct pycodes *pc, const struct df_pycode *c);
/* Forget every code object (another recording begins). */
void pycodes_clear(struct pycodes *pc);

/*
 * Frame F (name, file, start line; kind FRAME_PYTHON) of the code object
 * ID at LINE; its strings borrowed until the next pycodes_add/clear/free.
 * An id never sent gives "[python]". F->location is left to the caller.
 */
void pycodes_frame(const struct pycodes *pc, uint32_t id, uint32_t line,
		   struct profile_frame *f);

#endif
