/*
 * Unit tests of include/cprof/event.h: records are built byte by byte the
 * way the kernel lays them out (linux/perf_event.h, enum perf_event_type)
 * and decoded back.
 */
#include "unit.h"

#include <asm/perf_regs.h>
#include <errno.h>
#include <sys/mman.h>

#include "cprof/event.h"

/* The sample types cprof asks for in frame-pointer and DWARF mode. */
#define FP_TYPE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
		 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)
#define DWARF_TYPE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
		    PERF_SAMPLE_PERIOD | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)

/* One record under construction; 8-aligned like the ring buffer. */
struct rec {
	uint64_t words[1024];
	size_t len;
};

static struct perf_event_header *hdr_of(struct rec *r)
{
	return (struct perf_event_header *)r->words;
}

static void rec_start(struct rec *r, uint32_t type, uint16_t misc)
{
	memset(r, 0, sizeof(*r));
	hdr_of(r)->type = type;
	hdr_of(r)->misc = misc;
	r->len = sizeof(struct perf_event_header);
}

static void put_bytes(struct rec *r, const void *p, size_t n)
{
	assert_true(r->len + n <= sizeof(r->words));
	memcpy((unsigned char *)r->words + r->len, p, n);
	r->len += n;
}

static void put_u64(struct rec *r, uint64_t v)
{
	put_bytes(r, &v, 8);
}

static void put_u32x2(struct rec *r, uint32_t a, uint32_t b)
{
	put_bytes(r, &a, 4);
	put_bytes(r, &b, 4);
}

/* A NUL-terminated string padded with NULs to a multiple of 8 bytes. */
static void put_str(struct rec *r, const char *s)
{
	size_t n = strlen(s) + 1;

	put_bytes(r, s, n);
	while (r->len % 8)
		put_bytes(r, "", 1);
}

/* struct sample_id, appended to non-sample records when sample_id_all is set. */
static void put_sample_id(struct rec *r, uint64_t type, uint32_t pid, uint32_t tid,
			  uint64_t time, uint32_t cpu)
{
	if (type & PERF_SAMPLE_TID)
		put_u32x2(r, pid, tid);
	if (type & PERF_SAMPLE_TIME)
		put_u64(r, time);
	if (type & PERF_SAMPLE_ID)
		put_u64(r, 0x1d1d1d1d);
	if (type & PERF_SAMPLE_STREAM_ID)
		put_u64(r, 0x5757);
	if (type & PERF_SAMPLE_CPU)
		put_u32x2(r, cpu, 0);
	if (type & PERF_SAMPLE_IDENTIFIER)
		put_u64(r, 0x1d1d1d1d);
}

static const struct perf_event_header *rec_end(struct rec *r)
{
	assert_true(r->len <= UINT16_MAX);
	hdr_of(r)->size = (uint16_t)r->len;
	return hdr_of(r);
}

/* Every size of a complete record below UPTO bytes must be refused. */
static void assert_cuts_bad(const struct event_layout *l, struct rec *r, size_t upto)
{
	size_t full = r->len, size;
	struct event ev;

	assert_true(upto <= full);
	for (size = 0; size < upto; size++) {
		int err;

		hdr_of(r)->size = (uint16_t)size;
		err = event_decode(l, hdr_of(r), &ev);
		if (err != -EBADMSG)
			fail_msg("type %u cut to %zu of %zu bytes: %d, want -EBADMSG",
				 hdr_of(r)->type, size, full, err);
	}
	hdr_of(r)->size = (uint16_t)full;
}

static const uint64_t chain[] = {
	PERF_CONTEXT_KERNEL, 0xffffffff81001234ULL, 0xffffffff81005678ULL,
	PERF_CONTEXT_USER, 0x401234, 0x401100, 0x7f0000123456ULL,
};
#define CHAIN_N (sizeof(chain) / sizeof(chain[0]))

