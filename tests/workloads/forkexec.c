/*
 * forkexec - a child that computes, then execs another program.
 *
 *   main -> fe_child -> fe_before_exec -> fe_before_exec_leaf   SECONDS
 *   then execv(PROGRAM, PROGRAM ARGS...) in the same process
 *
 * Usage: forkexec SECONDS PROGRAM [ARGS...]
 *
 * The parent only waits for the child and exits with its status.  The
 * samples the child takes before its exec must be named from the old image,
 * those after from the new one (issue 8, defect 6).
 */
#define _GNU_SOURCE
#include "workload.h"

#include <sys/wait.h>

uint64_t fe_before_exec_leaf(uint64_t seed);
void fe_before_exec(double seconds);
void fe_child(double seconds, char **argv);

static volatile uint64_t fe_sink;

WL_HOT uint64_t fe_before_exec_leaf(uint64_t seed)
{
	WL_LEAF_FRAME();
	uint64_t x = seed;

	for (unsigned long i = 0; i < 800000; i++)
		x = x * WL_LCG_MUL + 0xfe;
	return x;
}

WL_HOT void fe_before_exec(double seconds)
{
	double end = wl_now() + seconds;

	while (wl_now() < end)
		fe_sink = fe_before_exec_leaf(fe_sink);
}

WL_HOT void fe_child(double seconds, char **argv)
{
	fe_before_exec(seconds);
	execv(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

int main(int argc, char **argv)
{
	double seconds = wl_duration(argc, argv, "SECONDS PROGRAM [ARGS...]");
	int status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SECONDS PROGRAM [ARGS...]\n", argv[0]);
		return 2;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		fe_child(seconds, argv + 2);
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
