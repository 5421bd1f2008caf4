/*
 * The data file's records as bytes (datafile.h, docs/data-format.md):
 * little-endian fields packed back to back.
 */
#include "cprof/dfcodec.h"

#include <errno.h>
#include <string.h>

#include "cprof/util.h"

/*
 * ---- encoding helpers: little-endian fields packed back to back ----
 * The fields are copied in the host's byte order (and live.c reads a
 * STACK's addresses in place): the format's little-endian order holds
 * only on a little-endian host, cprof's one, x86-64.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the data file is little-endian and written in host order: a little-endian host only");

struct enc {
	struct buf *b;
	int err;
};

static void put(struct enc *e, const void *p, size_t n)
{
	if (!e->err)
		e->err = buf_append(e->b, p, n);
}

static void put_u32(struct enc *e, uint32_t v)
{
	put(e, &v, 4);
}

static void put_u64(struct enc *e, uint64_t v)
{
	put(e, &v, 8);
}

static void put_str(struct enc *e, const char *s)
{
	put(e, s ? s : "", strlen(s ? s : "") + 1);
}

struct dec {
	const unsigned char *p, *end;
	int bad;
};

static void get(struct dec *d, void *out, size_t n)
{
	if ((size_t)(d->end - d->p) < n) {
		d->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, d->p, n);
	d->p += n;
}

static uint32_t get_u32(struct dec *d)
{
	uint32_t v;

	get(d, &v, 4);
	return v;
}

static uint64_t get_u64(struct dec *d)
{
	uint64_t v;

	get(d, &v, 8);
	return v;
}

static const char *get_str(struct dec *d)
{
	const unsigned char *nul = d->p < d->end ? memchr(d->p, '\0', d->end - d->p) : NULL;
	const char *s = (const char *)d->p;

	if (!nul) {
		d->bad = 1;
		return "";
	}
	d->p = nul + 1;
	return s;
}

static void encode(struct enc *e, const struct df_record *r)
{
	switch (r->type) {
	case DF_META:
		put_u32(e, r->meta.freq);
		put_u32(e, r->meta.mode);
		put_u32(e, r->meta.stack_size);
		put_u32(e, r->meta.kernel);
		put_u64(e, r->meta.start_realtime_ns);
		put_str(e, r->meta.cmdline);
		put_str(e, r->meta.hostname);
		put_str(e, r->meta.release);
		put_u32(e, r->meta.offcpu);
		break;
	case DF_COMM:
		put_u32(e, r->comm.pid);
		put_u32(e, r->comm.tid);
		put_u64(e, r->comm.time);
		put_u32(e, r->comm.exec);
		put_str(e, r->comm.comm);
		break;
	case DF_MMAP:
		put_u32(e, r->mmap.pid);
		put_u32(e, r->mmap.tid);
		put_u64(e, r->mmap.time);
		put_u64(e, r->mmap.start);
		put_u64(e, r->mmap.len);
		put_u64(e, r->mmap.pgoff);
		put_u32(e, r->mmap.build_id_size);
		put(e, r->mmap.build_id, DF_BUILD_ID_MAX);
		put_str(e, r->mmap.path);
		put_str(e, r->mmap.host_path);
		break;
	case DF_FORK:
	case DF_EXIT:
		put_u32(e, r->task.pid);
		put_u32(e, r->task.ppid);
		put_u32(e, r->task.tid);
		put_u32(e, r->task.ptid);
		put_u64(e, r->task.time);
		break;
	case DF_STACK:
		put_u32(e, r->stack.id);
		put_u32(e, r->stack.trunc);
		put_u32(e, r->stack.n);
		put(e, r->stack.ips, (size_t)r->stack.n * 8);
		break;
	case DF_SAMPLE:
		put_u64(e, r->sample.time);
		put_u32(e, r->sample.pid);
		put_u32(e, r->sample.tid);
		put_u32(e, r->sample.stack_id);
		put_u32(e, r->sample.cpu);
		break;
	case DF_WSAMPLE:
		put_u64(e, r->wsample.time);
		put_u32(e, r->wsample.pid);
		put_u32(e, r->wsample.tid);
		put_u32(e, r->wsample.stack_id);
		put_u32(e, r->wsample.cpu);
		put_u32(e, r->wsample.kind);
		put_u64(e, r->wsample.value);
		break;
	case DF_LOST:
		put_u64(e, r->lost.time);
		put_u64(e, r->lost.count);
		break;
	case DF_FINISH:
		put_u64(e, r->finish.time);
		put_u64(e, r->finish.samples);
		put_u64(e, r->finish.lost);
		put_u64(e, r->finish.recorder_cpu_ns);
		put_u64(e, r->finish.duration_ns);
		put_u32(e, r->finish.threads);
		put_u32(e, r->finish.processes);
		put_u32(e, r->finish.flags);
		put_u32(e, r->finish.max_processes);
		put_u64(e, r->finish.filtered);
		put_u64(e, r->finish.dropped);
		put_u32(e, r->finish.host_processes);
		put_u32(e, r->finish.read);
		put_u32(e, r->finish.reread);
		put_u32(e, r->finish.unreadable);
		break;
	case DF_PERFMAP:
		put_u32(e, r->perfmap.pid);
		put(e, r->perfmap.text, r->perfmap.len);
		break;
	case DF_KSYM:
		put_u64(e, r->ksym.start);
		put_u64(e, r->ksym.size);
		put_str(e, r->ksym.name);
		break;
	case DF_PYCODE: /* DF_JSFUNC's fields are the same (datafile.h) */
	case DF_JSFUNC:
		put_u32(e, r->pycode.pid);
		put_u32(e, r->pycode.id);
		put_u32(e, r->pycode.firstlineno);
		put_str(e, r->pycode.qualname);
		put_str(e, r->pycode.filename);
		break;
	case DF_CONTAINER:
		put_u32(e, r->container.pid);
		put_str(e, r->container.id);
		break;
	default:
		e->err = -EINVAL;
	}
}

