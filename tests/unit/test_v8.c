/*
 * v8.h on crafted memory images: node 20's constants (its v8dbg_* values),
 * objects laid out by them in a buffer standing for a process's memory,
 * and hostile variants: a frame-type marker, an object moved away, a cons
 * string that holds itself, a length past any buffer.
 */
#include "unit.h"

#include <errno.h>

#include "cprof/procmem.h"
#include "cprof/v8.h"

#define BASE 0x100000u
#define SIZE (64u << 10)
#define CTX 0x200001u        /* a context: a heap object (never read) */

/* node 20.20 (V8 11.3): the values its binary holds */
static const struct {
	const char *name;
	int32_t value;
} consts[] = {
	{ "v8dbg_TaggedSize", 8 }, { "v8dbg_HeapObjectTag", 1 }, { "v8dbg_HeapObjectTagMask", 3 },
	{ "v8dbg_SmiShiftSize", 31 }, { "v8dbg_off_fp_context_or_frame_type", -8 },
	{ "v8dbg_off_fp_function", -16 }, { "v8dbg_class_HeapObject__map__Map", 0 },
	{ "v8dbg_class_Map__instance_type__uint16_t", 12 },
	{ "v8dbg_class_JSFunction__shared__SharedFunctionInfo", 24 },
	{ "v8dbg_class_SharedFunctionInfo__name_or_scope_info__Object", 16 },
	{ "v8dbg_class_SharedFunctionInfo__script_or_debug_info__HeapObject", 32 },
	{ "v8dbg_class_Script__name__Object", 16 }, { "v8dbg_class_String__length__int32_t", 12 },
	{ "v8dbg_class_SeqOneByteString__chars__char", 16 },
	{ "v8dbg_class_SeqTwoByteString__chars__char", 16 },
	{ "v8dbg_class_ConsString__first__String", 16 },
	{ "v8dbg_class_ConsString__second__String", 24 },
	{ "v8dbg_class_ThinString__actual__String", 16 },
	{ "v8dbg_class_SlicedString__parent__String", 16 },
	{ "v8dbg_class_SlicedString__offset__SMI", 24 },
	{ "v8dbg_type_SharedFunctionInfo__SHARED_FUNCTION_INFO_TYPE", 262 },
	{ "v8dbg_type_ScopeInfo__SCOPE_INFO_TYPE", 261 }, { "v8dbg_type_Script__SCRIPT_TYPE", 167 },
	{ "v8dbg_FirstNonstringType", 128 }, { "v8dbg_StringRepresentationMask", 7 },
	{ "v8dbg_StringEncodingMask", 8 }, { "v8dbg_SeqStringTag", 0 }, { "v8dbg_ConsStringTag", 1 },
	{ "v8dbg_SlicedStringTag", 3 }, { "v8dbg_ThinStringTag", 5 },
	{ "v8dbg_OneByteStringTag", 8 }, { "v8dbg_scopeinfo_idx_first_vars", 3 },
	{ "v8dbg_scopeinfo_idx_ncontextlocals", 2 },
};

struct image {
	uint8_t buf[SIZE];
	size_t used;
	uint64_t map_sfi, map_str1, map_str2, map_cons, map_sliced, map_scope, map_script;
};

static int image_read(void *ctx, uint64_t addr, void *out, size_t len)
{
	struct image *im = ctx;

	if (addr < BASE || addr - BASE > SIZE || len > SIZE - (addr - BASE))
		return -EFAULT;
	memcpy(out, im->buf + (addr - BASE), len);
	return 0;
}

static int const_value(const char *name, int32_t *value, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		if (!strcmp(consts[i].name, name)) {
			*value = consts[i].value;
			return 0;
		}
	return -ENOENT;
}

/* node's constants with pointer compression on */
static int compressed_value(const char *name, int32_t *value, void *arg)
{
	if (!strcmp(name, "v8dbg_TaggedSize")) {
		*value = 4;
		return 0;
	}
	return const_value(name, value, arg);
}

/* node's constants but one field offset a hostile binary set past any object's header */
static int far_map_value(const char *name, int32_t *value, void *arg)
{
	if (!strcmp(name, "v8dbg_class_HeapObject__map__Map")) {
		*value = 1 << 20;
		return 0;
	}
	return const_value(name, value, arg);
}

