/*
 * CPython's frames read from memory: see include/cprof/cpython.h. The
 * layouts of 3.8 to 3.12 are a table below, written from each version's
 * headers (offsetof of the fields named); 3.13's comes from its
 * _Py_DebugOffsets. Finding the interpreter in a process is cpython_find.c.
 */
#include "cprof/cpython.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/procmem.h"
#include "cprof/pylines.h"
#include "cprof/util.h"

#define NONE UINT32_MAX

enum frame_kind {
	FRAME_OBJECT,            /* 3.8-3.10: PyFrameObject, f_back */
	FRAME_INTERP,            /* 3.11+: _PyInterpreterFrame, previous */
};

/* Where each field is: byte offsets in its struct; NONE when the version has none. */
struct layout {
	unsigned minor, last;    /* the versions 3.MINOR to 3.LAST (the table's rows) */
	uint32_t rt_interp_head;
	uint32_t is_next, is_tstate_head;
	uint32_t ts_next, ts_frame, cf_frame, ts_thread_id, ts_native_tid;
	uint8_t frame_kind, lasti_units; /* lasti_units: bytes per unit of f_lasti */
	uint32_t fr_back, fr_code, fr_lasti, fr_owner, fr_entry; /* fr_entry: 3.11's is_entry */
	uint32_t co_filename, co_name, co_qualname, co_firstlineno, co_table, co_code;
	uint8_t table_kind;
	uint32_t uni_state, uni_length, uni_ascii_size, uni_compact_size;
	uint32_t by_size, by_sval;
};

/*
 * 3.8 to 3.12 (3.8 and 3.9 share one) on 64-bit targets: PyInterpreterState, PyThreadState,
 * PyFrameObject or _PyInterpreterFrame (3.11+; ts_frame is then the
 * _PyCFrame pointer and cf_frame its current_frame), PyCodeObject,
 * PyASCIIObject / PyCompactUnicodeObject and PyBytesObject.
 */
static const struct layout layouts[] = {
	{ .minor = 8, .last = 9, .rt_interp_head = 32, .is_next = 0, .is_tstate_head = 8,
	  .ts_next = 8, .ts_frame = 24, .cf_frame = NONE, .ts_thread_id = 176, .ts_native_tid = NONE,
	  .frame_kind = FRAME_OBJECT, .lasti_units = 1,
	  .fr_back = 24, .fr_code = 32, .fr_lasti = 104, .fr_owner = NONE, .fr_entry = NONE,
	  .co_filename = 104, .co_name = 112, .co_qualname = NONE, .co_firstlineno = 40,
	  .co_table = 120, .co_code = NONE, .table_kind = PYLINES_LNOTAB,
	  .uni_state = 32, .uni_length = 16, .uni_ascii_size = 48, .uni_compact_size = 72,
	  .by_size = 16, .by_sval = 32 },
	{ .minor = 10, .last = 10, .rt_interp_head = 32, .is_next = 0, .is_tstate_head = 8,
	  .ts_next = 8, .ts_frame = 24, .cf_frame = NONE, .ts_thread_id = 176, .ts_native_tid = NONE,
	  .frame_kind = FRAME_OBJECT, .lasti_units = 2,
	  .fr_back = 24, .fr_code = 32, .fr_lasti = 96, .fr_owner = NONE, .fr_entry = NONE,
	  .co_filename = 104, .co_name = 112, .co_qualname = NONE, .co_firstlineno = 40,
	  .co_table = 120, .co_code = NONE, .table_kind = PYLINES_LINETABLE,
	  .uni_state = 32, .uni_length = 16, .uni_ascii_size = 48, .uni_compact_size = 72,
	  .by_size = 16, .by_sval = 32 },
	{ .minor = 11, .last = 11, .rt_interp_head = 40, .is_next = 0, .is_tstate_head = 16,
	  .ts_next = 8, .ts_frame = 56, .cf_frame = 8, .ts_thread_id = 152, .ts_native_tid = 160,
	  .frame_kind = FRAME_INTERP, .lasti_units = 1,
	  .fr_back = 48, .fr_code = 32, .fr_lasti = 56, .fr_owner = 69, .fr_entry = 68,
	  .co_filename = 112, .co_name = 120, .co_qualname = 128, .co_firstlineno = 72,
	  .co_table = 136, .co_code = 184, .table_kind = PYLINES_LOCATIONS,
	  .uni_state = 32, .uni_length = 16, .uni_ascii_size = 48, .uni_compact_size = 72,
	  .by_size = 16, .by_sval = 32 },
	{ .minor = 12, .last = 12, .rt_interp_head = 40, .is_next = 0, .is_tstate_head = 72,
	  .ts_next = 8, .ts_frame = 56, .cf_frame = 0, .ts_thread_id = 136, .ts_native_tid = 144,
	  .frame_kind = FRAME_INTERP, .lasti_units = 1,
	  .fr_back = 8, .fr_code = 0, .fr_lasti = 56, .fr_owner = 70, .fr_entry = NONE,
	  .co_filename = 112, .co_name = 120, .co_qualname = 128, .co_firstlineno = 68,
	  .co_table = 136, .co_code = 192, .table_kind = PYLINES_LOCATIONS,
	  .uni_state = 32, .uni_length = 16, .uni_ascii_size = 40, .uni_compact_size = 56,
	  .by_size = 16, .by_sval = 32 },
};

