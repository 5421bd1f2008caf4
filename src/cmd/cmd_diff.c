/* cprof diff: two profiles compared, as a profile, a flame graph, a table or a gate. */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/cmd.h"
#include "cprof/diff.h"
#include "cprof/noise.h"
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
		"a pprof file; the kind is read from the content, not the name.\n"
		"The builds may differ: functions are matched by name, never by address\n"
		"(Go's .abi0/.abiinternal suffixes, runtime.goexit at the root,\n"
		"runtime.asyncPreempt and V8's tier marks, JS:~f / JS:*f, dropped);\n"
		"the first frame of a folded line is the thread's name.\n"
		"\n"
		"Costs: each function's self and total (inclusive) CPU time, when both\n"
		"inputs carry time (data files, pprof with a period); else (folded) its\n"
		"share of its side's samples, and the output says so. --per divides each\n"
		"side's costs by its units of work; without it both runs are taken to\n"
		"have done the same work.\n"
		"\n"
		"Noise: each side's variance comes from the recording itself: a data file\n"
		"is cut into %u to %u time slices and the spread of a function's cost from\n"
		"slice to slice gives it (batch means); an input without timestamps has\n"
		"counting noise (independent samples). A change is beyond the noise when\n"
		"its interval, delta +- q * sqrt(var_before + var_after), excludes 0, q\n"
		"set for 95 %% over the table (Bonferroni; Student's t with the slices'\n"
		"degrees of freedom); the gate's q is one sided, over the costs that can\n"
		"grow by --fail-above. See docs/diff.md.\n"
		"\n"
		"Formats (--format, or from the extension of -o):\n"
		"  folded  (default) difffolded.pl's \"stack BEFORE AFTER\", for flamegraph.pl\n"
		"  svg     a differential flame graph of BEFORE and AFTER merged: each frame\n"
		"          as wide as the larger of its two costs (what went away is drawn),\n"
		"          red where it grew, blue where it shrank; hover shows both costs\n"
		"  top     functions by how far their self or total cost moved: each side's\n"
		"          cost, the change with its interval, '*' beyond the noise\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE    write here instead of standard output\n"
		"  -f, --format NAME    folded, svg or top\n"
		"      --per B,A        BEFORE did B units of work, AFTER A (requests served,\n"
		"                       iterations): costs are per unit of work\n"
		"      --shares         compare shares of each side's samples, not time: for\n"
		"                       runs of a fixed time rather than a fixed work\n"
		"      --normalize      folded, svg: scale BEFORE's counts to AFTER's total\n"
		"                       (the costs and the noise do not depend on it)\n"
		"      --strip-hex      write every 0x hex number of a name as 0x... (as\n"
		"                       difffolded.pl -s), so that addresses match\n"
		"      --negate         svg: widths of BEFORE only, not the larger of both\n"
		"      --lang LANG      python, js or native: compare only that language's\n"
		"                       frames, the others' time charged to their caller\n"
		"      --limit N        top: rows (default 25, 0: all)\n"
		"      --title TEXT     svg: the title\n"
		"      --width PIXELS   svg: width (default 1200)\n"
		"      --minwidth PX    svg: merge frames narrower than PX (default 0.1)\n"
		"Regression gate (without -f or -o nothing else is written):\n"
		"      --fail-above PP  fail, naming them, if some function's self or total\n"
		"                       cost grew by more than PP points of BEFORE's whole\n"
		"                       cost, and its share of the run grew beyond the\n"
		"                       noise (a run slower all over is --fail-above-pct's)\n"
		"      --fail-above-pct PCT\n"
		"                       fail if the whole program's cost grew by more than\n"
		"                       PCT %% beyond the noise (needs time: not folded)\n"
		"      --function RE    only functions whose name matches the extended\n"
		"                       regular expression RE count for --fail-above\n"
		"  -h, --help           show this help\n"
		"\n"
		"Examples:\n"
		"  cprof diff before.data after.data | flamegraph.pl > diff.svg\n"
		"  cprof diff -o diff.svg before.data after.data\n"
		"  cprof diff -f top old.folded new.pb.gz\n"
		"  cprof diff --fail-above 2 --function '^parse_' base.data pr.data  # in CI\n"
		"  cprof diff --per 3000,57000 --fail-above 2 base.data pr.data\n"
		"\n"
		"Exit codes:\n"
		"  0  success (and the gate, if asked, passed)\n"
		"  1  runtime failure (write error, out of memory)\n"
		"  2  usage error (unknown option, bad number, bad regular expression)\n"
		"  3  an input missing, unreadable, or neither a cprof data file, folded\n"
		"     stacks nor a pprof profile\n"
		"  5  the gate failed: a cost grew beyond --fail-above or --fail-above-pct\n",
		NOISE_SLICES, NOISE_SLICES_MAX);
}

