/* cprof diff: two profiles compared, as a profile, a flame graph, a table or a gate. */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/cmd.h"
#include "cprof/diff.h"
#include "cprof/util.h"
#include "cprof/writer.h"

static void diff_usage(FILE *f)
{
	fprintf(f,
		"Usage: cprof diff [OPTIONS] BEFORE AFTER\n"
		"\n"
		"Compare two profiles of the same program, say before and after a change.\n"
		"Each of BEFORE and AFTER is a cprof data file, a folded file (cprof\n"
		"report's or any tool's, e.g. stackcollapse-perf.pl's: \"comm;f;g 12\") or\n"
		"a pprof file cprof wrote; the kind is read from the content, not the name.\n"
		"The builds may differ: functions are matched by name, never by address;\n"
		"the first frame of a folded line is the thread's name.\n"
		"\n"
		"Formats (--format, or from the extension of -o):\n"
		"  folded  (default) difffolded.pl's \"stack BEFORE AFTER\", for flamegraph.pl\n"
		"  svg     a differential flame graph: widths of AFTER (BEFORE with --negate),\n"
		"          red where a frame's share grew, blue where it shrank, deeper the\n"
		"          larger the change; hover shows both shares and the change\n"
		"  top     functions by how much their self or total share moved: both\n"
		"          shares, the change in points (pp) and '*' where it is beyond the\n"
		"          noise\n"
		"\n"
		"Noise: samples are taken as binomial draws; a change of share is beyond the\n"
		"noise when the 95 %% Wald interval of the difference of two proportions,\n"
		"  (p2 - p1) +- z * sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2),\n"
		"excludes 0, with z Bonferroni-corrected over the table (2 tests a function)\n"
		"so that two recordings of the same program show no change in 95 %% of runs.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE    write here instead of standard output\n"
		"  -f, --format NAME    folded, svg or top\n"
		"      --normalize      scale BEFORE's counts to AFTER's total (folded, svg;\n"
		"                       shares and the noise do not depend on it)\n"
		"      --strip-hex      write every 0x hex number of a name as 0x... (as\n"
		"                       difffolded.pl -s), so that addresses match\n"
		"      --negate         svg: widths of BEFORE (what was there, and is gone)\n"
		"      --limit N        top: rows (default 25, 0: all)\n"
		"      --title TEXT     svg: the title\n"
		"      --width PIXELS   svg: width (default 1200)\n"
		"      --minwidth PX    svg: merge frames narrower than PX (default 0.1)\n"
		"Regression gate:\n"
		"      --fail-above PP  exit 1, naming them, if the self share of some function\n"
		"                       grew by more than PP points and beyond the noise;\n"
		"                       without -f or -o nothing else is written\n"
		"      --function RE    only functions whose name matches the extended\n"
		"                       regular expression RE count for the gate\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  cprof diff before.data after.data | flamegraph.pl > diff.svg\n"
		"  cprof diff -o diff.svg before.data after.data\n"
		"  cprof diff -f top old.folded new.pb.gz\n"
		"  cprof diff --fail-above 2 --function '^parse_' base.data pr.data  # in CI\n"
		"\n"
		"Exit codes:\n"
		"  0  success (and the gate, if asked, passed)\n"
		"  1  the gate failed: a function's self share grew beyond --fail-above;\n"
		"     or a runtime failure (write error)\n"
		"  2  usage error (unknown option, bad number, bad regular expression)\n"
		"  3  an input missing, unreadable, or neither a cprof data file, folded\n"
		"     stacks nor a pprof profile\n");
}

/*
 * Load PATH into *OUT and its sample column into *COL. Says what is wrong
 * on stderr; returns an exit code.
 */