static void build_fp_sample(struct rec *r)
{
	rec_start(r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	put_u64(r, 0x401234);                  /* ip */
	put_u32x2(r, 4242, 4243);              /* pid, tid */
	put_u64(r, 123456789012ULL);           /* time */
	put_u32x2(r, 3, 0);                    /* cpu, res */
	put_u64(r, 1000001);                   /* period */
	put_u64(r, CHAIN_N);                   /* nr */
	put_bytes(r, chain, sizeof(chain));    /* ips[nr] */
	rec_end(r);
}

static void test_sample_callchain(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	struct rec r;
	struct event ev;

	(void)state;
	build_fp_sample(&r);
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.type, PERF_RECORD_SAMPLE);
	assert_int_equal(ev.sample.misc, PERF_RECORD_MISC_USER);
	assert_int_equal(ev.sample.ip, 0x401234);
	assert_int_equal(ev.sample.pid, 4242);
	assert_int_equal(ev.sample.tid, 4243);
	assert_int_equal(ev.sample.time, 123456789012ULL);
	assert_int_equal(ev.sample.cpu, 3);
	assert_int_equal(ev.sample.period, 1000001);
	assert_int_equal(ev.sample.nr_ips, CHAIN_N);
	assert_non_null(ev.sample.ips);
	assert_memory_equal(ev.sample.ips, chain, sizeof(chain));
	/* borrowed from the record, not copied */
	assert_ptr_equal(ev.sample.ips, r.words + 7); /* header, 5 fields, nr */
	assert_int_equal(ev.sample.regs_abi, PERF_SAMPLE_REGS_ABI_NONE);
	assert_int_equal(ev.sample.stack_size, 0);
	assert_int_equal(event_time(&ev), 123456789012ULL);
}

/* Fields cprof does not keep must still be stepped over in the right order. */
static void test_sample_skips_other_fields(void **state)
{
	struct event_layout l = {
		.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			       PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID |
			       PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
			       PERF_SAMPLE_CALLCHAIN,
		.sample_id_all = 1,
	};
	struct rec r;
	struct event ev;

	(void)state;
	rec_start(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	put_u64(&r, 0xaaaa0001);               /* identifier */
	put_u64(&r, 0xffffffff81000010ULL);    /* ip */
	put_u32x2(&r, 7, 8);                   /* pid, tid */
	put_u64(&r, 99);                       /* time */
	put_u64(&r, 0xdeadbeef);               /* addr */
	put_u64(&r, 0xaaaa0001);               /* id */
	put_u64(&r, 0xaaaa0002);               /* stream_id */
	put_u32x2(&r, 11, 0);                  /* cpu, res */
	put_u64(&r, 5);                        /* period */
	put_u64(&r, 2);
	put_u64(&r, PERF_CONTEXT_KERNEL);
	put_u64(&r, 0xffffffff81000010ULL);
	rec_end(&r);

	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.sample.misc, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(ev.sample.ip, 0xffffffff81000010ULL);
	assert_int_equal(ev.sample.pid, 7);
	assert_int_equal(ev.sample.tid, 8);
	assert_int_equal(ev.sample.time, 99);
	assert_int_equal(ev.sample.cpu, 11);
	assert_int_equal(ev.sample.period, 5);
	assert_int_equal(ev.sample.nr_ips, 2);
	assert_int_equal(ev.sample.ips[0], PERF_CONTEXT_KERNEL);
	assert_int_equal(ev.sample.ips[1], 0xffffffff81000010ULL);
}

#define REGS_MASK ((1ULL << PERF_REG_X86_AX) | (1ULL << PERF_REG_X86_BP) | \
		   (1ULL << PERF_REG_X86_SP) | (1ULL << PERF_REG_X86_IP) | \
		   (1ULL << PERF_REG_X86_R15))

