/*
 * Reader of one perf mmap ring buffer.
 *
 * Protocol: ring_begin() snapshots the kernel's head; ring_next() walks
 * the records between our tail and that head (it may be called again
 * after ring_rewind() for a second pass over the same records, or a record
 * fetched again by position with ring_at()); ring_end()
 * hands the space back to the kernel. A record that wraps around the end
 * of the buffer is copied into a scratch buffer owned by the ring, so a
 * returned record is borrowed until the next ring_next() call.
 */
#ifndef CPROF_RING_H
#define CPROF_RING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
	int fd;
	void *base;              /* mmap: control page + data pages */
	size_t map_size;
	unsigned char *data;
	uint64_t mask;
	uint64_t head, tail, pos;
	unsigned char *scratch;  /* one record, for wrap-around copies */
};

/*
 * Data pages per CPU ring for an unprivileged user, so that every CPU gets
 * the same: the kernel lets each user lock PERF_EVENT_MLOCK_KB per CPU
 * (control page included) plus RLIMIT_MEMLOCK (MEMLOCK_BYTES) in all. The
 * largest power of two within that share, at most WANTED, at least 1.
 */
size_t ring_fair_pages(size_t wanted, unsigned ncpus, uint64_t perf_event_mlock_kb,
		       uint64_t memlock_bytes, size_t page_size);

/* Map DATA_PAGES (a power of two) pages of FD's ring. Returns 0 or -errno. */
int ring_init(struct ring *r, int fd, size_t data_pages);
void ring_release(struct ring *r);

void ring_begin(struct ring *r);
const struct perf_event_header *ring_next(struct ring *r);
void ring_rewind(struct ring *r);
/*
 * The record at POS (a value of r->pos seen before a ring_next() of this
 * batch), borrowed as ring_next()'s; NULL if POS is outside the batch.
 */
const struct perf_event_header *ring_at(struct ring *r, uint64_t pos);
/*
 * Hand the space before POS (a position of this batch, or its head) back
 * to the kernel while the rest of the batch is still read: a reader that
 * takes its time over a batch lets the kernel go on writing.
 */
void ring_release_to(struct ring *r, uint64_t pos);
void ring_end(struct ring *r);

#endif
