/* The cprof command: option parsing, messages and exit codes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof/record.h"
#include "cprof/report.h"
#include "cprof/sampler.h"
#include "cprof/util.h"

#define CPROF_VERSION "0.1.0"

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_RUNTIME = 1,  /* target vanished, write error, ... */
	EXIT_USAGE = 2,            /* bad option, bad number */
	EXIT_DATA = 3,             /* data file missing, unreadable or not cprof's */
	EXIT_PERM = 4,             /* perf_event_open refused */
};

#define EXIT_CODES                                                              \
	"Exit codes:\n"                                                         \
	"  0  success\n"                                                        \
	"  1  runtime failure (no such process, command not found, write error)\n" \
	"  2  usage error (unknown option, bad number)\n"                       \
	"  3  data file missing, unreadable, or not a cprof data file\n"        \
	"  4  not allowed: perf_event_open refused (see kernel.perf_event_paranoid)\n" \
	"     or the target's /proc files unreadable\n"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "cprof: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'cprof --help' for more information.\n");
	va_end(ap);
	return EXIT_USAGE;
}

static void main_usage(FILE *f)
{
	fprintf(f,
		"Usage: cprof [--help] [--version] COMMAND [ARGS]\n"
		"\n"
		"A sampling CPU profiler for Linux: correct stacks on -O2 binaries without\n"
		"frame pointers, folded output for flamegraph.pl.\n"
		"\n"
		"Commands:\n"
		"  record   sample a running process or a command into a data file\n"
		"  report   turn a data file into folded stacks\n"
		"\n"
		"Examples:\n"
		"  cprof record -p 1234 -d 10          # sample PID 1234 for 10 s\n"
		"  cprof record -F 999 -- ./server     # launch and profile a command\n"
		"  cprof report | flamegraph.pl > flame.svg\n"
		"\n"
		"Run 'cprof COMMAND --help' for the options of each command.\n\n" EXIT_CODES);
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
		"a launched command still running then is sent SIGTERM.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID[,PID...]   attach to running processes\n"
		"  -F, --freq HZ            samples per second per thread (default 99;\n"
		"                           each sample interrupts the target: use 999 for\n"
		"                           short runs, keep it low in production)\n"
		"  -d, --duration SECONDS   stop after SECONDS (decimals allowed)\n"
		"  -o, --output FILE        data file (default cprof.data; an existing file\n"
		"                           is kept as FILE.old)\n"
		"  -g, --call-graph MODE    dwarf (default): unwind a copy of the user stack\n"
		"                           with the binaries' CFI, no frame pointers needed;\n"
		"                           fp: the kernel's frame-pointer call chains\n"
		"      --stack-size BYTES   user stack copied per sample in dwarf mode\n"
		"                           (default 24576, at most 65528)\n"
		"  -k, --kernel             keep kernel frames\n"
		"  -h, --help               show this help\n"
		"\n"
		"Examples:\n"
		"  cprof record -p 1234 -d 10\n"
		"  cprof record -p 1234,5678            # stop with Ctrl-C\n"
		"  cprof record -F 499 -o run.data -- ./server --port 8080\n"
		"\n" EXIT_CODES);
}

static void report_usage(FILE *f)
{
	fprintf(f,
		"Usage: cprof report [OPTIONS]\n"
		"\n"
		"Write the recording's stacks as folded lines, root first, the thread name\n"
		"as first frame, one line per distinct stack with its sample count, in the\n"
		"format of FlameGraph's stackcollapse-perf.pl:\n"
		"  comm;main;parse;lex 123\n"
		"Frames that cannot be named show as [module] or [unknown].\n"
		"\n"
		"Options:\n"
		"  -i, --input FILE     data file (default cprof.data)\n"
		"  -o, --output FILE    write here instead of standard output\n"
		"      --per-pid        first frame is comm-PID\n"
		"      --per-tid        first frame is comm-PID/TID\n"
		"      --pid PID[,...]  only samples of these processes\n"
		"      --tid TID[,...]  only samples of these threads\n"
		"      --annotate       suffix kernel frames _[k], inlined frames _[i]\n"
		"      --no-inline      do not expand inlined calls into frames\n"
		"      --lines          add each frame's source position, as in\n"
		"                       \"parse (parser.c:120)\": the line reached in that\n"
		"                       function (for a caller, the line of the call)\n"
		"      --no-demangle    keep mangled C++/Rust names\n"
		"      --debug-dir DIR  also look for debug files under DIR (repeatable)\n"
		"      --stats          print recording statistics, truncated stacks per\n"
		"                       binary and binaries lacking symbols (stderr)\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  cprof report > out.folded\n"
		"  cprof report -i run.data | flamegraph.pl > flame.svg\n"
		"  cprof report --per-tid --pid 1234\n"
		"\n" EXIT_CODES);
}

