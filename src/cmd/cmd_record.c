/* cprof record: options, messages and exit codes of a recording. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/cmd.h"
#include "cprof/gobin.h"
#include "cprof/jitfollow.h"
#include "cprof/procfs.h"
#include "cprof/record.h"
#include "cprof/safefile.h"
#include "cprof/sampler.h"
#include "cprof/targets.h"
#include "cprof/util.h"

static void record_usage(FILE *f, const struct command *cmd)
{
	fprintf(f,
		"Usage: cprof record [OPTIONS] -p PID[,PID...]\n"
		"       cprof record [OPTIONS] -- COMMAND [ARGS...]\n"
		"       cprof record [OPTIONS] -a [--comm NAME] [--exclude-pid PID[,PID...]]\n"
		"\n"
		"Sample every thread of the target (threads born later included) with the\n"
		"cpu-clock software event and write the stacks to a data file; with -a,\n"
		"every process of the host.\n"
		"Stops after -d SECONDS, on Ctrl-C/SIGTERM, or when every target has exited;\n"
		"a launched command still running then is sent SIGTERM, and it is killed\n"
		"(SIGKILL) if cprof itself dies. Attached processes are never signalled.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID[,PID...]   attach to running processes\n");
	record_options_help(f, cmd);
	fprintf(f,
		"  -h, --help               show this help\n"
		"\n"
		"Examples:\n"
		"  cprof record -p 1234 -d 10\n"
		"  cprof record -p 1234,5678            # stop with Ctrl-C\n"
		"  cprof record --children -p 1234 -d 10  # a wrapper and what it started\n"
		"  cprof record -F 499 -o run.data -- ./server --port 8080\n"
		"  cprof record --wall -k -p 1234 -d 10   # where the time goes, waiting too\n"
		"  cprof record -a -d 10                # every process; then report --comm NAME\n"
		"\n" EXIT_CODES);
}

char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int record_message(const struct record_opts *o, const struct record_result *res, int err)
{
	switch (res->stage) {
	case STAGE_TARGET:
		fprintf(stderr, "cprof: no process with PID %d\n", (int)res->failed_pid);
		return EXIT_FAILURE_RUNTIME;
	case STAGE_LAUNCH:
		fprintf(stderr, "cprof: cannot run '%s': %s\n", o->argv[0], strerror(-err));
		return EXIT_FAILURE_RUNTIME;
	case STAGE_PERF:
		if (o->all) {
			fprintf(stderr, "cprof: cannot sample every CPU (-a): perf_event_open: %s\n",
				sampler_strerror(err));
			return err == -EACCES || err == -EPERM ? EXIT_PERM : EXIT_FAILURE_RUNTIME;
		}
		fprintf(stderr, "cprof: cannot sample PID %d: perf_event_open: %s\n",
			(int)res->failed_pid, sampler_strerror(err));
		return err == -EACCES || err == -EPERM ? EXIT_PERM : EXIT_FAILURE_RUNTIME;
	case STAGE_PROC:
		fprintf(stderr, "cprof: cannot read /proc/%d: %s (only your own processes, unless "
			"root or CAP_SYS_PTRACE)\n", (int)res->failed_pid, strerror(-err));
		return EXIT_PERM;
	case STAGE_OUTPUT:
		fprintf(stderr, "cprof: cannot write '%s': %s\n", o->output, safefile_strerror(err));
		return EXIT_FAILURE_RUNTIME;
	default:
		fprintf(stderr, "cprof: recording failed: %s\n", strerror(-err));
		return EXIT_FAILURE_RUNTIME;
	}
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= 10ULL << 20)
		snprintf(buf, size, "%.1f MiB", bytes / 1048576.0);
	else if (bytes >= 10ULL << 10)
		snprintf(buf, size, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
}

/* For each target whose runtime named none (or maybe not all) of its JIT code: how to make it. */
static void jit_hints(const struct record_opts *o, const struct record_result *res)
{
	unsigned i;

	for (i = 0; i < res->nhints; i++)
		/* Python is read from memory, perf support or not; node's V8 too, where it can be */
		if ((o->no_python || res->hints[i].runtime != JIT_PYTHON) &&
		    (res->js.stacks == 0 || res->hints[i].runtime != JIT_NODE || res->hints[i].dump))
			fprintf(stderr, "cprof: note: PID %d %s\n", (int)res->hints[i].pid,
			res->hints[i].dump ? jit_dump_hint(res->hints[i].runtime)
					   : jit_hint(res->hints[i].runtime));
}

