#include "cprof/datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof/dfcodec.h"
#include "cprof/safefile.h"
#include "cprof/util.h"

#define HEADER_SIZE 16
#define REC_HEADER DF_REC_HEADER
#define REC_MAX DF_REC_MAX
#define WBUF_SIZE (256u << 10)

/* ---- writer ---- */

struct df_writer {
	int fd;
	int err;
	struct buf out;          /* pending bytes, whole records only */
	struct buf rec;          /* the record being encoded */
	uint64_t written;
	struct safeout *file;
};

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
	uint64_t after;
	size_t used;
	uint32_t nh[2];
	size_t tail;
	int e;

	if (hdr[1] > r->size - at)
		return 0;
	after = r->size - at - hdr[1];
	tail = after < sizeof(nh) ? (size_t)after : sizeof(nh);
	if ((e = view(r, at, hdr[1] + tail, &p)))
		return e;
	*err = dfcodec_decode(hdr[0], p + REC_HEADER, hdr[1] - REC_HEADER, &rec, &used);
	*exact = used == hdr[1] - REC_HEADER;
	r->work += (uint64_t)used + REC_HEADER;
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
	size_t n, used;
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
		err = dfcodec_decode(hdr[0], r->rec + PAYLOAD_SKEW, n, rec, &used);
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