int df_encode(const struct df_record *rec, struct buf *out)
{
	size_t at = out->len;
	struct enc e = { out, 0 };
	uint32_t hdr[2];

	put_u32(&e, rec->type);
	put_u32(&e, 0); /* size, patched below */
	encode(&e, rec);
	if (e.err)
		return e.err;
	if (out->len - at > DF_REC_MAX) {
		out->len = at;
		return -E2BIG;
	}
	hdr[0] = rec->type;
	hdr[1] = (uint32_t)(out->len - at);
	memcpy(out->data + at, hdr, sizeof(hdr));
	return 0;
}

/* FINISH's fields appended after processes: absent (0) in files written before them. */
static void decode_finish_host(struct dec *d, struct df_finish *f)
{
	f->flags = f->max_processes = f->host_processes = f->read = f->reread = f->unreadable = 0;
	f->filtered = f->dropped = 0;
	if (d->p >= d->end)
		return;
	f->flags = get_u32(d);
	f->max_processes = get_u32(d);
	f->filtered = get_u64(d);
	f->dropped = get_u64(d);
	f->host_processes = get_u32(d);
	f->read = get_u32(d);
	f->reread = get_u32(d);
	f->unreadable = get_u32(d);
}

static int decode(struct dec *d, struct df_record *r)
{
	switch (r->type) {
	case DF_META:
		r->meta.freq = get_u32(d);
		r->meta.mode = get_u32(d);
		r->meta.stack_size = get_u32(d);
		r->meta.kernel = get_u32(d);
		r->meta.start_realtime_ns = get_u64(d);
		r->meta.cmdline = get_str(d);
		r->meta.hostname = get_str(d);
		r->meta.release = get_str(d);
		r->meta.offcpu = d->p < d->end ? get_u32(d) : DF_OFFCPU_NONE;
		break;
	case DF_COMM:
		r->comm.pid = get_u32(d);
		r->comm.tid = get_u32(d);
		r->comm.time = get_u64(d);
		r->comm.exec = get_u32(d);
		r->comm.comm = get_str(d);
		break;
	case DF_MMAP:
		r->mmap.pid = get_u32(d);
		r->mmap.tid = get_u32(d);
		r->mmap.time = get_u64(d);
		r->mmap.start = get_u64(d);
		r->mmap.len = get_u64(d);
		r->mmap.pgoff = get_u64(d);
		r->mmap.build_id_size = get_u32(d);
		get(d, r->mmap.build_id, DF_BUILD_ID_MAX);
		if (r->mmap.build_id_size > DF_BUILD_ID_MAX)
			d->bad = 1;
		r->mmap.path = get_str(d);
		r->mmap.host_path = d->p < d->end ? get_str(d) : "";
		break;
	case DF_FORK:
	case DF_EXIT:
		r->task.pid = get_u32(d);
		r->task.ppid = get_u32(d);
		r->task.tid = get_u32(d);
		r->task.ptid = get_u32(d);
		r->task.time = get_u64(d);
		break;
	case DF_STACK:
		r->stack.id = get_u32(d);
		r->stack.trunc = get_u32(d);
		r->stack.n = get_u32(d);
		if ((size_t)(d->end - d->p) != (size_t)r->stack.n * 8)
			return -EBADMSG;
		r->stack.ips = (const uint64_t *)d->p; /* 8-aligned: see PAYLOAD_SKEW */
		d->p = d->end;
		break;
	case DF_SAMPLE:
		r->sample.time = get_u64(d);
		r->sample.pid = get_u32(d);
		r->sample.tid = get_u32(d);
		r->sample.stack_id = get_u32(d);
		r->sample.cpu = get_u32(d);
		break;
	case DF_WSAMPLE:
		r->wsample.time = get_u64(d);
		r->wsample.pid = get_u32(d);
		r->wsample.tid = get_u32(d);
		r->wsample.stack_id = get_u32(d);
		r->wsample.cpu = get_u32(d);
		r->wsample.kind = get_u32(d);
		r->wsample.value = get_u64(d);
		break;
	case DF_LOST:
		r->lost.time = get_u64(d);
		r->lost.count = get_u64(d);
		break;
	case DF_FINISH:
		r->finish.time = get_u64(d);
		r->finish.samples = get_u64(d);
		r->finish.lost = get_u64(d);
		r->finish.recorder_cpu_ns = get_u64(d);
		r->finish.duration_ns = get_u64(d);
		r->finish.threads = get_u32(d);
		r->finish.processes = get_u32(d);
		decode_finish_host(d, &r->finish);
		break;
	case DF_PERFMAP:
		r->perfmap.pid = get_u32(d);
		r->perfmap.text = (const char *)d->p;
		r->perfmap.len = (uint32_t)(d->end - d->p);
		d->p = d->end;
		break;
	case DF_KSYM:
		r->ksym.start = get_u64(d);
		r->ksym.size = get_u64(d);
		r->ksym.name = get_str(d);
		break;
	case DF_PYCODE:
	case DF_JSFUNC:
		r->pycode.pid = get_u32(d);
		r->pycode.id = get_u32(d);
		r->pycode.firstlineno = get_u32(d);
		r->pycode.qualname = get_str(d);
		r->pycode.filename = get_str(d);
		break;
	case DF_CONTAINER:
		r->container.pid = get_u32(d);
		r->container.id = get_str(d);
		break;
	default:
		return -ENOENT;
	}
	return d->bad ? -EBADMSG : 0;
}

int dfcodec_decode(uint32_t type, const unsigned char *p, size_t n, struct df_record *rec,
		   size_t *used)
{
	struct dec d = { p, p + n, 0 };
	int err;

	rec->type = type;
	err = decode(&d, rec);
	*used = (size_t)(d.p - p);
	return err;
}

int df_decode(const void *p, size_t n, struct df_record *rec)
{
	const unsigned char *b = p;
	uint32_t hdr[2];
	struct dec d;

	if (n < DF_REC_HEADER)
		return -EBADMSG;
	memcpy(hdr, b, sizeof(hdr));
	if (hdr[1] != n)
		return -EBADMSG;
	d = (struct dec){ b + DF_REC_HEADER, b + n, 0 };
	rec->type = hdr[0];
	return decode(&d, rec);
}
