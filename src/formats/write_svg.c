/*
 * An interactive flame graph in one self-contained SVG file, drawn as
 * flamegraph.pl draws it: "all" at the root, the thread name below it, then
 * the stack; frames of the same name along a path merged into one. Every
 * frame is a real <g><title/><rect/><text/></g> element, so the picture
 * needs no script and any XML tool reads every name; the script embedded
 * below adds hover details, click to zoom and a regex search.
 *
 * Frames narrower than o->minwidth pixels are not drawn (their time stays
 * in their parent's width), which bounds the frame count by the width in
 * pixels times the depth, whatever the number of samples.
 *
 * Deep stacks: MAX_ROWS levels are drawn at a time (710 px, a laptop's
 * browser window), so the picture opens on its root and wide frames, not on
 * the tip of a thin tower. A frame of the last level with deeper ones is
 * marked ("cut"): a click on it shows them. If TRUNK of the time runs
 * through one long path, the picture opens zoomed on that path's deepest
 * frame, the levels below collapsed into one bar that a click pages back.
 * The C draws that first view (an <img> runs no script), the script others.
 *
 * A diff (o->diff, diff.h) is drawn as a differential flame graph: the
 * tree of BEFORE and AFTER merged, each frame as wide as the larger of its
 * two costs (o->verdict's, or shares of the counts) and never narrower
 * than its children, so that what went away is drawn as well as what
 * came; with o->diff_column_only the widths of o->column alone. Each frame
 * is red where its cost grew from BEFORE to AFTER and blue where it
 * shrank, the more saturated the larger the change next to the largest.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/diff.h"
#include "cprof/util.h"
#include "cprof/writer.h"

#define ROW 16                   /* pixels a level: a frame and a gap */
#define FRAME_H 15
#define PAD 10                   /* left and right */
#define TOP 36                   /* title and buttons */
#define BOTTOM 34                /* the details line */
#define CHAR_W 7.08              /* of 12px Verdana, as flamegraph.pl reckons */
#define MAX_ROWS 40              /* levels drawn at a time, the bar included */
#define TRUNK 0.9                /* share of the whole that makes a frame the trunk's */

enum { KIND_THREAD = FRAME_PYTHON + 1, KIND_ROOT };

struct node {
	uint32_t label;          /* in the writer's strtab */
	uint32_t parent;
	uint32_t depth;          /* "all" is 0 */
	uint32_t module;         /* PROFILE_NONE: none */
	unsigned kind;           /* enum frame_kind, KIND_THREAD or KIND_ROOT */
	int64_t value;           /* of the whole subtree; a diff's: its width */
	int64_t cnt[2];          /* diff: the subtree's counts of BEFORE and AFTER */
	int64_t x;               /* start, in value units from the left edge */
	uint32_t h;              /* levels of drawn frames above it, 0 for a leaf */
	uint8_t drawn;
	uint8_t in;              /* in the view: IN_ZOOM (the zoomed frame's subtree) or IN_PARENT */
};

enum { IN_ZOOM = 1, IN_PARENT };

/* What is drawn: frame Z's subtree, its parents faded, levels from BASE on (node.h). */
struct view {
	uint32_t z;
	unsigned base, rows;     /* BASE > 0: the levels below it are the bar, row 0 */
	double scale;            /* pixels a value unit */
};

struct tree {
	struct node *nodes;
	size_t n, cap;
	struct strtab *labels;
	double maxdelta;         /* diff: the largest change of cost drawn, 0..1 */
	double scale[2];         /* diff: the cost of a count of each column, the larger whole 1 */
	int time;                /* diff: costs are CPU time (else shares) */
	double big;              /* diff: the larger whole, CPU ns (time) or 1 (shares) */
	double before;           /* diff: BEFORE's whole, the larger 1 */
};

/* A new child of PARENT; its id. */
static int tree_child(struct tree *t, uint32_t parent, uint32_t label, unsigned kind,
		      uint32_t module, uint32_t *id)
{
	struct node *nd;

	if (array_reserve(&t->nodes, &t->cap, t->n + 1, sizeof(*t->nodes)))
		return -ENOMEM;
	nd = &t->nodes[t->n];
	nd->label = label;
	nd->parent = parent;
	nd->depth = t->nodes[parent].depth + 1;
	nd->module = module;
	nd->kind = kind;
	*id = (uint32_t)t->n++;
	return 0;
}

static int intern(struct tree *t, const char *s, uint32_t *id)
{
	return strtab_intern(t->labels, s, strlen(s), id);
}

