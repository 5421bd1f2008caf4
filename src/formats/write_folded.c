/*
 * Folded stacks, as FlameGraph's stackcollapse-perf.pl writes them:
 * "comm;frame;...;frame COUNT", root first, one line per distinct stack,
 * lines in byte order. A diff (o->diff) prints every column, difffolded.pl's
 * "STACK BEFORE AFTER".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/fold.h"
#include "cprof/util.h"
#include "cprof/writer.h"

static const char *const suffix[] = {
	[FRAME_USER] = NULL, [FRAME_KERNEL] = "_[k]", [FRAME_INLINED] = "_[i]", [FRAME_JIT] = "_[j]",
};

static int put_frame(const struct profile_frame *f, const struct writer_opts *o, struct buf *line)
{
	int err = line->len ? buf_append(line, ";", 1) : 0;

	if (!err)
		err = fold_clean_name(f->name, line);
	if (!err && o->annotate && suffix[f->kind])
		err = buf_puts(line, suffix[f->kind]);
	if (!err && o->lines && f->file && f->line) {
		const char *base = strrchr(f->file, '/');
		char pos[512];

		snprintf(pos, sizeof(pos), "%s:%u", base ? base + 1 : f->file, f->line);
		err = buf_puts(line, " (");
		if (!err)
			err = fold_clean_name(pos, line);
		if (!err)
			err = buf_puts(line, ")");
	}
	return err;
}

/* The first frame: thread name (spaces to '_'), with PID/TID as asked. */
static void thread_frame(const struct profile_thread *t, enum report_group group, char buf[128])
{
	char comm[80];
	char *c;

	if (t->comm[0])
		snprintf(comm, sizeof(comm), "%s", t->comm);
	else if (t->process[0])
		snprintf(comm, sizeof(comm), "%s", t->process);
	else
		snprintf(comm, sizeof(comm), ":%u", t->tid);
	for (c = comm; *c; c++)
		if (*c == ' ' || *c == ';' || *c == '\n' || *c == '\r' || *c == '\t')
			*c = '_';
	comm[str_printable(comm, strlen(comm))] = '\0'; /* the target names its threads */
	if (group == GROUP_TID)
		snprintf(buf, 128, "%s-%u/%u", comm, t->pid, t->tid);
	else if (group == GROUP_PID)
		snprintf(buf, 128, "%s-%u", comm, t->pid);
	else
		snprintf(buf, 128, "%s", comm);
}

static int write_folded(const struct profile *p, const struct writer_opts *o, FILE *out)
{
	struct folder *folder = NULL;
	struct strtab *texts = NULL;     /* each stack's frames, joined */
	uint32_t *text = NULL;           /* by stack id; UINT32_MAX: not yet */
	struct buf line;
	size_t i, k;
	int err;

	buf_init(&line);
	if ((err = folder_new_columns(&folder, o->diff ? p->ncolumns : 1)) ||
	    (err = strtab_new(&texts)))
		goto out;
	text = malloc((p->nstacks ? p->nstacks : 1) * sizeof(*text));
	if (!text) {
		err = -ENOMEM;
		goto out;
	}
	memset(text, 0xff, (p->nstacks ? p->nstacks : 1) * sizeof(*text));
	for (i = 0; i < p->nsamples && !err; i++) {
		const struct profile_sample *s = &p->samples[i];
		const struct profile_stack *st = &p->stacks[s->stack];
		int64_t v = profile_value(p, i, o->column);
		char first[128];
		uint32_t id;
		size_t c;

		for (c = 0; o->diff && c < p->ncolumns && v <= 0; c++)
			v = profile_value(p, i, c);
		if (v <= 0)
			continue;
		if (text[s->stack] == UINT32_MAX) {
			line.len = 0;
			for (k = 0; k < st->depth && !err; k++)
				err = put_frame(&p->frames[st->frames[k]], o, &line);
			if (!err)
				err = strtab_intern(texts, line.data ? line.data : "", line.len,
						    &text[s->stack]);
			if (err)
				break;
		}
		thread_frame(&p->threads[s->thread], o->group, first);
		line.len = 0;
		err = buf_puts(&line, first);
		if (!err && strtab_len(texts, text[s->stack]))
			err = buf_append(&line, ";", 1);
		if (!err)
			err = buf_puts(&line, strtab_str(texts, text[s->stack]));
		if (!err)
			err = folder_intern(folder, line.data, line.len, &id);
		for (c = 0; !err && o->diff && c < p->ncolumns; c++)
			if (profile_value(p, i, c) > 0)
				err = folder_add_column(folder, id, c, (uint64_t)profile_value(p, i, c));
		if (!err && !o->diff)
			err = folder_add(folder, id, (uint64_t)v);
	}
	if (!err)
		err = folder_write(folder, out);
out:
	free(text);
	strtab_free(texts);
	folder_free(folder);
	buf_release(&line);
	return err;
}

static const char *const extensions[] = { ".folded", ".collapsed", NULL };

const struct writer writer_folded = {
	.name = "folded",
	.extensions = extensions,
	.summary = "folded stacks for flamegraph.pl (default)",
	.write = write_folded,
};
