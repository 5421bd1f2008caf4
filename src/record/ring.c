#include "cprof/ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t ring_fair_pages(size_t wanted, unsigned ncpus, uint64_t perf_event_mlock_kb,
		       uint64_t memlock_bytes, size_t page_size)
{
	uint64_t share, pages = 1;

	if (!ncpus)
		ncpus = 1;
	share = perf_event_mlock_kb * 1024 / page_size + memlock_bytes / page_size / ncpus;
	while (pages * 2 <= wanted && pages * 2 + 1 <= share)
		pages *= 2;
	return (size_t)pages;
}

int ring_init(struct ring *r, int fd, size_t data_pages)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	r->fd = -1; /* set once the ring is mapped */
	r->map_size = (data_pages + 1) * page;
	r->base = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		return -errno;
	}
	r->data = (unsigned char *)r->base + page;
	r->mask = data_pages * page - 1;
	r->scratch = malloc(65536);
	if (!r->scratch) {
		munmap(r->base, r->map_size);
		r->base = NULL;
		return -ENOMEM;
	}
	r->fd = fd;
	return 0;
}

void ring_release(struct ring *r)
{
	if (r->base)
		munmap(r->base, r->map_size);
	free(r->scratch);
	r->base = NULL;
	r->scratch = NULL;
}

void ring_begin(struct ring *r)
{
	struct perf_event_mmap_page *pc = r->base;

	/* acquire: records up to head are fully written */
	r->head = __atomic_load_n(&pc->data_head, __ATOMIC_ACQUIRE);
	r->tail = pc->data_tail;
	r->pos = r->tail;
}

const struct perf_event_header *ring_next(struct ring *r)
{
	struct perf_event_header hdr;
	uint64_t off, size = r->mask + 1;

	if (r->pos >= r->head)
		return NULL;
	off = r->pos & r->mask;
	if (off + sizeof(hdr) <= size) {
		memcpy(&hdr, r->data + off, sizeof(hdr));
	} else {
		size_t first = size - off;

		memcpy(&hdr, r->data + off, first);
		memcpy((char *)&hdr + first, r->data, sizeof(hdr) - first);
	}
	if (hdr.size < sizeof(hdr) || r->pos + hdr.size > r->head) {
		r->pos = r->head; /* corrupt: drop the rest of this batch */
		return NULL;
	}
	r->pos += hdr.size;
	if (off + hdr.size <= size)
		return (const struct perf_event_header *)(r->data + off);
	memcpy(r->scratch, r->data + off, size - off);
	memcpy(r->scratch + (size - off), r->data, hdr.size - (size - off));
	return (const struct perf_event_header *)r->scratch;
}

void ring_rewind(struct ring *r)
{
	r->pos = r->tail;
}

const struct perf_event_header *ring_at(struct ring *r, uint64_t pos)
{
	if (pos < r->tail || pos >= r->head)
		return NULL;
	r->pos = pos;
	return ring_next(r);
}

void ring_release_to(struct ring *r, uint64_t pos)
{
	struct perf_event_mmap_page *pc = r->base;

	if (pos > r->tail && pos <= r->head)
		__atomic_store_n(&pc->data_tail, pos, __ATOMIC_RELEASE);
}

void ring_end(struct ring *r)
{
	struct perf_event_mmap_page *pc = r->base;

	/* release: we are done reading before the kernel may overwrite */
	__atomic_store_n(&pc->data_tail, r->head, __ATOMIC_RELEASE);
}
