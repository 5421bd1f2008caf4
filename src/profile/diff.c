#include "cprof/diff.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/functable.h"
#include "cprof/util.h"

struct differ {
	struct profile *d;
	struct idtab by_name;    /* frames of d by name: each name is one frame */
	struct buf name;
	uint32_t *frames;        /* a stack being copied */
	size_t cap;
	struct diff_opts o;
};

/* NAME with every 0x hex number as "0x...", into B (NUL-terminated). */
static int strip_hex(struct buf *b, const char *name)
{
	const char *s = name;

	b->len = 0;
	while (*s) {
		size_t n = 2;

		if (s[0] == '0' && s[1] == 'x' && strchr("0123456789abcdefABCDEF", s[2]) && s[2]) {
			while (s[n] && strchr("0123456789abcdefABCDEF", s[n]))
				n++;
			if (buf_puts(b, "0x..."))
				return -ENOMEM;
		} else {
			n = 1;
			if (buf_append(b, s, 1))
				return -ENOMEM;
		}
		s += n;
	}
	return buf_append(b, "", 1) ? -ENOMEM : 0;
}

struct by_name {
	const struct profile *d;
	const char *name;        /* interned in d */
};

static int name_eq(const void *ctx, uint32_t id)
{
	const struct by_name *q = ctx;

	return q->d->frames[id].name == q->name;
}

/* The diff's frame of F of profile P: the same id for the same name. */
static int copy_frame(struct differ *df, const struct profile *p, const struct profile_frame *f,
		      uint32_t *id)
{
	struct profile_frame c = { .module = PROFILE_NONE, .location = PROFILE_NONE,
				   .kind = f->kind, .symbolized = f->symbolized };
	struct by_name q = { df->d, NULL };
	const char *name = f->name;
	uint32_t h;
	int err;

	if (df->o.strip_hex) {
		if ((err = strip_hex(&df->name, f->name)))
			return err;
		name = df->name.data;
	}
	if (!(q.name = c.name = c.mangled = profile_str(df->d, name)))
		return -ENOMEM;
	/* interned: the same name is the same pointer */
	h = (uint32_t)hash_bytes(&q.name, sizeof(q.name), 0);
	if ((*id = idtab_find(&df->by_name, h, name_eq, &q)) != UINT32_MAX)
		return 0;
	if (f->module < p->nmodules) {
		const char *path = p->modules[f->module].path, *base = strrchr(path, '/');

		if ((err = profile_module(df->d, base ? base + 1 : path, "", &c.module)))
			return err;
	}
	if ((err = profile_frame(df->d, &c, id)))
		return err;
	return idtab_add(&df->by_name, h, *id);
}

int differ_new(const struct diff_opts *o, struct differ **out)
{
	struct differ *df = calloc(1, sizeof(*df));
	uint32_t col;
	int err = -ENOMEM;

	*out = NULL;
	if (!df)
		return -ENOMEM;
	df->o = *o;
	idtab_init(&df->by_name);
	buf_init(&df->name);
	if ((err = profile_new(&df->d)) ||
	    (err = profile_add_column(df->d, "before", "count", &col)) ||
	    (err = profile_add_column(df->d, "after", "count", &col))) {
		differ_free(df);
		return err;
	}
	*out = df;
	return 0;
}

void differ_free(struct differ *df)
{
	if (!df)
		return;
	profile_free(df->d);
	idtab_release(&df->by_name);
	buf_release(&df->name);
	free(df->frames);
	free(df);
}

int differ_add(struct differ *df, const struct profile *p, uint32_t col, unsigned which,
	       double scale)
{
	uint32_t *fmap;
	size_t i, k;
	int err = 0;

	if (col >= p->ncolumns || which > DIFF_AFTER)
		return -EINVAL;
	if (!(fmap = malloc((p->nframes + 1) * sizeof(*fmap))))
		return -ENOMEM;
	memset(fmap, 0xff, (p->nframes + 1) * sizeof(*fmap));
	for (i = 0; i < p->nsamples && !err; i++) {
		const struct profile_stack *st = &p->stacks[p->samples[i].stack];
		const struct profile_thread *t = &p->threads[p->samples[i].thread];
		int64_t v[2] = { 0, 0 };
		uint32_t stack, thread;

		v[which] = profile_value(p, i, col);
		if (scale != 1.0)
			v[which] = llround((double)v[which] * scale);
		if (v[which] <= 0)
			continue;
		if (array_reserve(&df->frames, &df->cap, st->depth + 1, sizeof(*df->frames))) {
			err = -ENOMEM;
			break;
		}
		for (k = 0; k < st->depth && !err; k++) {
			uint32_t *m = &fmap[st->frames[k]];

			if (*m == UINT32_MAX)
				err = copy_frame(df, p, &p->frames[st->frames[k]], m);
			df->frames[k] = *m;
		}
		if (!err)
			err = profile_stack(df->d, df->frames, st->depth, &stack);
		if (!err)
			err = profile_thread(df->d, 0, 0, t->comm[0] ? t->comm : t->process,
					     t->comm[0] ? t->comm : t->process, &thread);
		if (!err)
			err = profile_add(df->d, stack, thread, v, NULL);
	}
	free(fmap);
	if (!err && which == DIFF_AFTER) {
		df->d->meta.duration_ns = p->meta.duration_ns;
		df->d->meta.freq = p->meta.freq;
	}
	return err;
}