#define OWNED_BY_CSTACK 3        /* 3.12+: an entry frame of C, no Python code */
#define PTHREAD_SCAN 1024        /* bytes of a struct pthread searched for its tid */
#define FIELD_MAX 512            /* a field of a frame, code or string object is before */
#define KEYS_BATCH 32            /* code objects fingerprinted per read */
#define TS_MAX ((1u << 12) + 8)  /* bytes of a thread state read: to its last field's end */
#define WINDOW 4096              /* bytes read at once below a 3.11+ frame, the rest of its page */
#define WINDOWS_MAX (64u << 10)  /* bytes of windows a walk reads, the frames' own reads apart */

struct cpython {
	struct layout l;
	struct procmem *mem, *own_mem;
	uint64_t runtime;
	pid_t pid;
	int32_t tid_off;         /* 3.8-3.10: tid in struct pthread; -1 unknown, -2 none found */
	uint64_t heads_seen;     /* hash of the thread lists' heads when the cache was filled */
	struct cpython_thread *cache;
	size_t ncache;
	uint8_t *table;          /* CPYTHON_LINETABLE_MAX bytes for cpython_line() */
	/* bytes read of a frame, code object, string's header, thread state: to their last field */
	uint32_t frame_read, code_read, uni_read, ts_read;
	uint64_t win_addr;       /* the window: bytes read below a frame, valid for one walk */
	uint32_t win_len, win_spent;
	uint8_t win[WINDOW];
};

unsigned cpython_minor(const struct cpython *py)
{
	return py->l.minor;
}

