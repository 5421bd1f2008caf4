/* JavaScript frames of node processes, named at sample time: see include/cprof/v8stacks.h. */
#include "cprof/v8stacks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"
#include "cprof/v8.h"

#define NOTES_MAX 64             /* node processes that could not be read, kept for the summary */

/* A process probed: its reader, or why it has none. */
struct v8proc {
	struct v8 *v8;           /* NULL: no node read in this process */
	int err;                 /* the probe's: 0, -ENOENT (no node mapped)... */
	uint32_t epoch;          /* this probe's number: function ids are per (epoch, SFI) */
};

struct v8stacks {
	v8stacks_emit_fn emit;
	void *arg;
	struct pairmap *procs;   /* pid -> struct v8proc *, as an integer */
	struct pairmap *funcs;   /* (epoch, SFI address) -> function id | its fingerprint << 32 */
	uint32_t epoch, nfuncs;
	struct v8stacks_stats st;
	struct v8stacks_note notes[NOTES_MAX];
	size_t nnotes;
};

int v8stacks_new(v8stacks_emit_fn emit, void *arg, struct v8stacks **out)
{
	struct v8stacks *vs = calloc(1, sizeof(*vs));

	*out = NULL;
	if (!vs)
		return -ENOMEM;
	vs->emit = emit;
	vs->arg = arg;
	if (pairmap_new(&vs->procs) || pairmap_new(&vs->funcs)) {
		v8stacks_free(vs);
		return -ENOMEM;
	}
	*out = vs;
	return 0;
}

static void proc_free(struct v8proc *p)
{
	if (p)
		v8_free(p->v8);
	free(p);
}

void v8stacks_free(struct v8stacks *vs)
{
	size_t pos = 0;
	uint64_t a, b, v;

	if (!vs)
		return;
	while (vs->procs && pairmap_next(vs->procs, &pos, &a, &b, &v))
		proc_free((struct v8proc *)(uintptr_t)v);
	pairmap_free(vs->procs);
	pairmap_free(vs->funcs);
	free(vs);
}

/* PID's state, probed now if it was not; NULL when out of memory. */
static struct v8proc *proc_get(struct v8stacks *vs, pid_t pid)
{
	struct v8proc *p;
	uint64_t v;

	if (pairmap_get(vs->procs, (uint64_t)pid, 0, &v) && v)
		return (struct v8proc *)(uintptr_t)v;
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	if (pairmap_put(vs->procs, (uint64_t)pid, 0, (uint64_t)(uintptr_t)p)) {
		free(p);
		return NULL;
	}
	p->epoch = ++vs->epoch;
	p->err = v8_new(pid, &p->v8);
	if (!p->err)
		vs->st.processes++;
	else if (p->err != -ENOENT && p->err != -ESRCH && vs->nnotes < NOTES_MAX)
		vs->notes[vs->nnotes++] = (struct v8stacks_note){ .pid = pid, .err = p->err };
	return p;
}

void v8stacks_forget(struct v8stacks *vs, pid_t pid)
{
	uint64_t v;

	if (!pairmap_get(vs->procs, (uint64_t)pid, 0, &v) || !v)
		return;
	proc_free((struct v8proc *)(uintptr_t)v);
	pairmap_put(vs->procs, (uint64_t)pid, 0, 0); /* overwrites: cannot fail */
}

void v8stacks_mapped(struct v8stacks *vs, pid_t pid, const char *path)
{
	const char *base = strrchr(path, '/');
	uint64_t v;

	base = base ? base + 1 : path;
	if (strncmp(base, "node", 4) && strncmp(base, "libnode", 7))
		return;
	if (pairmap_get(vs->procs, (uint64_t)pid, 0, &v) && v &&
	    ((struct v8proc *)(uintptr_t)v)->err == -ENOENT)
		v8stacks_forget(vs, pid);
}

/* The 8 bytes at ADDR of the sample's stack copy into *OUT; 0 when not in it. */
static int stack_slot(const struct v8stacks_sample *s, uint64_t addr, uint64_t *out)
{
	if (addr < s->sp || addr - s->sp > s->stack_size || s->stack_size - (addr - s->sp) < 8)
		return 0;
	memcpy(out, s->stack + (addr - s->sp), sizeof(*out));
	return 1;
}

/* The id of the function of SFI (fingerprint KEY) in P, named to EMIT the first time; 0: none. */
static int func_id(struct v8stacks *vs, struct v8proc *p, pid_t pid, uint64_t sfi, uint32_t key,
		   uint32_t *id)
{
	struct df_record rec = { .type = DF_JSFUNC };
	char name[V8_NAME_MAX], file[V8_FILE_MAX];
	uint64_t v;
	int err;

	*id = 0;
	if (pairmap_get(vs->funcs, p->epoch, sfi, &v) && (uint32_t)(v >> 32) == key) {
		*id = (uint32_t)v;
		return 0;
	}
	if (vs->nfuncs + 1 >= V8STACKS_FUNCS_MAX || v8_names(p->v8, sfi, name, file))
		return 0;
	rec.jsfunc = (struct df_jsfunc){ .pid = (uint32_t)pid, .id = vs->nfuncs + 1,
					 .name = name, .file = file };
	if ((err = vs->emit(&rec, vs->arg)))
		return err;
	if (pairmap_put(vs->funcs, p->epoch, sfi, (uint64_t)key << 32 | rec.jsfunc.id))
		return -ENOMEM;
	*id = ++vs->nfuncs;
	return 0;
}

int v8stacks_append(struct v8stacks *vs, const struct v8stacks_sample *s, uint64_t *chain,
		    size_t max, size_t *n)
{
	struct v8proc *p = s->pid > 0 ? proc_get(vs, s->pid) : NULL;
	size_t i, start = *n, named = 0;
	int off_ctx, off_fn, err;

	if (s->pid > 0 && !p)
		return -ENOMEM;
	if (!p || !p->v8 || !s->fps || *n + 2 > max)
		return 0;
	v8_frame_slots(p->v8, &off_ctx, &off_fn);
	chain[(*n)++] = DF_CONTEXT_JS;
	for (i = 0; i < s->nframes && *n < max && named < V8STACKS_DEPTH; i++) {
		uint64_t fp = s->fps[i], ctx, fn, sfi;
		uint32_t key, id;

		/* a frameless stub runs in its caller's frame: the caller is the one named */
		if (!fp || (i + 1 < s->nframes && s->fps[i + 1] == fp))
			continue;
		if (!stack_slot(s, fp + (uint64_t)(int64_t)off_ctx, &ctx) ||
		    !stack_slot(s, fp + (uint64_t)(int64_t)off_fn, &fn))
			continue;
		err = v8_function(p->v8, ctx, fn, &sfi, &key);
		if (err) {
			/* a JS frame's function that is no SFI's any more: it moved */
			vs->st.moved += err != -ENOENT || (ctx & 3) == 1;
			continue;
		}
		if ((err = func_id(vs, p, s->pid, sfi, key, &id)))
			return err;
		if (!id) {
			vs->st.moved++;
			continue;
		}
		chain[(*n)++] = DF_JSFRAME(id, s->first + i);
		named++;
	}
	if (!named) {
		*n = start;
		return 0;
	}
	vs->st.stacks++;
	vs->st.frames += named;
	return 0;
}

const struct v8stacks_stats *v8stacks_stats(const struct v8stacks *vs)
{
	return &vs->st;
}

int v8stacks_note(const struct v8stacks *vs, size_t i, struct v8stacks_note *out)
{
	if (i >= vs->nnotes)
		return -ENOENT;
	*out = vs->notes[i];
	return 0;
}
