#include "cprof/roots.h"

#include <stdint.h>
#include <string.h>

static const struct {
	const char *name;
	enum root_kind kind;
	enum root_jump jump;
} roots[] = {
	{ "_start", ROOT_START, JUMP_NONE },
	{ "clone", ROOT_START, JUMP_NONE },
	{ "__clone", ROOT_START, JUMP_NONE },
	{ "clone3", ROOT_START, JUMP_NONE },
	{ "__clone3", ROOT_START, JUMP_NONE },
	{ "start_thread", ROOT_START, JUMP_NONE },
	{ "thread_start", ROOT_START, JUMP_NONE },
	/* Go: goroutines start at goexit, threads' g0 stacks at mstart or rt0_go */
	{ "runtime.goexit", ROOT_START, JUMP_NONE },
	{ "runtime.mstart", ROOT_START, JUMP_NONE },
	{ "runtime.rt0_go", ROOT_START, JUMP_NONE },
	{ "runtime.clone", ROOT_START, JUMP_NONE },
	/*
	 * These run on g0 after switching to it: the return address above
	 * them on g0 is stale (runtime.newproc's, say), the goroutine's own
	 * stack is elsewhere. Go's traceback goes on at the goroutine (its
	 * g.sched); the recorder too when it can read it (gostack.h).
	 */
	{ "runtime.systemstack", ROOT_SWITCH, JUMP_SYSTEMSTACK },
	{ "runtime.morestack", ROOT_SWITCH, JUMP_MORESTACK },
	/* mcall writes SP and its function never returns: Go's traceback ends there */
	{ "runtime.mcall", ROOT_SWITCH, JUMP_NONE },
	/* switch to g0 for a vDSO call, the caller's frame left on the goroutine stack */
	{ "time.now", ROOT_CUT, JUMP_VDSO },
	{ "runtime.nanotime1", ROOT_CUT, JUMP_VDSO },
	{ "runtime.walltime", ROOT_CUT, JUMP_VDSO },
	{ "runtime.walltime1", ROOT_CUT, JUMP_VDSO },
	/* the end of a signal handler on gsignal: the interrupted code's stack is elsewhere */
	{ "runtime.sigreturn", ROOT_CUT, JUMP_SIGNAL },
	{ "runtime.sigreturn__sigaction", ROOT_CUT, JUMP_SIGNAL },
};

static size_t root_find(const char *name)
{
	size_t len = strlen(name), i;

	/* Go's assembly functions carry their ABI: runtime.systemstack.abi0 */
	if (len > 5 && !memcmp(name + len - 5, ".abi0", 5))
		len -= 5;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (strlen(roots[i].name) == len && !memcmp(roots[i].name, name, len))
			return i;
	return SIZE_MAX;
}

enum root_kind root_kind(const char *name)
{
	size_t i = root_find(name);

	return i == SIZE_MAX ? ROOT_NONE : roots[i].kind;
}

enum root_jump root_jump(const char *name)
{
	size_t i = root_find(name);

	return i == SIZE_MAX ? JUMP_NONE : roots[i].jump;
}