static void build_dwarf_sample(struct rec *r, unsigned char *stack, size_t size, uint64_t dyn)
{
	size_t i;

	for (i = 0; i < size; i++)
		stack[i] = (unsigned char)(i * 7 + 1);
	rec_start(r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	put_u64(r, 0x401000);                  /* ip */
	put_u32x2(r, 500, 501);                /* pid, tid */
	put_u64(r, 777);                       /* time */
	put_u32x2(r, 1, 0);                    /* cpu, res */
	put_u64(r, 10);                        /* period */
	put_u64(r, 1);                         /* nr (kernel chain only) */
	put_u64(r, PERF_CONTEXT_USER);
	put_u64(r, PERF_SAMPLE_REGS_ABI_64);   /* abi */
	/* regs[weight(mask)], in the order of the mask's bits */
	put_u64(r, 0xa0a0a0a0);                /* AX */
	put_u64(r, 0x7ffd00001000ULL);         /* BP */
	put_u64(r, 0x7ffd00000f00ULL);         /* SP */
	put_u64(r, 0x401000);                  /* IP */
	put_u64(r, 0x1515151515151515ULL);     /* R15 */
	put_u64(r, size);                      /* stack size */
	put_bytes(r, stack, size);             /* data[size] */
	put_u64(r, dyn);                       /* dyn_size */
	rec_end(r);
}

static void test_sample_regs_stack(void **state)
{
	struct event_layout l = {
		.sample_type = DWARF_TYPE | PERF_SAMPLE_CALLCHAIN,
		.regs_mask = REGS_MASK,
		.sample_id_all = 1,
	};
	unsigned char stack[256];
	struct rec r;
	struct event ev;

	(void)state;
	build_dwarf_sample(&r, stack, sizeof(stack), 200);
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.sample.ip, 0x401000);
	assert_int_equal(ev.sample.pid, 500);
	assert_int_equal(ev.sample.tid, 501);
	assert_int_equal(ev.sample.time, 777);
	assert_int_equal(ev.sample.nr_ips, 1);
	assert_int_equal(ev.sample.ips[0], PERF_CONTEXT_USER);
	assert_int_equal(ev.sample.regs_abi, PERF_SAMPLE_REGS_ABI_64);
	assert_int_equal(ev.sample.regs[PERF_REG_X86_AX], 0xa0a0a0a0);
	assert_int_equal(ev.sample.regs[PERF_REG_X86_BP], 0x7ffd00001000ULL);
	assert_int_equal(ev.sample.regs[PERF_REG_X86_SP], 0x7ffd00000f00ULL);
	assert_int_equal(ev.sample.regs[PERF_REG_X86_IP], 0x401000);
	assert_int_equal(ev.sample.regs[PERF_REG_X86_R15], 0x1515151515151515ULL);
	assert_int_equal(ev.sample.stack_size, 200);
	assert_non_null(ev.sample.stack);
	assert_memory_equal(ev.sample.stack, stack, 200);
	/* header, 5 fields, nr + 1 ip, abi, 5 regs, size */
	assert_ptr_equal(ev.sample.stack, (const unsigned char *)(r.words + 1 + 5 + 2 + 1 + 5 + 1));
	assert_int_equal(event_time(&ev), 777);
}

/* A kernel thread: no user registers (ABI NONE, no regs) and an empty stack. */
static void test_sample_no_user_regs(void **state)
{
	struct event_layout l = {
		.sample_type = DWARF_TYPE, .regs_mask = REGS_MASK, .sample_id_all = 1,
	};
	struct rec r;
	struct event ev;

	(void)state;
	memset(&ev, 0xa5, sizeof(ev));
	rec_start(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL);
	put_u64(&r, 0xffffffff81000000ULL);
	put_u32x2(&r, 0, 0);
	put_u64(&r, 5);
	put_u32x2(&r, 2, 0);
	put_u64(&r, 10);
	put_u64(&r, PERF_SAMPLE_REGS_ABI_NONE); /* abi, and no regs follow */
	put_u64(&r, 0);                         /* stack size 0: no data, no dyn_size */
	rec_end(&r);
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.sample.regs_abi, PERF_SAMPLE_REGS_ABI_NONE);
	assert_int_equal(ev.sample.stack_size, 0);
	assert_int_equal(ev.sample.time, 5);
	assert_int_equal(ev.sample.cpu, 2);
	assert_int_equal(ev.sample.nr_ips, 0);
}

/* What the sample type does not carry reads as absent, not as stale memory. */
static void test_sample_absent_fields(void **state)
{
	struct event_layout l = { .sample_type = PERF_SAMPLE_IP };
	struct rec r;
	struct event ev;

	(void)state;
	memset(&ev, 0xa5, sizeof(ev));
	rec_start(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	put_u64(&r, 0x400500);
	rec_end(&r);
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.sample.ip, 0x400500);
	assert_int_equal(ev.sample.time, 0);
	assert_int_equal(ev.sample.pid, 0);
	assert_int_equal(ev.sample.nr_ips, 0);
	assert_int_equal(ev.sample.regs_abi, PERF_SAMPLE_REGS_ABI_NONE);
	assert_int_equal(ev.sample.stack_size, 0);
	assert_int_equal(event_time(&ev), 0);
}

static void test_sample_truncated(void **state)
{
	struct event_layout fp = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	struct event_layout dw = {
		.sample_type = DWARF_TYPE | PERF_SAMPLE_CALLCHAIN,
		.regs_mask = REGS_MASK,
		.sample_id_all = 1,
	};
	unsigned char stack[64];
	struct rec r;
	struct event ev;

	(void)state;
	build_fp_sample(&r);
	assert_cuts_bad(&fp, &r, r.len);
	build_dwarf_sample(&r, stack, sizeof(stack), 64);
	assert_cuts_bad(&dw, &r, r.len);
	/* the full records still decode */
	assert_int_equal(event_decode(&dw, hdr_of(&r), &ev), 0);
	build_fp_sample(&r);
	assert_int_equal(event_decode(&fp, hdr_of(&r), &ev), 0);
}