/* Parse "1,2,3" into a fresh array; NULL, or the bad token (in BAD) on failure. */
static const char *parse_id_list(const char *arg, uint32_t **out, size_t *n, char bad[64])
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint32_t *ids = NULL;
	size_t k = 0;

	if (!copy)
		return arg;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		uint32_t *more;

		if (parse_u64(tok, 1, 4194304, &v)) {
			snprintf(bad, 64, "%s", tok);
			free(copy);
			free(ids);
			return bad;
		}
		more = realloc(ids, (k + 1) * sizeof(*ids));
		if (!more)
			break;
		ids = more;
		ids[k++] = (uint32_t)v;
	}
	free(copy);
	if (!k) {
		free(ids);
		return arg;
	}
	*out = ids;
	*n = k;
	return NULL;
}

static char *join_args(int argc, char **argv)
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

static int record_message(const struct record_opts *o, const struct record_result *res, int err)
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
		fprintf(stderr, "cprof: cannot write '%s': %s\n", o->output, strerror(-err));
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

static int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "freq", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "call-graph", required_argument, NULL, 'g' },
		{ "stack-size", required_argument, NULL, 'S' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_opts o = {
		.freq = 99,
		.output = "cprof.data",
		.mode = CALLGRAPH_DWARF,
		/* holds a 300-deep recursion of 64-byte frames, with room (docs/performance.md) */
		.stack_size = 24576,
		.stop = &stop_flag,
	};
	struct record_result res;
	struct sigaction sa;
	uint32_t *pids = NULL;
	size_t npids = 0;
	char *cmdline, size[32], badbuf[64];
	const char *bad;
	uint64_t v;
	int c, err, rc;

	while ((c = getopt_long(argc, argv, "+p:F:d:o:g:kh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			free(pids);
			pids = NULL;
			bad = parse_id_list(optarg, &pids, &npids, badbuf);
			if (bad)
				return usage_error("invalid PID '%s'", bad);
			break;
		case 'F':
			if (parse_u64(optarg, 1, 100000, &v))
				return usage_error("invalid frequency '%s' (expected 1..100000 Hz)", optarg);
			o.freq = (unsigned)v;
			break;
		case 'd':
			if (parse_seconds(optarg, &o.duration))
				return usage_error("invalid duration '%s' (expected seconds > 0)", optarg);
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'g':
			if (!strcmp(optarg, "dwarf"))
				o.mode = CALLGRAPH_DWARF;
			else if (!strcmp(optarg, "fp"))
				o.mode = CALLGRAPH_FP;
			else
				return usage_error("invalid call-graph mode '%s' (expected dwarf or fp)", optarg);
			break;
		case 'S':
			if (parse_u64(optarg, 8, 65528, &v) || v % 8)
				return usage_error("invalid stack size '%s' (expected a multiple of 8 "
						   "in 8..65528)", optarg);
			o.stack_size = (unsigned)v;
			break;
		case 'k':
			o.kernel = 1;
			break;
		case 'h':
			record_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'cprof record --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc && npids)
		return usage_error("%s", "give either -p PID or a command, not both");
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
	if (res.lost * 20 > res.samples + res.lost)
		fprintf(stderr, "cprof: warning: %.0f%% of samples were lost: the ring buffers are "
			"small or the recorder fell behind (raise 'ulimit -l' or "
			"kernel.perf_event_mlock_kb, or lower -F or --stack-size)\n",
			100.0 * res.lost / (res.samples + res.lost));
	free(cmdline);
	free(pids);
	return rc;
}

static int cmd_report(int argc, char **argv)
{
	enum { OPT_PER_PID = 256, OPT_PER_TID, OPT_PID, OPT_TID, OPT_ANNOTATE, OPT_NO_INLINE,
	       OPT_NO_DEMANGLE, OPT_DEBUG_DIR, OPT_STATS, OPT_LINES };
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "per-pid", no_argument, NULL, OPT_PER_PID },
		{ "per-tid", no_argument, NULL, OPT_PER_TID },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "tid", required_argument, NULL, OPT_TID },
		{ "annotate", no_argument, NULL, OPT_ANNOTATE },
		{ "no-inline", no_argument, NULL, OPT_NO_INLINE },
		{ "no-demangle", no_argument, NULL, OPT_NO_DEMANGLE },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "lines", no_argument, NULL, OPT_LINES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o = { .input = "cprof.data", .out = stdout, .inlines = 1, .demangle = 1 };
	struct report_stats st;
	struct buf debug_path;
	const char *output = NULL, *bad;
	char tmp_out[4200], badbuf[64];
	uint32_t *pids = NULL, *tids = NULL;
	int c, err, stats = 0, rc = EXIT_OK;

	buf_init(&debug_path);
	while ((c = getopt_long(argc, argv, "i:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.input = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_PER_PID:
			o.group = GROUP_PID;
			break;
		case OPT_PER_TID:
			o.group = GROUP_TID;
			break;
		case OPT_PID:
			free(pids);
			bad = parse_id_list(optarg, &pids, &o.npids, badbuf);
			if (bad)
				return usage_error("invalid PID '%s'", bad);
			o.pids = pids;
			break;
		case OPT_TID:
			free(tids);
			bad = parse_id_list(optarg, &tids, &o.ntids, badbuf);
			if (bad)
				return usage_error("invalid TID '%s'", bad);
			o.tids = tids;
			break;
		case OPT_ANNOTATE:
			o.annotate = 1;
			break;
		case OPT_NO_INLINE:
			o.inlines = 0;
			break;
		case OPT_NO_DEMANGLE:
			o.demangle = 0;
			break;
		case OPT_DEBUG_DIR:
			/* libdwfl's debuginfo_path: ':'-separated, first entry the default */
			if (!debug_path.len)
				buf_puts(&debug_path, ":.debug:/usr/lib/debug");
			buf_puts(&debug_path, ":");
			buf_puts(&debug_path, optarg);
			break;
		case OPT_STATS:
			stats = 1;
			break;
		case OPT_LINES:
			o.lines = 1;
			break;
		case 'h':
			report_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'cprof report --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	o.debug_path = debug_path.len ? debug_path.data : NULL;
	if (output) {
		struct stat ost;

		/*
		 * A regular file is written aside and renamed, so a failed report
		 * leaves it as it was; anything else (/dev/null, a FIFO, a link)
		 * is written as it is, never replaced.
		 */
		if (lstat(output, &ost) == 0 && !S_ISREG(ost.st_mode))
			snprintf(tmp_out, sizeof(tmp_out), "%s", output);
		else if (snprintf(tmp_out, sizeof(tmp_out), "%s.tmp%d", output, (int)getpid()) >=
			 (int)sizeof(tmp_out))
			return usage_error("output path too long: '%s'", output);
		o.out = fopen(tmp_out, "we");
		if (!o.out) {
			fprintf(stderr, "cprof: cannot write '%s': %s\n", output, strerror(errno));
			return EXIT_FAILURE_RUNTIME;
		}
	}
	err = report_run(&o, &st, stats ? stderr : NULL, stderr);
	if (o.out != stdout) {
		if (fclose(o.out) && !err)
			err = -errno;
		if (strcmp(tmp_out, output)) {
			if (!err && rename(tmp_out, output) < 0)
				err = -errno;
			if (err)
				unlink(tmp_out);
		}
	}
	if (err == -EPROTO) {
		fprintf(stderr, "cprof: '%s' is not a cprof data file\n", o.input);
		rc = EXIT_DATA;
	} else if (err == -EPROTONOSUPPORT) {
		fprintf(stderr, "cprof: '%s' was written by a newer cprof (unsupported format version)\n",
			o.input);
		rc = EXIT_DATA;
	} else if (err == -ENOENT || err == -EACCES || err == -EISDIR || err == -EIO ||
		   err == -EBADMSG) {
		fprintf(stderr, "cprof: cannot read data file '%s': %s\n", o.input,
			err == -EBADMSG ? "corrupt record" : strerror(-err));
		rc = EXIT_DATA;
	} else if (err) {
		fprintf(stderr, "cprof: report failed: %s\n", strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
	} else {
		if (st.cut_short)
			fprintf(stderr, "cprof: warning: '%s' ends inside a record (recording cut "
				"short?); reported what was complete\n", o.input);
		else if (!st.finished)
			fprintf(stderr, "cprof: warning: '%s' has no end record (recording cut "
				"short?); reported what was complete\n", o.input);
		if (st.lost)
			fprintf(stderr, "cprof: warning: %llu samples were lost while recording\n",
				(unsigned long long)st.lost);
		if (st.skipped)
			fprintf(stderr, "cprof: warning: '%s' is damaged: %llu records could not be "
				"read and were passed over\n", o.input, (unsigned long long)st.skipped);
		if (!st.samples)
			fprintf(stderr, "cprof: warning: '%s' holds no samples (was the target idle?)\n",
				o.input);
	}
	free(pids);
	free(tids);
	buf_release(&debug_path);
	return rc;
}

int main(int argc, char **argv)
{
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
	if (!strcmp(argv[1], "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
