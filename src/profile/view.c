#include "cprof/view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

static const char *const names[] = {
	[VIEW_ALL] = "all", [VIEW_NATIVE] = "native", [VIEW_PYTHON] = "python",
	[VIEW_JS] = "js", [VIEW_AUTO] = "auto",
};

int view_lang_parse(const char *name, enum view_lang *out)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (i != VIEW_AUTO && !strcmp(name, names[i])) {
			*out = (enum view_lang)i;
			return 0;
		}
	return -EINVAL;
}

const char *view_lang_name(enum view_lang lang)
{
	return (size_t)lang < sizeof(names) / sizeof(names[0]) ? names[lang] : "?";
}

enum view_lang view_frame_lang(const struct profile_frame *f)
{
	switch (f->kind) {
	case FRAME_PYTHON:
		return VIEW_PYTHON;
	case FRAME_JIT: /* CPython's -X perf trampolines name themselves py::NAME:FILE */
		return strncmp(f->name, "py::", 4) ? VIEW_JS : VIEW_PYTHON;
	default:
		return VIEW_NATIVE;
	}
}

enum view_lang view_auto(const struct profile *p)
{
	int js = 0;
	size_t i;

	for (i = 0; i < p->nframes; i++) {
		enum view_lang l = view_frame_lang(&p->frames[i]);

		if (l == VIEW_PYTHON)
			return VIEW_PYTHON;
		js |= l == VIEW_JS;
	}
	return js ? VIEW_JS : VIEW_ALL;
}

struct copy {
	const struct profile *p;
	struct profile *q;
	uint32_t *frames;        /* P's frame id -> Q's, PROFILE_NONE until copied */
	uint32_t *locs;          /* P's location -> Q's; NLOCS of them */
	size_t nlocs;
	uint32_t *stack;         /* scratch: one stack's frames */
	uint32_t placeholder;    /* Q's frame for a stack left empty; PROFILE_NONE until made */
};

static int copy_frame(struct copy *c, uint32_t id, uint32_t *out)
{
	struct profile_frame f;
	int err;

	if (c->frames[id] != PROFILE_NONE) {
		*out = c->frames[id];
		return 0;
	}
	f = c->p->frames[id];
	if (f.location < c->nlocs) {
		if (c->locs[f.location] == PROFILE_NONE)
			c->locs[f.location] = profile_new_location(c->q);
		f.location = c->locs[f.location];
	}
	if ((err = profile_frame(c->q, &f, out)))
		return err;
	c->frames[id] = *out;
	return 0;
}

/* Q's stack of P's stack ID with only LANG's frames. */
static int copy_stack(struct copy *c, uint32_t id, enum view_lang lang, uint32_t *out)
{
	const struct profile_stack *st = &c->p->stacks[id];
	size_t n = 0, i;
	int err;

	for (i = 0; i < st->depth; i++) {
		uint32_t fid = st->frames[i];

		if (lang != VIEW_ALL && view_frame_lang(&c->p->frames[fid]) != lang)
			continue;
		if ((err = copy_frame(c, fid, &c->stack[n++])))
			return err;
	}
	if (!n && st->depth) {
		if (c->placeholder == PROFILE_NONE) {
			struct profile_frame f = { .name = lang == VIEW_NATIVE ? "[jit]" : "[native]",
						   .module = PROFILE_NONE, .kind = FRAME_USER };

			f.location = profile_new_location(c->q);
			if ((err = profile_frame(c->q, &f, &c->placeholder)))
				return err;
		}
		c->stack[n++] = c->placeholder;
	}
	return profile_stack(c->q, c->stack, n, out);
}

static int copy_meta(const struct profile *p, struct profile *q)
{
	size_t i;
	uint32_t id;
	int err;

	q->meta = p->meta;
	q->meta.cmdline = profile_str(q, p->meta.cmdline);
	q->meta.hostname = profile_str(q, p->meta.hostname);
	q->meta.release = profile_str(q, p->meta.release);
	if (!q->meta.cmdline || !q->meta.hostname || !q->meta.release)
		return -ENOMEM;
	for (i = 0; i < p->ncolumns; i++)
		if ((err = profile_add_column(q, p->columns[i].name, p->columns[i].unit, &id)))
			return err;
	for (i = 0; i < p->nmodules; i++)
		if ((err = profile_module(q, p->modules[i].path, p->modules[i].build_id, &id)))
			return err;
	for (i = 0; i < p->nthreads; i++) {
		const struct profile_thread *t = &p->threads[i];

		if ((err = profile_thread_in(q, t->pid, t->tid, t->comm, t->process, t->container,
					     &id)))
			return err;
	}
	return 0;
}

int view_lang(const struct profile *p, enum view_lang lang, struct profile **out)
{
	struct copy c = { .p = p, .placeholder = PROFILE_NONE };
	uint32_t *rows = NULL, *stacks = NULL;
	size_t i, deepest = 1;
	int err;

	*out = NULL;
	for (i = 0; i < p->nframes; i++)
		if (p->frames[i].location != PROFILE_NONE && p->frames[i].location >= c.nlocs)
			c.nlocs = (size_t)p->frames[i].location + 1;
	for (i = 0; i < p->nstacks; i++)
		if (p->stacks[i].depth > deepest)
			deepest = p->stacks[i].depth;
	c.frames = malloc((p->nframes + 1) * sizeof(*c.frames));
	c.locs = malloc((c.nlocs + 1) * sizeof(*c.locs));
	c.stack = malloc(deepest * sizeof(*c.stack));
	rows = malloc((p->nsamples + 1) * sizeof(*rows));
	stacks = malloc((p->nstacks + 1) * sizeof(*stacks));
	err = -ENOMEM;
	if (!c.frames || !c.locs || !c.stack || !rows || !stacks)
		goto out;
	memset(c.frames, 0xff, (p->nframes + 1) * sizeof(*c.frames));
	memset(c.locs, 0xff, (c.nlocs + 1) * sizeof(*c.locs));
	memset(stacks, 0xff, (p->nstacks + 1) * sizeof(*stacks));
	if ((err = profile_new(&c.q)) || (err = copy_meta(p, c.q)))
		goto out;
	for (i = 0; i < p->nsamples; i++) {
		const struct profile_sample *s = &p->samples[i];

		if (stacks[s->stack] == PROFILE_NONE &&
		    (err = copy_stack(&c, s->stack, lang, &stacks[s->stack])))
			goto out;
		if ((err = profile_add(c.q, stacks[s->stack], s->thread,
				       p->values + i * p->ncolumns, &rows[i])))
			goto out;
	}
	for (i = 0; i < p->nevents; i++) {
		struct profile_event e = p->events[i];

		e.sample = rows[e.sample];
		if ((err = profile_add_event(c.q, &e)))
			goto out;
	}
	*out = c.q;
	c.q = NULL;
out:
	profile_free(c.q);
	free(c.frames);
	free(c.locs);
	free(c.stack);
	free(rows);
	free(stacks);
	return err;
}
