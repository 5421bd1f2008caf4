/*
 * JavaScript frames of a recorded chain (DF_CONTEXT_JS, datafile.h): the
 * functions the recorder named from V8's memory (DF_JSFUNC), and the rule
 * that says which native frame such a name replaces.
 *
 * The rule: a JavaScript name stands in place of the native frame it was
 * read for when that frame names no function of its own ("[anon]",
 * "[unknown]", "[node]": JIT code without a perf map, a stripped binary)
 * or is one of V8's builtins ("Builtins_InterpreterEntryTrampoline", a
 * bytecode handler: the interpreter running that function). A frame a
 * perf map or jitdump named keeps that name (it says the tier, the line
 * and column), and so does any other native function: the recorder's read
 * is checked, but a native function is never hidden on its word.
 */
#ifndef CPROF_JSFRAMES_H
#define CPROF_JSFRAMES_H

#include <stdint.h>

#include "cprof/datafile.h"
#include "cprof/profile.h"

/* Whether a JavaScript name replaces the native frame F (the rule above). */
int jsframes_replaces(const struct profile_frame *f);

/*
 * The function record F as a DF_PYCODE record (the same fields) into *OUT,
 * whose strings are F's: the namer keeps JavaScript functions in a table
 * of their own of pyframes.h's kind.
 */
void jsframes_as_code(const struct df_jsfunc *f, struct df_pycode *out);

/*
 * Frame *F, as pycodes_frame() made it for a JavaScript function, made a
 * JavaScript one (kind FRAME_JIT, "[js]" when the id was never sent).
 */
void jsframes_fix(struct profile_frame *f);

#endif
