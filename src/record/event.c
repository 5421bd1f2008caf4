#include "cprof/event.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* A bounds-checked cursor over one record. */
struct cursor {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t take_u64(struct cursor *c)
{
	uint64_t v = 0;

	if (c->end - c->p < 8) {
		c->bad = 1;
		c->p = c->end;
		return 0;
	}
	memcpy(&v, c->p, 8);
	c->p += 8;
	return v;
}

static const unsigned char *take_bytes(struct cursor *c, uint64_t n)
{
	const unsigned char *p = c->p;

	if ((uint64_t)(c->end - c->p) < n) {
		c->bad = 1;
		c->p = c->end;
		return NULL;
	}
	c->p += n;
	return p;
}

/* Two u32 packed in a u64 slot, low word first. */
static void take_u32_pair(struct cursor *c, uint32_t *a, uint32_t *b)
{
	uint64_t v = take_u64(c);

	*a = (uint32_t)v;
	*b = (uint32_t)(v >> 32);
}

static const char *take_string(struct cursor *c)
{
	const unsigned char *nul = memchr(c->p, '\0', c->end - c->p);
	const char *s = (const char *)c->p;

	if (!nul) {
		c->bad = 1;
		return "";
	}
	/* strings are padded to 8 bytes; the trailer follows the padding */
	c->p += ((nul - c->p) + 8) & ~7UL;
	if (c->p > c->end)
		c->p = c->end;
	return s;
}

/* The sample_id trailer of non-sample records (sample_id_all), up to the CPU. */
static void trailer(const struct event_layout *l, struct cursor *c, uint32_t *pid, uint32_t *tid,
		    uint64_t *time, uint32_t *cpu)
{
	uint64_t t = l->sample_type;
	uint32_t res;

	*pid = *tid = *cpu = 0;
	*time = 0;
	if (!l->sample_id_all)
		return;
	if (t & PERF_SAMPLE_TID)
		take_u32_pair(c, pid, tid);
	if (t & PERF_SAMPLE_TIME)
		*time = take_u64(c);
	if (t & PERF_SAMPLE_ID)
		take_u64(c);
	if (t & PERF_SAMPLE_STREAM_ID)
		take_u64(c);
	if (t & PERF_SAMPLE_CPU)
		take_u32_pair(c, cpu, &res);
	if (c->bad)
		*time = 0;
}

/* Only the time of the trailer. */
static uint64_t trailer_time(const struct event_layout *l, struct cursor *c)
{
	uint32_t pid, tid, cpu;
	uint64_t time;

	trailer(l, c, &pid, &tid, &time, &cpu);
	return time;
}

static int decode_sample(const struct event_layout *l, struct cursor *c,
			 struct event_sample *s)
{
	uint64_t t = l->sample_type;
	uint32_t res;

	memset(s, 0, offsetof(struct event_sample, regs));
	s->stack = NULL;
	s->stack_size = 0;
	s->context_switch = 0;
	if (t & PERF_SAMPLE_IDENTIFIER)
		s->id = take_u64(c);
	if (t & PERF_SAMPLE_IP)
		s->ip = take_u64(c);
	if (t & PERF_SAMPLE_TID)
		take_u32_pair(c, &s->pid, &s->tid);
	if (t & PERF_SAMPLE_TIME)
		s->time = take_u64(c);
	if (t & PERF_SAMPLE_ADDR)
		take_u64(c);
	if (t & PERF_SAMPLE_ID)
		take_u64(c);
	if (t & PERF_SAMPLE_STREAM_ID)
		take_u64(c);
	if (t & PERF_SAMPLE_CPU)
		take_u32_pair(c, &s->cpu, &res);
	if (t & PERF_SAMPLE_PERIOD)
		s->period = take_u64(c);
	if (t & (PERF_SAMPLE_READ | PERF_SAMPLE_RAW | PERF_SAMPLE_BRANCH_STACK))
		return -EBADMSG; /* never requested by cprof */
	if (t & PERF_SAMPLE_CALLCHAIN) {
		s->nr_ips = take_u64(c);
		if (s->nr_ips > 4096)
			return -EBADMSG;
		s->ips = (const uint64_t *)take_bytes(c, s->nr_ips * 8);
	}
	if (t & PERF_SAMPLE_REGS_USER) {
		s->regs_abi = take_u64(c);
		if (s->regs_abi != PERF_SAMPLE_REGS_ABI_NONE) {
			for (int i = 0; i < EVENT_MAX_REGS && i < 64; i++) {
				if (l->regs_mask & (1ULL << i))
					s->regs[i] = take_u64(c);
			}
		}
	}
	if (t & PERF_SAMPLE_STACK_USER) {
		uint64_t size = take_u64(c);

		if (size) {
			s->stack = take_bytes(c, size);
			s->stack_size = take_u64(c);
			if (s->stack_size > size)
				return -EBADMSG;
		}
	}
	return c->bad ? -EBADMSG : 0;
}

int event_decode(const struct event_layout *l, const struct perf_event_header *hdr,
		 struct event *ev)
{
	struct cursor c;

