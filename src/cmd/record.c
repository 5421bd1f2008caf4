/* cprof record: options, messages and exit codes of a recording. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/cmd.h"
#include "cprof/jitfollow.h"
#include "cprof/record.h"
#include "cprof/safefile.h"
#include "cprof/sampler.h"
#include "cprof/util.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void record_usage(FILE *f)
{
	fprintf(f,
		"Usage: cprof record [OPTIONS] -p PID[,PID...]\n"
		"       cprof record [OPTIONS] -- COMMAND [ARGS...]\n"
		"\n"
		"Sample every thread of the target (threads born later included) with the\n"
		"cpu-clock software event and write the stacks to a data file.\n"
		"Stops after -d SECONDS, on Ctrl-C/SIGTERM, or when every target has exited;\n"
		"a launched command still running then is sent SIGTERM, and it is killed\n"
		"(SIGKILL) if cprof itself dies. Attached processes are never signalled.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID[,PID...]   attach to running processes\n"
		"  -F, --freq HZ            samples per second per thread (default 99;\n"
		"                           each sample interrupts the target: use 999 for\n"
		"                           short runs, keep it low in production)\n"
		"  -d, --duration SECONDS   stop after SECONDS (decimals allowed)\n"
		"  -o, --output FILE        data file (default cprof.data, mode 0600; it\n"
		"                           replaces FILE once the recording has started,\n"
		"                           an existing FILE is kept as FILE.old; a\n"
		"                           symbolic link, directory or FIFO is refused,\n"
		"                           a character device written in place)\n"
		"  -g, --call-graph MODE    dwarf (default): unwind a copy of the user stack\n"
		"                           with the binaries' CFI, no frame pointers needed;\n"
		"                           fp: the kernel's frame-pointer call chains\n"
		"      --stack-size BYTES   user stack copied per sample in dwarf mode\n"
		"                           (default 24576, at most 65528)\n"
		"  -k, --kernel             keep kernel frames (with --off-cpu: the kernel\n"
		"                           stack says why a thread blocked: futex_wait,\n"
		"                           pipe_read, do_nanosleep...)\n"
		"      --off-cpu            also record where each thread blocks and for how\n"
		"                           long: its stack at every context switch and the\n"
		"                           time until it runs again (blocked: off-CPU time;\n"
		"                           preempted while runnable: run-queue delay);\n"
		"                           'cprof report --value off-cpu' shows it\n"
		"      --wall               --off-cpu, and the report shows wall-clock time\n"
		"                           by default: CPU, blocked and run-queue time\n"
		"                           together, each thread's total its lifetime\n"
		"      --no-jit-support     do not change a launched command's environment;\n"
		"                           by default it gets PYTHONPERFSUPPORT=1 (CPython\n"
		"                           3.12+ names its functions through perf\n"
		"                           trampolines, which cprof unwinds through) and\n"
		"                           --perf-basic-prof added to NODE_OPTIONS (Node\n"
		"                           names its JavaScript functions) and\n"
		"                           -XX:+DumpPerfMapAtExit to JAVA_TOOL_OPTIONS (a\n"
		"                           JVM names its compiled methods); a JVM still\n"
		"                           running at the end is asked for its perf map\n"
		"                           with 'jcmd PID Compiler.perfmap'\n"
		"      --no-jit-unwind      do not unwind JIT code with the unwinding info\n"
		"                           of its jitdump (node --perf-prof\n"
		"                           --perf-prof-unwinding-info, python -X perf_jit):\n"
		"                           frame pointers only, as without a jitdump\n"
		"  -h, --help               show this help\n"
		"\n"
		"Examples:\n"
		"  cprof record -p 1234 -d 10\n"
		"  cprof record -p 1234,5678            # stop with Ctrl-C\n"
		"  cprof record -F 499 -o run.data -- ./server --port 8080\n"
		"  cprof record --wall -k -p 1234 -d 10   # where the time goes, waiting too\n"
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

int record_option(int c, const char *arg, struct record_opts *o)
{
	uint64_t v;

	switch (c) {
	case 'F':
		if (parse_u64(arg, 1, 100000, &v))
			return usage_error("invalid frequency '%s' (expected 1..100000 Hz)", arg);
		o->freq = (unsigned)v;
		return 0;
	case 'd':
		if (parse_seconds(arg, &o->duration))
			return usage_error("invalid duration '%s' (expected seconds > 0)", arg);
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case 'g':
		if (!strcmp(arg, "dwarf"))
			o->mode = CALLGRAPH_DWARF;
		else if (!strcmp(arg, "fp"))
			o->mode = CALLGRAPH_FP;
		else
			return usage_error("invalid call-graph mode '%s' (expected dwarf or fp)", arg);
		return 0;
	case 'S':
		if (parse_u64(arg, 8, 65528, &v) || v % 8)
			return usage_error("invalid stack size '%s' (expected a multiple of 8 "
					   "in 8..65528)", arg);
		o->stack_size = (unsigned)v;
		return 0;
	case 'k':
		o->kernel = 1;
		return 0;
	case 'J':
		o->jit_support = 0;
		return 0;
	default:
		return usage_error("unknown option '%c'", c);
	}
}

/* For each target whose runtime named none (or maybe not all) of its JIT code: how to make it. */
static void jit_hints(const struct record_result *res)
{
	unsigned i;

	for (i = 0; i < res->nhints; i++)
		fprintf(stderr, "cprof: note: PID %d %s\n", (int)res->hints[i].pid,
			res->hints[i].dump ? jit_dump_hint(res->hints[i].runtime)
					   : jit_hint(res->hints[i].runtime));
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

int cmd_record(int argc, char **argv)
{
	enum { OPT_OFF_CPU = 256, OPT_WALL, OPT_NO_JIT_UNWIND };
	static const struct option longopts[] = {
		RECORD_LONGOPTS,
		{ "off-cpu", no_argument, NULL, OPT_OFF_CPU },
		{ "wall", no_argument, NULL, OPT_WALL },
		{ "no-jit-unwind", no_argument, NULL, OPT_NO_JIT_UNWIND },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_opts o = {
		.freq = 99,
		.output = "cprof.data",
		.mode = CALLGRAPH_DWARF,
		/* holds a 300-deep recursion of 64-byte frames, with room (docs/performance.md) */
		.stack_size = 24576,
		.jit_support = 1,
		.stop = &stop_flag,
	};
	struct record_result res;
	struct sigaction sa;
	uint32_t *pids = NULL;
	size_t npids = 0;
	char *cmdline, size[32];
	int c, err, rc;

	while ((c = getopt_long(argc, argv, "+p:F:d:o:g:kh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (pid_option(optarg, &pids, &npids))
				return EXIT_USAGE;
			break;
		case 'F':
		case 'd':
		case 'o':
		case 'g':
		case 'S':
		case 'k':
		case 'J':
			if (record_option(c, optarg, &o))
				return EXIT_USAGE;
			break;
		case OPT_OFF_CPU:
			if (o.offcpu == DF_OFFCPU_NONE)
				o.offcpu = DF_OFFCPU_ON;
			break;
		case OPT_NO_JIT_UNWIND:
			o.no_jit_unwind = 1;
			break;
		case OPT_WALL:
			o.offcpu = DF_OFFCPU_WALL;
			break;
		case 'h':
			record_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'cprof record --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc && npids) {
		free(pids);
		return usage_error("%s", "give either -p PID or a command, not both");
	}
	if (optind < argc)
		o.argv = argv + optind;
	else if (!npids)
		return usage_error("%s", "nothing to record: give -p PID or -- COMMAND");
	o.pids = (const pid_t *)pids;
	o.npids = npids;
	cmdline = join_args(argc + 1, argv - 1);
	o.cmdline = cmdline;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

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
	if ((!err || res.samples) && o.offcpu)
		offcpu_summary(&res);
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
	jit_hints(&res);
	free(cmdline);
	free(pids);
	return rc;
}