struct profile *differ_take(struct differ *df)
{
	struct profile *d = df->d;

	df->d = NULL;
	differ_free(df);
	return d;
}

int diff_new(const struct profile *before, uint32_t bcol, const struct profile *after,
	     uint32_t acol, const struct diff_opts *o, struct profile **out)
{
	struct differ *df = NULL;
	int64_t tb, ta;
	int err;

	*out = NULL;
	if (bcol >= before->ncolumns || acol >= after->ncolumns)
		return -EINVAL;
	tb = profile_total(before, bcol);
	ta = profile_total(after, acol);
	if ((err = differ_new(o, &df)) ||
	    (err = differ_add(df, before, bcol, DIFF_BEFORE,
			      o->normalize && tb > 0 ? (double)ta / (double)tb : 1.0)) ||
	    (err = differ_add(df, after, acol, DIFF_AFTER, 1.0))) {
		differ_free(df);
		return err;
	}
	*out = differ_take(df);
	return 0;
}

/* The z of a two-sided level ALPHA: erfc(z / sqrt 2) = ALPHA, by bisection. */
static double z_of(double alpha)
{
	double lo = 0, hi = 40;
	int i;

	for (i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (erfc(mid / sqrt(2.0)) > alpha)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static void change(int64_t x1, int64_t n1, int64_t x2, int64_t n2, double z, struct diff_change *c)
{
	double p1 = n1 > 0 ? (double)x1 / (double)n1 : 0, p2 = n2 > 0 ? (double)x2 / (double)n2 : 0;
	double var = (n1 > 0 ? p1 * (1 - p1) / (double)n1 : 0) +
		     (n2 > 0 ? p2 * (1 - p2) / (double)n2 : 0);

	c->before = 100 * p1;
	c->after = 100 * p2;
	c->delta = 100 * (p2 - p1);
	c->margin = 100 * z * sqrt(var);
	/* no interval without samples on both sides: nothing can be said */
	c->significant = n1 > 0 && n2 > 0 && fabs(c->delta) > c->margin;
}

int diff_functions(const struct profile *d, struct diff_func **out, size_t *n, double *zp)
{
	struct functable t[2] = { { 0 }, { 0 } }; /* before, after: the same rows, unsorted */
	struct diff_func *f = NULL;
	int64_t total[2];
	double z;
	size_t i, c;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (d->ncolumns != 2)
		return -EINVAL;
	for (c = 0; c < 2 && !err; c++)
		err = functable_build(&t[c], d, (uint32_t)c, FUNCTABLE_UNSORTED);
	if (!err && !(f = calloc(t[0].n + 1, sizeof(*f))))
		err = -ENOMEM;
	if (err)
		goto out;
	total[0] = profile_total(d, DIFF_BEFORE);
	total[1] = profile_total(d, DIFF_AFTER);
	z = z_of(0.05 / (double)(2 * (t[0].n ? t[0].n : 1)));
	for (i = 0; i < t[0].n; i++) {
		f[i].name = t[0].rows[i].name;
		f[i].module = t[0].rows[i].module;
		for (c = 0; c < 2; c++) {
			f[i].self[c] = t[c].rows[i].self;
			f[i].total[c] = t[c].rows[i].total;
		}
		change(f[i].self[0], total[0], f[i].self[1], total[1], z, &f[i].self_change);
		change(f[i].total[0], total[0], f[i].total[1], total[1], z, &f[i].total_change);
	}
	*out = f;
	*n = t[0].n;
	if (zp)
		*zp = z;
out:
	functable_release(&t[0]);
	functable_release(&t[1]);
	return err;
}
