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

/* ---- encoding helpers: little-endian fields packed back to back ---- */

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

int df_write(struct df_writer *w, const struct df_record *rec)
{
	struct enc e = { &w->rec, 0 };
	uint32_t hdr[2];

	if (w->err)
		return w->err;
	w->rec.len = 0;
	put_u32(&e, rec->type);
	put_u32(&e, 0); /* size, patched below */
	encode(&e, rec);
	if (e.err)
		return w->err = e.err;
	if (w->rec.len > REC_MAX)
		return -E2BIG;
	hdr[0] = rec->type;
	hdr[1] = (uint32_t)w->rec.len;
	memcpy(w->rec.data, hdr, sizeof(hdr));
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
 * The payload is read 4 bytes into an 8-aligned buffer, so that a STACK's
 * ips (payload offset 12) are 8-aligned and can be handed out in place;
 * the buffer also exists for an empty payload.
 */
#define PAYLOAD_SKEW 4

struct df_reader {
	FILE *f;
	int fd;                  /* f's, for the look-ups of a resynchronisation */
	uint64_t pos;            /* offset of the next byte f hands out */
	uint64_t skipped;        /* records that did not decode, damaged spans */
	uint64_t skipped_bytes;  /* in damaged spans */
	uint32_t next[2];        /* the header after the last record, read ahead */
	int have_next;
	int cut;                 /* the file ends inside the header after it */
	unsigned char *rec;
	size_t cap;
};

/* Largest header a later version may write; beyond it the file is damaged. */
#define HEADER_MAX 4096
/* Record types a newer cprof may add and a reader skips (see df_read). */
#define TYPE_MAX_FUTURE UINT32_MAX

int df_reader_new(const char *path, struct df_reader **out)
{
	struct df_reader *r;
	unsigned char hdr[HEADER_SIZE];
	uint32_t version, hs;
	struct stat st;
	int fd, err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	fd = safefile_open_input(path);
	if (fd < 0) {
		free(r);
		return fd;
	}
	r->f = fdopen(fd, "r");
	if (!r->f) {
		err = -errno;
		close(fd);
		free(r);
		return err;
	}
	if (fread(hdr, 1, sizeof(hdr), r->f) != sizeof(hdr) || memcmp(hdr, DATAFILE_MAGIC, 8)) {
		err = ferror(r->f) ? -EIO : -EPROTO;
		goto fail;
	}
	memcpy(&version, hdr + 8, 4);
	memcpy(&hs, hdr + 12, 4);
	if (version == 0 || version > DATAFILE_VERSION) {
		err = version ? -EPROTONOSUPPORT : -EILSEQ;
		goto fail;
	}
	if (hs < HEADER_SIZE || hs > HEADER_MAX || fstat(fd, &st) || hs > (uint64_t)st.st_size) {
		err = -EOVERFLOW;
		goto fail;
	}
	if (fseeko(r->f, hs, SEEK_SET) < 0) {
		err = -errno;
		goto fail;
	}
	r->fd = fd;
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

static int plausible(const uint32_t hdr[2], uint32_t max_type)
{
	return hdr[0] >= 1 && hdr[0] <= max_type && hdr[1] >= REC_HEADER && hdr[1] <= REC_MAX;
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

/* Decode the payload in r->rec; *EXACT: it used every byte (none trailing). */
static int decode_payload(struct df_reader *r, uint32_t type, size_t n, struct df_record *rec,
			  int *exact)
{
	struct dec d = { r->rec + PAYLOAD_SKEW, r->rec + PAYLOAD_SKEW + n, 0 };
	int err;

	rec->type = type;
	err = decode(&d, rec);
	*exact = d.p == d.end;
	return err;
}

/*
 * Whether a record of a known type starts at AT: it decodes, and what
 * follows is the end of the file or another plausible header. 1, 0 or -errno.
 */
static int record_at(struct df_reader *r, uint64_t at, const uint32_t hdr[2])
{
	size_t n = hdr[1] - REC_HEADER;
	uint32_t next[2];
	struct df_record rec;
	ssize_t got;
	int err, exact;

	if ((err = payload_room(r, n)))
		return err;
	got = pread(r->fd, r->rec + PAYLOAD_SKEW, n, (off_t)(at + REC_HEADER));
	if (got < 0)
		return -errno;
	if ((size_t)got != n || decode_payload(r, hdr[0], n, &rec, &exact) || !exact)
		return 0;
	got = pread(r->fd, next, sizeof(next), (off_t)(at + hdr[1]));
	if (got < 0)
		return -errno;
	/* a known type after it too: two records in a row do not happen by chance */
	return got < (ssize_t)sizeof(next) || plausible(next, DF_WSAMPLE);
}

/*
 * The record that began at FROM - 1 is damaged: find the next valid one
 * and go on from there. 1 (positioned on it), 0 if none follows, -errno.
 */
static int resync(struct df_reader *r, uint64_t from)
{
	unsigned char win[65536];
	uint64_t off = from;
	uint32_t hdr[2];
	ssize_t got;
	size_t i;
	int ok;

	for (;;) {
		got = pread(r->fd, win, sizeof(win), (off_t)off);
		if (got < 0)
			return -errno;
		if (got < (ssize_t)sizeof(hdr))
			return 0;
		for (i = 0; i + sizeof(hdr) <= (size_t)got; i++) {
			memcpy(hdr, win + i, sizeof(hdr));
			if (!plausible(hdr, DF_WSAMPLE))
				continue;
			ok = record_at(r, off + i, hdr);
			if (ok < 0)
				return ok;
			if (!ok)
				continue;
			if (fseeko(r->f, (off_t)(off + i), SEEK_SET) < 0)
				return -errno;
			r->skipped_bytes += off + i - (from - 1);
			r->pos = off + i;
			r->have_next = 0;
			r->cut = 0;
			return 1;
		}
		off += (uint64_t)got - (sizeof(hdr) - 1);
	}
}

/* Read the header after a record into r->next; 0 or -EIO. */
static int read_ahead(struct df_reader *r)
{
	size_t n = fread(r->next, 1, sizeof(r->next), r->f);

	r->pos += n;
	r->have_next = n == sizeof(r->next);
	r->cut = n && !r->have_next;
	return ferror(r->f) ? -EIO : 0;
}

/*
 * Records are read one header ahead: a record whose size points at no
 * plausible header (a size damaged mid-file) is not trusted, nor one that
 * runs past the end of the file; the reader then resynchronises on the
 * next valid record, and only when none follows is it a cut-short file.
 */
int df_read(struct df_reader *r, struct df_record *rec)
{
	uint32_t hdr[2];
	uint64_t start;
	size_t n;
	int err, exact;

	for (;;) {
		if (r->cut)
			return -EBADMSG;
		if (r->have_next) {
			memcpy(hdr, r->next, sizeof(hdr));
			r->have_next = 0;
			start = r->pos - sizeof(hdr);
		} else {
			start = r->pos;
			n = fread(hdr, 1, sizeof(hdr), r->f);
			r->pos += n;
			if (n == 0)
				return ferror(r->f) ? -EIO : 0;
			if (n < sizeof(hdr))
				return ferror(r->f) ? -EIO : -EBADMSG;
		}
		if (!plausible(hdr, TYPE_MAX_FUTURE))
			goto damaged;
		n = hdr[1] - REC_HEADER;
		if ((err = payload_room(r, n)))
			return err;
		if (fread(r->rec + PAYLOAD_SKEW, 1, n, r->f) != n) {
			if (ferror(r->f))
				return -EIO;
			goto damaged;
		}
		r->pos += n;
		if ((err = read_ahead(r)))
			return err;
		err = decode_payload(r, hdr[0], n, rec, &exact);
		/*
		 * No plausible header after it: either this size or the next
		 * header is damaged. A record that used every byte is trusted
		 * (the next one is then passed over); one with bytes to spare
		 * was given a size too large.
		 */
		if (r->have_next && !plausible(r->next, TYPE_MAX_FUTURE) && (err || !exact))
			goto damaged;
		if (err == -ENOENT)
			continue; /* a record type from a newer cprof: skip it */
		if (err == -EBADMSG) {
			r->skipped++; /* whole but malformed: its size lets us go on */
			continue;
		}
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

void df_reader_free(struct df_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->rec);
	free(r);
}