static void test_sample_malformed(void **state)
{
	struct event_layout dw = {
		.sample_type = DWARF_TYPE | PERF_SAMPLE_CALLCHAIN,
		.regs_mask = REGS_MASK,
		.sample_id_all = 1,
	};
	struct event_layout fp = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	unsigned char stack[64];
	struct rec r;
	struct event ev;

	(void)state;
	/* more valid bytes than were copied */
	build_dwarf_sample(&r, stack, sizeof(stack), sizeof(stack) + 8);
	assert_int_equal(event_decode(&dw, hdr_of(&r), &ev), -EBADMSG);

	/* a chain length whose byte count wraps around to 0 */
	rec_start(&r, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	put_u64(&r, 0x401234);
	put_u32x2(&r, 1, 1);
	put_u64(&r, 1);
	put_u32x2(&r, 0, 0);
	put_u64(&r, 1);
	put_u64(&r, 1ULL << 61);
	rec_end(&r);
	assert_int_equal(event_decode(&fp, hdr_of(&r), &ev), -EBADMSG);
}

/* MMAP2 without a build-id: maj, min, ino, ino_generation. */
static void build_mmap2(struct rec *r, uint64_t type, int sample_id_all, const char *name)
{
	rec_start(r, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
	put_u32x2(r, 321, 322);                /* pid, tid */
	put_u64(r, 0x7f1234560000ULL);         /* addr */
	put_u64(r, 0x21000);                   /* len */
	put_u64(r, 0x3000);                    /* pgoff */
	put_u32x2(r, 8, 2);                    /* maj, min */
	put_u64(r, 1234567);                   /* ino */
	put_u64(r, 1);                         /* ino_generation */
	put_u32x2(r, PROT_READ | PROT_EXEC, MAP_PRIVATE); /* prot, flags */
	put_str(r, name);
	if (sample_id_all)
		put_sample_id(r, type, 321, 322, 888888, 5);
	rec_end(r);
}

static void test_mmap2_inode(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	static const char name[] = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	char path[32];
	struct rec r;
	struct event ev;
	size_t n;

	(void)state;
	build_mmap2(&r, l.sample_type, 1, name);
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.type, PERF_RECORD_MMAP2);
	assert_int_equal(ev.mmap.pid, 321);
	assert_int_equal(ev.mmap.tid, 322);
	assert_int_equal(ev.mmap.start, 0x7f1234560000ULL);
	assert_int_equal(ev.mmap.len, 0x21000);
	assert_int_equal(ev.mmap.pgoff, 0x3000);
	assert_int_equal(ev.mmap.prot, PROT_READ | PROT_EXEC);
	assert_int_equal(ev.mmap.build_id_size, 0);
	assert_string_equal(ev.mmap.filename, name);
	assert_int_equal(ev.mmap.time, 888888);
	assert_int_equal(event_time(&ev), 888888);

	/* the trailer follows the name's padding, whatever the name's length */
	for (n = 0; n < 20; n++) {
		memset(path, 'p', n);
		path[n] = '\0';
		build_mmap2(&r, l.sample_type, 1, path);
		memset(&ev, 0, sizeof(ev));
		assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
		assert_string_equal(ev.mmap.filename, path);
		assert_int_equal(ev.mmap.time, 888888);
	}
}

static void test_mmap2_build_id(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	unsigned char id[BUILD_ID_MAX];
	unsigned char reserved[3] = { 0 };
	struct rec r;
	struct event ev;
	size_t i, size;

	(void)state;
	for (i = 0; i < sizeof(id); i++)
		id[i] = (unsigned char)(0xc0 + i);
	/* a sha1 build-id (20 bytes) and an md5 one (16 bytes) */
	for (size = 20; size >= 16; size -= 4) {
		unsigned char sz = (unsigned char)size;

		rec_start(&r, PERF_RECORD_MMAP2,
			  PERF_RECORD_MISC_USER | PERF_RECORD_MISC_MMAP_BUILD_ID);
		put_u32x2(&r, 10, 11);
		put_u64(&r, 0x555555554000ULL);
		put_u64(&r, 0x1000);
		put_u64(&r, 0);
		put_bytes(&r, &sz, 1);         /* build_id_size */
		put_bytes(&r, reserved, 3);    /* __reserved_1, __reserved_2 */
		put_bytes(&r, id, size);       /* build_id[20] */
		put_bytes(&r, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20 - size);
		put_u32x2(&r, PROT_READ | PROT_EXEC, MAP_PRIVATE);
		put_str(&r, "/usr/bin/true");
		put_sample_id(&r, l.sample_type, 10, 11, 4242, 0);
		rec_end(&r);

		memset(&ev, 0, sizeof(ev));
		assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
		assert_int_equal(ev.mmap.pid, 10);
		assert_int_equal(ev.mmap.start, 0x555555554000ULL);
		assert_int_equal(ev.mmap.len, 0x1000);
		assert_int_equal(ev.mmap.pgoff, 0);
		assert_int_equal(ev.mmap.build_id_size, size);
		assert_memory_equal(ev.mmap.build_id, id, size);
		assert_int_equal(ev.mmap.prot, PROT_READ | PROT_EXEC);
		assert_string_equal(ev.mmap.filename, "/usr/bin/true");
		assert_int_equal(ev.mmap.time, 4242);
	}
}

static void test_mmap2_no_sample_id_all(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 0 };
	struct rec r;
	struct event ev;

	(void)state;
	build_mmap2(&r, l.sample_type, 0, "/lib/ld.so");
	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_string_equal(ev.mmap.filename, "/lib/ld.so");
	assert_int_equal(ev.mmap.pgoff, 0x3000);
	assert_int_equal(ev.mmap.time, 0);
}