/* Python stacks read from interpreters: how many, how late; the interpreters not read. */
static void python_notes(const struct record_result *res)
{
	const struct pystacks_stats *p = &res->python;
	uint64_t reads = p->stacks + p->failed;
	unsigned i;

	if (reads)
		fprintf(stderr, "cprof: Python stacks of %llu samples in %llu process%s (%llu reads "
			"failed), read %.1f ms after the sample on average, %.1f ms at most\n",
			(unsigned long long)p->stacks, (unsigned long long)p->processes,
			p->processes == 1 ? "" : "es", (unsigned long long)p->failed,
			p->lag_sum_ns / 1e6 / (double)reads, p->lag_max_ns / 1e6);
	if (p->over_cap)
		fprintf(stderr, "cprof: note: %llu Python processes were not read: %u were being "
			"read already\n", (unsigned long long)p->over_cap, PYSTACKS_READERS_MAX);
	for (i = 0; i < res->npython_notes; i++) {
		const struct pystacks_note *n = &res->python_notes[i];

		if (n->err == -EPROTONOSUPPORT && n->major)
			fprintf(stderr, "cprof: note: PID %d runs CPython %u.%u, whose stacks cprof does "
				"not read (3.8 to 3.13): its Python functions are unnamed\n",
				(int)n->pid, n->major, n->minor);
		else
			fprintf(stderr, "cprof: note: PID %d runs a CPython whose stacks could not be "
				"read (%s): its Python functions are unnamed\n", (int)n->pid,
				strerror(-n->err));
	}
}

/*
 * Which processes were not sampled: the descendants --children left out,
 * or without it a busy descendant of an idle target (a wrapper's worker).
 */
static void children_notes(const struct record_opts *o, const struct record_result *res)
{
	if (o->children && res->children_cut)
		fprintf(stderr, "cprof: warning: --children: some descendants were not sampled: "
			"cprof follows at most %d levels and %d processes\n", TARGETS_DEPTH,
			TARGETS_DESCENDANTS);
	if (o->children && res->children_refused)
		fprintf(stderr, "cprof: note: --children: %u descendant%s not sampled: not yours "
			"to sample (another user's, or setuid)\n", res->children_refused,
			res->children_refused == 1 ? " was" : "s were");
	if (res->busy_pid)
		fprintf(stderr, "cprof: note: PID %d (%s) used %.2f s of CPU, its descendant PID "
			"%d (%s) %.2f s, which was not sampled: add --children to sample the "
			"processes under -p too\n", (int)res->busy_target, res->busy_target_comm,
			res->busy_target_ns / 1e9, (int)res->busy_pid, res->busy_comm,
			res->busy_ns / 1e9);
}

/* -a: the processes sampled, and what the budget of unwinding state dropped. */
static void host_summary(const struct record_opts *o, const struct record_result *res)
{
	fprintf(stderr, "cprof: -a: samples of %u processes recorded (%llu samples of cprof, "
		"kernel threads%s%s not)", res->host_processes,
		(unsigned long long)res->host_filtered, o->comm ? " and other names" : "",
		o->nexclude ? " and excluded processes" : "");
	if (res->host_dropped)
		fprintf(stderr, "; unwinding state of %llu processes dropped past --max-processes "
			"%zu and read again at their next sample",
			(unsigned long long)res->host_dropped, o->max_processes);
	fprintf(stderr, "\n");
}

/* The off-CPU part of the summary, and why it is missing if it is. */
static void offcpu_summary(const struct record_result *res)
{
	if (res->switch_err) {
		fprintf(stderr, "cprof: --off-cpu: the context-switch event was refused (%s); "
			"recorded CPU time only\n", sampler_switch_strerror(res->switch_err));
		return;
	}
	fprintf(stderr, "cprof: off-CPU: %llu blocked intervals (%.3f s), %llu preemptions "
		"(%.3f s run-queue delay)", (unsigned long long)res->blocked, res->blocked_ns / 1e9,
		(unsigned long long)res->preempted, res->runq_ns / 1e9);
	if (res->no_stack)
		fprintf(stderr, "; %llu without their stack (its sample lost)",
			(unsigned long long)res->no_stack);
	if (res->unpaired)
		fprintf(stderr, "; %llu switch-ins with no switch-out before them (a thread's "
			"first, mostly)",
			(unsigned long long)res->unpaired);
	fprintf(stderr, "\n");
}

/* The file a launched command runs, as execvp finds it, into OUT (PATH_MAX bytes); 0 or -1. */
static int command_file(const char *arg0, char *out)
{
	const char *dirs = getenv("PATH"), *end;
	char cand[PATH_MAX];

	if (strchr(arg0, '/'))
		return realpath(arg0, out) ? 0 : -1;
	for (; dirs && *dirs; dirs = *end ? end + 1 : end) {
		int n;

		end = strchrnul(dirs, ':');
		n = snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - dirs), dirs, arg0);
		if (n > 0 && (size_t)n < sizeof(cand) && !access(cand, X_OK) && realpath(cand, out))
			return 0;
	}
	return -1;
}

/*
 * The target that is a Go program, named into NAME ("" if none): its
 * goroutines block in Go's scheduler, so --off-cpu sees only its threads.
 */
