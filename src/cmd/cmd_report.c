/* cprof report: options, messages and exit codes of a report. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cprof/cmd.h"
#include "cprof/datafile.h"
#include "cprof/notes.h"
#include "cprof/resolver.h"
#include "cprof/util.h"
#include "cprof/writer.h"

static void report_usage(FILE *f)
{
	const struct writer *const *w;
	size_t n, i, k;

	fprintf(f,
		"Usage: cprof report [OPTIONS]\n"
		"\n"
		"Turn a recording into a profile. By default, folded stacks on standard\n"
		"output: root first, the thread name as first frame, one line per distinct\n"
		"stack with its sample count, in the format of FlameGraph's\n"
		"stackcollapse-perf.pl:\n"
		"  comm;main;parse;lex 123\n"
		"Frames that cannot be named show as [module] or [unknown].\n"
		"\n"
		"Formats (--format, or from the extension of -o):\n");
	w = writer_all(&n);
	for (i = 0; i < n; i++) {
		char ext[64] = "";
		size_t len = 0;

		for (k = 0; w[i]->extensions && w[i]->extensions[k] && len < sizeof(ext) - 16; k++)
			len += (size_t)snprintf(ext + len, sizeof(ext) - len, "%s%s", k ? " " : "",
						w[i]->extensions[k]);
		fprintf(f, "  %-11s %-24s %s\n", w[i]->name, ext, w[i]->summary);
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  -i, --input FILE     data file (default cprof.data; a regular file, or\n"
		"                       a link to one: a FIFO or device is refused)\n"
		"  -o, --output FILE    write here instead of standard output (replaced\n"
		"                       only by a report that succeeds; a symbolic link,\n"
		"                       directory or FIFO is refused)\n"
		"  -f, --format NAME    output format (see above)\n"
		"      --value NAME     the value to show, and the unit of folded counts:\n"
		"                       samples (default) a count; cpu: nanoseconds,\n"
		"                       samples times the sampling period; with a\n"
		"                       recording made with --off-cpu or --wall, in\n"
		"                       nanoseconds too: off-cpu (blocked), runq\n"
		"                       (preempted while runnable) and wall (cpu + off-cpu\n"
		"                       + runq; the default for a --wall recording);\n"
		"                       speedscope and cpuprofile weigh time (cpu for\n"
		"                       samples), an off-CPU interval as one sample\n"
		"Selecting samples (every format):\n"
		"      --pid PID[,...]  only samples of these processes\n"
		"      --tid TID[,...]  only samples of these threads\n"
		"      --comm NAME      only threads, or processes, of this name\n"
		"      --container ID   only processes of a container whose id begins\n"
		"                       with ID, or of a systemd unit (record -a)\n"
		"      --since SEC      only samples from SEC seconds after the start\n"
		"      --until SEC      only samples before SEC seconds after the start\n"
		LANG_HELP
		"Naming frames:\n"
		"      --no-inline      do not expand inlined calls into frames\n"
		"      --lines          add each frame's source position, as in\n"
		"                       \"parse (parser.c:120)\": the line reached in that\n"
		"                       function (for a caller, the line of the call)\n"
		"      --no-demangle    keep mangled C++/Rust names\n"
		"      --debug-dir DIR  also look for debug files under DIR (repeatable)\n"
		"folded:\n"
		"      --per-pid        first frame is comm-PID\n"
		"      --per-tid        first frame is comm-PID/TID\n"
		"      --annotate       suffix kernel frames _[k], inlined frames _[i],\n"
		"                       JIT frames _[j]\n"
		"cpuprofile:\n"
		"      one timeline, the threads one after the other (in the order they\n"
		"      first ran), each sample lasting its period, so that a function's\n"
		"      time is its samples times the period; --tid TID for one thread's\n"
		"top:\n"
		"      --sort self|total  order of the table (default self)\n"
		"      --limit N        rows (default 25, 0: all)\n"
		"svg:\n"
		"      --title TEXT     title of the flame graph\n"
		"      --width PIXELS   width (default 1200)\n"
		"      --inverted       icicle graph: roots at the top\n"
		"      --minwidth PX    merge frames narrower than PX pixels (default 0.1)\n"
		"\n"
		"      --stats          print recording statistics, truncated stacks per\n"
		"                       binary and binaries lacking symbols (stderr)\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  cprof report > out.folded\n"
		"  cprof report -i run.data | flamegraph.pl > flame.svg\n"
		"  cprof report --format top                # the hottest functions\n"
		"  cprof report -o flame.svg                # an interactive flame graph\n"
		"  cprof report -o cpu.pb.gz                # for go tool pprof\n"
		"  cprof report -o run.speedscope.json      # for speedscope\n"
		"  cprof report --per-tid --pid 1234 --since 2 --until 5\n"
		"  cprof report --value off-cpu --format top  # where threads wait\n"
		"\n" EXIT_CODES);
}

static unsigned terminal_columns(FILE *out)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	uint64_t v;

	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	if (env && !parse_u64(env, 20, 10000, &v))
		return (unsigned)v;
	return 80;
}

int cmd_report(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_PER_PID = 256, OPT_PER_TID, OPT_PID, OPT_TID, OPT_ANNOTATE, OPT_NO_INLINE,
	       OPT_NO_DEMANGLE, OPT_DEBUG_DIR, OPT_STATS, OPT_LINES, OPT_COMM, OPT_SINCE,
	       OPT_UNTIL, OPT_SORT, OPT_INVERTED,
	       OPT_VALUE, OPT_CONTAINER };
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "value", required_argument, NULL, OPT_VALUE },
		{ "per-pid", no_argument, NULL, OPT_PER_PID },
		{ "per-tid", no_argument, NULL, OPT_PER_TID },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "tid", required_argument, NULL, OPT_TID },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "container", required_argument, NULL, OPT_CONTAINER },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "annotate", no_argument, NULL, OPT_ANNOTATE },
		{ "no-inline", no_argument, NULL, OPT_NO_INLINE },
		{ "no-demangle", no_argument, NULL, OPT_NO_DEMANGLE },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "lines", no_argument, NULL, OPT_LINES },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "inverted", no_argument, NULL, OPT_INVERTED },
		VIEW_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct resolve_opts o = { .input = "cprof.data", .inlines = 1, .demangle = 1,
				  .filter = { .until = -1 } };
	struct writer_opts wo = WRITER_OPTS_INIT;
	const struct writer *writer = NULL;
	const char *value = NULL;
	struct profile *prof = NULL;
	struct report_stats st;
	struct buf debug_path;
	const char *output = NULL, *bad;
	struct cmd_output out;
	char badbuf[64];
	uint32_t *pids = NULL, *tids = NULL;
	double secs;
	int c, err, stats = 0, rc = EXIT_OK;

	buf_init(&debug_path);
	while ((c = getopt_long(argc, argv, "i:o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.input = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'f':
			writer = writer_find(optarg);
			if (!writer)
				return usage_error("unknown format '%s' (see 'cprof report --help')",
						   optarg);
			break;
		case OPT_VALUE:
			if (strcmp(optarg, "samples") && strcmp(optarg, "cpu") &&
			    strcmp(optarg, "off-cpu") && strcmp(optarg, "runq") &&
			    strcmp(optarg, "wall"))
				return usage_error("invalid value '%s' (expected samples, cpu, off-cpu, "
						   "runq or wall)", optarg);
			value = optarg;
			break;
		case OPT_PER_PID:
			wo.group = GROUP_PID;
			break;
		case OPT_PER_TID:
			wo.group = GROUP_TID;
			break;
		case OPT_PID:
			free(pids);
			pids = NULL;
			bad = parse_id_list(optarg, &pids, &o.filter.npids, badbuf);
			if (bad)
				return usage_error("invalid PID '%s'", bad);
			o.filter.pids = pids;
			break;
		case OPT_TID:
			free(tids);
			tids = NULL;
			bad = parse_id_list(optarg, &tids, &o.filter.ntids, badbuf);
			if (bad)
				return usage_error("invalid TID '%s'", bad);
			o.filter.tids = tids;
			break;
		case OPT_COMM:
			o.filter.comm = optarg;
			break;
		case OPT_CONTAINER:
			if (!optarg[0])
				return usage_error("empty container id");
			o.filter.container = optarg;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (!strcmp(optarg, "0"))
				secs = 0;
			else if (parse_seconds(optarg, &secs))
				return usage_error("invalid time '%s' (expected seconds >= 0)", optarg);
			if (c == OPT_SINCE)
				o.filter.since = secs;
			else
				o.filter.until = secs;
			break;
		case OPT_ANNOTATE:
			wo.annotate = 1;
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
			o.lines = wo.lines = 1;
			break;
		case OPT_SORT:
			if (strcmp(optarg, "self") && strcmp(optarg, "total"))
				return usage_error("invalid sort '%s' (expected self or total)", optarg);
			wo.sort_total = !strcmp(optarg, "total");
			break;
		case OPT_INVERTED:
			wo.inverted = 1;
			break;
		case 'h':
			report_usage(stdout);
			return EXIT_OK;
		default:
			if ((err = view_option(c, optarg, &wo, cmd->name)))
				return err;
			break;
		}
	}
	if (o.filter.until >= 0 && o.filter.until <= o.filter.since)
		return usage_error("empty time window: --until must be after --since");
	if (!writer && output)
		writer = writer_for_path(output);
	if (!writer)
		writer = writer_find("folded");
	if (writer->needs & WRITER_NEEDS_LINES)
		o.lines = 1;
	o.timeline = !!(writer->needs & WRITER_NEEDS_TIMELINE);
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	o.debug_path = debug_path.len ? debug_path.data : NULL;
	/* written aside, in place only when the report succeeded */
	if ((rc = cmd_output_open(&out, output)))
		goto out;
	err = notes_load(&o, &prof, &st, stats, stderr);
	if (!err && !value)
		value = st.offcpu == DF_OFFCPU_WALL ? "wall" : "samples";
	if (!err && profile_column(prof, value) == PROFILE_NONE) {
		fprintf(stderr, "cprof: '%s' has no %s values: record with --off-cpu or --wall\n",
			o.input, value);
		profile_free(prof);
		cmd_output_close(&out, -EINVAL); /* uncommitted: FILE stays as it was */
		rc = EXIT_USAGE;
		goto out;
	}
	if (!err)
		err = cmd_view(&prof, &wo, writer, stderr);
	if (!err) {
		wo.column = profile_column(prof, value);
		wo.tty = isatty(fileno(out.f));
		wo.columns = wo.tty ? terminal_columns(out.f) : 0;
		err = writer->write(prof, &wo, out.f);
	}
	profile_free(prof);
	/* a write error (a full disk, /dev/full) is the output's, not the data's */
	if ((rc = cmd_output_close(&out, err)))
		goto out;
	if (data_file_error(o.input, err)) {
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
out:
	free(pids);
	free(tids);
	buf_release(&debug_path);
	return rc;
}
