#include "cprof/read_pprof.h"
#include "cprof/reader.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cprof/util.h"
#include "profile.pb-c.h"

/* Inflate the gzip stream DATA into *OUT (caller frees), *OUT_LEN bytes, at most LIMIT. */
static int gunzip(const void *data, size_t len, size_t limit, unsigned char **out,
		  size_t *out_len)
{
	z_stream z = { 0 };
	unsigned char *b = NULL, *nb;
	size_t cap = 0, n = 0;
	int zerr = Z_OK, err = 0;

	if (len > UINT_MAX || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return len > UINT_MAX ? -EFBIG : -ENOMEM;
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (unsigned)len;
	while (zerr != Z_STREAM_END) {
		if (n == cap) {
			if (cap >= limit) {
				err = -EFBIG;
				break;
			}
			cap = cap ? 2 * cap : 65536;
			cap = cap < limit ? cap : limit;
			if (!(nb = realloc(b, cap))) {
				err = -ENOMEM;
				break;
			}
			b = nb;
		}
		z.next_out = b + n;
		z.avail_out = (unsigned)(cap - n);
		zerr = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
		if (zerr == Z_STREAM_END || zerr == Z_OK || (zerr == Z_BUF_ERROR && !z.avail_out))
			continue;
		/* Z_BUF_ERROR with room left: the input ended before the stream did */
		err = zerr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
		break;
	}
	inflateEnd(&z);
	if (err) {
		free(b);
		return err;
	}
	*out = b;
	*out_len = n;
	return 0;
}

/*
 * protobuf-c's allocations for one profile, cut at a budget: the decoded
 * message of a few bytes a sample (an empty Sample is 2 bytes, its struct
 * 88) may not take more than READ_PPROF_UNPACK_RATIO times the protobuf.
 */
struct budget {
	size_t left;
	int over;
};

static void *budget_alloc(void *data, size_t n)
{
	struct budget *b = data;
	void *p;

	if (n > b->left) {
		b->over = 1;
		return NULL;
	}
	if ((p = malloc(n)))
		b->left -= n;
	return p;
}

static void budget_free(void *data, void *p)
{
	(void)data;
	free(p);
}

/* READ_PPROF_SLACK + RATIO * N, at most MAX. */
static size_t bound(size_t n, size_t ratio, size_t max)
{
	return n > (max - READ_PPROF_SLACK) / ratio ? max : READ_PPROF_SLACK + ratio * n;
}

struct pprof_state {
	const Pprof__Profile *pb;
	struct profile *p;
	struct pairmap *ids;     /* (kind, pprof id) -> index */
	int64_t *totals;         /* of each column so far */
	uint32_t *frames;        /* the stack being built, root first */
	size_t nframes, cap;
};

enum { ID_MAPPING, ID_LOCATION, ID_FUNCTION, ID_MODULE };

/* String I of the table, or NULL if out of range. */
static const char *str(const struct pprof_state *r, int64_t i)
{
	if (i < 0 || (uint64_t)i >= r->pb->n_string_table)
		return NULL;
	return r->pb->string_table[i] ? r->pb->string_table[i] : "";
}

/* Index of the pprof message of KIND with id ID (0 is "none": -ENOENT). */
static int lookup(const struct pprof_state *r, int kind, uint64_t id, size_t *idx)
{
	uint64_t v;

	if (!id || !pairmap_get(r->ids, kind, id, &v))
		return -EBADMSG;
	*idx = (size_t)v;
	return 0;
}

static int index_ids(struct pprof_state *r)
{
	const Pprof__Profile *pb = r->pb;
	size_t i;
	uint64_t v;

	for (i = 0; i < pb->n_mapping; i++)
		if (pairmap_get(r->ids, ID_MAPPING, pb->mapping[i]->id, &v) ||
		    pairmap_put(r->ids, ID_MAPPING, pb->mapping[i]->id, i))
			return -EBADMSG; /* a repeated id (a failed put is caught below) */
	for (i = 0; i < pb->n_location; i++)
		if (pairmap_get(r->ids, ID_LOCATION, pb->location[i]->id, &v) ||
		    pairmap_put(r->ids, ID_LOCATION, pb->location[i]->id, i))
			return -EBADMSG;
	for (i = 0; i < pb->n_function; i++)
		if (pairmap_get(r->ids, ID_FUNCTION, pb->function[i]->id, &v) ||
		    pairmap_put(r->ids, ID_FUNCTION, pb->function[i]->id, i))
			return -EBADMSG;
	return pairmap_count(r->ids) == pb->n_mapping + pb->n_location + pb->n_function ? 0 :
	       -ENOMEM;
}

/* The profile's module of mapping id ID, PROFILE_NONE for none. */
static int module_of(struct pprof_state *r, uint64_t id, uint32_t *module)
{
	const Pprof__Mapping *m;
	const char *path, *build_id;
	size_t i;
	uint64_t *slot;
	int err;

	*module = PROFILE_NONE;
	if (!id)
		return 0;
	if ((err = lookup(r, ID_MAPPING, id, &i)))
		return err;
	if (!(slot = pairmap_slot(r->ids, ID_MODULE, i, UINT64_MAX)))
		return -ENOMEM;
	if (*slot != UINT64_MAX) {
		*module = (uint32_t)*slot;
		return 0;
	}
	m = r->pb->mapping[i];
	path = str(r, m->filename);
	build_id = str(r, m->build_id);
	if (!path || !build_id)
		return -EBADMSG;
	if ((err = profile_module(r->p, path, build_id, module)))
		return err;
	return pairmap_put(r->ids, ID_MODULE, i, *module) ? -ENOMEM : 0;
}

/* Append the frames of location ID to the stack, caller first. */
static int add_location(struct pprof_state *r, uint64_t id)
{
	const Pprof__Location *loc;
	uint32_t module, location;
	size_t i, k;
	int err;

	if ((err = lookup(r, ID_LOCATION, id, &i)))
		return err;
	loc = r->pb->location[i];
	if ((err = module_of(r, loc->mapping_id, &module)))
		return err;
	location = profile_new_location(r->p);
	for (k = loc->n_line; k-- > 0;) {
		const Pprof__Line *l = loc->line[k];
		struct profile_frame f = { .module = module, .location = location,
					   .address = loc->address, .symbolized = 1 };
		const Pprof__Function *fn;
		size_t fi;

		if ((err = lookup(r, ID_FUNCTION, l->function_id, &fi)))
			return err;
		fn = r->pb->function[fi];
		f.name = str(r, fn->name);
		f.mangled = str(r, fn->system_name);
		f.file = str(r, fn->filename);
		if (!f.name || !f.mangled || !f.file)
			return -EBADMSG;
		if (!*f.mangled)
			f.mangled = f.name;
		if (!*f.file)
			f.file = NULL;
		f.line = l->line > 0 && l->line <= UINT32_MAX ? (uint32_t)l->line : 0;
		f.start_line = fn->start_line > 0 && fn->start_line <= UINT32_MAX ?
			       (uint32_t)fn->start_line : 0;
		f.symbolized = f.name[0] != '[';
		if (k + 1 < loc->n_line)
			f.kind = FRAME_INLINED;
		else if (module != PROFILE_NONE && !strcmp(r->p->modules[module].path, "[jit]"))
			f.kind = FRAME_JIT;
		else if (module != PROFILE_NONE && r->p->modules[module].path[0] == '[' &&
			 strstr(r->p->modules[module].path, "kernel"))
			f.kind = FRAME_KERNEL;
		if (array_reserve(&r->frames, &r->cap, r->nframes + 1, sizeof(*r->frames)))
			return -ENOMEM;
		if ((err = profile_frame(r->p, &f, &r->frames[r->nframes++])))
			return err;
	}
	return 0;
}

static int add_sample(struct pprof_state *r, const Pprof__Sample *s)
{
	const char *comm = "";
	uint64_t pid = 0, tid = 0;
	uint32_t stack, thread;
	size_t i;
	int err = 0;

	if (s->n_value != r->pb->n_sample_type)
		return -EBADMSG;
	/* values are counts and times: none negative, no total past PROFILE_MAX_TOTAL */
	for (i = 0; i < s->n_value; i++) {
		if (s->value[i] < 0 || s->value[i] > PROFILE_MAX_TOTAL - r->totals[i])
			return -EBADMSG;
		r->totals[i] += s->value[i];
	}
	for (i = 0; i < s->n_label; i++) {
		const char *key = str(r, s->label[i]->key), *val = str(r, s->label[i]->str);

		if (!key || !val)
			return -EBADMSG;
		if (!strcmp(key, "thread"))
			comm = val;
		else if (!strcmp(key, "pid"))
			pid = (uint64_t)s->label[i]->num;
		else if (!strcmp(key, "tid"))
			tid = (uint64_t)s->label[i]->num;
	}
	r->nframes = 0;
	for (i = s->n_location_id; i-- > 0 && !err;)
		err = add_location(r, s->location_id[i]);
	if (!err)
		err = profile_stack(r->p, r->frames, r->nframes, &stack);
	if (!err)
		err = profile_thread(r->p, (uint32_t)pid, (uint32_t)tid, comm, comm, &thread);
	if (!err)
		err = profile_add(r->p, stack, thread, s->value, NULL);
	return err;
}

int read_pprof(const void *data, size_t len, struct profile **out)
{
	struct pprof_state r = { 0 };
	struct budget budget = { 0 };
	ProtobufCAllocator alloc = { budget_alloc, budget_free, &budget };
	unsigned char *raw = NULL;
	const unsigned char *bytes = data;
	Pprof__Profile *pb = NULL;
	size_t i, n = len;
	uint32_t col;
	int err = 0;

	if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
		if ((err = gunzip(data, len, bound(len, READ_PPROF_INFLATE_RATIO, READ_PPROF_MAX_BYTES),
				  &raw, &n)))
			goto out;
		bytes = raw;
	}
	budget.left = bound(n, READ_PPROF_UNPACK_RATIO, SIZE_MAX);
	if (!(pb = pprof__profile__unpack(&alloc, n, bytes))) {
		err = budget.over ? -EFBIG : -EBADMSG;
		goto out;
	}
	r.pb = pb;
	if (!(r.totals = calloc(pb->n_sample_type + 1, sizeof(*r.totals)))) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = profile_new(&r.p)) || (err = pairmap_new(&r.ids)) || (err = index_ids(&r)))
		goto out;
	for (i = 0; i < pb->n_sample_type && !err; i++) {
		const char *type = str(&r, pb->sample_type[i]->type);
		const char *unit = str(&r, pb->sample_type[i]->unit);

		err = type && unit ? profile_add_column(r.p, type, unit, &col) : -EBADMSG;
	}
	for (i = 0; i < pb->n_sample && !err; i++)
		err = add_sample(&r, pb->sample[i]);
	if (!err) {
		r.p->meta.duration_ns = pb->duration_nanos > 0 ? (uint64_t)pb->duration_nanos : 0;
		r.p->meta.period_ns = pb->period > 0 ? (uint64_t)pb->period : 0;
	}
out:
	if (pb)
		pprof__profile__free_unpacked(pb, &alloc);
	free(raw);
	free(r.frames);
	free(r.totals);
	pairmap_free(r.ids);
	if (err) {
		profile_free(r.p);
		r.p = NULL;
	}
	*out = r.p;
	return err;
}

/* gzip's magic: cprof report writes its pprof gzip'd, as go tool pprof does */
static int recognise_pprof(const char *data, size_t len)
{
	return len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b;
}

static int reader_read_pprof(const struct reader_input *in, struct profile **out, size_t *line)
{
	*line = 0;
	return read_pprof(in->data, in->len, out);
}

static const char *strerror_pprof(int err)
{
	if (err == -EBADMSG)
		return "is not a valid pprof profile (truncated or damaged)";
	if (err == -EFBIG)
		return "is not a valid pprof profile (too large once inflated or decoded: a gzip "
		       "bomb? See docs/security.md)";
	return NULL;
}

const struct reader reader_pprof = {
	.name = "pprof",
	.recognise = recognise_pprof,
	.read = reader_read_pprof,
	.strerror = strerror_pprof,
};
