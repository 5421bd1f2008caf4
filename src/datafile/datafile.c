#include "cprof/datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof/safefile.h"
#include "cprof/util.h"

#define HEADER_SIZE 16
#define REC_HEADER 8
#define REC_MAX (16u << 20)
#define WBUF_SIZE (256u << 10)

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

/* ---- writer ---- */

struct df_writer {
	int fd;
	int err;
	struct buf out;          /* pending bytes, whole records only */
	struct buf rec;          /* the record being encoded */
	uint64_t written;
	struct safeout *file;
};

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
	default:
		e->err = -EINVAL;
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= k;
	}
	return 0;
}

int df_writer_new(const char *path, struct df_writer **out)
{
	struct df_writer *w;
	unsigned char hdr[HEADER_SIZE] = DATAFILE_MAGIC;
	uint32_t v = DATAFILE_VERSION, hs = HEADER_SIZE;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	buf_init(&w->out);
	buf_init(&w->rec);
	/* 0600 as perf.data: it holds command lines, paths and JIT symbols */
	err = safeout_new(path, SAFEOUT_KEEP_OLD, &w->file);
	if (err) {
		free(w);
		return err;
	}
	w->fd = safeout_fd(w->file);
	memcpy(hdr + 8, &v, 4);
	memcpy(hdr + 12, &hs, 4);
	err = buf_append(&w->out, hdr, sizeof(hdr));
	if (!err)
		err = df_flush(w); /* even a recording that dies at once leaves a valid file */
	if (err) {
		df_writer_discard(w);
		return err;
	}
	*out = w;
	return 0;
}

int df_writer_commit(struct df_writer *w)
{
	int err = df_flush(w);

	return err ? err : safeout_commit(w->file);
}

static int writer_close(struct df_writer *w)
{
	int err = safeout_close(w->file);

	buf_release(&w->out);
	buf_release(&w->rec);
	free(w);
	return err;
}

void df_writer_discard(struct df_writer *w)
{
	if (w)
		writer_close(w);
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
	if (out->len - at > REC_MAX) {
		out->len = at;
		return -E2BIG;
	}
	hdr[0] = rec->type;
	hdr[1] = (uint32_t)(out->len - at);
	memcpy(out->data + at, hdr, sizeof(hdr));
	return 0;
}

int df_write(struct df_writer *w, const struct df_record *rec)
{
	int err;

	if (w->err)
		return w->err;
	w->rec.len = 0;
	err = df_encode(rec, &w->rec);
	if (err == -E2BIG)
		return err;
	if (err)
		return w->err = err;
	w->err = buf_append(&w->out, w->rec.data, w->rec.len);
	if (!w->err && w->out.len >= WBUF_SIZE)
		return df_flush(w);
	return w->err;
}

int df_flush(struct df_writer *w)
{
	if (w->err)
		return w->err;
	w->err = write_all(w->fd, w->out.data, w->out.len);
	if (!w->err)
		w->written += w->out.len;
	w->out.len = 0;
	return w->err;
}

uint64_t df_bytes(const struct df_writer *w)
{
	return w->written + w->out.len;
}

int df_writer_free(struct df_writer *w)
{
	int err, err2;

	if (!w)
		return 0;
	err = df_writer_commit(w);
	err2 = writer_close(w);
	return err ? err : err2;
}

/* ---- reader ---- */

/*
 * The payload is copied 4 bytes into an 8-aligned buffer, so that a STACK's
 * ips (payload offset 12) are 8-aligned and can be handed out in place;
 * the buffer also exists for an empty payload.
 */
#define PAYLOAD_SKEW 4
/* The least the window holds; it grows to twice the largest span asked for. */
#define WIN_MIN (64u << 10)

/*
 * The reader sees the file through a window: bytes [woff, woff + wlen),
 * read once and looked at in place. A record is checked there (decoded,
 * the header after it looked at) before anything is copied, so a damaged
 * record costs the bytes its decoding touches, not its size: a
 * resynchronisation that tries a candidate at every offset of a crafted
 * file stays linear in the file's size (see df_reader_work()).
 */
struct df_reader {
	int fd;
	uint64_t size;           /* of the file, as last seen */
	uint64_t pos;            /* offset of the next record */
	uint64_t skipped;        /* records that did not decode, damaged spans */
	uint64_t skipped_bytes;  /* in damaged spans */
	uint64_t work;           /* bytes read and examined: df_reader_work() */
	int cut;                 /* the file ends inside the header after the last record */
	unsigned char *win;
	uint64_t woff;
	size_t wlen, wcap;
	unsigned char *rec;
	size_t cap;
};

/* Largest header a later version may write; beyond it the file is damaged. */
#define HEADER_MAX 4096
/* Record types a newer cprof may add and a reader skips (see df_read). */
#define TYPE_MAX_FUTURE UINT32_MAX

