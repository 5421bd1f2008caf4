/*
 * speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json):
 * frames in shared.frames, deduplicated by (name, file, line), where line is
 * the function's first line (so that calls from several lines of a function
 * are one frame), and one
 * "sampled" profile per thread named "comm-PID/TID" (folded --per-tid's
 * first frame): its samples (frame
 * indexes, root first) in time order, each weighing the nanoseconds it
 * stands for in the column shown (report --value): CPU time by default
 * (and for --value samples), off-CPU, run-queue or wall time of a
 * recording made with --off-cpu, where an interval the thread was off the
 * CPU is one sample weighing its length. A profile's startValue is the
 * time of its thread's first sample (nanoseconds since the start of the
 * recording) and its endValue that plus the thread's total: the axis is
 * that column's time, so in the cpu view the time-order view shows the
 * order of samples but not the gaps where a thread slept, and in the wall
 * view it is the thread's life, its waits included. speedscope's
 * percentages are shares of the thread's total; it opens the thread with
 * the biggest total first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/json.h"
#include "cprof/util.h"
#include "cprof/writer.h"
#include "cprof/version.h"

/* Speedscope's index of every profile frame, in *INDEX; the frames go out as it numbers them. */
static int put_frames(const struct profile *p, FILE *out, uint32_t *index)
{
	struct strtab *keys = NULL;
	struct buf key;
	size_t i;
	int err;

	buf_init(&key);
	if ((err = strtab_new(&keys)))
		goto out;
	fputs("\"shared\":{\"frames\":[", out);
	for (i = 0; i < p->nframes && !err; i++) {
		const struct profile_frame *f = &p->frames[i];
		uint32_t n = strtab_count(keys);
		char line[16];

		snprintf(line, sizeof(line), "%" PRIu32, f->file ? f->start_line : 0);
		key.len = 0;
		/* name, file and line joined by bytes that none of them holds */
		if ((err = buf_puts(&key, f->name)) || (err = buf_append(&key, "\x1f", 1)) ||
		    (err = buf_puts(&key, f->file ? f->file : "")) ||
		    (err = buf_append(&key, "\x1f", 1)) || (err = buf_puts(&key, line)) ||
		    (err = strtab_intern(keys, key.data, key.len, &index[i])))
			break;
		if (index[i] != n)
			continue;
		fputs(n ? ",{\"name\":" : "{\"name\":", out);
		json_put_string(out, f->name);
		if (f->file) {
			fputs(",\"file\":", out);
			json_put_string(out, f->file);
			if (f->start_line)
				fprintf(out, ",\"line\":%" PRIu32, f->start_line);
		}
		putc('}', out);
	}
	fputs("]}", out);
out:
	strtab_free(keys);
	buf_release(&key);
	return err;
}

/* One thread's profile: the events ORDER[0..N), all of thread T, weighing their COL. */
static void put_profile(const struct profile *p, const struct profile_thread *t,
			const uint32_t *order, size_t n, uint32_t col, const uint32_t *index,
			FILE *out)
{
	uint64_t sum = 0;
	size_t i, k;
	char name[160];

	for (i = 0; i < n; i++)
		sum += (uint64_t)profile_event_value(p, &p->events[order[i]], col);
	snprintf(name, sizeof(name), "%s-%" PRIu32 "/%" PRIu32,
		 t->comm[0] ? t->comm : t->process[0] ? t->process : "?", t->pid, t->tid);
	fputs("{\"type\":\"sampled\",\"name\":", out);
	json_put_string(out, name);
	fprintf(out, ",\"unit\":\"nanoseconds\",\"startValue\":%" PRIu64 ",\"endValue\":%" PRIu64
		",\"samples\":[", p->events[order[0]].time, p->events[order[0]].time + sum);
	for (i = 0; i < n; i++) {
		const struct profile_stack *st = &p->stacks[p->samples[p->events[order[i]].sample].stack];

		fputs(i ? ",[" : "[", out);
		for (k = 0; k < st->depth; k++)
			fprintf(out, k ? ",%" PRIu32 : "%" PRIu32, index[st->frames[k]]);
		putc(']', out);
	}
	fputs("],\"weights\":[", out);
	for (i = 0; i < n; i++)
		fprintf(out, i ? ",%" PRId64 : "%" PRId64,
			profile_event_value(p, &p->events[order[i]], col));
	fputs("]}", out);
}

static int write_speedscope(const struct profile *p, const struct writer_opts *o, FILE *out)
{
	uint32_t *index = malloc((p->nframes ? p->nframes : 1) * sizeof(*index));
	/* events by thread, in time order: thread T's are order[first[T]..first[T + 1]) */
	uint32_t *order = malloc((p->nevents ? p->nevents : 1) * sizeof(*order));
	size_t *first = calloc(p->nthreads + 2, sizeof(*first));
	uint64_t *total = calloc(p->nthreads + 1, sizeof(*total));
	uint32_t col = profile_time_column(p, o->column);
	size_t i, t, nprofiles = 0, active = 0, best = 0;
	int err = 0;

	if (!index || !order || !first || !total) {
		err = -ENOMEM;
		goto out;
	}
	/* only the events that count in the column shown: no zero-weight samples */
	for (i = 0; i < p->nevents; i++)
		if (profile_event_value(p, &p->events[i], col) > 0) {
			t = p->samples[p->events[i].sample].thread;
			first[t + 2]++;
			total[t] += (uint64_t)profile_event_value(p, &p->events[i], col);
		}
	for (t = 0; t < p->nthreads; t++)
		first[t + 2] += first[t + 1];
	for (i = 0; i < p->nevents; i++)
		if (profile_event_value(p, &p->events[i], col) > 0)
			order[first[p->samples[p->events[i].sample].thread + 1]++] = (uint32_t)i;
	for (t = 0; t < p->nthreads; t++)
		if (first[t + 1] > first[t]) {
			if (total[t] > total[best] || first[best + 1] == first[best])
				best = t, active = nprofiles;
			nprofiles++;
		}

	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
	      "\"exporter\":\"cprof " CPROF_VERSION "\",\"name\":", out);
	json_put_string(out, p->meta.cmdline[0] ? p->meta.cmdline : "cprof");
	fprintf(out, ",\"activeProfileIndex\":%zu,", active);
	if ((err = put_frames(p, out, index)))
		goto out;
	fputs(",\"profiles\":[", out);
	for (t = 0, nprofiles = 0; t < p->nthreads; t++) {
		if (first[t + 1] == first[t])
			continue;
		if (nprofiles++)
			putc(',', out);
		put_profile(p, &p->threads[t], order + first[t], first[t + 1] - first[t], col, index,
			    out);
	}
	fputs("]}\n", out);
	if (ferror(out))
		err = -EIO;
out:
	free(total);
	free(first);
	free(order);
	free(index);
	return err;
}

static const char *const extensions[] = { ".speedscope.json", NULL };

const struct writer writer_speedscope = {
	.name = "speedscope",
	.extensions = extensions,
	.needs = WRITER_NEEDS_LINES | WRITER_NEEDS_TIMELINE,
	.summary = "speedscope JSON, one time-ordered profile per thread",
	.write = write_speedscope,
};
