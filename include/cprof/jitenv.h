/*
 * The runtimes that can name their JIT code for a native profiler, told
 * apart by the files a process maps, and what to tell a user whose process
 * named none: shared by the end-of-record note and `report --stats`.
 */
#ifndef CPROF_JITENV_H
#define CPROF_JITENV_H

enum jit_runtime {
	JIT_NONE,
	JIT_PYTHON,              /* CPython 3.12+: -X perf or PYTHONPERFSUPPORT=1 */
	JIT_NODE,                /* node: --perf-basic-prof */
	JIT_JVM,                 /* a JVM: jcmd PID Compiler.perfmap */
};

/* The runtime whose binary or library PATH is, or JIT_NONE. */
enum jit_runtime jit_runtime_of_path(const char *path);

/* How to make RUNTIME name its JIT code: a sentence with no capital or stop, or NULL. */
const char *jit_hint(enum jit_runtime runtime);
/*
 * For RUNTIME still running as the recording ends, named by its jitdump
 * alone: why its newest code may be unnamed, and what names it (same form),
 * or NULL if the dump holds every load written.
 */
const char *jit_dump_hint(enum jit_runtime runtime);

#endif
