/* Crafted CPython memory images: see pyimage.h. */
#include "pyimage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The offsets the images use, per version (3.13's are the image's own). */
struct offs {
	unsigned minor;
	uint32_t interp_head, tstate_head, ts_next, ts_frame, ts_thread_id, ts_native;
	int cframe;              /* 3.11: tstate -> _PyCFrame -> current_frame (at 8) */
	int objects;             /* 3.8-3.10: PyFrameObject, f_lasti an int */
	uint32_t fr_back, fr_code, fr_lasti, fr_size;
	uint32_t co_filename, co_name, co_qualname, co_first, co_table, co_code;
	uint32_t ascii_size;
	unsigned lasti_units;
};

static const struct offs offs[] = {
	{ 8, 32, 8, 8, 24, 176, 0, 0, 1, 24, 32, 104, 112, 104, 112, 0, 40, 120, 0, 48, 1 },
	{ 10, 32, 8, 8, 24, 176, 0, 0, 1, 24, 32, 96, 112, 104, 112, 0, 40, 120, 0, 48, 2 },
	{ 11, 40, 16, 8, 56, 152, 160, 1, 0, 48, 32, 56, 72, 112, 120, 128, 72, 136, 184, 48, 1 },
	/* 3.13: small offsets of the image's own, told by its _Py_DebugOffsets */
	{ 13, 600, 16, 8, 24, 32, 40, 0, 0, 8, 0, 16, 32, 16, 24, 32, 40, 48, 64, 40, 1 },
};

static const struct offs *offs_of(unsigned minor)
{
	size_t i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (offs[i].minor == minor)
			return &offs[i];
	abort();
}

static int image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct pyimage *im = ctx;

	if (addr < PYIMAGE_BASE || addr - PYIMAGE_BASE > im->len ||
	    len > im->len - (addr - PYIMAGE_BASE))
		return -EFAULT;
	memcpy(buf, im->buf + (addr - PYIMAGE_BASE), len);
	return 0;
}

uint64_t pyimage_alloc(struct pyimage *im, size_t size)
{
	size_t at = (im->len + 15) & ~(size_t)15;

	if (at + size > im->cap) {
		im->cap = (at + size) * 2;
		im->buf = realloc(im->buf, im->cap);
		if (!im->buf)
			abort();
	}
	memset(im->buf + im->len, 0, at + size - im->len);
	im->len = at + size;
	return PYIMAGE_BASE + at;
}

void pyimage_put_u64(struct pyimage *im, uint64_t addr, uint64_t v)
{
	memcpy(im->buf + (addr - PYIMAGE_BASE), &v, sizeof(v));
}

void pyimage_put_u32(struct pyimage *im, uint64_t addr, uint32_t v)
{
	memcpy(im->buf + (addr - PYIMAGE_BASE), &v, sizeof(v));
}

static uint64_t get_u64(const struct pyimage *im, uint64_t addr)
{
	uint64_t v;

	memcpy(&v, im->buf + (addr - PYIMAGE_BASE), sizeof(v));
	return v;
}

/* 3.13's _Py_DebugOffsets (the positions of its pycore_runtime.h), with the image's offsets. */
static void debug_offsets(struct pyimage *im, uint64_t rt, const struct offs *o)
{
	static const struct {
		uint32_t pos;
		size_t field;
	} f[] = {
		{ 40, offsetof(struct offs, interp_head) }, { 72, offsetof(struct offs, tstate_head) },
		{ 168, offsetof(struct offs, ts_next) }, { 184, offsetof(struct offs, ts_frame) },
		{ 192, offsetof(struct offs, ts_thread_id) }, { 200, offsetof(struct offs, ts_native) },
		{ 232, offsetof(struct offs, fr_back) }, { 240, offsetof(struct offs, fr_code) },
		{ 248, offsetof(struct offs, fr_lasti) }, { 280, offsetof(struct offs, co_filename) },
		{ 288, offsetof(struct offs, co_name) }, { 296, offsetof(struct offs, co_qualname) },
		{ 304, offsetof(struct offs, co_table) }, { 312, offsetof(struct offs, co_first) },
		{ 344, offsetof(struct offs, co_code) }, { 560, offsetof(struct offs, ascii_size) },
	};
	size_t i;

	memcpy(im->buf + (rt - PYIMAGE_BASE), "xdebugpy", 8);
	pyimage_put_u64(im, rt + 8, 0x030d00f0);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		pyimage_put_u64(im, rt + f[i].pos, *(const uint32_t *)((const char *)o + f[i].field));
	pyimage_put_u64(im, rt + 64, 0);   /* interp.next */
	pyimage_put_u64(im, rt + 264, 56); /* frame owner */
	pyimage_put_u64(im, rt + 520, 16); /* bytes ob_size */
	pyimage_put_u64(im, rt + 528, 32); /* bytes ob_sval */
	pyimage_put_u64(im, rt + 544, 32); /* str state */
	pyimage_put_u64(im, rt + 552, 16); /* str length */
}