static uint64_t get_u64(const uint8_t *b, uint32_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static uint32_t get_u32(const uint8_t *b, uint32_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/*
 * 3.13: the layout from _Py_DebugOffsets, the first 584 bytes of
 * _PyRuntime (positions from 3.13's pycore_runtime.h). Each offset read
 * must fit the part of its struct this reader reads.
 */
static int layout_from_debug_offsets(struct procmem *mem, uint64_t runtime, unsigned minor,
				     struct layout *l)
{
	uint8_t d[584];
	uint64_t version;
	int err = procmem_read(mem, runtime, d, sizeof(d));
	struct {
		uint32_t *field, pos, max;
	} f[] = {
		{ &l->rt_interp_head, 40, 1u << 20 }, { &l->is_next, 64, 1u << 16 },
		{ &l->is_tstate_head, 72, 1u << 16 }, { &l->ts_next, 168, 1u << 12 },
		{ &l->ts_frame, 184, 1u << 12 }, { &l->ts_thread_id, 192, 1u << 12 },
		{ &l->ts_native_tid, 200, 1u << 12 }, { &l->fr_back, 232, FIELD_MAX },
		{ &l->fr_code, 240, FIELD_MAX }, { &l->fr_lasti, 248, FIELD_MAX },
		{ &l->fr_owner, 264, FIELD_MAX }, { &l->co_filename, 280, FIELD_MAX },
		{ &l->co_name, 288, FIELD_MAX }, { &l->co_qualname, 296, FIELD_MAX },
		{ &l->co_table, 304, FIELD_MAX }, { &l->co_firstlineno, 312, FIELD_MAX },
		{ &l->co_code, 344, 1u << 12 }, { &l->by_size, 520, 64 }, { &l->by_sval, 528, 64 },
		{ &l->uni_state, 544, FIELD_MAX }, { &l->uni_length, 552, FIELD_MAX },
		{ &l->uni_ascii_size, 560, FIELD_MAX },
	};
	size_t i;

	if (err)
		return err;
	version = get_u64(d, 8);
	if (memcmp(d, "xdebugpy", 8) || version >> 24 != 3 || ((version >> 16) & 0xff) != minor)
		return -EPROTO;
	if (get_u64(d, 16)) /* a free-threaded build: other object layouts */
		return -EPROTONOSUPPORT;
	memset(l, 0, sizeof(*l));
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint64_t v = get_u64(d, f[i].pos);

		if (v > f[i].max)
			return -EPROTO;
		*f[i].field = (uint32_t)v;
	}
	l->minor = minor;
	l->cf_frame = NONE;
	l->fr_entry = NONE;
	l->frame_kind = FRAME_INTERP;
	l->lasti_units = 1;
	l->table_kind = PYLINES_LOCATIONS;
	l->uni_compact_size = l->uni_ascii_size + 16; /* + utf8_length, utf8 */
	return 0;
}

static uint32_t end_of(uint32_t a, uint32_t b)
{
	return a != NONE && a > b ? a : b;
}

/* How much of each object to read: up to the end of its last field used, no further. */
static void read_sizes(struct cpython *py)
{
	const struct layout *l = &py->l;

	py->frame_read = end_of(l->fr_back + 8, l->fr_code + 8);
	py->frame_read = end_of(l->fr_lasti + 8, py->frame_read);
	if (l->fr_owner != NONE)
		py->frame_read = end_of(l->fr_owner + 1, py->frame_read);
	if (l->fr_entry != NONE)
		py->frame_read = end_of(l->fr_entry + 1, py->frame_read);
	py->code_read = end_of(l->co_filename + 8, l->co_name + 8);
	if (l->co_qualname != NONE)
		py->code_read = end_of(l->co_qualname + 8, py->code_read);
	py->code_read = end_of(l->co_table + 8, end_of(l->co_firstlineno + 4, py->code_read));
	py->uni_read = end_of(l->uni_state + 4, l->uni_length + 8);
	py->ts_read = end_of(l->ts_next + 8, end_of(l->ts_frame + 8, l->ts_thread_id + 8));
	if (l->ts_native_tid != NONE)
		py->ts_read = end_of(l->ts_native_tid + 8, py->ts_read);
}

int cpython_open(struct procmem *mem, unsigned major, unsigned minor, uint64_t runtime,
		 pid_t pid, struct cpython **out)
{
	struct cpython *py = NULL;
	size_t i;
	int err;

	if (!cpython_supported(major, minor))
		return -EPROTONOSUPPORT;
	py = calloc(1, sizeof(*py));
	if (!py)
		return -ENOMEM;
	py->mem = mem;
	py->runtime = runtime;
	py->pid = pid;
	py->tid_off = -1;
	err = -EPROTONOSUPPORT;
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].minor <= minor && minor <= layouts[i].last) {
			py->l = layouts[i];
			py->l.minor = minor;
			err = 0;
		}
	if (minor >= 13) {
		procmem_begin(mem);
		err = layout_from_debug_offsets(mem, runtime, minor, &py->l);
	}
	if (err)
		goto fail;
	read_sizes(py);
	py->cache = calloc(CPYTHON_THREADS_MAX, sizeof(*py->cache));
	py->table = malloc(CPYTHON_LINETABLE_MAX);
	if (!py->cache || !py->table) {
		err = -ENOMEM;
		goto fail;
	}
	*out = py;
	return 0;
fail:
	cpython_free(py);
	return err;
}

void cpython_free(struct cpython *py)
{
	if (!py)
		return;
	procmem_free(py->own_mem);
	free(py->cache);
	free(py->table);
	free(py);
}

int cpython_new(pid_t pid, struct cpython **out)
{
	struct cpython_probe p;
	struct procmem *mem = NULL;
	int err = cpython_probe(pid, &p);

	if (!err)
		err = procmem_new(pid, &mem);
	if (!err)
		err = cpython_open(mem, p.major, p.minor, p.runtime, pid, out);
	if (err) {
		procmem_free(mem);
		return err;
	}
	(*out)->own_mem = mem;
	return 0;
}

