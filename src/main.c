/* The cprof command: dispatch to the command named by the first argument. */
#include <stdio.h>
#include <string.h>

#include "cprof/cmd.h"
#include "cprof/version.h"

/* The shared options of the commands that sample */
#define SAMPLING (ROPT_FREQ | ROPT_CALLGRAPH | ROPT_STACK_SIZE | ROPT_KERNEL | ROPT_CHILDREN | \
		  ROPT_NO_PYTHON)

static const struct command commands[] = {
	{ "record", cmd_record, CMD_STOP_SIGNALS,
	  SAMPLING | ROPT_DURATION | ROPT_OUTPUT | ROPT_OFF_CPU | ROPT_WALL | ROPT_NO_JIT_SUPPORT |
	  ROPT_NO_JIT_UNWIND | ROPT_ALL | ROPT_HOST,
	  "sample a running process or a command into a data file" },
	{ "top", cmd_top, CMD_STOP_SIGNALS,
	  SAMPLING | ROPT_DURATION | ROPT_KEEP | ROPT_NO_JIT_SUPPORT | ROPT_ALL_LONG | ROPT_HOST,
	  "a live view of a running process: its hottest functions now" },
	{ "report", cmd_report, 0, 0,
	  "turn a data file into a profile: folded stacks, or another format" },
	{ "serve", cmd_serve, 0, SAMPLING | ROPT_ALL | ROPT_HOST,
	  "serve profiles over HTTP as Go's /debug/pprof/profile does" },
	{ "diff", cmd_diff, 0, 0,
	  "compare two profiles: differential flame graph, table, CI gate" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void main_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: cprof [--help] [--version] COMMAND [ARGS]\n"
		"\n"
		"A sampling CPU profiler for Linux: correct stacks on -O2 binaries without\n"
		"frame pointers, and every view of one recording (top table, flame graph,\n"
		"pprof, speedscope, folded stacks).\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Examples:\n"
		"  cprof record -p 1234 -d 10          # sample PID 1234 for 10 s\n"
		"  cprof record -F 999 -- ./server     # launch and profile a command\n"
		"  cprof report | flamegraph.pl > flame.svg\n"
		"  cprof diff -o diff.svg before.data after.data\n"
		"  cprof serve -p 1234                 # go tool pprof http://127.0.0.1:6060/debug/pprof/profile\n"
		"\n"
		"Run 'cprof COMMAND --help' for the options of each command.\n\n" EXIT_CODES);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		main_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("cprof %s\n", CPROF_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return cmd_run(&commands[i], argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
