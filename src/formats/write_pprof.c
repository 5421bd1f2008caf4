/*
 * pprof: the profile.proto of github.com/google/pprof (our own text of it,
 * src/pprof/profile.proto), gzip-compressed, as `go tool pprof` reads the
 * profiles Go writes. Every value column is a sample type; a location per
 * profile location, its frames as lines innermost first; a mapping per
 * module, the kernel's and one "[jit]" for JIT code; functions by (name,
 * mangled name, file, first line); labels pid, tid, thread (the thread's
 * name), comm (its process's) and container (its container's id or
 * systemd unit, record -a) per sample, the names when known.
 *
 * The messages are built from the profile into flat arrays first (their
 * pointers into each other are set once the arrays stop growing), packed
 * by protobuf-c into one buffer and deflated by zlib into OUT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cprof/util.h"
#include "cprof/writer.h"
#include "profile.pb-c.h"

struct loc_rec {
	uint32_t map;            /* index in maps, PROFILE_NONE: no mapping */
	uint64_t address;
	size_t first_line;       /* its lines: lines[first_line .. + nlines] */
	uint32_t nlines;
};

struct map_rec {             /* what the locations of one mapping were given */
	int used, functions, filenames, line_numbers, inline_frames;
	int absolute;            /* kernel or JIT: addresses are not an ELF file's */
	uint64_t lo, hi;
};

struct stack_rec {           /* a stack's location ids: sample_locs[first .. + n] */
	size_t first;
	uint32_t n;
};

struct builder {
	const struct profile *p;
	int err;                 /* sticky: the first error met */
	struct strtab *strs;
	struct pairmap *loc_ids; /* (0, location) or (1, frame id) -> location id */
	struct pairmap *func_ids;/* (name | system_name << 32, file | start_line << 32) -> id */
	struct loc_rec *locs;
	size_t nlocs, caplocs;
	Pprof__Line *lines;
	size_t nlines, caplines;
	Pprof__Function *funcs;
	size_t nfuncs, capfuncs;
	struct map_rec *maps;    /* one per module, then the "[jit]" one */
	struct stack_rec *stacks;/* by stack id; n == UINT32_MAX: not yet */
	uint64_t *sample_locs;
	size_t nsample_locs, capsample_locs;
};

/* Index of S in the string table (0, which is "", on error). */
static int64_t str(struct builder *b, const char *s)
{
	uint32_t id = 0;
	int err;

	if (b->err)
		return 0;
	err = strtab_intern(b->strs, s ? s : "", s ? strlen(s) : 0, &id);
	if (err)
		b->err = err;
	return id;
}

/* Make room for one more element in an array of the builder. */
static int grow(struct builder *b, void *arr, size_t *cap, size_t n, size_t elem)
{
	if (!b->err && array_reserve(arr, cap, n + 1, elem))
		b->err = -ENOMEM;
	return b->err;
}

static uint64_t function_id(struct builder *b, const struct profile_frame *f)
{
	int64_t name = str(b, f->name), sys = str(b, f->mangled ? f->mangled : f->name);
	int64_t file = str(b, f->file);
	uint64_t ka = (uint64_t)name | (uint64_t)sys << 32;
	uint64_t kb = (uint64_t)file | (uint64_t)f->start_line << 32;
	uint64_t *slot = b->err ? NULL : pairmap_slot(b->func_ids, ka, kb, 0);
	Pprof__Function *fn;

	if (!slot) {
		b->err = b->err ? b->err : -ENOMEM;
		return 0;
	}
	if (*slot || grow(b, &b->funcs, &b->capfuncs, b->nfuncs, sizeof(*b->funcs)))
		return *slot;
	fn = &b->funcs[b->nfuncs++];
	pprof__function__init(fn);
	fn->id = *slot = b->nfuncs;
	fn->name = name;
	fn->system_name = sys;
	fn->filename = file;
	fn->start_line = f->start_line;
	return fn->id;
}

/* The mapping of F's location: its module's, "[jit]" or none. */
static uint32_t map_of(const struct profile *p, const struct profile_frame *f)
{
	if (f->module != PROFILE_NONE)
		return f->module;
	return f->kind == FRAME_JIT ? (uint32_t)p->nmodules : PROFILE_NONE;
}

/*
 * Id of the location of the N frames FR (root first: a function, then the
 * calls inlined into it), made on first use with its lines innermost first.
 */