/* The label of frame F: its name, and its source position if asked. */
static int frame_label(struct tree *t, const struct profile_frame *f, int lines, uint32_t *id)
{
	struct buf b;
	char pos[32];
	int err;

	if (!lines || !f->file || !f->line)
		return intern(t, f->name, id);
	buf_init(&b);
	snprintf(pos, sizeof(pos), ":%u)", f->line);
	err = buf_puts(&b, f->name);
	if (!err)
		err = buf_puts(&b, " (");
	if (!err)
		err = buf_puts(&b, strrchr(f->file, '/') ? strrchr(f->file, '/') + 1 : f->file);
	if (!err)
		err = buf_puts(&b, pos);
	if (!err)
		err = strtab_intern(t->labels, b.data, b.len, id);
	buf_release(&b);
	return err;
}

/* The thread's frame, named as the folded writer names it. */
static int thread_label(struct tree *t, const struct profile_thread *th, enum report_group group,
			uint32_t *id)
{
	const char *comm = th->comm[0] ? th->comm : th->process;
	char s[128];

	if (!comm[0])
		snprintf(s, sizeof(s), ":%u", th->tid);
	else if (group == GROUP_TID)
		snprintf(s, sizeof(s), "%s-%u/%u", comm, th->pid, th->tid);
	else if (group == GROUP_PID)
		snprintf(s, sizeof(s), "%s-%u", comm, th->pid);
	else
		snprintf(s, sizeof(s), "%s", comm);
	return intern(t, s, id);
}

/* What the sort of rows compares: each row's thread label, then its frames' labels and kinds. */
struct rows_ctx {
	const struct profile *p;
	const uint32_t *flabel, *tlabel;
};

static int frame_cmp(const struct rows_ctx *c, uint32_t fa, uint32_t fb)
{
	uint32_t la = c->flabel[fa], lb = c->flabel[fb];
	unsigned ka = c->p->frames[fa].kind, kb = c->p->frames[fb].kind;

	if (la != lb)
		return la < lb ? -1 : 1;
	return ka < kb ? -1 : ka > kb;
}

static int by_path(const void *a, const void *b, void *arg)
{
	const struct rows_ctx *c = arg;
	const struct profile_sample *x = &c->p->samples[*(const uint32_t *)a];
	const struct profile_sample *y = &c->p->samples[*(const uint32_t *)b];
	const struct profile_stack *sx = &c->p->stacks[x->stack], *sy = &c->p->stacks[y->stack];
	uint32_t k;
	int d;

	if (c->tlabel[x->thread] != c->tlabel[y->thread])
		return c->tlabel[x->thread] < c->tlabel[y->thread] ? -1 : 1;
	for (k = 0; k < sx->depth && k < sy->depth; k++)
		if ((d = frame_cmp(c, sx->frames[k], sy->frames[k])))
			return d;
	return sx->depth < sy->depth ? -1 : sx->depth > sy->depth;
}

/*
 * Node 0 is "all"; every row of P adds its value along its path. The rows
 * are sorted by path, as flamegraph.pl sorts its input, so rows that share
 * a prefix are neighbours: each row reuses the nodes of the prefix it has
 * in common with the row before and creates the rest, with no lookups.
 */
static int tree_build(struct tree *t, const struct profile *p, const struct writer_opts *o)
{
	uint32_t *flabel = NULL, *tlabel = NULL, *rows = NULL, *path = NULL, root_label;
	size_t i, k, n = 0, cappath = 0;
	struct rows_ctx ctx;
	int err;

	flabel = malloc((p->nframes + 1) * sizeof(*flabel));
	tlabel = malloc((p->nthreads + 1) * sizeof(*tlabel));
	rows = malloc((p->nsamples + 1) * sizeof(*rows));
	if (!flabel || !tlabel || !rows || array_reserve(&t->nodes, &t->cap, 1, sizeof(*t->nodes))) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = intern(t, "all", &root_label)))
		goto out;
	t->nodes[0] = (struct node){ .label = root_label, .parent = PROFILE_NONE,
				     .module = PROFILE_NONE, .kind = KIND_ROOT };
	t->n = 1;
	for (i = 0; i < p->nframes && !err; i++)
		err = frame_label(t, &p->frames[i], o->lines, &flabel[i]);
	for (i = 0; i < p->nthreads && !err; i++)
		err = thread_label(t, &p->threads[i], o->group, &tlabel[i]);
	if (err)
		goto out;
	/* a diff draws the frames of the other column too (of no width) */
	for (i = 0; i < p->nsamples; i++)
		if (profile_value(p, i, o->column) > 0 ||
		    (o->diff && profile_value(p, i, o->column == DIFF_AFTER ? DIFF_BEFORE : DIFF_AFTER) > 0))
			rows[n++] = (uint32_t)i;
	ctx = (struct rows_ctx){ p, flabel, tlabel };
	qsort_r(rows, n, sizeof(*rows), by_path, &ctx);
	for (i = 0; i < n && !err; i++) {
		const struct profile_sample *s = &p->samples[rows[i]];
		const struct profile_stack *st = &p->stacks[s->stack];
		const struct profile_sample *prev = i ? &p->samples[rows[i - 1]] : NULL;
		const struct profile_stack *pst = prev ? &p->stacks[prev->stack] : NULL;
		int64_t v = profile_value(p, rows[i], o->column);
		int64_t w = o->diff ? profile_value(p, rows[i], o->column == DIFF_AFTER ? DIFF_BEFORE :
							  DIFF_AFTER) : 0;
		size_t same = 0; /* path[0] is the thread's node, path[k + 1] frame k's */

		if (array_reserve(&path, &cappath, (size_t)st->depth + 1, sizeof(*path))) {
			err = -ENOMEM;
			break;
		}
		if (prev && tlabel[prev->thread] == tlabel[s->thread]) {
			same = 1;
			while (same - 1 < st->depth && same - 1 < pst->depth &&
			       !frame_cmp(&ctx, st->frames[same - 1], pst->frames[same - 1]))
				same++;
		}
		if (!same)
			err = tree_child(t, 0, tlabel[s->thread], KIND_THREAD, PROFILE_NONE, &path[0]);
		for (k = same ? same - 1 : 0; k < st->depth && !err; k++) {
			const struct profile_frame *f = &p->frames[st->frames[k]];

			err = tree_child(t, path[k], flabel[st->frames[k]], f->kind, f->module,
					 &path[k + 1]);
		}
		t->nodes[0].value += v;
		for (k = 0; k <= st->depth && !err; k++)
			t->nodes[path[k]].value += v;
		for (k = 0; o->diff && k <= st->depth + 1 && !err; k++) {
			struct node *nd = &t->nodes[k ? path[k - 1] : 0];

			nd->cnt[o->column == DIFF_AFTER] += v;
			nd->cnt[o->column != DIFF_AFTER] += w;
		}
	}
