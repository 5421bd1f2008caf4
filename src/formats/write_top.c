/*
 * The top table: functions by self (or total) share of the chosen value,
 * "%self %total VALUE function module", under a header describing the
 * recording. On a terminal it fits the width, cutting long names with an
 * ellipsis; in a file nothing is cut.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/diff.h"
#include "cprof/functable.h"
#include "cprof/util.h"
#include "cprof/writer.h"

/* Display columns of UTF-8 S (continuation bytes take none). */
static size_t columns_of(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Print S in WIDTH display columns: cut with an ellipsis if CUT, padded if PAD. */
static void put_cell(FILE *out, const char *str, size_t width, int cut, int pad)
{
	char *s = printable_dup(str); /* names come from the profiled process */
	size_t cols, n = 0;
	const char *p;

	if (!s) {
		fputs("?", out);
		return;
	}
	cols = columns_of(s);
	p = s;

	if (cut && cols > width) {
		/* keep width - 1 columns, then the ellipsis */
		for (; *p && n < width - 1; p++)
			if (((unsigned char)p[1] & 0xc0) != 0x80)
				n++;
		fprintf(out, "%.*s\u2026", (int)(p - s), s);
		free(s);
		return;
	}
	fputs(s, out);
	for (; pad && cols < width; cols++)
		fputc(' ', out);
	free(s);
}

__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t size,
							 const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	if (len < size)
		vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static void header(const struct profile *p, const struct writer_opts *o, int64_t total,
		   FILE *out)
{
	const struct profile_column *c = &p->columns[o->column];
	uint32_t col_samples = profile_column(p, "samples");
	size_t width = o->columns ? o->columns : 80;
	char line[512], *start, *comma, *prev;
	struct pairmap *seen = NULL;
	uint64_t samples = 0;
	size_t i, threads = 0;

	if (col_samples != PROFILE_NONE)
		samples = (uint64_t)profile_total(p, col_samples);
	/* threads are (pid, tid, name): count distinct (pid, tid) */
	if (!pairmap_new(&seen)) {
		for (i = 0; i < p->nthreads; i++)
			pairmap_put(seen, p->threads[i].pid, p->threads[i].tid, 1);
		threads = pairmap_count(seen);
		pairmap_free(seen);
	}
	snprintf(line, sizeof(line), "# %" PRIu64 " samples", samples);
	if (strcmp(c->name, "samples"))
		append(line, sizeof(line), " (%s: %.3f s)", c->name,
		       !strcmp(c->unit, "nanoseconds") ? total / 1e9 : (double)total);
	if (p->meta.duration_ns)
		append(line, sizeof(line), " in %.2f s", p->meta.duration_ns / 1e9);
	if (p->meta.freq)
		append(line, sizeof(line), " at %u Hz", p->meta.freq);
	append(line, sizeof(line), ", %zu thread%s, %" PRIu64 " lost, %.1f%% truncated stacks",
	       threads, threads == 1 ? "" : "s", p->meta.lost,
	       samples ? 100.0 * p->meta.truncated / samples : 0.0);
	/* on a narrow terminal, break the line after its commas */
	for (start = line; o->tty && strlen(start) > width && (comma = strrchr(start, ',')); ) {
		while (comma && (size_t)(comma - start) + 1 > width) {
			*comma = '\0';
			prev = strrchr(start, ',');
			*comma = ',';
			comma = prev;
		}
		if (!comma)
			break;
		fprintf(out, "%.*s\n", (int)(comma + 1 - start), start);
		start = comma + 2;
		start[-2] = '#';
		start -= 2;
	}
	fprintf(out, "%s\n", start);
}

static void value_cell(const struct profile_column *c, int64_t v, char buf[32])
{
	if (!strcmp(c->unit, "nanoseconds"))
		snprintf(buf, 32, "%.3f", v / 1e9);
	else
		snprintf(buf, 32, "%" PRId64, v);
}

/* How far F's costs moved, in points of BEFORE's whole: the sort key of the diff table. */
static double moved(const struct diff_func *f)
{
	double s = fabs(f->self_change.points), t = fabs(f->total_change.points);

	return s > t ? s : t;
}

static int by_change(const void *a, const void *b)
{
	const struct diff_func *x = a, *y = b;
	double mx = moved(x), my = moved(y);

	if (mx != my)
		return mx < my ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* A cost of V: ms of CPU, or percent of its side. */
static double shown_cost(const struct diff_verdict *v, double cost)
{
	return v->time ? cost / 1e6 : cost;
}

/* "before after delta* +-": the change in points of BEFORE's whole, '*' beyond the noise. */
static void put_change(FILE *out, const struct diff_verdict *v, const struct diff_change *c,
		       double whole)
{
	fprintf(out, "%9.3f %9.3f %+9.2f%c %6.2f ", shown_cost(v, c->before),
		shown_cost(v, c->after), c->points, c->significant ? '*' : ' ',
		whole > 0 ? 100 * c->margin / whole : 0);
}

/*
 * Two lines of what the costs are and how the noise was found, then
 * "self-b self-a self-dpp +-pp total-b total-a total-dpp +-pp function module".
 */
static int write_top_diff(const struct profile *p, const struct writer_opts *o, FILE *out)
{
	struct diff_verdict *own = NULL;
	const struct diff_verdict *v = o->verdict;
	struct diff_func *f;
	size_t n, i, rows, namew = 36;
	const char *unit;
	int err = v ? 0 : diff_verdict_of(p, &own);

	if (err)
		return err;
	if (!v)
		v = own;
	if (!(f = malloc((v->n + 1) * sizeof(*f)))) {
		diff_verdict_free(own);
		return -ENOMEM;
	}
	n = v->n;
	if (n) { /* qsort of an empty, NULL array is undefined */
		memcpy(f, v->funcs, n * sizeof(*f));
		qsort(f, n, sizeof(*f), by_change);
	}
	rows = o->limit && o->limit < n ? o->limit : n;
	if (o->tty)
		namew = o->columns > 86 + 10 ? o->columns - 86 : 10;
	unit = !v->time ? "% of each side's samples" : v->per ? "ms of CPU per unit of work" :
			  "ms of CPU, both runs taken to have done the same work (no --per)";
	fprintf(out, "# costs: %s%s; noise: %s; d: the change in points of BEFORE's whole cost, "
		     "+-: its interval, * beyond it (q = %.2f over %zu functions)\n", unit,
		v->time ? "" : v->shares ? " (--shares)" : " (an input carries no time)",
		v->slices[0] > 1 && v->slices[1] > 1 ? "time slices of each recording" :
		"counting (an input without timestamps)", v->q, n);
	fprintf(out, "# before: %lld samples, after: %lld samples; the whole: %.3f -> %.3f (%+.2f %%, "
		     "+-%.2f)\n", (long long)v->count[DIFF_BEFORE], (long long)v->count[DIFF_AFTER],
		shown_cost(v, v->whole.before), shown_cost(v, v->whole.after), v->whole.points,
		v->whole.before > 0 ? 100 * v->whole.margin / v->whole.before : 0);
	fprintf(out, "%9s %9s %10s %6s %9s %9s %10s %6s ", "self-b", "self-a", "self-d", "+-",
		"total-b", "total-a", "total-d", "+-");
	put_cell(out, "function", namew, o->tty, 1);
	fputs("  module\n", out);
	for (i = 0; i < rows; i++) {
		put_change(out, v, &f[i].self_change, v->whole.before);
		put_change(out, v, &f[i].total_change, v->whole.before);
		put_cell(out, f[i].name, namew, o->tty, 1);
		fputs("  ", out);
		put_cell(out, profile_module_name(p, f[i].module), 20, o->tty, 0);
		fputc('\n', out);
	}
	free(f);
	diff_verdict_free(own);
	return ferror(out) ? -EIO : 0;
}

static int write_top(const struct profile *p, const struct writer_opts *o, FILE *out)
{
	const struct profile_column *c = &p->columns[o->column];
	struct functable t = { 0 };
	int64_t total = profile_total(p, o->column);
	size_t i, rows, modw = 6, namew;
	char head[32];
	int err;

	if (o->diff)
		return write_top_diff(p, o, out);
	if ((err = functable_build(&t, p, o->column, o->sort_total)))
		goto out;
	rows = o->limit && o->limit < t.n ? o->limit : t.n;
	for (i = 0; i < rows; i++) {
		size_t w = columns_of(profile_module_name(p, t.rows[i].module));

		if (w > modw)
			modw = w;
	}
	/* "%self %total VALUE  function  module": 7 + 1 + 7 + 1 + 10 + 2 = 28, 2 between */
	if (o->tty) {
		size_t width = o->columns ? o->columns : 80;

		if (modw > 20)
			modw = 20;
		namew = width > 28 + 2 + modw + 10 ? width - 28 - 2 - modw : 10;
	} else {
		namew = 36;
	}
	header(p, o, total, out);
	snprintf(head, sizeof(head), "%s%s", c->name, !strcmp(c->unit, "nanoseconds") ? "(s)" : "");
	fprintf(out, "%7s %7s %10s  ", "%self", "%total", head);
	put_cell(out, "function", namew, o->tty, 1);
	fputs("  module\n", out);
	for (i = 0; i < rows; i++) {
		const struct func_row *f = &t.rows[i];
		char v[32];

		if (!f->self && !f->total)
			break;
		value_cell(c, o->sort_total ? f->total : f->self, v);
		fprintf(out, "%6.2f%% %6.2f%% %10s  ", total ? 100.0 * f->self / total : 0.0,
			total ? 100.0 * f->total / total : 0.0, v);
		put_cell(out, f->name, namew, o->tty, 1);
		fputs("  ", out);
		put_cell(out, profile_module_name(p, f->module), modw, o->tty, 0);
		fputc('\n', out);
	}
	err = ferror(out) ? -EIO : 0;
out:
	functable_release(&t);
	return err;
}

static const char *const extensions[] = { ".txt", ".top", NULL };

const struct writer writer_top = {
	.name = "top",
	.extensions = extensions,
	.summary = "a table of the hottest functions, self and total",
	.write = write_top,
};
