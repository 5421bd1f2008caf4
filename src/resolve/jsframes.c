/* JavaScript frames of a recorded chain: see include/cprof/jsframes.h. */
#include "cprof/jsframes.h"

#include <string.h>

int jsframes_replaces(const struct profile_frame *f)
{
	if (f->kind == FRAME_JIT || f->kind == FRAME_KERNEL || f->kind == FRAME_PYTHON)
		return 0;
	return !f->symbolized || !strncmp(f->name, "Builtins_", 9);
}

void jsframes_as_code(const struct df_jsfunc *f, struct df_pycode *out)
{
	*out = (struct df_pycode){ .pid = f->pid, .id = f->id, .firstlineno = f->line,
				   .qualname = f->name, .filename = f->file };
}

void jsframes_fix(struct profile_frame *f)
{
	if (!f->symbolized)
		f->name = "[js]";
	if (f->file && !f->file[0])
		f->file = NULL;
	f->kind = FRAME_JIT;
}
