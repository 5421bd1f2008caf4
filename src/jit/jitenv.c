#include "cprof/jitenv.h"

#include <string.h>

enum jit_runtime jit_runtime_of_path(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strncmp(base, "libjvm.so", 9))
		return JIT_JVM;
	/* python3.12 ... python3.19, libpython3.12.so...: the ones with perf support */
	if ((!strncmp(base, "libpython3.1", 12) && base[12] >= '2' && base[12] <= '9') ||
	    (!strncmp(base, "python3.1", 9) && base[9] >= '2' && base[9] <= '9'))
		return JIT_PYTHON;
	if (!strcmp(base, "node") || !strncmp(base, "libnode.so", 10))
		return JIT_NODE;
	return JIT_NONE;
}

const char *jit_hint(enum jit_runtime runtime)
{
	switch (runtime) {
	case JIT_PYTHON:
		return "is CPython 3.12+ without perf support, its Python functions are unnamed: "
		       "run it with -X perf (or PYTHONPERFSUPPORT=1), or call "
		       "sys.activate_stack_trampoline('perf') in it";
	case JIT_NODE:
		return "is node without a perf map, and its JavaScript functions could not be "
		       "read from V8's memory (-g fp, or a node without V8 metadata cprof can "
		       "use: docs/node.md): they are unnamed: run it with --perf-basic-prof "
		       "(or NODE_OPTIONS=--perf-basic-prof), or record it with -g dwarf";
	case JIT_JVM:
		return "is a JVM without a perf map, its compiled methods are unnamed: install jcmd "
		       "(cprof asks the JVM for its map as a recording ends), or run it with "
		       "-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit";
	case JIT_NONE:
		break;
	}
	return NULL;
}

const char *jit_dump_hint(enum jit_runtime runtime)
{
	/* V8 writes its jitdump through a 4 KiB stdio buffer, flushed when full or at exit */
	if (runtime == JIT_NODE)
		return "is node named by its jitdump alone, which it writes in 4 KiB blocks: "
		       "the code it compiled last (often the hottest, optimized last) is in "
		       "the file only once more code is compiled or node exits, and is "
		       "[unknown] until then: run it with --perf-basic-prof as well (its perf "
		       "map is written line by line)";
	return NULL;
}
