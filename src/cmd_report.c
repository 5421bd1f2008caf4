/* cprof report: options, messages and exit codes of a report. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/cmd.h"
#include "cprof/report.h"
#include "cprof/safefile.h"
#include "cprof/util.h"

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
		"  -i, --input FILE     data file (default cprof.data; a regular file, or\n"
		"                       a link to one: a FIFO or device is refused)\n"
		"  -o, --output FILE    write here instead of standard output (replaced\n"
		"                       only by a report that succeeds; a symbolic link,\n"
		"                       directory or FIFO is refused)\n"
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

int cmd_report(int argc, char **argv)
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
	struct safeout *out_file = NULL;
	char badbuf[64];
	uint32_t *pids = NULL, *tids = NULL;
	int c, err, werr, werr2, stats = 0, rc = EXIT_OK;

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
		/* written aside, in place only when the report succeeded (safefile.h) */
		err = safeout_new(output, 0, &out_file);
		if (!err && !(o.out = safeout_stream(out_file)))
			err = -errno;
		if (err) {
			fprintf(stderr, "cprof: cannot write '%s': %s\n", output,
				safefile_strerror(err));
			safeout_close(out_file);
			return EXIT_FAILURE_RUNTIME;
		}
	}
	err = report_run(&o, &st, stats ? stderr : NULL, stderr);
	/* a write error (a full disk, /dev/full) is the output's, not the data's */
	if (out_file) {
		werr = err ? 0 : safeout_commit(out_file);
		werr2 = safeout_close(out_file);
		werr = werr ? werr : werr2;
	} else {
		werr = fflush(stdout) || ferror(stdout) ? -(errno ? errno : EIO) : 0;
	}
	if (werr && (!err || err == -ENOSPC || err == -EIO || err == -EDQUOT || err == -EPIPE)) {
		fprintf(stderr, "cprof: cannot write %s%s%s: %s\n", output ? "'" : "",
			output ? output : "standard output", output ? "'" : "", strerror(-werr));
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	if (err == -EPROTO) {
		fprintf(stderr, "cprof: '%s' is not a cprof data file\n", o.input);
		rc = EXIT_DATA;
	} else if (err == -EPROTONOSUPPORT) {
		fprintf(stderr, "cprof: '%s' was written by a newer cprof (unsupported format version)\n",
			o.input);
		rc = EXIT_DATA;
	} else if (err == -EILSEQ || err == -EOVERFLOW) {
		fprintf(stderr, "cprof: '%s' is damaged: %s\n", o.input, err == -EILSEQ ?
			"format version 0 is not a valid version" : "header size out of range");
		rc = EXIT_DATA;
	} else if (err == -ENOENT || err == -EACCES || err == -EISDIR || err == -EIO ||
		   err == -EBADMSG || err == -ENXIO) {
		fprintf(stderr, "cprof: cannot read data file '%s': %s\n", o.input,
			err == -EBADMSG ? "corrupt record" : safefile_strerror(err));
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