static void go_target(const struct record_opts *o, char *name, size_t size)
{
	char path[PATH_MAX];
	size_t i;

	name[0] = '\0';
	if (o->argv && !command_file(o->argv[0], path) && gobin_file_is_go(path) == 1)
		snprintf(name, size, "%s", o->argv[0]);
	for (i = 0; !o->argv && i < o->npids && !name[0]; i++) {
		pid_t kids[64];
		size_t n = 0, k;

		if (gobin_pid_is_go(o->pids[i]) == 1)
			snprintf(name, size, "PID %d", (int)o->pids[i]);
		/* with --children, a wrapper's own children (a Go server under a shell) */
		if (!name[0] && o->children)
			procfs_children(o->pids[i], kids, 64, &n);
		for (k = 0; k < n && !name[0]; k++)
			if (gobin_pid_is_go(kids[k]) == 1)
				snprintf(name, size, "PID %d", (int)kids[k]);
	}
}

int cmd_record(const struct command *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_getopt g;
	struct record_opts o;
	struct record_result res;
	uint32_t *pids = NULL;
	size_t npids = 0;
	char *cmdline, size[32], go[128];
	int c, err, rc;

	record_opts_init(cmd, &o);
	if ((rc = cmd_getopt_init(&g, cmd, "+p:h", longopts)))
		return rc;
	while ((c = getopt_long(argc, argv, g.optstring, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (pid_option(optarg, &pids, &npids))
				return EXIT_USAGE;
			break;
		case 'h':
			record_usage(stdout, cmd);
			return EXIT_OK;
		default:
			if (record_option(cmd, c, optarg, &o)) {
				free(pids);
				record_opts_release(&o);
				return EXIT_USAGE;
			}
			break;
		}
	}
	if (record_targets(argv + optind, pids, npids, "record", &o)) {
		free(pids);
		record_opts_release(&o);
		return EXIT_USAGE;
	}
	cmdline = join_args(argc + 1, argv - 1);
	o.cmdline = cmdline;

	/* checked now: an attached process may be gone when the recording ends */
	if (o.offcpu)
		go_target(&o, go, sizeof(go));
	err = record_run(&o, &res);
	rc = err ? record_message(&o, &res, err) : EXIT_OK;
	if (!err || res.samples) {
		human_size(res.bytes, size, sizeof(size));
		fprintf(stderr,
			"cprof: %llu samples (%llu lost), %u threads in %u processes, %.2f s; "
			"%s written to %s; recorder CPU %.2f s (%.1f%%)\n",
			(unsigned long long)res.samples, (unsigned long long)res.lost, res.threads,
			res.processes, res.duration_ns / 1e9, size, o.output, res.cpu_ns / 1e9,
			res.duration_ns ? 100.0 * res.cpu_ns / res.duration_ns : 0.0);
	}
	if ((!err || res.samples) && o.offcpu) {
		offcpu_summary(&res);
		if (go[0] && !res.switch_err)
			fprintf(stderr, "cprof: note: %s is a Go program: its goroutines wait in Go's "
				"scheduler, not as OS threads, so off-CPU stacks show the scheduler "
				"parking threads (futex, epollwait); Go's block and mutex profiles "
				"show where goroutines wait (runtime/pprof \"block\" and \"mutex\", "
				"/debug/pprof/block and /debug/pprof/mutex)\n", go);
	}
	if ((!err || res.samples) && o.all)
		host_summary(&o, &res);
	if (res.lost) {
		human_size(res.ring_bytes, size, sizeof(size));
		/* a LOST record counts records of every kind the kernel dropped */
		fprintf(stderr, "cprof: warning: %llu %s (%.1f%% of them) were lost: the ring buffers "
			"(%s per CPU) filled before the recorder read them (raise 'ulimit -l' or "
			"kernel.perf_event_mlock_kb, or lower -F or --stack-size)\n",
			(unsigned long long)res.lost,
			o.offcpu ? "samples and context-switch records" : "samples",
			100.0 * res.lost / (res.events + res.lost),
			size);
	}
	if (res.leftovers)
		fprintf(stderr, "cprof: note: stopped %u process%s the command left running\n",
			res.leftovers, res.leftovers == 1 ? "" : "es");
	if (res.jit_cut)
		fprintf(stderr, "cprof: warning: the JIT names of PID %d%s were cut at cprof's caps "
			"(a perf map %u MiB or %u lines, %u MiB of them all; a jitdump %u MiB, "
			"%llu MiB of them all): code named past the cut shows as [unknown]\n",
			(int)res.jit_cut_pid, res.jit_cut > 1 ? " (and of other files)" : "",
			RECORD_PERFMAP_MAX >> 20, RECORD_NAMES_LINES, RECORD_PERFMAP_TOTAL >> 20,
			JITFOLLOW_DUMP_MAX >> 20, (unsigned long long)(JITFOLLOW_TOTAL_MAX >> 20));
	jit_hints(&o, &res);
	python_notes(&res);
	children_notes(&o, &res);
	free(cmdline);
	free(pids);
	record_opts_release(&o);
	return rc;
}