/*
 * Brent's cycle check, in constant space: the walk keeps one address and
 * compares each new one with it, and moves it at powers of two, so a
 * cycle is seen within twice its length after the walk enters it.
 */
struct cycle {
	uint64_t mark;
	size_t power, lam;
};

static void cycle_init(struct cycle *c)
{
	c->mark = 0;
	c->power = c->lam = 1;
}

/* 1 when ADDR closes a cycle. */
static int cycle_seen(struct cycle *c, uint64_t addr)
{
	if (addr == c->mark)
		return 1;
	if (c->lam == c->power) {
		c->mark = addr;
		c->power *= 2;
		c->lam = 0;
	}
	c->lam++;
	return 0;
}

/*
 * The kernel thread id of the thread whose pthread_t is THREAD_ID (3.8 to
 * 3.10 keep no other): a pthread_t is the address of the thread's struct
 * pthread (glibc, musl), which holds the tid at an offset of the C
 * library's. It is found once, as the offset at which the main thread's
 * struct holds the pid (its tid). 0 when unknown.
 */
static uint32_t pthread_tid(struct cpython *py, uint64_t thread_id)
{
	uint32_t tid;

	if (py->tid_off < 0 || procmem_read_u32(py->mem, thread_id + (uint32_t)py->tid_off, &tid))
		return 0;
	return tid;
}

static void find_tid_off(struct cpython *py, const struct cpython_thread *t, size_t n)
{
	uint8_t b[PTHREAD_SCAN];
	uint32_t off;
	size_t i;

	for (i = 0; i < n && py->tid_off == -1 && py->pid > 0; i++) {
		if (procmem_read(py->mem, t[i].thread_id, b, sizeof(b)))
			continue;
		for (off = 16; off + 4 <= sizeof(b); off += 4)
			if (get_u32(b, off) == (uint32_t)py->pid) {
				py->tid_off = (int32_t)off;
				break;
			}
	}
	if (py->tid_off == -1 && n)
		py->tid_off = -2; /* not found among these; not searched again */
}

/* One thread state, in one read: its next, its ids, its frame pointer (FRAME may be NULL). */
static int read_tstate(struct cpython *py, uint64_t ts, struct cpython_thread *t, uint64_t *next,
		       uint64_t *frame)
{
	const struct layout *l = &py->l;
	uint8_t b[TS_MAX];
	uint64_t native;
	int err = procmem_read(py->mem, ts, b, py->ts_read);

	t->tstate = ts;
	t->native_tid = 0;
	if (err)
		return err;
	*next = get_u64(b, l->ts_next);
	t->thread_id = get_u64(b, l->ts_thread_id);
	native = l->ts_native_tid != NONE ? get_u64(b, l->ts_native_tid) : 0;
	t->native_tid = native <= UINT32_MAX ? (uint32_t)native : 0;
	if (frame)
		*frame = get_u64(b, l->ts_frame);
	return 0;
}

/* Every thread state into OUT; *HEADS: a hash of the interpreters' list heads. */
static int list_threads(struct cpython *py, struct cpython_thread *out, size_t max, size_t *n,
			uint64_t *heads)
{
	const struct layout *l = &py->l;
	struct cycle ci;
	uint64_t interp, ts, next;
	size_t ninterp = 0, i;
	int err;

	*n = 0;
	*heads = 0;
	cycle_init(&ci);
	err = procmem_read_ptr(py->mem, py->runtime + l->rt_interp_head, &interp);
	while (!err && interp) {
		struct cycle ct;

		if (cycle_seen(&ci, interp))
			return -ELOOP;
		if (++ninterp > CPYTHON_INTERPS_MAX)
			return -E2BIG;
		err = procmem_read_ptr(py->mem, interp + l->is_tstate_head, &ts);
		*heads = *heads * 31 + ts;
		cycle_init(&ct);
		while (!err && ts) {
			if (cycle_seen(&ct, ts))
				return -ELOOP;
			if (*n == max)
				return -E2BIG;
			err = read_tstate(py, ts, &out[*n], &next, NULL);
			if (err)
				break;
			(*n)++;
			ts = next;
		}
		if (!err)
			err = procmem_read_ptr(py->mem, interp + l->is_next, &interp);
	}
	if (err || l->ts_native_tid != NONE)
		return err;
	if (py->tid_off == -1)
		find_tid_off(py, out, *n);
	for (i = 0; i < *n; i++)
		out[i].native_tid = pthread_tid(py, out[i].thread_id);
	return 0;
}