out:
	free(path);
	free(rows);
	free(tlabel);
	free(flabel);
	return err;
}

/* A node's place in the sort of children by parent, then by name as flamegraph.pl orders them. */
struct sibling {
	uint32_t parent, id;
	unsigned kind;
	const char *name;
};

static int by_parent_name(const void *a, const void *b)
{
	const struct sibling *x = a, *y = b;
	int c;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	c = strcmp(x->name, y->name);
	return c ? c : (int)x->kind - (int)y->kind;
}

/*
 * Give every drawn node (at least MINW value units wide) its x. Only the
 * children of drawn nodes are sorted: the rest are never placed. A parent's
 * id is smaller than its children's, so in (parent, name) order a node's x
 * is set before its children are placed.
 */
static int tree_layout(struct tree *t, double minw)
{
	struct sibling *order = malloc(t->n * sizeof(*order));
	size_t i, n = 0;
	int64_t next = 0;

	if (!order)
		return -ENOMEM;
	for (i = 1; i < t->n; i++)
		if ((double)t->nodes[t->nodes[i].parent].value >= minw)
			order[n++] = (struct sibling){ t->nodes[i].parent, (uint32_t)i,
						       t->nodes[i].kind,
						       strtab_str(t->labels, t->nodes[i].label) };
	qsort(order, n, sizeof(*order), by_parent_name);
	t->nodes[0].x = 0;
	for (i = 0; i < n; i++) {
		struct node *nd = &t->nodes[order[i].id];

		if (!i || order[i - 1].parent != nd->parent)
			next = t->nodes[nd->parent].x;
		nd->x = next;
		next += nd->value;
	}
	free(order);
	return 0;
}

/*
 * Length of the valid UTF-8 character at S (1..4; S is not at its NUL),
 * 0 if it is not one or is a noncharacter XML forbids (U+FFFE, U+FFFF).
 */
static size_t utf8_char(const unsigned char *s)
{
	uint32_t c;
	int n = utf8_decode(s, strnlen((const char *)s, 4), &c);

	return n && c != 0xfffe && c != 0xffff ? (size_t)n : 0;
}

/*
 * Write at most MAXCHARS characters of S as XML character data: markup
 * escaped, bytes that are not UTF-8, controls XML forbids and DEL or C1 ones as '?'.
 */
static void put_text(FILE *out, const char *str, size_t maxchars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	for (; *s && maxchars; s += n ? n : 1, maxchars--) {
		n = utf8_char(s);
		if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else if (!n || (*s < 0x20 && *s != '\t') || *s == 0x7f ||
			 (n == 2 && *s == 0xc2 && s[1] < 0xa0))
			putc('?', out); /* DEL and C1 controls too: none reaches a terminal */
		else
			fwrite(s, 1, n, out);
	}
}

static size_t utf8_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = 0, n;

	for (; *s; s += n ? n : 1, len++)
		n = utf8_char(s);
	return len;
}

/* 0..1, from HASH's bits: flamegraph.pl's colours vary with the name. */
static double hash_unit(uint64_t hash, int shift)
{
	return (double)((hash >> shift) & 0xffff) / 65535.0;
}