/* Look again at the file's size (a file still being written grows). */
static int refresh_size(struct df_reader *r)
{
	struct stat st;

	if (fstat(r->fd, &st))
		return -errno;
	r->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

/*
 * Point *P at bytes [AT, AT + N) of the file, which the caller knows are
 * within r->size; the window is moved (forward: readers only go forward)
 * and grown as needed. 0, -EIO if the file shrank, -ENOMEM or -errno.
 */
static int view(struct df_reader *r, uint64_t at, size_t n, const unsigned char **p)
{
	size_t keep = 0, cap = r->wcap;
	ssize_t got;

	if (at >= r->woff && at - r->woff <= r->wlen && n <= r->wlen - (at - r->woff)) {
		*p = r->win + (at - r->woff);
		return 0;
	}
	if (n > cap / 2) {
		/* twice what is asked: the next move is half a window on at least */
		cap = n > SIZE_MAX / 4 ? n : 2 * n;
		if (cap < WIN_MIN)
			cap = WIN_MIN;
		if (cap > r->size - at && r->size - at >= n)
			cap = (size_t)(r->size - at); /* never more than the rest of the file */
	}
	if (cap != r->wcap) {
		unsigned char *w = malloc(cap ? cap : 1);

		if (!w)
			return -ENOMEM;
		if (at >= r->woff && at - r->woff < r->wlen) {
			keep = r->wlen - (size_t)(at - r->woff);
			keep = keep < cap ? keep : cap;
			memcpy(w, r->win + (at - r->woff), keep);
		}
		free(r->win);
		r->win = w;
		r->wcap = cap;
	} else if (at >= r->woff && at - r->woff < r->wlen) {
		keep = r->wlen - (size_t)(at - r->woff);
		memmove(r->win, r->win + (at - r->woff), keep);
	}
	r->woff = at;
	r->wlen = keep;
	while (r->wlen < r->wcap && at + r->wlen < r->size) {
		size_t want = r->wcap - r->wlen;

		if (want > r->size - (at + r->wlen))
			want = (size_t)(r->size - (at + r->wlen));
		got = pread(r->fd, r->win + r->wlen, want, (off_t)(at + r->wlen));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		r->wlen += (size_t)got;
		r->work += (uint64_t)got;
	}
	if (n > r->wlen)
		return -EIO;
	*p = r->win;
	return 0;
}

int df_reader_new(const char *path, struct df_reader **out)
{
	struct df_reader *r;
	unsigned char hdr[HEADER_SIZE];
	uint32_t version, hs;
	ssize_t got;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = safefile_open_input(path);
	if (r->fd < 0) {
		err = r->fd;
		free(r);
		return err;
	}
	do
		got = pread(r->fd, hdr, sizeof(hdr), 0);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		err = -EIO;
		goto fail;
	}
	if (got != sizeof(hdr) || memcmp(hdr, DATAFILE_MAGIC, 8)) {
		err = -EPROTO;
		goto fail;
	}
	memcpy(&version, hdr + 8, 4);
	memcpy(&hs, hdr + 12, 4);
	if (version == 0 || version > DATAFILE_VERSION) {
		err = version ? -EPROTONOSUPPORT : -EILSEQ;
		goto fail;
	}
	if (hs < HEADER_SIZE || hs > HEADER_MAX || refresh_size(r) || hs > r->size) {
		err = -EOVERFLOW;
		goto fail;
	}
	r->pos = hs;
	*out = r;
	return 0;
fail:
	df_reader_free(r);
	return err;
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
	default:
		return -ENOENT;
	}
	return d->bad ? -EBADMSG : 0;
}

int df_decode(const void *p, size_t n, struct df_record *rec)
{
	const unsigned char *b = p;
	uint32_t hdr[2];
	struct dec d;

	if (n < REC_HEADER)
		return -EBADMSG;
	memcpy(hdr, b, sizeof(hdr));
	if (hdr[1] != n)
		return -EBADMSG;
	d = (struct dec){ b + REC_HEADER, b + n, 0 };
	rec->type = hdr[0];
	return decode(&d, rec);
}

static int plausible(const uint32_t hdr[2], uint32_t max_type)
{
	return hdr[0] >= 1 && hdr[0] <= max_type && hdr[1] >= REC_HEADER && hdr[1] <= REC_MAX;
}

/*
 * The record whose header HDR is at AT, looked at in the window without a
 * copy: *ERR is what decoding it returns (0, -EBADMSG, -ENOENT for an
 * unknown type), *EXACT whether it used every byte, *NEXT whether the
 * file ends within a header's length after it (*NEXT 1) or a header of a
 * type up to MAX_TYPE follows (1; else 0). Returns 1, 0 if the record runs
 * past the end of the file, or -errno. Decoding touches the fixed fields
 * and the strings up to their NULs, never the rest of a payload.
 */