int cpython_threads(struct cpython *py, struct cpython_thread *out, size_t max, size_t *n)
{
	uint64_t heads;

	procmem_begin(py->mem);
	return list_threads(py, out, max, n, &heads);
}

/* A hash of the thread lists' heads: a new thread state is always put first. */
static int thread_heads(struct cpython *py, uint64_t *heads)
{
	const struct layout *l = &py->l;
	uint64_t interp, ts;
	size_t ninterp = 0;
	int err;

	*heads = 0;
	err = procmem_read_ptr(py->mem, py->runtime + l->rt_interp_head, &interp);
	while (!err && interp && ++ninterp <= CPYTHON_INTERPS_MAX) {
		err = procmem_read_ptr(py->mem, interp + l->is_tstate_head, &ts);
		*heads = *heads * 31 + ts;
		if (!err)
			err = procmem_read_ptr(py->mem, interp + l->is_next, &interp);
	}
	return err;
}

/* Whether thread state T still belongs to TID (it may be freed and reused); *FRAME: its frame. */
static int tstate_is(struct cpython *py, const struct cpython_thread *t, pid_t tid, uint64_t *frame)
{
	struct cpython_thread now;
	uint64_t next;

	if (read_tstate(py, t->tstate, &now, &next, frame))
		return 0;
	if (py->l.ts_native_tid == NONE)
		now.native_tid = now.thread_id == t->thread_id ? pthread_tid(py, now.thread_id) : 0;
	return now.native_tid == (uint32_t)tid;
}

/* TID's thread state and frame: from the cache, checked, else from a new list when it changed. */
static int find_tstate(struct cpython *py, pid_t tid, uint64_t *ts, uint64_t *frame)
{
	uint64_t heads;
	size_t i;
	int err, again;

	for (again = 0; again < 2; again++) {
		for (i = 0; i < py->ncache; i++)
			if (py->cache[i].native_tid == (uint32_t)tid &&
			    tstate_is(py, &py->cache[i], tid, frame)) {
				*ts = py->cache[i].tstate;
				return 0;
			}
		if (again)
			break;
		err = thread_heads(py, &heads);
		if (err)
			return err;
		if (py->ncache && heads == py->heads_seen)
			return -ESRCH;
		err = list_threads(py, py->cache, CPYTHON_THREADS_MAX, &py->ncache, &py->heads_seen);
		if (err && err != -E2BIG) {
			py->ncache = 0;
			return err;
		}
	}
	return -ESRCH;
}

/*
 * The frame at ADDR. 3.11+ push frames on a data stack, each caller just
 * below: one read of its page below the frame (mapped as it is) serves the
 * next frames, WINDOWS_MAX bytes a walk; a failed window is read plainly.
 */
static int frame_bytes(struct cpython *py, uint64_t addr, uint8_t *b)
{
	uint64_t end = addr + py->frame_read, lo = addr & ~(uint64_t)(WINDOW - 1);

	if (addr >= py->win_addr && addr < end && end <= py->win_addr + py->win_len) {
		memcpy(b, py->win + (addr - py->win_addr), py->frame_read);
		return 0;
	}
	lo = end - lo > WINDOW ? end - WINDOW : lo;
	if (py->l.frame_kind == FRAME_INTERP && addr < end && end - lo > py->frame_read &&
	    py->win_spent + (end - lo) <= WINDOWS_MAX) {
		py->win_spent += (uint32_t)(end - lo);
		if (!procmem_read(py->mem, lo, py->win, end - lo)) {
			py->win_addr = lo, py->win_len = (uint32_t)(end - lo);
			memcpy(b, py->win + (addr - lo), py->frame_read);
			return 0;
		}
	}
	return procmem_read(py->mem, addr, b, py->frame_read);
}

/*
 * One frame at ADDR: its code and instruction into *F, the next frame out
 * into *NEXT; *SKIP when it runs no Python code (a C entry frame).
 */