/* flamegraph.pl's palettes: hot for code, orange kernel, aqua inlined, green JIT; blue Python. */
static void frame_colour(const char *name, unsigned kind, char rgb[8])
{
	uint64_t h = hash_bytes(name, strlen(name), 0x5f3759df);
	double v1 = hash_unit(h, 0), v2 = hash_unit(h, 16), v3 = hash_unit(h, 32);
	int r, g, b;

	switch (kind) {
	case FRAME_KERNEL:
		r = 190 + (int)(65 * v1), g = 90 + (int)(65 * v1), b = 0;
		break;
	case FRAME_INLINED:
		r = 50 + (int)(60 * v1), g = b = 165 + (int)(55 * v1);
		break;
	case FRAME_JIT:
		g = 200 + (int)(55 * v1), r = b = (int)(100 * v1);
		break;
	case FRAME_PYTHON:
		r = g = 80 + (int)(55 * v1), b = 190 + (int)(65 * v2);
		break;
	default:
		r = 205 + (int)(50 * v3), g = (int)(230 * v1), b = (int)(55 * v2);
		break;
	}
	snprintf(rgb, 8, "#%02x%02x%02x", r & 0xff, g & 0xff, b & 0xff);
}

/* Costs of ND in BEFORE and AFTER, the larger whole 1. */
static void diff_costs(const struct tree *t, const struct node *nd, double c[2])
{
	c[DIFF_BEFORE] = (double)nd->cnt[DIFF_BEFORE] * t->scale[DIFF_BEFORE];
	c[DIFF_AFTER] = (double)nd->cnt[DIFF_AFTER] * t->scale[DIFF_AFTER];
}

/* Red where the cost grew, blue where it shrank, white-grey where it held. */
static void diff_colour(const struct tree *t, const struct node *nd, char rgb[8])
{
	double c[2], d, i;
	int v;

	diff_costs(t, nd, c);
	d = c[DIFF_AFTER] - c[DIFF_BEFORE];
	i = t->maxdelta > 0 ? fabs(d) / t->maxdelta : 0;
	v = 230 - (int)(200 * (i > 1 ? 1 : i));
	if (d > 0)
		snprintf(rgb, 8, "#ff%02x%02x", v, v);
	else if (d < 0)
		snprintf(rgb, 8, "#%02x%02xff", v, v);
	else
		snprintf(rgb, 8, "#e6e6e6");
}

/*
 * The cost of a count of each column (T->scale), from V or, without one,
 * shares of each column's total; scaled so that the larger whole is 1.
 */
static void diff_scale(struct tree *t, const struct diff_verdict *v)
{
	double w[2];
	int c;

	t->time = v && v->time;
	for (c = 0; c < 2; c++) {
		t->scale[c] = v ? v->scale[c] : t->nodes[0].cnt[c] > 0 ? 1.0 / (double)t->nodes[0].cnt[c] : 0;
		w[c] = (double)t->nodes[0].cnt[c] * t->scale[c];
	}
	t->big = w[0] > w[1] ? w[0] : w[1];
	for (c = 0; c < 2; c++)
		if (t->big > 0)
			t->scale[c] /= t->big;
	t->before = t->big > 0 ? w[0] / t->big : 0;
}

/*
 * The merged tree's widths: each node as wide as the larger of its costs
 * and as its children together, in units of 1e-9 of the larger whole.
 * Children come after their parent, so one pass from the end sums them.
 */
static int merged_widths(struct tree *t)
{
	int64_t *kids = calloc(t->n + 1, sizeof(*kids));
	size_t i;

	if (!kids)
		return -ENOMEM;
	for (i = t->n; i-- > 0;) {
		struct node *nd = &t->nodes[i];
		double c[2];
		int64_t w;

		diff_costs(t, nd, c);
		w = llround(1e9 * (c[0] > c[1] ? c[0] : c[1]));
		nd->value = w > kids[i] ? w : kids[i];
		if (i)
			kids[nd->parent] += nd->value;
	}
	free(kids);
	return 0;
}

/* "1234 samples", "12.345 ms cpu": a value of column COL, in its unit. */
static void value_text(const struct profile_column *col, int64_t v, char *s, size_t size)
{
	if (!strcmp(col->unit, "count"))
		snprintf(s, size, "%lld %s", (long long)v, col->name);
	else if (!strcmp(col->unit, "nanoseconds"))
		snprintf(s, size, "%.3f ms %s", (double)v / 1e6, col->name);
	else
		snprintf(s, size, "%lld %s %s", (long long)v, col->unit, col->name);
}

static const char *const kind_note[] = {
	[FRAME_INLINED] = "inlined", [FRAME_JIT] = "JIT", [FRAME_PYTHON] = "Python",
};