static uint64_t alloc(struct image *im, size_t size)
{
	uint64_t a = BASE + im->used;

	im->used += (size + 15) & ~(size_t)15;
	assert_true(im->used <= SIZE);
	return a;
}

static void put64(struct image *im, uint64_t addr, uint64_t v)
{
	memcpy(im->buf + (addr - BASE), &v, 8);
}

static void put32(struct image *im, uint64_t addr, uint32_t v)
{
	memcpy(im->buf + (addr - BASE), &v, 4);
}

/* A map of instance type TYPE: its tagged address. */
static uint64_t map(struct image *im, uint16_t type)
{
	uint64_t m = alloc(im, 16);

	memcpy(im->buf + (m - BASE) + 12, &type, 2);
	return m | 1;
}

/* An object of map MAP, SIZE bytes: its tagged address. */
static uint64_t object(struct image *im, uint64_t m, size_t size)
{
	uint64_t o = alloc(im, size);

	put64(im, o, m);
	return o | 1;
}

static uint64_t str1(struct image *im, const char *s)
{
	uint64_t o = object(im, im->map_str1, 16 + strlen(s));

	put32(im, o - 1 + 12, (uint32_t)strlen(s));
	memcpy(im->buf + (o - 1 - BASE) + 16, s, strlen(s));
	return o;
}

static uint64_t sfi(struct image *im, uint64_t name, uint64_t script)
{
	uint64_t o = object(im, im->map_sfi, 48);

	put64(im, o - 1 + 16, name);
	put64(im, o - 1 + 32, script);
	return o;
}

static uint64_t function(struct image *im, uint64_t shared)
{
	uint64_t o = object(im, 0x4001, 64);

	put64(im, o - 1 + 24, shared);
	return o;
}

static void setup(struct image *im, struct v8 **v)
{
	struct procmem_src src = { image_read, im };
	struct procmem *mem;

	memset(im, 0, sizeof(*im));
	im->map_sfi = map(im, 262);
	im->map_str1 = map(im, 8);     /* one-byte internalized */
	im->map_str2 = map(im, 32);    /* two-byte sequential */
	im->map_cons = map(im, 41);    /* one-byte cons */
	im->map_sliced = map(im, 43);  /* one-byte sliced */
	im->map_scope = map(im, 261);
	im->map_script = map(im, 167);
	assert_int_equal(procmem_new_src(&src, &mem), 0);
	assert_int_equal(v8_open(mem, const_value, NULL, v), 0);
}

static void test_names(void **state)
{
	static struct image im;
	char name[V8_NAME_MAX], file[V8_FILE_MAX];
	uint64_t script, sh, fn, got;
	uint32_t key, key2;
	struct v8 *v;
	int ctx, fslot;

	(void)state;
	setup(&im, &v);
	v8_frame_slots(v, &ctx, &fslot);
	assert_int_equal(ctx, -8);
	assert_int_equal(fslot, -16);
	script = object(&im, im.map_script, 64);
	put64(&im, script - 1 + 16, str1(&im, "/app/hot.js"));
	sh = sfi(&im, str1(&im, "fibHotJs"), script);
	fn = function(&im, sh);
	assert_int_equal(v8_function(v, CTX, fn, &got, &key), 0);
	assert_true(got == sh);
	assert_true(key != 0);
	assert_int_equal(v8_function(v, CTX, fn, &got, &key2), 0);
	assert_int_equal(key, key2);
	assert_int_equal(v8_names(v, sh, name, file), 0);
	assert_string_equal(name, "fibHotJs");
	assert_string_equal(file, "/app/hot.js");

	/* a typed frame: a marker (StubFrame << 1) where a JS frame has its context */
	assert_int_equal(v8_function(v, 17 << 1, fn, &got, &key), -ENOENT);
	/* an SFI that moved: its place holds another object */
	put64(&im, sh - 1, im.map_str1);
	assert_int_equal(v8_function(v, CTX, fn, &got, &key), -ENOENT);
	assert_int_equal(v8_names(v, sh, name, file), -ENOENT);
	/* a function pointer out of the image */
	assert_int_equal(v8_function(v, CTX, 0x7f0000000001ULL, &got, &key), -EFAULT);
	v8_free(v);
}