static uint64_t location_id(struct builder *b, const uint32_t *fr, size_t n)
{
	const struct profile_frame *f = &b->p->frames[fr[0]];
	uint64_t *slot, id;
	struct loc_rec *l;
	struct map_rec *m;
	size_t k;

	slot = f->location != PROFILE_NONE ? pairmap_slot(b->loc_ids, 0, f->location, 0)
					   : pairmap_slot(b->loc_ids, 1, fr[0], 0);
	if (!slot) {
		b->err = -ENOMEM;
		return 0;
	}
	if (*slot || grow(b, &b->locs, &b->caplocs, b->nlocs, sizeof(*b->locs)))
		return *slot;
	id = *slot = ++b->nlocs;
	l = &b->locs[id - 1];
	*l = (struct loc_rec){ .map = map_of(b->p, f), .address = f->address,
			       .first_line = b->nlines, .nlines = (uint32_t)n };
	m = l->map == PROFILE_NONE ? NULL : &b->maps[l->map];
	if (m) {
		m->lo = m->used && m->lo < f->address ? m->lo : f->address;
		m->hi = m->used && m->hi > f->address ? m->hi : f->address;
		m->used = 1;
		m->absolute |= f->kind == FRAME_KERNEL || f->kind == FRAME_JIT;
		m->inline_frames |= n > 1;
	}
	for (k = n; k-- > 0;) {
		const struct profile_frame *lf = &b->p->frames[fr[k]];
		uint64_t fn = function_id(b, lf);

		if (grow(b, &b->lines, &b->caplines, b->nlines, sizeof(*b->lines)))
			return 0;
		pprof__line__init(&b->lines[b->nlines]);
		b->lines[b->nlines].function_id = fn;
		b->lines[b->nlines++].line = lf->line;
		if (m) {
			m->functions |= lf->symbolized;
			m->filenames |= lf->file != NULL;
			m->line_numbers |= lf->line != 0;
		}
	}
	return id;
}

/* The location ids of stack S, leaf first, made on its first use. */
static void stack_locations(struct builder *b, uint32_t s)
{
	const struct profile_stack *st = &b->p->stacks[s];
	struct stack_rec *r = &b->stacks[s];
	size_t k, top;

	if (r->n != UINT32_MAX)
		return;
	r->first = b->nsample_locs;
	r->n = 0;
	/* frames[k .. top] is one location: a function and the calls inlined into it */
	for (k = st->depth, top = st->depth - 1; k-- > 0 && !b->err;) {
		const struct profile_frame *f = &b->p->frames[st->frames[k]];
		uint64_t id;

		if (k > 0 && f->kind == FRAME_INLINED &&
		    b->p->frames[st->frames[k - 1]].location == f->location)
			continue;
		id = location_id(b, st->frames + k, top - k + 1);
		if (grow(b, &b->sample_locs, &b->capsample_locs, b->nsample_locs,
			 sizeof(*b->sample_locs)))
			break;
		b->sample_locs[b->nsample_locs++] = id;
		r->n++;
		top = k - 1;
	}
}

/* Add the comment "PREFIX WHAT" to PROF, unless WHAT is "". */
static void comment(struct builder *b, Pprof__Profile *prof, const char *prefix, const char *what)
{
	char text[4096];

	if (!what[0])
		return;
	snprintf(text, sizeof(text), "%s%s", prefix, what);
	prof->comment[prof->n_comment++] = str(b, text);
}

static int row_is_zero(const struct profile *p, size_t row)
{
	size_t c;

	for (c = 0; c < p->ncolumns; c++)
		if (profile_value(p, row, c))
			return 0;
	return 1;
}

/* Deflate the LEN bytes of DATA into OUT as one gzip member. */
static int gzip_write(const uint8_t *data, size_t len, FILE *out)
{
	unsigned char chunk[1 << 16];
	z_stream z = { 0 };
	int err = 0, rc;

	/* 15 window bits + 16: a gzip header; level 1 is what Go's profiles use */
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)data;
	do {
		uInt in = len > (1u << 30) ? 1u << 30 : (uInt)len;

		z.avail_in = in;
		len -= in;
		do {
			size_t n;

			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			rc = deflate(&z, len ? Z_NO_FLUSH : Z_FINISH);
			n = sizeof(chunk) - z.avail_out;
			if (rc == Z_STREAM_ERROR || (n && fwrite(chunk, 1, n, out) != n))
				err = -EIO;
		} while (!err && z.avail_out == 0);
	} while (!err && len);
	deflateEnd(&z);
	return err;
}

/* The labels of a sample: pid, tid, thread, comm, container */
#define LABELS 5