void pyimage_init(struct pyimage *im, unsigned minor)
{
	const struct offs *o = offs_of(minor);
	uint64_t rt;

	memset(im, 0, sizeof(*im));
	im->minor = minor;
	im->src.read = image_read;
	im->src.ctx = im;
	rt = pyimage_alloc(im, o->interp_head + 8);
	if (minor >= 13)
		debug_offsets(im, rt, o);
	im->interp = pyimage_alloc(im, 64);
	pyimage_put_u64(im, rt + o->interp_head, im->interp);
}

void pyimage_release(struct pyimage *im)
{
	free(im->buf);
	im->buf = NULL;
}

uint64_t pyimage_str(struct pyimage *im, const char *s)
{
	const struct offs *o = offs_of(im->minor);
	size_t n = strlen(s);
	uint64_t a = pyimage_alloc(im, o->ascii_size + n + 1);

	pyimage_put_u64(im, a + 16, n);
	pyimage_put_u32(im, a + 32, 1u << 2 | 1u << 5 | 1u << 6); /* kind 1, compact, ascii */
	memcpy(im->buf + (a + o->ascii_size - PYIMAGE_BASE), s, n);
	return a;
}

uint64_t pyimage_str_length(const struct pyimage *im, uint64_t str)
{
	(void)im;
	return str + 16;
}

uint64_t pyimage_code(struct pyimage *im, const char *qualname, const char *file, uint32_t first,
		      const uint8_t *table, size_t tlen, size_t code_bytes)
{
	const struct offs *o = offs_of(im->minor);
	uint64_t t = pyimage_alloc(im, 32 + tlen), c;

	pyimage_put_u64(im, t + 16, tlen);
	memcpy(im->buf + (t + 32 - PYIMAGE_BASE), table, tlen);
	c = pyimage_alloc(im, (o->co_code ? o->co_code : 128) + code_bytes);
	pyimage_put_u64(im, c + o->co_filename, pyimage_str(im, file));
	pyimage_put_u64(im, c + (o->co_qualname ? o->co_qualname : o->co_name), pyimage_str(im, qualname));
	pyimage_put_u32(im, c + o->co_first, first);
	pyimage_put_u64(im, c + o->co_table, t);
	return c;
}

uint64_t pyimage_frame(struct pyimage *im, uint64_t code, int32_t lasti, uint64_t back)
{
	const struct offs *o = offs_of(im->minor);
	uint64_t f = pyimage_alloc(im, 128);

	pyimage_put_u64(im, f + o->fr_back, back);
	pyimage_put_u64(im, f + o->fr_code, code);
	if (o->objects)
		pyimage_put_u32(im, f + o->fr_lasti, (uint32_t)(lasti < 0 ? -1 : lasti / (int)o->lasti_units));
	else /* the instruction's address (3.11: prev_instr; -1: the unit before the first) */
		pyimage_put_u64(im, f + o->fr_lasti, code + o->co_code + (uint64_t)(int64_t)(lasti < 0 ? -2 : lasti));
	return f;
}

uint64_t pyimage_thread(struct pyimage *im, uint32_t tid, uint64_t frame)
{
	const struct offs *o = offs_of(im->minor);
	uint64_t ts = pyimage_alloc(im, 256), pt;

	pyimage_put_u64(im, ts + o->ts_next, get_u64(im, im->interp + o->tstate_head));
	pyimage_put_u64(im, im->interp + o->tstate_head, ts);
	/* a struct pthread holding the tid where glibc x86-64 has it */
	pt = pyimage_alloc(im, 1024);
	pyimage_put_u32(im, pt + 0x2d0, tid);
	pyimage_put_u64(im, ts + o->ts_thread_id, pt);
	if (o->ts_native)
		pyimage_put_u64(im, ts + o->ts_native, tid);
	if (o->cframe) {
		uint64_t cf = pyimage_alloc(im, 16);

		pyimage_put_u64(im, ts + o->ts_frame, cf);
		pyimage_put_u64(im, cf + 8, frame);
	} else {
		pyimage_put_u64(im, ts + o->ts_frame, frame);
	}
	return ts;
}

uint64_t pyimage_frame_back(const struct pyimage *im, uint64_t frame)
{
	return frame + offs_of(im->minor)->fr_back;
}

uint64_t pyimage_tstate_next(const struct pyimage *im, uint64_t ts)
{
	return ts + offs_of(im->minor)->ts_next;
}
