#include "cprof/diff.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/noise.h"
#include "cprof/util.h"

struct fcost {               /* a function's counts on one side, and their variances */
	double self, total, vself, vtotal;
};

struct side {                /* what the inputs of one column brought, by diff frame */
	struct fcost *f;
	size_t n;
	double count, time;      /* counts in all; the CPU ns they stand for */
	int untimed;             /* an input had no time column */
	uint32_t slices;         /* the fewest of an input; 0 before the first */
};

struct differ {
	struct profile *d;
	struct side side[2];
	struct idtab by_name;    /* frames of d by name: each name is one frame */
	struct buf name;
	uint32_t *frames;        /* a stack being copied */
	size_t cap;
	struct diff_opts o;
};

static int ends_with(const char *s, size_t len, const char *tail)
{
	size_t n = strlen(tail);

	return len > n && !memcmp(s + len - n, tail, n);
}

int diff_match_name(struct buf *b, const char *name, int strip_hex)
{
	static const char *const cosmetic[] = { ".abi0", ".abiinternal" };
	static const char *const v8_kinds[] = { "JS:", "LazyCompile:", "Function:", "Script:" };
	const char *s = name;
	size_t len = strlen(name), i, end;

	for (i = 0; i < sizeof(cosmetic) / sizeof(*cosmetic); i++)
		if (ends_with(name, len, cosmetic[i]))
			len -= strlen(cosmetic[i]);
	b->len = 0;
	for (i = 0; i < sizeof(v8_kinds) / sizeof(*v8_kinds); i++) {
		size_t k = strlen(v8_kinds[i]);

		/* V8's tier: ~ interpreted, ^ baseline, + Maglev, * TurboFan: one function */
		if (len > k + 1 && !strncmp(s, v8_kinds[i], k) && strchr("~^+*", s[k])) {
			if (buf_append(b, s, k))
				return -ENOMEM;
			s += k + 1;
			len -= k + 1;
			break;
		}
	}
	for (end = 0; end < len;) {
		size_t n = 1;

		if (strip_hex && s[end] == '0' && s[end + 1] == 'x' && end + 2 < len &&
		    strchr("0123456789abcdefABCDEF", s[end + 2])) {
			n = 2;
			while (end + n < len && strchr("0123456789abcdefABCDEF", s[end + n]))
				n++;
			if (buf_puts(b, "0x..."))
				return -ENOMEM;
		} else if (buf_append(b, s + end, 1)) {
			return -ENOMEM;
		}
		end += n;
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
	const char *name;
	uint32_t h;
	int err;

	if ((err = diff_match_name(&df->name, f->name, df->o.strip_hex)))
		return err;
	name = df->name.data;
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

/*
 * Frame ID of the diff is left out of its stacks (OUTER: the outermost
 * frame kept so far): frames one tool writes and another does not, whose
 * time belongs to the frame below or above them. Go's own profiles leave
 * out runtime.goexit, the sentinel every goroutine starts on (cprof's
 * unwinder reaches it), and the wrappers its compiler makes for a go or
 * defer statement's call (X.gowrapN, X.deferwrapN), and charge a sample
 * taken in a function the preemption signal interrupted to
 * runtime.asyncPreempt (the call the signal injects) where cprof's
 * sampler sees the function.
 */
static int dropped(const struct differ *df, uint32_t id, int outer)
{
	static const char *const wrappers[] = { ".gowrap", ".deferwrap" };
	const char *name = df->d->frames[id].name, *dot;
	size_t i, n;

	if (outer && !strcmp(name, "runtime.goexit"))
		return 1;
	if (!strcmp(name, "runtime.asyncPreempt"))
		return 1;
	for (i = 0; i < sizeof(wrappers) / sizeof(*wrappers); i++) {
		if (!(dot = strstr(name, wrappers[i])))
			continue;
		dot += strlen(wrappers[i]);
		n = strspn(dot, "0123456789");
		if (n && !dot[n])
			return 1;
	}
	return 0;
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
	free(df->side[0].f);
	free(df->side[1].f);
	free(df->frames);
	free(df);
}

/* Where the values of an input go, slice by slice, while it is accounted. */
struct slicer {
	const struct profile *d; /* the diff profile: its stacks and frames */
	uint32_t k;              /* slices */
	double *c;               /* [(2 * frame + 0 self / 1 total) * k + slice] */
	double *w;               /* [slice]: the whole */
	uint32_t *seen, stamp;   /* [frame]: counted in the value being added */
};

/* Value V of diff stack STACK in slice K: once to its leaf's self, once to each frame's total. */
static void slicer_add(struct slicer *sl, uint32_t stack, uint32_t k, double v)
{
	const struct profile_stack *st = &sl->d->stacks[stack];
	uint32_t i;

	sl->w[k] += v;
	if (!st->depth)
		return;
	if (!++sl->stamp) { /* wrapped: every frame unseen again */
		memset(sl->seen, 0, sl->d->nframes * sizeof(*sl->seen));
		sl->stamp = 1;
	}
	sl->c[(2 * (size_t)st->frames[st->depth - 1]) * sl->k + k] += v;
	for (i = 0; i < st->depth; i++) {
		uint32_t f = st->frames[i];

		if (sl->seen[f] != sl->stamp) {
			sl->seen[f] = sl->stamp;
			sl->c[(2 * (size_t)f + 1) * sl->k + k] += v;
		}
	}
}

/*
 * Column COL of P (its rows in the diff's stacks ROWSTACK, PROFILE_NONE
 * if none), times SCALE, into the costs and variances of side S: by time
 * slice if P has a timeline, else as one slice (counting noise).
 */
static int side_account(struct side *s, const struct profile *d, const struct profile *p,
			uint32_t col, const uint32_t *rowstack, double scale)
{
	struct slicer sl = { .d = d, .k = 1 };
	uint64_t tmin = UINT64_MAX, tmax = 0;
	size_t i, valued = 0;
	uint32_t tcol = profile_time_column(p, col);
	double count = 0, time = 0;
	int err = -ENOMEM;

	for (i = 0; i < p->nevents; i++)
		if (profile_event_value(p, &p->events[i], col) > 0 &&
		    p->events[i].sample < p->nsamples && rowstack[p->events[i].sample] != PROFILE_NONE) {
			valued++;
			tmin = p->events[i].time < tmin ? p->events[i].time : tmin;
			tmax = p->events[i].time > tmax ? p->events[i].time : tmax;
		}
	if (tmax > tmin)
		sl.k = noise_slices(valued, tmax - tmin);
	sl.c = calloc(2 * d->nframes * sl.k + 1, sizeof(*sl.c));
	sl.w = calloc(sl.k, sizeof(*sl.w));
	sl.seen = calloc(d->nframes + 1, sizeof(*sl.seen));
	if (!sl.c || !sl.w || !sl.seen ||
	    array_reserve(&s->f, &s->n, d->nframes, sizeof(*s->f)))
		goto out;
	for (i = 0; sl.k > 1 && i < p->nevents; i++) {
		const struct profile_event *e = &p->events[i];
		int64_t v = profile_event_value(p, e, col);

		if (v > 0 && e->sample < p->nsamples && rowstack[e->sample] != PROFILE_NONE)
			slicer_add(&sl, rowstack[e->sample],
				   (uint32_t)((double)(e->time - tmin) * sl.k / (double)(tmax - tmin + 1)),
				   (double)v * scale);
	}
	for (i = 0; sl.k == 1 && i < p->nsamples; i++)
		if (rowstack[i] != PROFILE_NONE)
			slicer_add(&sl, rowstack[i], 0, (double)profile_value(p, i, col) * scale);
	for (i = 0; i < d->nframes; i++) {
		const double *cs = &sl.c[2 * i * sl.k], *ct = cs + sl.k;
		uint32_t k;

		for (k = 0; k < sl.k; k++) {
			s->f[i].self += cs[k];
			s->f[i].total += ct[k];
		}
		s->f[i].vself += noise_var(cs, sl.w, sl.k);
		s->f[i].vtotal += noise_var(ct, sl.w, sl.k);
	}
	for (i = 0; i < sl.k; i++)
		count += sl.w[i];
	/* the CPU time a count stands for, if P knows it */
	if (tcol != PROFILE_NONE && !strcmp(p->columns[tcol].unit, "nanoseconds") &&
	    profile_total(p, col) > 0 && profile_total(p, tcol) > 0)
		time = count * (double)profile_total(p, tcol) / (double)profile_total(p, col);
	else
		s->untimed = 1;
	s->count += count;
	s->time += time;
	if (!s->slices || sl.k < s->slices)
		s->slices = sl.k;
	err = 0;
out:
	free(sl.c);
	free(sl.w);
	free(sl.seen);
	return err;
}

int differ_add(struct differ *df, const struct profile *p, uint32_t col, unsigned which,
	       double scale)
{
	uint32_t *fmap, *rowstack;
	size_t i, k, depth;
	int err = 0;

	if (col >= p->ncolumns || which > DIFF_AFTER)
		return -EINVAL;
	fmap = malloc((p->nframes + 1) * sizeof(*fmap));
	rowstack = malloc((p->nsamples + 1) * sizeof(*rowstack));
	if (!fmap || !rowstack) {
		free(fmap);
		free(rowstack);
		return -ENOMEM;
	}
	memset(fmap, 0xff, (p->nframes + 1) * sizeof(*fmap));
	memset(rowstack, 0xff, (p->nsamples + 1) * sizeof(*rowstack));
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
		for (k = 0, depth = 0; k < st->depth && !err; k++) {
			uint32_t *m = &fmap[st->frames[k]];

			if (*m == UINT32_MAX)
				err = copy_frame(df, p, &p->frames[st->frames[k]], m);
			if (!err && !dropped(df, *m, !depth))
				df->frames[depth++] = *m;
		}
		if (!err)
			err = profile_stack(df->d, df->frames, depth, &stack);
		if (!err)
			err = profile_thread(df->d, 0, 0, t->comm[0] ? t->comm : t->process,
					     t->comm[0] ? t->comm : t->process, &thread);
		if (!err)
			err = profile_add(df->d, stack, thread, v, NULL);
		if (!err)
			rowstack[i] = stack;
	}
	if (!err)
		err = side_account(&df->side[which], df->d, p, col, rowstack, scale);
	free(fmap);
	free(rowstack);
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

/*
 * The change from cost B (variance VB) to A (VA), both per unit of work,
 * as C; WHOLE is BEFORE's whole cost, Q the interval's multiplier. No
 * interval without samples on both sides: nothing can be said.
 */
static void change(double b, double vb, double a, double va, double whole, double q, int both,
		   struct diff_change *c)
{
	c->before = b;
	c->after = a;
	c->delta = a - b;
	c->se = sqrt((vb > 0 ? vb : 0) + (va > 0 ? va : 0));
	c->margin = q * c->se;
	c->points = whole > 0 ? 100 * c->delta / whole : 0;
	c->significant = both && fabs(c->delta) > c->margin;
}

/*
 * The change of C's share of each side's whole, from counts XB of WB (their
 * variance VB) to XA of WA: the part of a cost's change that the whole's
 * change does not explain. A share's variance leaves out the whole's
 * counting noise (p^2 W).
 */
static void share_change(double xb, double vb, double wb, double xa, double va, double wa,
			 struct diff_change *c)
{
	double pb = wb > 0 ? xb / wb : 0, pa = wa > 0 ? xa / wa : 0;
	double sb = wb > 0 ? (vb - pb * pb * wb) / (wb * wb) : 0;
	double sa = wa > 0 ? (va - pa * pa * wa) / (wa * wa) : 0;
	double p0 = wb + wa > 0 ? (xb + xa) / (wb + wa) : 0;

	/*
	 * never below the binomial at the pooled share: a cost with no sample
	 * on one side (Go's own profile samples at 100 Hz) still had its chance
	 */
	if (wb > 0 && sb < p0 * (1 - p0) / wb)
		sb = p0 * (1 - p0) / wb;
	if (wa > 0 && sa < p0 * (1 - p0) / wa)
		sa = p0 * (1 - p0) / wa;

	c->share_delta = 100 * (pa - pb);
	c->share_se = 100 * sqrt((sb > 0 ? sb : 0) + (sa > 0 ? sa : 0));
}

/* The variance of a cost of X counts of side S, whose variance in counts is V. */
static double cost_var(const struct diff_verdict *v, const struct side *s, unsigned which,
		       double x, double var)
{
	double p = s->count > 0 ? x / s->count : 0;

	/* a share has no noise from the whole: the counting noise of the whole is out */
	if (!v->time)
		var -= p * p * s->count;
	return var * v->scale[which] * v->scale[which];
}

int differ_verdict(const struct differ *df, const double *work, struct diff_verdict **out)
{
	const struct side *sd = df->side;
	struct diff_verdict *v = calloc(1, sizeof(*v));
	double whole[2];
	unsigned dof = 0;
	size_t i, n = 0;
	int c, both;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	if (work && !(work[0] > 0 && work[1] > 0)) {
		free(v);
		return -EINVAL;
	}
	if (!(v->funcs = calloc(df->d->nframes + 1, sizeof(*v->funcs)))) {
		free(v);
		return -ENOMEM;
	}
	v->per = !!work;
	v->shares = df->o.shares;
	v->time = !df->o.shares && !sd[0].untimed && !sd[1].untimed && sd[0].time > 0 && sd[1].time > 0;
	for (c = 0; c < 2; c++) {
		v->work[c] = work ? work[c] : 1;
		v->count[c] = llround(sd[c].count);
		v->slices[c] = sd[c].slices ? sd[c].slices : 1;
		if (sd[c].count > 0)
			v->scale[c] = v->time ? sd[c].time / sd[c].count / v->work[c] :
						100 / sd[c].count;
		whole[c] = sd[c].count * v->scale[c];
		/* the t of the side with the fewest slices; the normal if neither has any */
		if (v->slices[c] > 1 && (!dof || v->slices[c] - 1 < dof))
			dof = v->slices[c] - 1;
	}
	both = sd[0].count > 0 && sd[1].count > 0;
	for (i = 0; i < df->d->nframes; i++) {
		const struct fcost *fc[2] = { i < sd[0].n ? &sd[0].f[i] : NULL,
					      i < sd[1].n ? &sd[1].f[i] : NULL };
		struct diff_func *f = &v->funcs[n];

		if ((!fc[0] || fc[0]->total <= 0) && (!fc[1] || fc[1]->total <= 0))
			continue;
		f->name = df->d->frames[i].name;
		f->module = df->d->frames[i].module;
		for (c = 0; c < 2; c++) {
			f->self[c] = fc[c] ? llround(fc[c]->self) : 0;
			f->total[c] = fc[c] ? llround(fc[c]->total) : 0;
		}
		n++;
	}
	v->n = n;
	v->dof = dof;
	v->q = noise_quantile(0.05 / (double)(2 * (n ? n : 1)), dof);
	for (i = 0, n = 0; i < df->d->nframes; i++) {
		const struct fcost *fc[2] = { i < sd[0].n ? &sd[0].f[i] : NULL,
					      i < sd[1].n ? &sd[1].f[i] : NULL };
		struct fcost z = { 0 }, b, a;
		struct diff_func *f = &v->funcs[n];

		if ((!fc[0] || fc[0]->total <= 0) && (!fc[1] || fc[1]->total <= 0))
			continue;
		b = fc[0] ? *fc[0] : z;
		a = fc[1] ? *fc[1] : z;
		change(b.self * v->scale[0], cost_var(v, &sd[0], 0, b.self, b.vself),
		       a.self * v->scale[1], cost_var(v, &sd[1], 1, a.self, a.vself), whole[0], v->q,
		       both, &f->self_change);
		change(b.total * v->scale[0], cost_var(v, &sd[0], 0, b.total, b.vtotal),
		       a.total * v->scale[1], cost_var(v, &sd[1], 1, a.total, a.vtotal), whole[0],
		       v->q, both, &f->total_change);
		share_change(b.self, b.vself, sd[0].count, a.self, a.vself, sd[1].count,
			     &f->self_change);
		share_change(b.total, b.vtotal, sd[0].count, a.total, a.vtotal, sd[1].count,
			     &f->total_change);
		n++;
	}
	/* the whole, one test: counting noise only (one recording says nothing of the next's) */
	change(whole[0], v->time ? sd[0].count * v->scale[0] * v->scale[0] : 0, whole[1],
	       v->time ? sd[1].count * v->scale[1] * v->scale[1] : 0, whole[0],
	       noise_quantile(0.05, 0), both, &v->whole);
	*out = v;
	return 0;
}

static int by_pair(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1];
}

double diff_gate_q(const struct diff_verdict *v, double pp,
		   int (*keep)(void *ctx, const struct diff_func *f), void *ctx, size_t *tests)
{
	double *pairs = malloc((2 * v->n + 1) * 2 * sizeof(*pairs));
	size_t i, n = 0, m = 0;
	int c;

	for (i = 0; pairs && i < v->n; i++) {
		const struct diff_func *f = &v->funcs[i];

		if (keep && !keep(ctx, f))
			continue;
		for (c = 0; c < 2; c++) {
			const struct diff_change *ch = c ? &f->total_change : &f->self_change;

			if (v->whole.before > 0 && 100 * ch->after / v->whole.before > pp) {
				pairs[2 * n] = ch->before;
				pairs[2 * n + 1] = ch->after;
				n++;
			}
		}
	}
	if (!pairs) { /* no memory to sort: every cost a test, as the table counts them */
		m = 2 * v->n;
	} else {
		if (n)
			qsort(pairs, n, 2 * sizeof(*pairs), by_pair);
		for (i = 0; i < n; i++)
			m += !i || by_pair(&pairs[2 * i], &pairs[2 * (i - 1)]);
	}
	free(pairs);
	if (!m)
		m = 1;
	*tests = m;
	/* one sided at 0.05 / m: the two-sided quantile of twice that */
	return noise_quantile(2 * 0.05 / (double)m, v->dof);
}

void diff_verdict_free(struct diff_verdict *v)
{
	if (!v)
		return;
	free(v->funcs);
	free(v);
}

int diff_verdict_of(const struct profile *d, struct diff_verdict **out)
{
	struct differ df = { .d = (struct profile *)d }; /* read only: no differ_add */
	uint32_t *rowstack = malloc((d->nsamples + 1) * sizeof(*rowstack));
	size_t i;
	unsigned c;
	int err = d->ncolumns == 2 ? 0 : -EINVAL;

	*out = NULL;
	if (!rowstack)
		return -ENOMEM;
	for (c = 0; c < 2 && !err; c++) {
		for (i = 0; i < d->nsamples; i++)
			rowstack[i] = profile_value(d, i, c) > 0 ? d->samples[i].stack : PROFILE_NONE;
		err = side_account(&df.side[c], d, d, c, rowstack, 1.0);
	}
	if (!err)
		err = differ_verdict(&df, NULL, out);
	free(df.side[0].f);
	free(df.side[1].f);
	free(rowstack);
	return err;
}

int diff_functions(const struct profile *d, struct diff_func **out, size_t *n, double *z)
{
	struct diff_verdict *v = NULL;
	int err = diff_verdict_of(d, &v);

	*out = NULL;
	*n = 0;
	if (err)
		return err;
	*out = v->funcs;
	*n = v->n;
	if (z)
		*z = v->q;
	v->funcs = NULL;
	diff_verdict_free(v);
	return 0;
}