static int read_frame(struct cpython *py, uint64_t addr, struct cpython_frame *f, uint64_t *next,
		      int *skip)
{
	const struct layout *l = &py->l;
	uint8_t b[FIELD_MAX + 16];
	int err = frame_bytes(py, addr, b);

	if (err)
		return err;
	*next = get_u64(b, l->fr_back);
	f->code = get_u64(b, l->fr_code);
	*skip = l->fr_owner != NONE && b[l->fr_owner] == OWNED_BY_CSTACK;
	/* 3.8-3.10 run each frame in its own C call; 3.12+ mark a run's start by a C entry frame */
	f->entry = l->frame_kind == FRAME_OBJECT || (l->fr_entry != NONE && b[l->fr_entry]);
	if (l->frame_kind == FRAME_OBJECT) {
		int32_t lasti = (int32_t)get_u32(b, l->fr_lasti);

		f->lasti = lasti < 0 || lasti > INT32_MAX / l->lasti_units ? -1 : lasti * l->lasti_units;
	} else {
		/* the instruction's address; the bytecode is inside the code object */
		uint64_t instr = get_u64(b, l->fr_lasti), start = f->code + l->co_code;

		f->lasti = instr < start || instr - start > INT32_MAX ? -1 : (int32_t)(instr - start);
	}
	if (!f->code && !*skip)
		return -EFAULT;
	return 0;
}

int cpython_stack(struct cpython *py, pid_t tid, struct cpython_frame *frames, size_t max,
		  size_t *n)
{
	uint64_t ts, frame, next;
	struct cycle c;
	size_t hops = 0;
	int err, skip;

	*n = 0;
	procmem_begin(py->mem);
	py->win_len = py->win_spent = 0;
	err = find_tstate(py, tid, &ts, &frame);
	if (!err && py->l.cf_frame != NONE && frame) /* 3.11, 3.12: through the _PyCFrame */
		err = procmem_read_ptr(py->mem, frame + py->l.cf_frame, &frame);
	cycle_init(&c);
	while (!err && frame) {
		struct cpython_frame f;

		if (cycle_seen(&c, frame))
			return -ELOOP;
		if (*n == max || ++hops > 2 * max + 16) /* C entry frames are bounded too */
			return -E2BIG;
		err = read_frame(py, frame, &f, &next, &skip);
		if (err)
			break;
		if (!skip)
			frames[(*n)++] = f;
		else if (*n)
			frames[*n - 1].entry = 1;
		frame = next;
	}
	if (!err && *n) /* the outermost frame began a run, whatever marks it */
		frames[*n - 1].entry = 1;
	return err;
}

/*
 * The string object at ADDR as UTF-8 into OUT (SIZE bytes, NUL-terminated,
 * cut at a whole character). Only compact strings (every str CPython
 * makes since 3.3 but legacy ones of old C extensions) are read.
 */
static int read_str(struct cpython *py, uint64_t addr, char *out, size_t size)
{
	const struct layout *l = &py->l;
	uint8_t hdr[FIELD_MAX + 8], data[CPYTHON_FILE_MAX * 4];
	uint32_t state, kind, i;
	uint64_t len;
	size_t o = 0;
	int err = procmem_read(py->mem, addr, hdr, py->uni_read);

	out[0] = '\0';
	if (err)
		return err;
	state = get_u32(hdr, l->uni_state);
	len = get_u64(hdr, l->uni_length);
	kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || (kind != 1 && kind != 2 && kind != 4) || len > INT64_MAX)
		return -EPROTO;
	if (len > size - 1)
		len = size - 1; /* at most one character a byte of OUT */
	err = procmem_read(py->mem, addr + ((state >> 6) & 1 ? l->uni_ascii_size : l->uni_compact_size),
			   data, len * kind);
	if (err)
		return err;
	for (i = 0; i < len; i++) {
		uint32_t cp = kind == 1 ? data[i] : kind == 2 ? (uint32_t)data[2 * i] | data[2 * i + 1] << 8
							     : get_u32(data, 4 * i);
		uint8_t u[4];
		size_t k;

		if (cp >= 0xd800 && (cp < 0xe000 || cp > 0x10ffff))
			cp = '?';
		if (cp < 0x80) {
			u[0] = (uint8_t)cp;
			k = 1;
		} else if (cp < 0x800) {
			u[0] = (uint8_t)(0xc0 | cp >> 6);
			u[1] = (uint8_t)(0x80 | (cp & 0x3f));
			k = 2;
		} else if (cp < 0x10000) {
			u[0] = (uint8_t)(0xe0 | cp >> 12);
			u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (uint8_t)(0x80 | (cp & 0x3f));
			k = 3;
		} else {
			u[0] = (uint8_t)(0xf0 | cp >> 18);
			u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
			u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			u[3] = (uint8_t)(0x80 | (cp & 0x3f));
			k = 4;
		}
		if (o + k > size - 1)
			break;
		memcpy(out + o, u, k);
		o += k;
	}
	out[o] = '\0';
	return 0;
}