static int load(const char *path, struct profile **out, uint32_t *col)
{
	int rc = input_load(path, out);

	if (!rc) {
		*col = profile_column(*out, "samples");
		if (*col == PROFILE_NONE && (*out)->ncolumns == 1)
			*col = 0;
		if (*col == PROFILE_NONE) {
			fprintf(stderr, "cprof: '%s' has no \"samples\" values to compare\n", path);
			rc = EXIT_DATA;
		} else if (!profile_total(*out, *col)) {
			fprintf(stderr, "cprof: warning: '%s' holds no samples\n", path);
		}
	}
	if (rc) {
		profile_free(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * The diff of the inputs PATHS[0] (before) and PATHS[1] (after) into *OUT,
 * one input in memory at a time: each is freed once added. Says what is
 * wrong on stderr; returns an exit code.
 */
static int diff_inputs(char **paths, const struct diff_opts *o, struct profile **out)
{
	struct differ *df = NULL;
	struct profile *in = NULL;
	uint32_t col;
	int i, rc = EXIT_OK, err = differ_new(o, &df);

	for (i = 0; i < 2 && !err && !rc; i++) {
		rc = load(paths[i], &in, &col);
		if (!rc)
			err = differ_add(df, in, col, i ? DIFF_AFTER : DIFF_BEFORE, 1.0);
		profile_free(in);
		in = NULL;
	}
	if (!rc && err) {
		fprintf(stderr, "cprof: diff failed: %s\n", strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
	}
	if (rc)
		differ_free(df);
	else
		*out = differ_take(df);
	return rc;
}

/* Print the functions that fail the gate; returns how many. */
static size_t gate(const struct profile *d, double pp, const regex_t *re, FILE *out)
{
	struct diff_func *f = NULL;
	size_t n, i, failed = 0;

	if (diff_functions(d, &f, &n, NULL)) {
		fprintf(stderr, "cprof: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct diff_change *c = &f[i].self_change;
		char *name;

		if (c->delta <= pp || !c->significant || (re && regexec(re, f[i].name, 0, NULL, 0)))
			continue;
		name = printable_dup(f[i].name); /* the profiled process named it */
		fprintf(out, "cprof: regression: %s: self share %.2f%% -> %.2f%% (%+.2f pp, noise "
			     "+-%.2f), more than --fail-above %g\n", name ? name : "?", c->before,
			c->after, c->delta, c->margin, pp);
		free(name);
		failed++;
	}
	free(f);
	return failed;
}

static int write_out(const struct writer *w, const struct profile *d, const struct writer_opts *wo,
		     const char *output)
{
	struct cmd_output out;
	int err, rc = cmd_output_open(&out, output);

	if (rc)
		return rc;
	err = w->write(d, wo, out.f);
	rc = cmd_output_close(&out, err);
	if (!rc && err) {
		fprintf(stderr, "cprof: diff failed: %s\n", strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
	}
	return rc;
}

int cmd_diff(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_NORMALIZE = 256, OPT_STRIP_HEX, OPT_NEGATE, OPT_FAIL_ABOVE, OPT_FUNCTION };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "normalize", no_argument, NULL, OPT_NORMALIZE },
		{ "strip-hex", no_argument, NULL, OPT_STRIP_HEX },
		{ "negate", no_argument, NULL, OPT_NEGATE },
		VIEW_LONGOPTS,
		{ "fail-above", required_argument, NULL, OPT_FAIL_ABOVE },
		{ "function", required_argument, NULL, OPT_FUNCTION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct writer_opts wo = { .column = DIFF_AFTER, .limit = 25, .width = 1200,
				  .minwidth = 0.1, .diff = 1 };
	struct diff_opts dopts = { 0 };
	const struct writer *writer = NULL;
	const char *output = NULL, *function = NULL;
	struct profile *in[2] = { NULL, NULL }, *d = NULL, *shown = NULL;
	uint32_t col[2];
	regex_t re;
	int c, i, err, rc = EXIT_OK, have_re = 0;
	double fail_above = -1;

	while ((c = getopt_long(argc, argv, "o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "folded") && strcmp(optarg, "svg") && strcmp(optarg, "top"))
				return usage_error("unknown diff format '%s' (expected folded, svg or "
						   "top)", optarg);
			writer = writer_find(optarg);
			break;
		case OPT_NORMALIZE:
			dopts.normalize = 1;
			break;
		case OPT_STRIP_HEX:
			dopts.strip_hex = 1;
			break;
		case OPT_NEGATE:
			wo.column = DIFF_BEFORE;
			break;
		case OPT_FAIL_ABOVE:
			if (parse_double(optarg, 0, 100, &fail_above))
				return usage_error("invalid --fail-above '%s' (expected 0..100 "
						   "percentage points)", optarg);
			break;
		case OPT_FUNCTION:
			function = optarg;
			break;
		case 'h':
			diff_usage(stdout);
			return EXIT_OK;
		default:
			if ((err = view_option(c, optarg, &wo, cmd->name)))
				return err;
			break;
		}
	}
	if (argc - optind != 2)
		return usage_error(argc - optind < 2 ? "diff needs two profiles: BEFORE AFTER" :
				   "unexpected argument '%s'", argv[argc - 1]);
	if (function && fail_above < 0)
		return usage_error("--function is for the gate: give --fail-above too");
	if (!writer && output) {
		writer = writer_for_path(output);
		if (writer && strcmp(writer->name, "folded") && strcmp(writer->name, "svg") &&
		    strcmp(writer->name, "top"))
			return usage_error("cannot diff into '%s' (formats: folded, svg, top)",
					   output);
	}
	if (function) {
		if ((err = regcomp(&re, function, REG_EXTENDED | REG_NOSUB))) {
			char msg[128];

			regerror(err, &re, msg, sizeof(msg));
			return usage_error("invalid --function '%s': %s", function, msg);
		}
		have_re = 1;
	}
	if (!dopts.normalize) {
		rc = diff_inputs(argv + optind, &dopts, &d);
	} else {
		/* BEFORE's scale needs AFTER's total: both are held */
		for (i = 0; i < 2 && !rc; i++)
			rc = load(argv[optind + i], &in[i], &col[i]);
		if (!rc) {
			struct diff_opts raw = dopts;

			/* shares and the noise come from the counts as they are */
			raw.normalize = 0;
			err = diff_new(in[0], col[0], in[1], col[1], &raw, &d);
			if (!err)
				err = diff_new(in[0], col[0], in[1], col[1], &dopts, &shown);
			if (err) {
				fprintf(stderr, "cprof: diff failed: %s\n", strerror(-err));
				rc = EXIT_FAILURE_RUNTIME;
			}
		}
		profile_free(in[0]);
		profile_free(in[1]);
	}
	if (!rc && (writer || output || fail_above < 0)) {
		if (!writer)
			writer = writer_find("folded");
		rc = write_out(writer, strcmp(writer->name, "top") && shown ? shown : d, &wo, output);
	}
	if (!rc && fail_above >= 0) {
		size_t failed = gate(d, fail_above, have_re ? &re : NULL, stderr);

		if (failed)
			rc = EXIT_GATE;
		else
			fprintf(stderr, "cprof: gate passed: no self share grew by more than %g points "
					"beyond the noise\n", fail_above);
	}
	if (have_re)
		regfree(&re);
	profile_free(shown);
	profile_free(d);
	return rc;
}