/* The tooltip: name, then module and kind, then value and share. */
static void put_title(FILE *out, const struct profile *p, const struct tree *t,
		      const struct node *nd, const struct profile_column *col, int64_t total,
		      int diff)
{
	const char *mod = nd->module < p->nmodules ? p->modules[nd->module].path : NULL;
	char val[64];

	put_text(out, strtab_str(t->labels, nd->label), SIZE_MAX);
	if (mod || (nd->kind < KIND_THREAD && kind_note[nd->kind])) {
		fputs("\n", out);
		if (mod)
			put_text(out, strrchr(mod, '/') ? strrchr(mod, '/') + 1 : mod, SIZE_MAX);
		if (nd->kind < KIND_THREAD && kind_note[nd->kind])
			fprintf(out, "%s%s", mod ? ", " : "", kind_note[nd->kind]);
	}
	if (diff) {
		double c[2];
		int k;

		diff_costs(t, nd, c);
		fputs("\nbefore ", out);
		for (k = 0; k < 2; k++) {
			int64_t n = nd->cnt[k];

			if (t->time)
				fprintf(out, "%s%.3f ms (%lld samples)", k ? ", after " : "",
					c[k] * t->big / 1e6, (long long)n);
			else
				fprintf(out, "%s%lld (%.2f%%)", k ? ", after " : "", (long long)n,
					100 * c[k]);
		}
		fprintf(out, ", %+.2f pp", t->before > 0 ? 100 * (c[1] - c[0]) / t->before : 0.0);
		return;
	}
	value_text(col, nd->value, val, sizeof(val));
	fprintf(out, "\n%s, %.2f%%", val, 100.0 * (double)nd->value / (double)total);
}

/*
 * The script: hover, zoom, search. Pure ES5 so old viewers run it too.
 * view(z,b) draws what struct view says: z's subtree, its parents faded,
 * levels from b on, the bar below; zoom() picks b, the bar pages back.
 */