static int write_pprof(const struct profile *p, const struct writer_opts *o, FILE *out)
{
	struct builder b = { .p = p };
	Pprof__Profile prof = PPROF__PROFILE__INIT;
	Pprof__ValueType period_type = PPROF__VALUE_TYPE__INIT;
	Pprof__ValueType *types = NULL, **type_ptrs = NULL;
	Pprof__Label *labels = NULL, **label_ptrs = NULL;
	uint8_t *nlabels = NULL; /* of each thread */
	Pprof__Sample *samples = NULL, **sample_ptrs = NULL;
	Pprof__Mapping *maps = NULL, **map_ptrs = NULL;
	Pprof__Location *locs = NULL, **loc_ptrs = NULL;
	Pprof__Line **line_ptrs = NULL;
	Pprof__Function **func_ptrs = NULL;
	uint64_t *map_ids = NULL;
	int64_t comments[3];
	char **strings = NULL;
	uint8_t *packed = NULL;
	size_t i, n, nmaps = p->nmodules + 1;
	int err;

	(void)o;
	if ((err = strtab_new(&b.strs)) || (err = pairmap_new(&b.loc_ids)) ||
	    (err = pairmap_new(&b.func_ids)))
		goto out;
	str(&b, "");  /* string 0 */
	b.maps = calloc(nmaps, sizeof(*b.maps));
	b.stacks = malloc((p->nstacks ? p->nstacks : 1) * sizeof(*b.stacks));
	types = calloc(p->ncolumns ? p->ncolumns : 1, sizeof(*types));
	type_ptrs = calloc(p->ncolumns ? p->ncolumns : 1, sizeof(*type_ptrs));
	labels = calloc(LABELS * p->nthreads + 1, sizeof(*labels));
	label_ptrs = calloc(LABELS * p->nthreads + 1, sizeof(*label_ptrs));
	nlabels = calloc(p->nthreads + 1, 1);
	samples = calloc(p->nsamples + 1, sizeof(*samples));
	sample_ptrs = calloc(p->nsamples + 1, sizeof(*sample_ptrs));
	if (!b.maps || !b.stacks || !types || !type_ptrs || !labels || !label_ptrs || !nlabels ||
	    !samples || !sample_ptrs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nstacks; i++)
		b.stacks[i].n = UINT32_MAX;

	for (i = 0; i < p->ncolumns; i++) {
		pprof__value_type__init(&types[i]);
		types[i].type = str(&b, p->columns[i].name);
		types[i].unit = str(&b, p->columns[i].unit);
		type_ptrs[i] = &types[i];
	}
	prof.n_sample_type = p->ncolumns;
	prof.sample_type = type_ptrs;
	if (profile_column(p, "cpu") != PROFILE_NONE)
		prof.default_sample_type = str(&b, "cpu");
	period_type.type = str(&b, "cpu");
	period_type.unit = str(&b, "nanoseconds");
	prof.period_type = &period_type;
	prof.period = (int64_t)p->meta.period_ns;
	prof.time_nanos = (int64_t)p->meta.start_realtime_ns;
	prof.duration_nanos = (int64_t)p->meta.duration_ns;
	prof.comment = comments;
	comment(&b, &prof, "", p->meta.cmdline);
	comment(&b, &prof, "host: ", p->meta.hostname);
	comment(&b, &prof, "kernel: ", p->meta.release);

	/* each thread's labels, shared by its samples (go tool pprof -tags) */
	for (i = 0; i < p->nthreads; i++) {
		const struct profile_thread *t = &p->threads[i];
		const char *thread = t->comm[0] ? t->comm : t->process;
		const char *keys[LABELS] = { "pid", "tid", "thread", "comm", "container" };
		const char *strs[LABELS] = { NULL, NULL, thread, t->process, t->container };
		int64_t nums[LABELS] = { t->pid, t->tid, 0, 0, 0 };
		size_t k;

		for (k = 0; k < LABELS; k++) {
			Pprof__Label *l = &labels[LABELS * i + nlabels[i]];

			if (strs[k] && !strs[k][0])
				continue; /* no name label for a nameless one */
			pprof__label__init(l);
			l->key = str(&b, keys[k]);
			if (strs[k])
				l->str = str(&b, strs[k]);
			else
				l->num = nums[k];
			label_ptrs[LABELS * i + nlabels[i]++] = l;
		}
	}

	for (i = 0; i < p->nsamples && !b.err; i++)
		if (!row_is_zero(p, i))
			stack_locations(&b, p->samples[i].stack);

	/* mappings: the modules some location is in, in module order */
	n = 0;
	for (i = 0; i < nmaps; i++)
		n += b.maps[i].used;
	maps = calloc(n + 1, sizeof(*maps));
	map_ptrs = calloc(n + 1, sizeof(*map_ptrs));
	map_ids = calloc(nmaps, sizeof(*map_ids));
	locs = calloc(b.nlocs + 1, sizeof(*locs));
	loc_ptrs = calloc(b.nlocs + 1, sizeof(*loc_ptrs));
	line_ptrs = calloc(b.nlines + 1, sizeof(*line_ptrs));
	func_ptrs = calloc(b.nfuncs + 1, sizeof(*func_ptrs));
	if (!maps || !map_ptrs || !map_ids || !locs || !loc_ptrs || !line_ptrs || !func_ptrs)
		b.err = b.err ? b.err : -ENOMEM;
	for (i = 0; i < nmaps && !b.err; i++) {
		const struct map_rec *m = &b.maps[i];
		Pprof__Mapping *pm = &maps[prof.n_mapping];

		if (!m->used)
			continue;
		pprof__mapping__init(pm);
		pm->id = map_ids[i] = prof.n_mapping + 1;
		/* user addresses are the ELF file's virtual addresses: its space starts at 0 */
		pm->memory_start = m->absolute ? m->lo : 0;
		pm->memory_limit = m->hi + 1;
		pm->filename = str(&b, i < p->nmodules ? p->modules[i].path : "[jit]");
		pm->build_id = str(&b, i < p->nmodules ? p->modules[i].build_id : "");
		pm->has_functions = m->functions;
		pm->has_filenames = m->filenames;
		pm->has_line_numbers = m->line_numbers;
		pm->has_inline_frames = m->inline_frames;
		map_ptrs[prof.n_mapping++] = pm;
	}
	for (i = 0; i < b.nlines && !b.err; i++)
		line_ptrs[i] = &b.lines[i];
	for (i = 0; i < b.nfuncs && !b.err; i++)
		func_ptrs[i] = &b.funcs[i];
	for (i = 0; i < b.nlocs && !b.err; i++) {
		const struct loc_rec *l = &b.locs[i];

		pprof__location__init(&locs[i]);
		locs[i].id = i + 1;
		locs[i].mapping_id = l->map == PROFILE_NONE ? 0 : map_ids[l->map];
		locs[i].address = l->address;
		locs[i].n_line = l->nlines;
		locs[i].line = &line_ptrs[l->first_line];
		loc_ptrs[i] = &locs[i];
	}
	for (i = 0; i < p->nsamples && !b.err; i++) {
		const struct profile_sample *s = &p->samples[i];
		const struct stack_rec *r = &b.stacks[s->stack];
		Pprof__Sample *ps = &samples[prof.n_sample];

		if (row_is_zero(p, i))
			continue;
		pprof__sample__init(ps);
		ps->n_location_id = r->n;
		ps->location_id = &b.sample_locs[r->first];
		ps->n_value = p->ncolumns;
		ps->value = (int64_t *)&p->values[i * p->ncolumns]; /* packing only reads it */
		ps->label = &label_ptrs[LABELS * s->thread];
		ps->n_label = nlabels[s->thread];
		sample_ptrs[prof.n_sample++] = ps;
	}
	if ((err = b.err))
		goto out;
	prof.n_location = b.nlocs;
	prof.location = loc_ptrs;
	prof.n_function = b.nfuncs;
	prof.function = func_ptrs;
	prof.mapping = map_ptrs;
	prof.sample = sample_ptrs;

	/* the string table last: every string is in it by now */
	prof.n_string_table = strtab_count(b.strs);
	strings = calloc(prof.n_string_table, sizeof(*strings));
	if (!strings) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < prof.n_string_table; i++)
		strings[i] = (char *)strtab_str(b.strs, (uint32_t)i);
	prof.string_table = strings;

	n = pprof__profile__get_packed_size(&prof);
	packed = malloc(n ? n : 1);
	if (!packed) {
		err = -ENOMEM;
		goto out;
	}
	pprof__profile__pack(&prof, packed);
	err = gzip_write(packed, n, out);
out:
	free(packed);
	free(strings);
	free(func_ptrs);
	free(line_ptrs);
	free(loc_ptrs);
	free(locs);
	free(map_ids);
	free(map_ptrs);
	free(maps);
	free(sample_ptrs);
	free(samples);
	free(label_ptrs);
	free(labels);
	free(nlabels);
	free(type_ptrs);
	free(types);
	free(b.sample_locs);
	free(b.stacks);
	free(b.maps);
	free(b.funcs);
	free(b.lines);
	free(b.locs);
	pairmap_free(b.func_ids);
	pairmap_free(b.loc_ids);
	strtab_free(b.strs);
	return err;
}

static const char *const extensions[] = { ".pb.gz", ".pprof", NULL };

const struct writer writer_pprof = {
	.name = "pprof",
	.extensions = extensions,
	.needs = WRITER_NEEDS_LINES,
	.summary = "gzipped profile.proto for go tool pprof",
	.write = write_pprof,
};