	if (hdr->size < sizeof(*hdr))
		return -EBADMSG;
	c.p = (const unsigned char *)(hdr + 1);
	c.end = (const unsigned char *)hdr + hdr->size;
	c.bad = 0;
	ev->type = hdr->type;

	switch (hdr->type) {
	case PERF_RECORD_SAMPLE:
		ev->sample.misc = hdr->misc;
		return decode_sample(l, &c, &ev->sample);
	case PERF_RECORD_MMAP2: {
		struct event_mmap *m = &ev->mmap;
		uint32_t maj, min;

		memset(m, 0, sizeof(*m));
		take_u32_pair(&c, &m->pid, &m->tid);
		m->start = take_u64(&c);
		m->len = take_u64(&c);
		m->pgoff = take_u64(&c);
		if (hdr->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			const unsigned char *p = take_bytes(&c, 24);

			if (p) {
				m->build_id_size = p[0] > BUILD_ID_MAX ? BUILD_ID_MAX : p[0];
				memcpy(m->build_id, p + 4, m->build_id_size);
			}
		} else {
			take_u32_pair(&c, &maj, &min);
			take_u64(&c); /* ino */
			take_u64(&c); /* ino_generation */
		}
		take_u32_pair(&c, &m->prot, &maj); /* prot, flags */
		m->filename = take_string(&c);
		m->time = trailer_time(l, &c);
		return c.bad ? -EBADMSG : 0;
	}
	case PERF_RECORD_COMM:
		take_u32_pair(&c, &ev->comm.pid, &ev->comm.tid);
		ev->comm.comm = take_string(&c);
		ev->comm.exec = !!(hdr->misc & PERF_RECORD_MISC_COMM_EXEC);
		ev->comm.time = trailer_time(l, &c);
		return c.bad ? -EBADMSG : 0;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		take_u32_pair(&c, &ev->task.pid, &ev->task.ppid);
		take_u32_pair(&c, &ev->task.tid, &ev->task.ptid);
		ev->task.time = take_u64(&c);
		return c.bad ? -EBADMSG : 0;
	case PERF_RECORD_LOST:
		take_u64(&c); /* id */
		ev->lost.lost = take_u64(&c);
		ev->lost.time = trailer_time(l, &c);
		return c.bad ? -EBADMSG : 0;
	case PERF_RECORD_SWITCH: {
		struct event_switch *w = &ev->sw;

		trailer(l, &c, &w->pid, &w->tid, &w->time, &w->cpu);
		w->out = !!(hdr->misc & PERF_RECORD_MISC_SWITCH_OUT);
		w->preempt = w->out && (hdr->misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
		return c.bad ? -EBADMSG : 0;
	}
	default:
		return -ENOENT;
	}
}

uint64_t event_time(const struct event *ev)
{
	switch (ev->type) {
	case PERF_RECORD_SAMPLE:
		return ev->sample.time;
	case PERF_RECORD_MMAP2:
		return ev->mmap.time;
	case PERF_RECORD_COMM:
		return ev->comm.time;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		return ev->task.time;
	case PERF_RECORD_LOST:
		return ev->lost.time;
	case PERF_RECORD_SWITCH:
		return ev->sw.time;
	default:
		return 0;
	}
}
