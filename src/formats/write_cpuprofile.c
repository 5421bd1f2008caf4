/*
 * The Chrome DevTools .cpuprofile JSON (the Profiler.Profile of the
 * DevTools protocol) that Chrome, VS Code and speedscope open:
 *
 *   {"nodes":[{"id":1,"callFrame":{...},"hitCount":0,"children":[2,...]},...],
 *    "startTime":0,"endTime":US,"samples":[ID,...],"timeDeltas":[US,...]}
 *
 * One call tree for the whole recording: under "(root)" a node per thread,
 * named "comm-PID/TID" as in speedscope and folded --per-tid, then the
 * thread's frames root first. Samples are the leaf nodes; times are
 * microseconds. The format has one timeline and its readers weigh a sample
 * by the time to the next one, so the threads are laid out one after the
 * other (in the order they first ran), each sample lasting exactly what it
 * stands for: a function's time there is its samples times the period,
 * whatever the number of threads. Within a thread the samples keep their
 * times: where the thread was not sampled for more than half a period
 * beyond its last sample's end, an "(idle)" sample under the root fills the
 * gap, as in Chrome's own profiles. The samples are those of the column shown
 * (report --value): CPU samples by default; with --value off-cpu, runq or
 * wall of a recording made with --off-cpu, an interval a thread was off
 * the CPU is a sample lasting its length (and the CPU samples are left
 * out, but for wall).
 *
 * Call frames: lineNumber (the function's first line, as in Chrome) and
 * columnNumber are 0-based, -1 when unknown;
 * url is the source file as a file:// URL, "" when unknown. JIT frames of
 * a V8 perf map ("JS:*fib /app/x.js:3:10", "LazyCompile:~fib /app/x.js:3")
 * are named as DevTools names them: the tag and tier marker ("JS:*",
 * "LazyCompile:~", "Function:^", "Script:") go, "NAME URL:LINE[:COL]" is
 * split into functionName, url and line (an empty name is "(anonymous)").
 * Any other JIT name is kept whole as the functionName.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/json.h"
#include "cprof/util.h"
#include "cprof/writer.h"

#define NODE_THREAD (1ull << 32)    /* pairmap key of a thread's node under the root */
#define NODE_IDLE (2ull << 32)

struct node {
	uint32_t frame;              /* PROFILE_NONE: the root, a thread or "(idle)" */
	uint32_t thread;             /* PROFILE_NONE: the root or "(idle)" */
	uint32_t first_child, last_child, next; /* node indexes; 0: none (0 is the root) */
	uint64_t hits;
};

struct tree {
	struct node *nodes;
	size_t n, cap;
	struct pairmap *children;    /* (parent, frame id or NODE_*) -> node index */
};

/* The child of PARENT for KEY, added if new, in *ID. */
static int tree_child(struct tree *t, uint32_t parent, uint64_t key, uint32_t frame,
		      uint32_t thread, uint32_t *id)
{
	uint64_t v;

	if (pairmap_get(t->children, parent, key, &v)) {
		*id = (uint32_t)v;
		return 0;
	}
	if (array_reserve(&t->nodes, &t->cap, t->n + 1, sizeof(*t->nodes)) ||
	    pairmap_put(t->children, parent, key, t->n))
		return -ENOMEM;
	t->nodes[t->n] = (struct node){ .frame = frame, .thread = thread };
	if (t->nodes[parent].last_child)
		t->nodes[t->nodes[parent].last_child].next = (uint32_t)t->n;
	else
		t->nodes[parent].first_child = (uint32_t)t->n;
	t->nodes[parent].last_child = (uint32_t)t->n;
	*id = (uint32_t)t->n++;
	return 0;
}

/* The leaf node of sample row ROW. */
static int tree_leaf(struct tree *t, const struct profile *p, size_t row, uint32_t *id)
{
	const struct profile_sample *s = &p->samples[row];
	const struct profile_stack *st = &p->stacks[s->stack];
	uint32_t k;
	int err = tree_child(t, 0, NODE_THREAD | s->thread, PROFILE_NONE, s->thread, id);

	for (k = 0; k < st->depth && !err; k++)
		err = tree_child(t, *id, st->frames[k], st->frames[k], PROFILE_NONE, id);
	return err;
}

