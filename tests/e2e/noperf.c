/*
 * noperf - run a command that the kernel refuses perf_event_open to.
 *
 * Usage: noperf COMMAND [ARGS...]
 *
 * Installs a seccomp filter that makes perf_event_open fail with EACCES,
 * as kernel.perf_event_paranoid does for an unprivileged user, then execs
 * COMMAND; the filter is inherited by everything COMMAND starts. Lets the
 * end-to-end tests check cprof's "not allowed" path (exit code 4), and
 * check that everything else works without perf_event_open, even as root.
 * Exit 125 if the filter cannot be installed, 127 if COMMAND cannot run.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	/* No architecture check: this is a test fixture, not a sandbox. */
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (argc < 2) {
		fprintf(stderr, "Usage: noperf COMMAND [ARGS...]\n");
		return 125;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "noperf: seccomp: %s\n", strerror(errno));
		return 125;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "noperf: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