int cpython_code(struct cpython *py, uint64_t code, struct cpython_code *out)
{
	const struct layout *l = &py->l;
	uint8_t b[FIELD_MAX + 8];
	uint32_t name = l->co_qualname != NONE ? l->co_qualname : l->co_name;
	int err;

	procmem_begin(py->mem);
	out->qualname[0] = out->filename[0] = '\0';
	out->firstlineno = 0;
	err = procmem_read(py->mem, code, b, py->code_read);
	if (err)
		return err;
	out->firstlineno = get_u32(b, l->co_firstlineno);
	if ((int32_t)out->firstlineno < 0)
		out->firstlineno = 0;
	err = read_str(py, get_u64(b, name), out->qualname, sizeof(out->qualname));
	if (!err)
		err = read_str(py, get_u64(b, l->co_filename), out->filename, sizeof(out->filename));
	return err;
}

int cpython_code_keys(struct cpython *py, const uint64_t *codes, size_t n, uint32_t *keys)
{
	const struct layout *l = &py->l;
	uint32_t f[4] = { l->co_filename, l->co_name, l->co_qualname, l->co_firstlineno };
	uint32_t lo = UINT32_MAX, hi = 0, span;
	uint8_t b[KEYS_BATCH][FIELD_MAX + 8];
	struct procmem_iov v[KEYS_BATCH];
	size_t i, k, done = 0;
	int got = 0;

	for (i = 0; i < 4; i++)
		if (f[i] != NONE) {
			lo = f[i] < lo ? f[i] : lo;
			hi = f[i] + 8 > hi ? f[i] + 8 : hi;
		}
	span = hi - lo;
	procmem_begin(py->mem);
	while (done < n) {
		size_t batch = n - done < KEYS_BATCH ? n - done : KEYS_BATCH;

		for (k = 0; k < batch; k++)
			v[k] = (struct procmem_iov){ codes[done + k] + lo, b[k], span };
		got = procmem_readv(py->mem, v, batch);
		for (k = 0; k < batch; k++)
			keys[done + k] = got > 0 && k < (size_t)got ?
					 (uint32_t)hash_bytes(b[k], span, 0x9e3779b9) | 1 : 0;
		if (got < (int)batch)
			break;
		done += batch;
	}
	for (i = done + (got > 0 ? (size_t)got : 0); i < n; i++)
		keys[i] = 0;
	return done || got > 0 ? 0 : got;
}

int cpython_line(struct cpython *py, uint64_t code, int32_t lasti, uint32_t *line)
{
	const struct layout *l = &py->l;
	uint64_t table, size;
	uint32_t first;
	int64_t got;
	int err;

	*line = 0;
	procmem_begin(py->mem);
	err = procmem_read_u32(py->mem, code + l->co_firstlineno, &first);
	if (!err && lasti < 0) {
		*line = (int32_t)first < 0 ? 0 : first;
		return (int32_t)first < 0 ? -ENOENT : 0;
	}
	if (!err)
		err = procmem_read_ptr(py->mem, code + l->co_table, &table);
	if (!err)
		err = procmem_read_ptr(py->mem, table + l->by_size, &size);
	if (err)
		return err;
	if (size > INT64_MAX || (int32_t)first < 0)
		return -EPROTO;
	if (size > CPYTHON_LINETABLE_MAX)
		size = CPYTHON_LINETABLE_MAX;
	err = procmem_read(py->mem, table + l->by_sval, py->table, size);
	if (err)
		return err;
	got = pylines_line((enum pylines_kind)l->table_kind, py->table, size, first, lasti);
	if (got < 0)
		return size == CPYTHON_LINETABLE_MAX ? -E2BIG : -ENOENT;
	*line = (uint32_t)got;
	return 0;
}