static const char script[] =
	"var svg,fgs=[],details,matched,searchbtn,unzoombtn,bar,zoomed=null,base=0,re=null;\n"
	"function $(id){return document.getElementById(id);}\n"
	"function init(){svg=document.documentElement;details=$('details').firstChild;\n"
	" matched=$('matched');searchbtn=$('search');unzoombtn=$('unzoom');bar=$('trunk');\n"
	" var gs=$('frames').children;\n"
	" for(var i=0;i<gs.length;i++){var g=gs[i],r=g.querySelector('rect'),\n"
	"  t=g.querySelector('title').textContent,y=+r.getAttribute('y');\n"
	"  g.f={g:g,r:r,t:g.querySelector('text'),name:t.split('\\n')[0],info:t,\n"
	"   x:+r.getAttribute('fg:x'),w:+r.getAttribute('fg:w'),h:+r.getAttribute('fg:h')||0,\n"
	"   d:Math.round((inverted?y-ytop:ybottom-y)/16)+base0-(base0>0),\n"
	"   fill:r.getAttribute('fill')};fgs.push(g.f);}\n"
	" if(zoom0)zoomed=fgs[zoom0];base=base0;bar.f={info:bar.querySelector('title').textContent};\n"
	" svg.addEventListener('mouseover',function(e){var f=frame(e);\n"
	"  if(f)details.nodeValue=f.info.replace(/\\n/g,'  \\u00b7  ');});\n"
	" svg.addEventListener('mouseout',function(){details.nodeValue=' ';});\n"
	" svg.addEventListener('click',function(e){var f=frame(e);if(f===bar.f)page();else if(f)zoom(f);});\n"
	" unzoombtn.addEventListener('click',unzoom);\n"
	" searchbtn.addEventListener('click',function(){if(re)reset_search();else search_prompt();});\n"
	" window.addEventListener('keydown',function(e){\n"
	"  if(e.keyCode===114||((e.ctrlKey||e.metaKey)&&e.keyCode===70)){e.preventDefault();search_prompt();}\n"
	"  else if(e.keyCode===27){reset_search();unzoom();}});}\n"
	"function frame(e){for(var n=e.target;n&&n!==svg;n=n.parentNode)if(n.f)return n.f;return null;}\n"
	"function label(s,w){var n=Math.floor((w-6)/7.08);return n<3?'':s.length<=n?s:s.substr(0,n-2)+'..';}\n"
	"function place(f,x,w,row){var y=inverted?ytop+row*16:ybottom-row*16,s=label(f.name,w),r=f.r;\n"
	" r.setAttribute('x',x.toFixed(1));r.setAttribute('width',w.toFixed(1));r.setAttribute('y',y);\n"
	" if(!f.t){if(!s)return;f.t=f.g.appendChild(document.createElementNS(svg.namespaceURI,'text'));}\n"
	" f.t.setAttribute('x',(x+3).toFixed(1));f.t.setAttribute('y',y+10.5);f.t.textContent=s;}\n"
	"function within(f,z){return f.d>=z.d&&f.x>=z.x&&f.x+f.w<=z.x+z.w;}\n"
	"function view(z,b){var scale=(width-2*pad)/z.w,nm=[];base=b;\n"
	" for(var i=0;i<fgs.length;i++){var f=fgs[i],row=f.d-b+(b>0),c=f.g.classList;c.remove('hide','parent','cut');\n"
	"  if(within(f,z)&&row<rows){place(f,pad+(f.x-z.x)*scale,f.w*scale,row);\n"
	"   if(row===rows-1&&f.h)c.add('cut');}\n"
	"  else if(f.d>=b&&within(z,f)){c.add('parent');place(f,pad,width-2*pad,row);}\n"
	"  else{c.add('hide');if(f.d<b&&within(z,f))nm[f.d]=f.name;}}\n"
	" var n=nm.length,s=n+' frames: '+(n<=3?nm.join(' ; '):nm[0]+' ; \\u2026 ; '+nm[n-2]+' ; '+nm[n-1]);\n"
	" bar.classList.toggle('hide',!b);bar.f.info=s+'\\n(click to show them)';\n"
	" bar.firstChild.textContent=bar.f.info;bar.lastChild.textContent=label(s,width-2*pad);}\n"
	"function zoom(z){zoomed=z;unzoombtn.classList.remove('hide');\n"
	" view(z,z.d+z.h<rows?0:Math.min(z.d,z.d+z.h+2-rows));}\n"
	"function page(){var b=Math.max(0,base-rows+2),z=fgs[0];if(!b)return unzoom();\n"
	" for(var i=0;i<fgs.length;i++)if(fgs[i].d===b&&within(zoomed,fgs[i]))z=fgs[i];zoomed=z;view(z,b);}\n"
	"function unzoom(){if(!zoomed)return;view(fgs[0],0);zoomed=null;unzoombtn.classList.add('hide');}\n"
	"function search_prompt(){var s=prompt('Search for a frame name (a regular expression)',re?re.source:'');\n"
	" if(s)search(s);}\n"
	"function search(s){try{re=new RegExp(s);}catch(e){matched.textContent='bad regex: '+s;return;}\n"
	" var m=[];for(var i=0;i<fgs.length;i++){var f=fgs[i];\n"
	"  if(re.test(f.name)){f.r.setAttribute('fill','#e600e6');m.push(f);}\n"
	"  else f.r.setAttribute('fill',f.fill);}\n"
	" m.sort(function(a,b){return a.x-b.x||b.w-a.w;});\n"
	" var sum=0,end=-1;for(i=0;i<m.length;i++)if(m[i].x>=end){sum+=m[i].w;end=m[i].x+m[i].w;}\n"
	" searchbtn.textContent='Reset Search';searchbtn.classList.add('on');\n"
	" matched.textContent='Matched: '+(100*sum/total).toFixed(1)+'% ('+m.length+' frames)';}\n"
	"function reset_search(){if(!re)return;re=null;for(var i=0;i<fgs.length;i++)\n"
	" fgs[i].r.setAttribute('fill',fgs[i].fill);\n"
	" searchbtn.textContent='Search';searchbtn.classList.remove('on');matched.textContent=' ';}\n";

static const char style[] =
	"text{font:12px Verdana,sans-serif;fill:#000}\n"
	"#title{font-size:17px;text-anchor:middle}\n"
	"#search,#unzoom{cursor:pointer}#search.on,#matched{fill:#a0a}#search,#matched{text-anchor:end}\n"
	"#frames g{cursor:pointer}#frames g:hover rect{stroke:#000;stroke-width:.5}\n"
	"#frames text,#trunk text{pointer-events:none}.hide{display:none}.parent{opacity:.5}\n"
	"#trunk{cursor:pointer}.cut rect{stroke:#000;stroke-width:.8;stroke-dasharray:3 2}\n";

/*
 * Where view V draws node ND, as the script's view() does; the class of its
 * <g>. A hidden frame's row is past the last or below the first.
 */
static const char *view_place(const struct tree *t, const struct view *v, const struct node *nd,
			      unsigned width, double *x, double *w, int *row)
{
	const struct node *z = &t->nodes[v->z];

	*row = (int)nd->depth - (int)v->base + (v->base > 0);
	*x = PAD + (double)(nd->x - z->x) * v->scale, *w = (double)nd->value * v->scale;
	if (nd->in == IN_ZOOM && *row < (int)v->rows)
		return *row == (int)v->rows - 1 && nd->h ? "cut" : NULL;
	if (nd->in == IN_PARENT && nd->depth >= v->base) {
		*x = PAD, *w = width - 2 * PAD;
		return "parent";
	}
	return "hide";
}