static const char *const v8_tags[] = { "LazyCompile:", "Function:", "JS:", "Script:", NULL };

/*
 * Split a V8 perf-map NAME into the function name *FN (*FN_LEN bytes), the
 * url *URL (*URL_LEN bytes) and the 1-based line and column (0: none).
 * Returns 0 if NAME is not of that form.
 */
static int v8_split(const char *name, const char **fn, size_t *fn_len, const char **url,
		    size_t *url_len, uint32_t *line, uint32_t *col)
{
	const char *sp, *end, *colon;
	uint64_t num[2];
	int i, nnum = 0;

	for (i = 0; v8_tags[i]; i++)
		if (!strncmp(name, v8_tags[i], strlen(v8_tags[i])))
			break;
	if (!v8_tags[i])
		return 0;
	name += strlen(v8_tags[i]);
	if (*name && strchr("*~^+", *name))
		name++;
	if (!(sp = strrchr(name, ' ')))
		return 0;
	/* up to two ":NUMBER" at the end of the url: the line, or line and column */
	for (end = sp + strlen(sp); nnum < 2; end = colon - 1) {
		char digits[16];

		for (colon = end; colon > sp + 1 && colon[-1] != ':'; colon--)
			;
		if (colon <= sp + 2 || colon == end || (size_t)(end - colon) >= sizeof(digits))
			break;
		memcpy(digits, colon, (size_t)(end - colon));
		digits[end - colon] = 0;
		if (parse_u64(digits, 1, UINT32_MAX, &num[nnum]))
			break;
		nnum++;
	}
	if (!nnum)
		return 0;
	*line = (uint32_t)num[nnum - 1];
	*col = nnum == 2 ? (uint32_t)num[0] : 0;
	*fn = name;
	*fn_len = (size_t)(sp - name);
	*url = sp + 1;
	*url_len = (size_t)(end - sp - 1);
	return 1;
}

/* The callFrame of node N (index ID); URL is scratch space. */
static int put_call_frame(const struct profile *p, const struct node *n, uint32_t id,
			  struct buf *url, FILE *out)
{
	const struct profile_frame *f = n->frame == PROFILE_NONE ? NULL : &p->frames[n->frame];
	const char *fn = f ? f->name : id ? "(idle)" : "(root)", *file = f && f->file ? f->file : "";
	size_t fn_len = strlen(fn), file_len = strlen(file);
	uint32_t line = f && f->file ? f->start_line : 0, col = 0;
	char thread[160];
	int err = 0;

	if (f && f->kind == FRAME_JIT &&
	    v8_split(f->name, &fn, &fn_len, &file, &file_len, &line, &col) && !fn_len)
		fn = "(anonymous)", fn_len = strlen(fn);
	if (!f && n->thread != PROFILE_NONE) {
		const struct profile_thread *t = &p->threads[n->thread];

		snprintf(thread, sizeof(thread), "%s-%" PRIu32 "/%" PRIu32,
			 t->comm[0] ? t->comm : t->process[0] ? t->process : "?", t->pid, t->tid);
		fn = thread, fn_len = strlen(thread);
	}
	url->len = 0;
	if (file[0] == '/')
		err = buf_puts(url, "file://");
	if (!err)
		err = buf_append(url, file, file_len);
	fputs("{\"functionName\":", out);
	json_put_mem(out, fn, fn_len);
	fputs(",\"scriptId\":\"0\",\"url\":", out);
	json_put_mem(out, url->data ? url->data : "", url->len);
	fprintf(out, ",\"lineNumber\":%" PRId64 ",\"columnNumber\":%" PRId64 "}",
		line ? (int64_t)line - 1 : -1, col ? (int64_t)col - 1 : -1);
	return err;
}