/* With PERF_SAMPLE_IDENTIFIER the id is last in sample_id, first in a sample. */
static void test_mmap2_identifier_trailer(void **state)
{
	struct event_layout l = {
		.sample_type = PERF_SAMPLE_IDENTIFIER | FP_TYPE | PERF_SAMPLE_ID,
		.sample_id_all = 1,
	};
	struct rec r;
	struct event ev;

	(void)state;
	build_mmap2(&r, l.sample_type, 1, "/bin/sh");
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.mmap.time, 888888);
	assert_string_equal(ev.mmap.filename, "/bin/sh");
}

static void build_comm(struct rec *r, uint64_t type, uint16_t misc, const char *comm)
{
	rec_start(r, PERF_RECORD_COMM, misc);
	put_u32x2(r, 900, 901);
	put_str(r, comm);
	put_sample_id(r, type, 900, 901, 31337, 1);
	rec_end(r);
}

static void test_comm(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	struct rec r;
	struct event ev;

	(void)state;
	build_comm(&r, l.sample_type, PERF_RECORD_MISC_USER | PERF_RECORD_MISC_COMM_EXEC,
		   "workload");
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.type, PERF_RECORD_COMM);
	assert_int_equal(ev.comm.pid, 900);
	assert_int_equal(ev.comm.tid, 901);
	assert_string_equal(ev.comm.comm, "workload");
	assert_int_equal(ev.comm.exec, 1);
	assert_int_equal(ev.comm.time, 31337);
	assert_int_equal(event_time(&ev), 31337);

	/* a thread renaming itself (prctl), 15 characters: no exec bit */
	build_comm(&r, l.sample_type, PERF_RECORD_MISC_USER, "worker-thread-7");
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_string_equal(ev.comm.comm, "worker-thread-7");
	assert_int_equal(ev.comm.exec, 0);
	assert_int_equal(ev.comm.time, 31337);
}

static void build_task(struct rec *r, uint32_t type, uint64_t stype)
{
	rec_start(r, type, 0);
	put_u32x2(r, 100, 1);                  /* pid, ppid */
	put_u32x2(r, 102, 101);                /* tid, ptid */
	put_u64(r, 5555);                      /* time */
	put_sample_id(r, stype, 100, 102, 5555, 0);
	rec_end(r);
}

static void test_fork_exit(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	static const uint32_t types[] = { PERF_RECORD_FORK, PERF_RECORD_EXIT };
	struct rec r;
	struct event ev;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		build_task(&r, types[i], l.sample_type);
		memset(&ev, 0, sizeof(ev));
		assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
		assert_int_equal(ev.type, types[i]);
		assert_int_equal(ev.task.pid, 100);
		assert_int_equal(ev.task.ppid, 1);
		assert_int_equal(ev.task.tid, 102);
		assert_int_equal(ev.task.ptid, 101);
		assert_int_equal(ev.task.time, 5555);
		assert_int_equal(event_time(&ev), 5555);
		/* the time is in the body: any cut of a record without trailer */
		assert_cuts_bad(&l, &r, 8 + 24);
	}
}