static void test_strings(void **state)
{
	static struct image im;
	char name[V8_NAME_MAX], file[V8_FILE_MAX];
	uint64_t s, scope, parent;
	struct v8 *v;
	const uint16_t two[] = { 'h', 0xe9, 'l', 'l', 'o' };

	(void)state;
	setup(&im, &v);
	/* two bytes: non-ASCII shown as '?' */
	s = object(&im, im.map_str2, 16 + sizeof(two));
	put32(&im, s - 1 + 12, 5);
	memcpy(im.buf + (s - 1 - BASE) + 16, two, sizeof(two));
	assert_int_equal(v8_names(v, sfi(&im, s, 0), name, file), 0);
	assert_string_equal(name, "h?llo");
	assert_string_equal(file, "");

	/* cons of two, and a slice of one */
	s = object(&im, im.map_cons, 32);
	put32(&im, s - 1 + 12, 7);
	put64(&im, s - 1 + 16, str1(&im, "Mod"));
	put64(&im, s - 1 + 24, str1(&im, "ule"));
	assert_int_equal(v8_names(v, sfi(&im, s, 0), name, file), 0);
	assert_string_equal(name, "Module"); /* the length says 7, the parts hold 6: not read past */
	parent = str1(&im, "prefixName");
	s = object(&im, im.map_sliced, 32);
	put32(&im, s - 1 + 12, 4);
	put64(&im, s - 1 + 16, parent);
	put64(&im, s - 1 + 24, (uint64_t)6 << 32);
	assert_int_equal(v8_names(v, sfi(&im, s, 0), name, file), 0);
	assert_string_equal(name, "Name");

	/* a ScopeInfo: flags, parameters, 1 context local (name, info), then the function's name */
	scope = object(&im, im.map_scope, 8 + 16 * 8);
	put64(&im, scope - 1 + 8 + 2 * 8, (uint64_t)1 << 32);
	put64(&im, scope - 1 + 8 + 3 * 8, str1(&im, "local"));
	put64(&im, scope - 1 + 8 + 5 * 8, str1(&im, "outerFn"));
	assert_int_equal(v8_names(v, sfi(&im, scope, 0), name, file), 0);
	assert_string_equal(name, "outerFn");

	/* no name (Smi 0): anonymous */
	assert_int_equal(v8_names(v, sfi(&im, 0, 0), name, file), 0);
	assert_string_equal(name, "(anonymous)");
	v8_free(v);
}

static void test_hostile(void **state)
{
	static struct image im;
	char name[V8_NAME_MAX], file[V8_FILE_MAX];
	uint64_t s, big;
	struct v8 *v;

	(void)state;
	setup(&im, &v);
	/* a cons string that is its own first part: the walk ends, the name is anonymous */
	s = object(&im, im.map_cons, 32);
	put32(&im, s - 1 + 12, 100);
	put64(&im, s - 1 + 16, s);
	put64(&im, s - 1 + 24, s);
	assert_int_equal(v8_names(v, sfi(&im, s, s), name, file), 0);
	assert_string_equal(name, "(anonymous)");
	/* a length past any buffer: the name is cut at V8_NAME_MAX - 1 */
	big = object(&im, im.map_str1, 16 + 4096);
	put32(&im, big - 1 + 12, 1u << 28);
	memset(im.buf + (big - 1 - BASE) + 16, 'a', 4096);
	assert_int_equal(v8_names(v, sfi(&im, big, 0), name, file), 0);
	assert_int_equal(strlen(name), V8_NAME_MAX - 1);
	/* a length past what V8 allows: refused */
	put32(&im, big - 1 + 12, 0xffffffffu);
	assert_int_equal(v8_names(v, sfi(&im, big, 0), name, file), 0);
	assert_string_equal(name, "(anonymous)");
	v8_free(v);
}

/* Constants cprof cannot use: pointer compression (4-byte tagged values). */
static void test_refused(void **state)
{
	static struct image im;
	struct procmem_src src = { image_read, &im };
	struct procmem *mem;
	struct v8 *v;

	(void)state;
	memset(&im, 0, sizeof(im));
	assert_int_equal(procmem_new_src(&src, &mem), 0);
	assert_int_equal(v8_open(mem, compressed_value, NULL, &v), -EPROTONOSUPPORT);
	assert_null(v);
	/* the map's offset indexes v8_function()'s copy of an SFI's first bytes: bounded */
	assert_int_equal(procmem_new_src(&src, &mem), 0);
	assert_int_equal(v8_open(mem, far_map_value, NULL, &v), -EPROTONOSUPPORT);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