static void put_frame(FILE *out, const struct profile *p, const struct tree *t,
		      const struct node *nd, const struct writer_opts *o, const struct view *v,
		      unsigned width, unsigned height)
{
	const struct profile_column *col = &p->columns[o->column];
	const char *name = strtab_str(t->labels, nd->label), *cls;
	double x, w;
	int row, y;
	size_t fit, len = utf8_len(name);
	char rgb[8];

	cls = view_place(t, v, nd, width, &x, &w, &row);
	y = o->inverted ? TOP + row * ROW : (int)(height - BOTTOM) - (row + 1) * ROW;
	fit = w > 6 && (!cls || strcmp(cls, "hide")) ? (size_t)((w - 6) / CHAR_W) : 0;
	if (o->diff)
		diff_colour(t, nd, rgb);
	else
		frame_colour(name, nd->kind, rgb);
	fprintf(out, cls ? "<g class=\"%s\"><title>" : "<g><title>", cls);
	put_title(out, p, t, nd, col, t->nodes[0].value, o->diff);
	fprintf(out, "</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
		     "fg:x=\"%lld\" fg:w=\"%lld\"",
		x, y, w, FRAME_H, rgb, (long long)nd->x, (long long)nd->value);
	fprintf(out, nd->h ? " fg:h=\"%u\"/>" : "/>", nd->h);
	if (fit >= 3) {
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + 10.5);
		put_text(out, name, len <= fit ? len : fit - 2);
		fputs(len <= fit ? "</text>" : "..</text>", out);
	}
	fputs("</g>\n", out);
}

/*
 * The bar of view V, at row 0: the frames below its BASE, which it
 * collapses, named as the script's view() names them; hidden if none.
 */
static int put_bar(FILE *out, const struct tree *t, const struct view *v,
		   const struct writer_opts *o, unsigned width, unsigned height)
{
	const struct node *nd = &t->nodes[v->z], *at[4] = { NULL };
	double room = ((double)width - 2 * PAD - 6) / CHAR_W;
	size_t fit = room >= 3 ? (size_t)room : 0, k, len;
	int y = o->inverted ? TOP : (int)(height - BOTTOM - ROW), err;
	struct buf b;
	char s[32];

	for (; nd->parent != PROFILE_NONE; nd = &t->nodes[nd->parent])
		if (nd->depth < v->base && nd->depth + 3 >= v->base)
			at[v->base - nd->depth] = nd; /* at[K]: the frame K levels below BASE */
	buf_init(&b);
	snprintf(s, sizeof(s), v->base ? "%u frames: all" : "", v->base);
	if (!(err = buf_puts(&b, s)) && v->base > 3)
		err = buf_puts(&b, " ; \xe2\x80\xa6"); /* U+2026, the script's \u2026 */
	for (k = v->base <= 3 ? v->base - 1 : 2; v->base && k >= 1 && !err; k--)
		if (!(err = buf_puts(&b, " ; ")))
			err = buf_puts(&b, strtab_str(t->labels, at[k]->label));
	if (!err) {
		len = utf8_len(b.data);
		fprintf(out, "<g id=\"trunk\"%s><title>", v->base ? "" : " class=\"hide\"");
		put_text(out, b.data, SIZE_MAX);
		fprintf(out, "\n(click to show them)</title><rect x=\"%d\" y=\"%d\" width=\"%u\" "
			     "height=\"%d\" fill=\"#d0d0d0\"/><text x=\"%d\" y=\"%.1f\">",
			PAD, y, width - 2 * PAD, FRAME_H, PAD + 3, y + 10.5);
		put_text(out, b.data, len <= fit ? len : fit ? fit - 2 : 0);
		fputs(len <= fit || !fit ? "</text></g>\n" : "..</text></g>\n", out);
	}
	buf_release(&b);
	return err;
}

/* The base level of a view of Z: 0 if its subtree fits, else Z's as low as the subtree lets it. */
static unsigned view_base(const struct node *z, unsigned rows)
{
	unsigned b = z->depth + z->h + 2 - rows;

	return z->depth + z->h < rows ? 0 : b < z->depth ? b : z->depth;
}

/* The first view: the whole, or the deepest frame of the path of TRUNK of the time if that
 * path would fill a quarter of the rows or more. Marks each node IN_ZOOM or IN_PARENT. */
static void view_first(struct tree *t, struct view *v, unsigned width, unsigned maxdepth)
{
	uint32_t trunk = 0, i;

	v->rows = maxdepth + 1 < MAX_ROWS ? maxdepth + 1 : MAX_ROWS;
	for (i = 1; i < t->n; i++)
		if (t->nodes[i].parent == trunk && t->nodes[i].drawn &&
		    (double)t->nodes[i].value >= TRUNK * (double)t->nodes[0].value)
			trunk = i; /* children come after their parent */
	v->z = 0, v->base = 0;
	if (view_base(&t->nodes[trunk], v->rows) >= MAX_ROWS / 4)
		v->z = trunk, v->base = view_base(&t->nodes[trunk], v->rows);
	v->scale = t->nodes[v->z].value > 0 ? (double)(width - 2 * PAD) / (double)t->nodes[v->z].value : 0;
	for (i = 0; i < t->n; i++)
		t->nodes[i].in = i == v->z || (i && t->nodes[t->nodes[i].parent].in == IN_ZOOM) ? IN_ZOOM : 0;
	for (i = v->z; i; i = t->nodes[i].parent)
		t->nodes[t->nodes[i].parent].in = IN_PARENT;
}