/*
 * Load PATH into *OUT and its sample column into *COL. Says what is wrong
 * on stderr; returns an exit code.
 */
static int load(const char *path, enum view_lang lang, struct profile **out, uint32_t *col)
{
	int rc = input_load_timeline(path, out);
	struct profile *v;

	if (!rc && lang != VIEW_AUTO && lang != VIEW_ALL) {
		if (view_lang(*out, lang, &v)) {
			fprintf(stderr, "cprof: diff failed: %s\n", strerror(ENOMEM));
			rc = EXIT_FAILURE_RUNTIME;
		} else {
			profile_free(*out);
			*out = v;
		}
	}
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
 * The diff of the inputs PATHS[0] (before) and PATHS[1] (after) into *OUT
 * and its verdict into *V (WORK: --per's, or NULL), one input in memory at
 * a time: each is freed once added. Says what is wrong on stderr; returns
 * an exit code.
 */
static int diff_inputs(char **paths, const struct diff_opts *o, const double *work,
		       enum view_lang lang, struct profile **out, struct diff_verdict **v)
{
	struct differ *df = NULL;
	struct profile *in = NULL;
	uint32_t col;
	int i, rc = EXIT_OK, err = differ_new(o, &df);

	for (i = 0; i < 2 && !err && !rc; i++) {
		rc = load(paths[i], lang, &in, &col);
		if (!rc)
			err = differ_add(df, in, col, i ? DIFF_AFTER : DIFF_BEFORE, 1.0);
		profile_free(in);
		in = NULL;
	}
	if (!rc && !err)
		err = differ_verdict(df, work, v);
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

/* COST of verdict V as text: "1.234 ms" of CPU, or "12.34%" of the side's samples. */
static void cost_text(const struct diff_verdict *v, double cost, char *s, size_t size)
{
	if (v->time)
		snprintf(s, size, "%.3f ms", cost / 1e6);
	else
		snprintf(s, size, "%.2f%%", cost);
}

/* What the costs of V are, for the user: one line on F. */
static void say_costs(const struct diff_verdict *v, FILE *f)
{
	if (!v->time)
		fprintf(f, "cprof: costs: shares of each side's samples (%s), noise from %s\n",
			v->shares ? "--shares" : "an input carries no time: folded", v->slices[0] > 1 && v->slices[1] > 1 ?
			"time slices" : "counting (no timestamps)");
	else
		fprintf(f, "cprof: costs: CPU time %s; noise from %s\n",
			v->per ? "per unit of work (--per)" :
				 "of each run, taken to have done the same work (no --per)",
			v->slices[0] > 1 && v->slices[1] > 1 ? "time slices of each recording" :
			"counting (an input without timestamps)");
}

static int by_points(const void *a, const void *b)
{
	const struct diff_func *x = a, *y = b;
	double px = x->self_change.points > x->total_change.points ? x->self_change.points :
								      x->total_change.points;
	double py = y->self_change.points > y->total_change.points ? y->self_change.points :
								      y->total_change.points;

	return px < py ? 1 : px > py ? -1 : strcmp(x->name, y->name);
}

/*
 * C grew by more than PP points, and its share grew beyond the gate's
 * interval (Q standard errors): growth the whole's does not explain
 */
static int tripped(const struct diff_verdict *v, const struct diff_change *c, double pp, double q)
{
	return v->count[0] > 0 && v->count[1] > 0 && c->points > pp &&
	       c->share_delta > q * c->share_se;
}

static int keep_matching(void *re, const struct diff_func *f)
{
	return !regexec(re, f->name, 0, NULL, 0);
}

/* Print the functions that fail the gate (V's funcs reordered); returns how many. */
static size_t gate(struct diff_verdict *v, double pp, const regex_t *re, FILE *out)
{
	size_t i, failed = 0, tests;
	double q = diff_gate_q(v, pp, re ? keep_matching : NULL, (void *)re, &tests);

	if (v->n) /* qsort of an empty, NULL array is undefined */
		qsort(v->funcs, v->n, sizeof(*v->funcs), by_points);
	for (i = 0; i < v->n; i++) {
		const struct diff_func *f = &v->funcs[i];
		const struct diff_change *s = &f->self_change, *t = &f->total_change;
		int ts = tripped(v, s, pp, q), tt = tripped(v, t, pp, q);
		const struct diff_change *c = tt && (!ts || t->points >= s->points) ? t : s;
		char sb[32], sa[32], tb[32], ta[32];
		char *name;

		if ((!ts && !tt) || (re && regexec(re, f->name, 0, NULL, 0)))
			continue;
		name = printable_dup(f->name); /* the profiled process named it */
		cost_text(v, s->before, sb, sizeof(sb));
		cost_text(v, s->after, sa, sizeof(sa));
		cost_text(v, t->before, tb, sizeof(tb));
		cost_text(v, t->after, ta, sizeof(ta));
		fprintf(out, "cprof: regression: %s: %s grew: self %s -> %s, total %s -> %s (%+.2f pp "
			     "of BEFORE's cost, more than --fail-above %g; its share %+.2f pp, beyond "
			     "the noise %.2f = %.2f x %.2f, one sided over %zu costs)\n",
			name ? name : "?", ts && tt ? "self and total" : ts ? "self" : "total", sb, sa,
			tb, ta, c->points, pp, c->share_delta, q * c->share_se, q, c->share_se, tests);
		free(name);
		failed++;
	}
	return failed;
}

/* The whole program's gate: 1 (said on OUT) if its cost grew by more than PCT %. */
static int gate_whole(const struct diff_verdict *v, double pct, FILE *out)
{
	const struct diff_change *c = &v->whole;
	char b[32], a[32], m[32];

	if (!v->time) {
		fprintf(out, "cprof: warning: --fail-above-pct compares CPU time, which an input "
			     "does not carry (folded): not checked\n");
		return 0;
	}
	if (!(c->points > pct && c->significant && c->delta > 0))
		return 0;
	cost_text(v, c->before, b, sizeof(b));
	cost_text(v, c->after, a, sizeof(a));
	cost_text(v, c->margin, m, sizeof(m));
	fprintf(out, "cprof: regression: the whole program: %s -> %s (%+.2f %%, noise +-%s), more "
		     "than --fail-above-pct %g\n", b, a, c->points, m, pct);
	return 1;
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

/* --per B,A: two positive numbers. 0, or -EINVAL. */
static int parse_per(const char *arg, double work[2])
{
	const char *comma = strchr(arg, ',');
	char first[64];

	if (!comma || (size_t)(comma - arg) >= sizeof(first))
		return -EINVAL;
	memcpy(first, arg, (size_t)(comma - arg));
	first[comma - arg] = '\0';
	if (parse_double(first, 0, 1e18, &work[0]) || parse_double(comma + 1, 0, 1e18, &work[1]) ||
	    !(work[0] > 0) || !(work[1] > 0))
		return -EINVAL;
	return 0;
}

int cmd_diff(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_SHARES = 256, OPT_NORMALIZE, OPT_STRIP_HEX, OPT_NEGATE, OPT_FAIL_ABOVE, OPT_FAIL_PCT,
	       OPT_FUNCTION, OPT_PER };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "per", required_argument, NULL, OPT_PER },
		{ "shares", no_argument, NULL, OPT_SHARES },
		{ "normalize", no_argument, NULL, OPT_NORMALIZE },
		{ "strip-hex", no_argument, NULL, OPT_STRIP_HEX },
		{ "negate", no_argument, NULL, OPT_NEGATE },
		VIEW_LONGOPTS,
		{ "fail-above", required_argument, NULL, OPT_FAIL_ABOVE },
		{ "fail-above-pct", required_argument, NULL, OPT_FAIL_PCT },
		{ "function", required_argument, NULL, OPT_FUNCTION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct writer_opts wo = { .column = DIFF_AFTER, .limit = 25, .width = 1200,
				  .minwidth = 0.1, .diff = 1 };
	struct diff_opts dopts = { 0 };
	const struct writer *writer = NULL;
	const char *output = NULL, *function = NULL;
	struct profile *d = NULL, *shown = NULL;
	struct diff_verdict *v = NULL;
	regex_t re;
	int c, err, rc = EXIT_OK, have_re = 0, per = 0;
	double fail_above = -1, fail_pct = -1, work[2];

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
		case OPT_PER:
			if (parse_per(optarg, work))
				return usage_error("invalid --per '%s' (expected BEFORE,AFTER: two "
						   "positive numbers of units of work)", optarg);
			per = 1;
			break;
		case OPT_SHARES:
			dopts.shares = 1;
			break;
		case OPT_NORMALIZE:
			dopts.normalize = 1;
			break;
		case OPT_STRIP_HEX:
			dopts.strip_hex = 1;
			break;
		case OPT_NEGATE:
			wo.column = DIFF_BEFORE;
			wo.diff_column_only = 1;
			break;
		case OPT_FAIL_ABOVE:
			if (parse_double(optarg, 0, 100, &fail_above))
				return usage_error("invalid --fail-above '%s' (expected 0..100 "
						   "percentage points)", optarg);
			break;
		case OPT_FAIL_PCT:
			if (parse_double(optarg, 0, 1e6, &fail_pct))
				return usage_error("invalid --fail-above-pct '%s' (expected a "
						   "percentage, 0 or more)", optarg);
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
	rc = diff_inputs(argv + optind, &dopts, per ? work : NULL, wo.lang, &d, &v);
	if (!rc && dopts.normalize) {
		/* the counts drawn: BEFORE's scaled; the costs and the noise stay the recorded ones */
		err = diff_new(d, DIFF_BEFORE, d, DIFF_AFTER, &dopts, &shown);
		if (err) {
			fprintf(stderr, "cprof: diff failed: %s\n", strerror(-err));
			rc = EXIT_FAILURE_RUNTIME;
		}
	}
	wo.verdict = v;
	if (!rc && (writer || output || (fail_above < 0 && fail_pct < 0))) {
		if (!writer)
			writer = writer_find("folded");
		rc = write_out(writer, strcmp(writer->name, "top") && shown ? shown : d, &wo, output);
	}
	if (!rc && (fail_above >= 0 || fail_pct >= 0)) {
		size_t failed = 0;

		say_costs(v, stderr);
		if (fail_above >= 0)
			failed += gate(v, fail_above, have_re ? &re : NULL, stderr);
		if (fail_pct >= 0)
			failed += (size_t)gate_whole(v, fail_pct, stderr);
		if (failed)
			rc = EXIT_GATE;
		else if (fail_above >= 0)
			fprintf(stderr, "cprof: gate passed: no function's self or total cost grew by "
					"more than %g points of BEFORE's cost beyond the noise\n",
				fail_above);
		else
			fprintf(stderr, "cprof: gate passed: the whole program's cost grew by no more "
					"than %g %% beyond the noise\n", fail_pct);
	}
	if (have_re)
		regfree(&re);
	diff_verdict_free(v);
	profile_free(shown);
	profile_free(d);
	return rc;
}