static int put_nodes(const struct profile *p, const struct tree *t, FILE *out)
{
	struct buf url;
	uint32_t i, c;
	int err = 0;

	buf_init(&url);
	fputs("\"nodes\":[", out);
	for (i = 0; i < t->n && !err; i++) {
		const struct node *n = &t->nodes[i];

		fprintf(out, "%s{\"id\":%" PRIu32 ",\"callFrame\":", i ? "," : "", i + 1);
		err = put_call_frame(p, n, i, &url, out);
		fprintf(out, ",\"hitCount\":%" PRIu64, n->hits);
		if (n->first_child) {
			fputs(",\"children\":[", out);
			for (c = n->first_child; c; c = t->nodes[c].next)
				fprintf(out, c == n->first_child ? "%" PRIu32 : ",%" PRIu32, c + 1);
			putc(']', out);
		}
		putc('}', out);
	}
	fputs("]", out);
	buf_release(&url);
	return err;
}

/* Where the next sample of a timeline goes, and what was written of it. */
struct cursor {
	uint32_t *samples;           /* node indexes */
	int64_t *deltas;             /* microseconds from the sample before */
	size_t n, cap_samples, cap_deltas;
	uint64_t prev_us;            /* where the last sample was put, rounded */
};

/* Add a sample of node ID at AT nanoseconds (never before the last one). */
static int put_sample(struct cursor *c, struct tree *t, uint32_t id, uint64_t at)
{
	uint64_t us = (at + 500) / 1000;

	if (array_reserve(&c->samples, &c->cap_samples, c->n + 1, sizeof(*c->samples)) ||
	    array_reserve(&c->deltas, &c->cap_deltas, c->n + 1, sizeof(*c->deltas)))
		return -ENOMEM;
	c->samples[c->n] = id;
	c->deltas[c->n] = (int64_t)(us - c->prev_us);
	c->prev_us = us;
	t->nodes[id].hits++;
	c->n++;
	return 0;
}

/*
 * The events of column COL in the order of the timeline: thread after
 * thread, in the order they first ran, each thread's in time order. Into
 * *ORDER (event indexes, caller frees), *N of them.
 */
static int thread_order(const struct profile *p, uint32_t col, uint32_t **order, size_t *n)
{
	size_t nthreads = p->nthreads ? p->nthreads : 1, i, nranks = 0;
	uint32_t *rank = malloc(nthreads * sizeof(*rank));
	size_t *start = calloc(nthreads + 1, sizeof(*start));
	int err = 0;

	*order = malloc((p->nevents ? p->nevents : 1) * sizeof(**order));
	*n = 0;
	if (!rank || !start || !*order) {
		err = -ENOMEM;
		goto out;
	}
	memset(rank, 0xff, nthreads * sizeof(*rank));
	for (i = 0; i < p->nevents; i++) {
		uint32_t th = p->samples[p->events[i].sample].thread;

		if (profile_event_value(p, &p->events[i], col) <= 0)
			continue; /* not of the column shown */
		if (rank[th] == UINT32_MAX)
			rank[th] = (uint32_t)nranks++;
		start[rank[th] + 1]++;
	}
	for (i = 1; i <= nranks; i++)
		start[i] += start[i - 1];
	for (i = 0; i < p->nevents; i++)
		if (profile_event_value(p, &p->events[i], col) > 0)
			(*order)[start[rank[p->samples[p->events[i].sample].thread]]++] = (uint32_t)i;
	*n = nranks ? start[nranks - 1] : 0;
out:
	if (err) {
		free(*order);
		*order = NULL;
	}
	free(start);
	free(rank);
	return err;
}

/*
 * The samples (node indexes) and their time deltas (microseconds) into C,
 * *END_US where the last one ends. A cpuprofile has one timeline and the
 * tools that read it (Chrome DevTools, VS Code, speedscope) charge a sample
 * with the time to the next one: so that a function's time there is its
 * samples times their period, threads included, the threads are laid out
 * one after the other (thread_order()) and each sample lasts exactly what it
 * stands for (the period; an off-CPU interval's length). Within a thread
 * the samples keep their times: a gap of more than half a period (no
 * sample of that thread: it waited, or ran less than its share) is an
 * "(idle)" sample under the root, as in Chrome's own profiles; a shorter
 * one, or samples closer than a period, moves the samples after it, by
 * less than half a period. The last sample is an "(idle)" one at the end.
 */
