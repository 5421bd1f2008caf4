#include "cprof/roots.h"

#include <string.h>

static const struct {
	const char *name;
	enum root_kind kind;
} roots[] = {
	{ "_start", ROOT_START },
	{ "clone", ROOT_START },
	{ "__clone", ROOT_START },
	{ "clone3", ROOT_START },
	{ "__clone3", ROOT_START },
	{ "start_thread", ROOT_START },
	{ "thread_start", ROOT_START },
	/* Go: goroutines start at goexit, threads' g0 stacks at mstart or rt0_go */
	{ "runtime.goexit", ROOT_START },
	{ "runtime.mstart", ROOT_START },
	{ "runtime.rt0_go", ROOT_START },
	{ "runtime.clone", ROOT_START },
	/*
	 * These run on g0 after switching to it: the return address above
	 * them on g0 is stale (runtime.newproc's, say), the goroutine's own
	 * stack is elsewhere. Go's traceback ends g0 stacks there too.
	 */
	{ "runtime.systemstack", ROOT_SWITCH },
	{ "runtime.morestack", ROOT_SWITCH },
	{ "runtime.mcall", ROOT_SWITCH },
	/* switch to g0 for a vDSO call, the caller's frame left on the goroutine stack */
	{ "time.now", ROOT_CUT },
	{ "runtime.nanotime1", ROOT_CUT },
	{ "runtime.walltime", ROOT_CUT },
	{ "runtime.walltime1", ROOT_CUT },
	/* the end of a signal handler on gsignal: the interrupted code's stack is elsewhere */
	{ "runtime.sigreturn", ROOT_CUT },
};

enum root_kind root_kind(const char *name)
{
	size_t len = strlen(name), i;

	/* Go's assembly functions carry their ABI: runtime.systemstack.abi0 */
	if (len > 5 && !memcmp(name + len - 5, ".abi0", 5))
		len -= 5;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (strlen(roots[i].name) == len && !memcmp(roots[i].name, name, len))
			return roots[i].kind;
	return ROOT_NONE;
}
