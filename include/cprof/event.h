/*
 * Decoding of raw perf ring-buffer records into plain values.
 *
 * The layout of a PERF_RECORD_SAMPLE depends on the attr it was opened
 * with, so decoding takes a struct event_layout derived from that attr.
 * Decoded values point into the record they came from: they are borrowed
 * for as long as that record is.
 */
#ifndef CPROF_EVENT_H
#define CPROF_EVENT_H

#include <asm/perf_regs.h>
#include <linux/perf_event.h>
#include <stdint.h>

/*
 * cprof records x86-64 processes only (README): the user registers of a
 * sample are x86-64's, numbered by PERF_REG_X86_* (another architecture's
 * asm/perf_regs.h numbers others), and the unwinder maps them to x86-64's
 * DWARF registers (unwind.c). Porting means a register table per
 * architecture, not a rebuild.
 */
#if !defined(__x86_64__)
#error "cprof records and unwinds x86-64 processes only"
#endif

#define EVENT_MAX_REGS 32
_Static_assert(PERF_REG_X86_64_MAX <= EVENT_MAX_REGS,
	       "a sample's registers (PERF_REG_X86_*) index event_sample.regs");
#define BUILD_ID_MAX 20

struct event_layout {
	uint64_t sample_type;
	uint64_t regs_mask;      /* sample_regs_user */
	int sample_id_all;
};

struct event_sample {
	uint64_t id;             /* PERF_SAMPLE_IDENTIFIER: the event's (its parent's if inherited) */
	uint64_t ip, time, period;
	uint32_t pid, tid, cpu;
	uint64_t nr_ips;
	const uint64_t *ips;     /* call chain incl. PERF_CONTEXT_* markers */
	uint64_t regs_abi;       /* PERF_SAMPLE_REGS_ABI_NONE: no user regs */
	uint64_t regs[EVENT_MAX_REGS]; /* indexed by PERF_REG_X86_* */
	uint64_t stack_size;     /* valid bytes of stack (dyn_size) */
	const unsigned char *stack;
	int misc;
	int context_switch;      /* not decoded: the sampler sets it for a context-switch sample */
};

struct event_mmap {
	uint32_t pid, tid;
	uint64_t start, len, pgoff, time;
	uint32_t prot;
	uint8_t build_id_size;   /* 0: none given */
	unsigned char build_id[BUILD_ID_MAX];
	const char *filename;
};

struct event_comm {
	uint32_t pid, tid;
	uint64_t time;
	int exec;
	const char *comm;
};

struct event_task {          /* PERF_RECORD_FORK and PERF_RECORD_EXIT */
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

struct event_lost {
	uint64_t lost, time;
};

struct event_switch {        /* PERF_RECORD_SWITCH of a per-thread event (context_switch) */
	uint32_t pid, tid, cpu;  /* of the thread switched, from the sample_id trailer */
	uint64_t time;
	int out;                 /* switched out (else in) */
	int preempt;             /* out while still runnable (PERF_RECORD_MISC_SWITCH_OUT_PREEMPT) */
};

struct event {
	uint32_t type;           /* PERF_RECORD_* */
	union {
		struct event_sample sample;
		struct event_mmap mmap;
		struct event_comm comm;
		struct event_task task;
		struct event_lost lost;
		struct event_switch sw;
	};
};

/*
 * Decode the record at HDR (HDR->size bytes, contiguous). Returns 0,
 * -ENOENT for a record type cprof ignores, -EBADMSG for a malformed one.
 */
int event_decode(const struct event_layout *layout,
		 const struct perf_event_header *hdr, struct event *ev);

/* Time stamp of any record (0 if it carries none). */
uint64_t event_time(const struct event *ev);

#endif