static int timeline(const struct profile *p, uint32_t col, struct tree *t, struct cursor *c,
		    uint64_t *end_us)
{
	uint32_t *leaf = malloc((p->nsamples ? p->nsamples : 1) * sizeof(*leaf)), *order = NULL;
	uint32_t thread = UINT32_MAX, idle;
	uint64_t pos = 0, origin = 0, first = 0; /* ns */
	size_t i, n = 0;
	int err = leaf ? thread_order(p, col, &order, &n) : -ENOMEM;

	if (!err)
		memset(leaf, 0xff, (p->nsamples ? p->nsamples : 1) * sizeof(*leaf));
	for (i = 0; i < n && !err; i++) {
		const struct profile_event *e = &p->events[order[i]];
		uint64_t v = (uint64_t)profile_event_value(p, e, col), at, slack;

		if (leaf[e->sample] == UINT32_MAX &&
		    (err = tree_leaf(t, p, e->sample, &leaf[e->sample])))
			break;
		if (p->samples[e->sample].thread != thread) {
			/* the next thread starts where the one before ended */
			thread = p->samples[e->sample].thread;
			origin = pos;
			first = e->time;
		}
		at = origin + (e->time - first); /* a thread's events are in time order */
		slack = (p->meta.period_ns ? p->meta.period_ns : v) / 2;
		if (at > pos + slack) {
			if ((err = tree_child(t, 0, NODE_IDLE, PROFILE_NONE, PROFILE_NONE, &idle)) ||
			    (err = put_sample(c, t, idle, pos)))
				break;
		} else {
			at = pos;
		}
		err = put_sample(c, t, leaf[e->sample], at);
		pos = at + v;
	}
	/*
	 * and an "(idle)" one where the last ends: the readers guess how long
	 * the last sample lasts (Chrome: the average interval), this one's
	 * guess is nobody's time
	 */
	if (!err && n && !(err = tree_child(t, 0, NODE_IDLE, PROFILE_NONE, PROFILE_NONE, &idle)))
		err = put_sample(c, t, idle, pos);
	*end_us = (pos + 500) / 1000;
	free(order);
	free(leaf);
	return err;
}

static int write_cpuprofile(const struct profile *p, const struct writer_opts *o, FILE *out)
{
	struct tree t = { 0 };
	struct cursor c = { 0 };
	uint64_t end_us = 0;
	size_t i;
	int err;

	if ((err = pairmap_new(&t.children)))
		goto out;
	if (array_reserve(&t.nodes, &t.cap, 1, sizeof(*t.nodes))) {
		err = -ENOMEM;
		goto out;
	}
	t.nodes[t.n++] = (struct node){ .frame = PROFILE_NONE, .thread = PROFILE_NONE };
	if ((err = timeline(p, profile_time_column(p, o->column), &t, &c, &end_us)))
		goto out;
	putc('{', out);
	if ((err = put_nodes(p, &t, out)))
		goto out;
	fprintf(out, ",\"startTime\":0,\"endTime\":%" PRIu64 ",\"samples\":[", end_us);
	for (i = 0; i < c.n; i++)
		fprintf(out, i ? ",%" PRIu32 : "%" PRIu32, c.samples[i] + 1);
	fputs("],\"timeDeltas\":[", out);
	for (i = 0; i < c.n; i++)
		fprintf(out, i ? ",%" PRId64 : "%" PRId64, c.deltas[i]);
	fputs("]}\n", out);
	if (ferror(out))
		err = -EIO;
out:
	free(c.deltas);
	free(c.samples);
	free(t.nodes);
	pairmap_free(t.children);
	return err;
}

static const char *const extensions[] = { ".cpuprofile", NULL };

const struct writer writer_cpuprofile = {
	.name = "cpuprofile",
	.extensions = extensions,
	.needs = WRITER_NEEDS_LINES | WRITER_NEEDS_TIMELINE,
	.summary = "Chrome DevTools / VS Code CPU profile (JSON)",
	.write = write_cpuprofile,
};