static int look_at(struct df_reader *r, uint64_t at, const uint32_t hdr[2], uint32_t max_type,
		   int *err, int *exact, int *next)
{
	const unsigned char *p;
	struct df_record rec;
	struct dec d;
	uint64_t after;
	uint32_t nh[2];
	size_t tail;
	int e;

	if (hdr[1] > r->size - at)
		return 0;
	after = r->size - at - hdr[1];
	tail = after < sizeof(nh) ? (size_t)after : sizeof(nh);
	if ((e = view(r, at, hdr[1] + tail, &p)))
		return e;
	d = (struct dec){ p + REC_HEADER, p + hdr[1], 0 };
	rec.type = hdr[0];
	*err = decode(&d, &rec);
	*exact = d.p == d.end;
	r->work += (uint64_t)(d.p - (p + REC_HEADER)) + REC_HEADER;
	if (tail < sizeof(nh)) {
		*next = 1;
	} else {
		memcpy(nh, p + hdr[1], sizeof(nh));
		*next = plausible(nh, max_type);
	}
	return 1;
}

/*
 * The record that began at FROM - 1 is damaged: find the next record of a
 * known type that decodes exactly and is followed by the end of the file
 * or another plausible header, and go on from there. 1 (positioned on
 * it), 0 if none follows, -errno. Each offset costs what look_at() reads
 * of it: the scan is linear in the bytes passed over.
 */
static int resync(struct df_reader *r, uint64_t from)
{
	const unsigned char *p;
	uint64_t off;
	uint32_t hdr[2];
	int err, ok, exact, next;

	if ((err = refresh_size(r)))
		return err;
	for (off = from; off < r->size && r->size - off >= sizeof(hdr); off++) {
		if ((err = view(r, off, sizeof(hdr), &p)))
			return err;
		memcpy(hdr, p, sizeof(hdr));
		r->work++;
		if (!plausible(hdr, DF_TYPE_LAST))
			continue;
		/* a known type after it too: two records in a row do not happen by chance */
		ok = look_at(r, off, hdr, DF_TYPE_LAST, &err, &exact, &next);
		if (ok < 0)
			return ok;
		if (!ok || err || !exact || !next)
			continue;
		r->skipped_bytes += off - (from - 1);
		r->pos = off;
		r->cut = 0;
		return 1;
	}
	return 0;
}

/* Room for a payload of N bytes in r->rec (see PAYLOAD_SKEW). */
static int payload_room(struct df_reader *r, size_t n)
{
	size_t cap = (n + PAYLOAD_SKEW + 7) & ~(size_t)7;
	unsigned char *p;

	if (n + PAYLOAD_SKEW <= r->cap)
		return 0;
	p = aligned_alloc(8, cap);
	if (!p)
		return -ENOMEM;
	free(r->rec);
	r->rec = p;
	r->cap = cap;
	return 0;
}

/*
 * A record is trusted when a plausible header follows it, or when it used
 * every byte of its size (the header after it is then passed over); one
 * with no plausible header after it and bytes to spare was given a size
 * too large, one that runs past the end of the file is damaged too: the
 * reader then resynchronises on the next valid record, and only when none
 * follows is it a cut-short file. Only a trusted record is copied out.
 */
int df_read(struct df_reader *r, struct df_record *rec)
{
	const unsigned char *p;
	uint32_t hdr[2];
	uint64_t start;
	struct dec d;
	size_t n;
	int err, ok, exact, next;

	for (;;) {
		if (r->cut)
			return -EBADMSG;
		start = r->pos;
		if (r->size - start < sizeof(hdr) && (err = refresh_size(r)))
			return err;
		if (r->size <= start)
			return 0;
		if (r->size - start < sizeof(hdr))
			return -EBADMSG;
		if ((err = view(r, start, sizeof(hdr), &p)))
			return err;
		memcpy(hdr, p, sizeof(hdr));
		if (!plausible(hdr, TYPE_MAX_FUTURE))
			goto damaged;
		if (hdr[1] > r->size - start && (err = refresh_size(r)))
			return err;
		ok = look_at(r, start, hdr, TYPE_MAX_FUTURE, &err, &exact, &next);
		if (ok < 0)
			return ok;
		if (!ok || (!next && (err || !exact)))
			goto damaged;
		r->pos = start + hdr[1];
		r->cut = r->size - r->pos > 0 && r->size - r->pos < sizeof(hdr);
		if (err == -ENOENT)
			continue; /* a record type from a newer cprof: skip it */
		if (err == -EBADMSG) {
			r->skipped++; /* whole but malformed: its size lets us go on */
			continue;
		}
		n = hdr[1] - REC_HEADER;
		if ((err = payload_room(r, n)) || (err = view(r, start, hdr[1], &p)))
			return err;
		memcpy(r->rec + PAYLOAD_SKEW, p + REC_HEADER, n);
		r->work += n;
		d = (struct dec){ r->rec + PAYLOAD_SKEW, r->rec + PAYLOAD_SKEW + n, 0 };
		rec->type = hdr[0];
		err = decode(&d, rec);
		return err ? err : 1;
damaged:
		err = resync(r, start + 1);
		if (err <= 0)
			return err ? err : -EBADMSG;
		r->skipped++;
	}
}

uint64_t df_reader_skipped(const struct df_reader *r)
{
	return r->skipped;
}

uint64_t df_reader_skipped_bytes(const struct df_reader *r)
{
	return r->skipped_bytes;
}

uint64_t df_reader_work(const struct df_reader *r)
{
	return r->work;
}

void df_reader_free(struct df_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->win);
	free(r->rec);
	free(r);
}