static void build_lost(struct rec *r, uint64_t stype)
{
	rec_start(r, PERF_RECORD_LOST, 0);
	put_u64(r, 0x1d);                      /* id */
	put_u64(r, 17);                        /* lost */
	put_sample_id(r, stype, 0, 0, 6060, 0);
	rec_end(r);
}

static void test_lost(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	struct rec r;
	struct event ev;

	(void)state;
	build_lost(&r, l.sample_type);
	assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
	assert_int_equal(ev.type, PERF_RECORD_LOST);
	assert_int_equal(ev.lost.lost, 17);
	assert_int_equal(ev.lost.time, 6060);
	assert_int_equal(event_time(&ev), 6060);
}

/*
 * With sample_id_all, a record is malformed when cut anywhere before the
 * end of the trailer's time (what follows it, here the cpu, is not used).
 */
static void test_records_truncated(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	struct rec r;

	(void)state;
	build_mmap2(&r, l.sample_type, 1, "/usr/lib/libfoo.so");
	assert_cuts_bad(&l, &r, r.len - 8);
	build_comm(&r, l.sample_type, PERF_RECORD_MISC_COMM_EXEC, "abcdefghij");
	assert_cuts_bad(&l, &r, r.len - 8);
	build_lost(&r, l.sample_type);
	assert_cuts_bad(&l, &r, r.len - 8);
}

/* A switch record is only its sample_id trailer; misc says out/in and preempted. */
static void test_switch(void **state)
{
	struct event_layout l = { .sample_type = DWARF_TYPE | PERF_SAMPLE_IDENTIFIER,
				  .sample_id_all = 1 };
	static const uint16_t miscs[] = {
		0, PERF_RECORD_MISC_SWITCH_OUT,
		PERF_RECORD_MISC_SWITCH_OUT | PERF_RECORD_MISC_SWITCH_OUT_PREEMPT,
	};
	struct rec r;
	struct event ev;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		rec_start(&r, PERF_RECORD_SWITCH, miscs[i]);
		put_sample_id(&r, l.sample_type, 41, 42, 5000 + i, 3);
		rec_end(&r);
		assert_int_equal(event_decode(&l, hdr_of(&r), &ev), 0);
		assert_int_equal(ev.type, PERF_RECORD_SWITCH);
		assert_int_equal(ev.sw.pid, 41);
		assert_int_equal(ev.sw.tid, 42);
		assert_int_equal(ev.sw.cpu, 3);
		assert_int_equal(ev.sw.time, 5000 + i);
		assert_int_equal(event_time(&ev), 5000 + i);
		assert_int_equal(ev.sw.out, i > 0);
		assert_int_equal(ev.sw.preempt, i == 2);
	}
}

static void test_unknown_type(void **state)
{
	struct event_layout l = { .sample_type = FP_TYPE, .sample_id_all = 1 };
	static const uint32_t types[] = {
		PERF_RECORD_MMAP, PERF_RECORD_THROTTLE, PERF_RECORD_UNTHROTTLE,
		PERF_RECORD_AUX, PERF_RECORD_SWITCH_CPU_WIDE, 0x7fff,
	};
	struct rec r;
	struct event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		rec_start(&r, types[i], 0);
		put_u64(&r, 1);
		put_u64(&r, 2);
		put_u64(&r, 3);
		rec_end(&r);
		assert_int_equal(event_decode(&l, hdr_of(&r), &ev), -ENOENT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_callchain),
		cmocka_unit_test(test_sample_skips_other_fields),
		cmocka_unit_test(test_sample_regs_stack),
		cmocka_unit_test(test_sample_no_user_regs),
		cmocka_unit_test(test_sample_absent_fields),
		cmocka_unit_test(test_sample_truncated),
		cmocka_unit_test(test_sample_malformed),
		cmocka_unit_test(test_mmap2_inode),
		cmocka_unit_test(test_mmap2_build_id),
		cmocka_unit_test(test_mmap2_no_sample_id_all),
		cmocka_unit_test(test_mmap2_identifier_trailer),
		cmocka_unit_test(test_comm),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_records_truncated),
		cmocka_unit_test(test_switch),
		cmocka_unit_test(test_unknown_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