static int write_svg(const struct profile *p, const struct writer_opts *o, FILE *out)
{
	struct tree t = { 0 };
	struct view v;
	double scale = 0, minwidth = o->minwidth;
	unsigned width = o->width ? o->width : 1200, height, maxdepth = 0;
	const char *title = o->title ? o->title : o->inverted ? "Icicle Graph" : "Flame Graph";
	size_t i, zoom0 = 0;
	int err;

	if (o->column >= p->ncolumns || (o->diff && p->ncolumns != 2))
		return -EINVAL;
	if ((err = strtab_new(&t.labels)) || (err = tree_build(&t, p, o)))
		goto out;
	if (o->diff)
		diff_scale(&t, o->verdict);
	if (o->diff && !o->diff_column_only && (err = merged_widths(&t)))
		goto out;
	if (t.nodes[0].value > 0)
		scale = (double)(width - 2 * PAD) / (double)t.nodes[0].value;
	if ((err = tree_layout(&t, scale > 0 ? minwidth / scale : 0)))
		goto out;
	for (i = 0; i < t.n; i++) {
		double c[2];

		/* a diff's tree drawn with one column's widths has nodes of none */
		t.nodes[i].h = 0;
		t.nodes[i].drawn = t.nodes[i].value > 0 && (double)t.nodes[i].value * scale >= minwidth;
		if (!t.nodes[i].drawn)
			continue;
		if (t.nodes[i].depth > maxdepth)
			maxdepth = t.nodes[i].depth;
		diff_costs(&t, &t.nodes[i], c);
		if (o->diff && fabs(c[DIFF_AFTER] - c[DIFF_BEFORE]) > t.maxdelta)
			t.maxdelta = fabs(c[DIFF_AFTER] - c[DIFF_BEFORE]);
	}
	for (i = t.n; i-- > 1;) /* children after their parent: their h is final first */
		if (t.nodes[i].drawn && t.nodes[t.nodes[i].parent].h < t.nodes[i].h + 1)
			t.nodes[t.nodes[i].parent].h = t.nodes[i].h + 1;
	view_first(&t, &v, width, maxdepth);
	for (i = 0; i < v.z; i++)
		zoom0 += t.nodes[i].drawn;
	height = TOP + v.rows * ROW + BOTTOM;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		     "onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\" "
		     "xmlns:fg=\"http://github.com/jonhoo/inferno\">\n"
		     "<style>\n%s</style>\n<script><![CDATA[\n\"use strict\";\n"
		     "var width=%u,pad=%d,ytop=%d,ybottom=%u,inverted=%d,total=%lld,rows=%u,base0=%u,"
		     "zoom0=%zu;\n%s]]></script>\n"
		     "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n<text id=\"title\" "
		     "x=\"%u\" y=\"24\">",
		width, height, width, height, style, width, PAD, TOP, height - BOTTOM - ROW,
		!!o->inverted, (long long)t.nodes[0].value, v.rows, v.base, zoom0, script, width / 2);
	put_text(out, title, SIZE_MAX);
	fprintf(out, "</text>\n<text id=\"unzoom\"%s x=\"%d\" y=\"24\">Reset Zoom</text>\n"
		     "<text id=\"search\" x=\"%u\" y=\"24\">Search</text>\n"
		     "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
		     "<text id=\"matched\" x=\"%u\" y=\"%u\"> </text>\n<g id=\"frames\">\n",
		v.z ? "" : " class=\"hide\"", PAD, width - PAD, PAD, height - 12, width - PAD, height - 12);
	if (!t.nodes[0].value)
		fprintf(out, "<text x=\"%d\" y=\"%d\">no samples</text>\n", PAD, TOP + 12);
	for (i = 0; i < t.n && t.nodes[0].value; i++)
		if (t.nodes[i].drawn)
			put_frame(out, p, &t, &t.nodes[i], o, &v, width, height);
	fputs("</g>\n", out);
	err = put_bar(out, &t, &v, o, width, height);
	fputs("</svg>\n", out);
	if (!err && ferror(out))
		err = -EIO;
out:
	strtab_free(t.labels);
	free(t.nodes);
	return err;
}

static const char *const extensions[] = { ".svg", NULL };

const struct writer writer_svg = {
	.name = "svg",
	.extensions = extensions,
	.summary = "interactive flame graph (--title, --width, --inverted, --minwidth)",
	.write = write_svg,
};
