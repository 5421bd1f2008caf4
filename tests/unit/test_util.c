/* Unit tests of include/cprof/util.h: number parsing, strtab, pairmap, idtab, buf, UTF-8, search. */
#include "unit.h"

#include <errno.h>
#include <inttypes.h>

#include "cprof/util.h"

/* ---- parse_u64 ---- */

static void parse_u64_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = 12345;

	assert_int_equal(parse_u64(s, min, max, &v), 0);
	assert_int_equal(v, want);
}

static void parse_u64_err(const char *s, uint64_t min, uint64_t max, int want)
{
	uint64_t v = 12345;

	assert_int_equal(parse_u64(s, min, max, &v), want);
}

static void test_parse_u64_decimal(void **state)
{
	(void)state;
	parse_u64_ok("0", 0, 10, 0);
	parse_u64_ok("7", 0, 10, 7);
	parse_u64_ok("10", 0, 10, 10);
	parse_u64_ok("1", 1, 100000, 1);
	parse_u64_ok("100000", 1, 100000, 100000);
	parse_u64_ok("4194304", 1, 4194304, 4194304);
	parse_u64_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
}

static void test_parse_u64_range(void **state)
{
	(void)state;
	parse_u64_err("0", 1, 100000, -ERANGE);
	parse_u64_err("100001", 1, 100000, -ERANGE);
	parse_u64_err("7", 8, 65528, -ERANGE);
	parse_u64_err("65529", 8, 65528, -ERANGE);
	parse_u64_err("5", 6, 6, -ERANGE);
	parse_u64_ok("6", 6, 6, 6);
	/* more than 64 bits: an overflow, not a wrap-around */
	parse_u64_err("18446744073709551616", 0, UINT64_MAX, -ERANGE);
	parse_u64_err("99999999999999999999999999", 0, UINT64_MAX, -ERANGE);
	parse_u64_err("0x10000000000000000", 0, UINT64_MAX, -ERANGE);
}

static void test_parse_u64_hex(void **state)
{
	(void)state;
	parse_u64_ok("0x10", 0, 100, 16);
	parse_u64_ok("0X1f", 0, 100, 31);
	parse_u64_ok("0xABCdef", 0, UINT64_MAX, 0xabcdef);
	parse_u64_ok("0xffffffffffffffff", 0, UINT64_MAX, UINT64_MAX);
	parse_u64_err("0x65", 0, 100, -ERANGE);
	parse_u64_err("0x", 0, 100, -EINVAL);
	parse_u64_err("0xg", 0, 100, -EINVAL);
	parse_u64_err("0x1g", 0, 100, -EINVAL);
}

static void test_parse_u64_garbage(void **state)
{
	static const char *bad[] = {
		"", "abc", "12abc", "12 ", " 12", "\t1", "1\n", "-1", "-0", "+1",
		"1.5", "1e3", "1,000", "1_000", "x10", "0b101",
	};
	size_t i;
	uint64_t v;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse_u64(bad[i], 0, UINT64_MAX, &v);

		if (err != -EINVAL)
			fail_msg("parse_u64(\"%s\") = %d, want -EINVAL", bad[i], err);
	}
	assert_int_equal(parse_u64(NULL, 0, UINT64_MAX, &v), -EINVAL);
}

/* The contract says decimal or 0x hex: a leading zero does not mean octal. */
static void test_parse_u64_leading_zero(void **state)
{
	(void)state;
	parse_u64_ok("00", 0, 100, 0);
	parse_u64_ok("010", 0, 100, 10);
	parse_u64_ok("08", 0, 100, 8);
	parse_u64_ok("0099", 0, 100, 99);
}

/* ---- parse_seconds ---- */

static void test_parse_seconds_ok(void **state)
{
	static const struct {
		const char *s;
		double want;
	} ok[] = {
		{ "3", 3.0 }, { "0.5", 0.5 }, { ".25", 0.25 }, { "10.125", 10.125 },
		{ "1.", 1.0 }, { "600", 600.0 }, { "0.001", 0.001 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		double v = -1;

		assert_int_equal(parse_seconds(ok[i].s, &v), 0);
		assert_true(v == ok[i].want);
	}
}

static void test_parse_seconds_bad(void **state)
{
	static const char *bad[] = {
		"", ".", "abc", "3s", "1.5.2", " 1", "1 ", "-1", "-0.5", "+1",
		"nan", "inf", "infinity", "1e999",
	};
	size_t i;
	double v = 42;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse_seconds(bad[i], &v);

		if (err != -EINVAL && err != -ERANGE)
			fail_msg("parse_seconds(\"%s\") = %d, want an error", bad[i], err);
	}
	assert_int_equal(parse_seconds(NULL, &v), -EINVAL);
	/* a duration of nothing: the command layer asks for "seconds > 0" */
	assert_int_not_equal(parse_seconds("0", &v), 0);
	assert_int_not_equal(parse_seconds("0.0", &v), 0);
	assert_true(v == 42);
}

/* ---- hash_bytes ---- */

static void test_hash_bytes(void **state)
{
	static const unsigned char zeros[16];
	uint64_t h[17];
	size_t i, j;

	(void)state;
	assert_int_equal(hash_bytes("hello", 5, 0), hash_bytes("hello", 5, 0));
	assert_int_not_equal(hash_bytes("hello", 5, 0), hash_bytes("hello", 5, 1));
	assert_int_not_equal(hash_bytes("hello", 5, 0), hash_bytes("hellp", 5, 0));
	/* runs of zeros of every length hash apart: the length counts */
	for (i = 0; i <= 16; i++)
		h[i] = hash_bytes(zeros, i, 0);
	for (i = 0; i <= 16; i++)
		for (j = i + 1; j <= 16; j++)
			assert_int_not_equal(h[i], h[j]);
}

/* ---- buf ---- */

static void test_buf_basics(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);

	assert_int_equal(buf_puts(&b, "foo"), 0);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "foo");
	assert_int_equal(buf_append(&b, ";bar", 4), 0);
	assert_int_equal(buf_puts(&b, ""), 0);
	assert_int_equal(b.len, 7);
	assert_string_equal(b.data, "foo;bar");
	assert_true(b.cap > b.len);

	/* embedded NULs are data like any other byte */
	assert_int_equal(buf_append(&b, "\0x\0", 3), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "foo;bar\0x\0", 11);

	/* callers may reset len to reuse the storage */
	b.len = 0;
	assert_int_equal(buf_puts(&b, "z"), 0);
	assert_string_equal(b.data, "z");

	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_release(&b);
}

static void test_buf_reserve(void **state)
{
	struct buf b;
	char *before;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(buf_reserve(&b, 100000), 0);
	assert_int_equal(b.len, 3);
	assert_true(b.cap >= 3 + 100000);
	assert_string_equal(b.data, "abc");
	/* the reserved room is used without moving the data */
	before = b.data;
	for (int i = 0; i < 100000; i++)
		assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_ptr_equal(b.data, before);
	assert_int_equal(b.len, 100003);
	buf_release(&b);
}

static void test_buf_growth(void **state)
{
	struct buf b;
	unsigned char chunk[251];
	size_t i, k;

	(void)state;
	buf_init(&b);
	for (k = 0; k < 4000; k++) {
		for (i = 0; i < sizeof(chunk); i++)
			chunk[i] = (unsigned char)(k + i);
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), 0);
	}
	assert_int_equal(b.len, 4000 * sizeof(chunk));
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	for (k = 0; k < 4000; k++)
		for (i = 0; i < sizeof(chunk); i++)
			if ((unsigned char)b.data[k * sizeof(chunk) + i] != (unsigned char)(k + i))
				fail_msg("byte %zu of chunk %zu is wrong", i, k);
	buf_release(&b);
}

/*
 * Appending nothing from NULL (a record without a string, as the live
 * queue does) is a no-op: memcpy(p, NULL, 0) is undefined behaviour that
 * the sanitizer build reports, so buf_append() must not make that call.
 */
static void test_buf_append_null_empty(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.data, "ab");
	buf_release(&b);
}

/* ---- the terminal sanitiser ---- */

static void printable_is(const char *s, const char *want)
{
	char *got = printable_dup(s);

	assert_non_null(got);
	if (strcmp(got, want))
		fail_msg("printable_dup(\"%s\") = \"%s\", want \"%s\"", s, got, want);
	free(got);
}

static void test_printable(void **state)
{
	struct buf b;

	(void)state;
	printable_is("", "");
	printable_is("/usr/lib/libc.so.6", "/usr/lib/libc.so.6");
	/* C0 (ESC, BEL, line breaks, tab), DEL and C1 (U+009B is a CSI) */
	printable_is("a\x1b]0;owned\x07\\b\nc\td", "a?]0;owned?\\b?c?d");
	printable_is("\x7f\xc2\x9b" "31m\xc2\x80\xc2\x9f", "??31m??");
	/* valid UTF-8 stays (U+00A0 is the first character after C1) */
	printable_is("caf\xc3\xa9 \xc2\xa0\xe2\x82\xac\xf0\x9f\x94\xa5",
		     "caf\xc3\xa9 \xc2\xa0\xe2\x82\xac\xf0\x9f\x94\xa5");
	/* a byte that does not start a valid sequence is one '?' */
	printable_is("a\xffz\x80\xc3", "a?z??");
	printable_is("\xe2\x82z\xc0\xaf\xed\xa0\x80", "??z?????");

	/* appended to a buffer: LEN bytes, NULs among them, the rest untouched */
	buf_init(&b);
	assert_int_equal(buf_puts(&b, "x\x1b"), 0);
	assert_int_equal(buf_put_printable(&b, "a\0\x1b[2Jb", 7), 0);
	assert_int_equal(b.len, 9);
	assert_string_equal(b.data, "x\x1b" "a??[2Jb");
	buf_release(&b);
}

/* ---- array_reserve ---- */

struct triple {
	uint64_t a, b, c;
};

static void test_array_reserve(void **state)
{
	struct triple *arr = NULL, *before;
	size_t cap = 0, i;

	(void)state;
	assert_int_equal(array_reserve(&arr, &cap, 10, sizeof(*arr)), 0);
	assert_non_null(arr);
	assert_true(cap >= 10);
	for (i = 0; i < cap; i++)
		assert_true(arr[i].a == 0 && arr[i].b == 0 && arr[i].c == 0);
	for (i = 0; i < 10; i++)
		arr[i] = (struct triple){ i, i * 2, i * 3 };

	/* enough room already: nothing moves */
	before = arr;
	i = cap;
	assert_int_equal(array_reserve(&arr, &cap, 5, sizeof(*arr)), 0);
	assert_int_equal(array_reserve(&arr, &cap, i, sizeof(*arr)), 0);
	assert_ptr_equal(arr, before);
	assert_int_equal(cap, i);

	/* growth keeps the old elements and zeroes the new ones */
	assert_int_equal(array_reserve(&arr, &cap, 100001, sizeof(*arr)), 0);
	assert_true(cap >= 100001);
	for (i = 0; i < 10; i++)
		assert_true(arr[i].a == i && arr[i].b == i * 2 && arr[i].c == i * 3);
	for (i = 10; i < cap; i++)
		if (arr[i].a || arr[i].b || arr[i].c)
			fail_msg("element %zu of %zu not zeroed", i, cap);
	free(arr);
}

static void test_array_grow(void **state)
{
	struct triple *arr = NULL;
	size_t cap = 0, i, last = 0;

	(void)state;
	/* grows by half (never more than needed plus half), keeping what was there */
	for (i = 0; i < 100000; i++) {
		assert_int_equal(array_grow(&arr, &cap, i + 1, sizeof(*arr)), 0);
		assert_true(cap >= i + 1);
		if (cap != last) {
			assert_true(i < 16 || cap <= last + last / 2);
			last = cap;
		}
		arr[i] = (struct triple){ i, i * 2, i * 3 };
	}
	for (i = 0; i < 100000; i++)
		assert_true(arr[i].a == i && arr[i].b == i * 2 && arr[i].c == i * 3);
	/* a size that does not fit is refused and leaves the array as it was */
	assert_int_equal(array_grow(&arr, &cap, SIZE_MAX / 2, sizeof(*arr)), -ENOMEM);
	assert_int_equal(cap, last);
	assert_true(arr[99999].a == 99999);
	free(arr);
}

/* ---- strtab ---- */

static void test_strtab_intern_same_id(void **state)
{
	struct strtab *t;
	uint32_t a, b, c, d;

	(void)state;
	assert_int_equal(strtab_new(&t), 0);
	assert_int_equal(strtab_count(t), 0);
	assert_int_equal(strtab_intern(t, "main", 4, &a), 0);
	assert_int_equal(strtab_intern(t, "worker", 6, &b), 0);
	assert_int_not_equal(a, b);
	assert_int_equal(strtab_intern(t, "main", 4, &c), 0);
	assert_int_equal(c, a);
	/* the string need not be NUL-terminated: LEN bytes are the string */
	assert_int_equal(strtab_intern(t, "worker_thread", 6, &d), 0);
	assert_int_equal(d, b);
	assert_int_equal(strtab_count(t), 2);
	assert_string_equal(strtab_str(t, a), "main");
	assert_string_equal(strtab_str(t, b), "worker");
	assert_int_equal(strtab_len(t, a), 4);
	assert_int_equal(strtab_len(t, b), 6);
	strtab_free(t);
	strtab_free(NULL);
}

static void test_strtab_lengths(void **state)
{
	struct strtab *t;
	uint32_t empty, ab, abnulc, abnuld, empty2;

	(void)state;
	assert_int_equal(strtab_new(&t), 0);
	assert_int_equal(strtab_intern(t, "", 0, &empty), 0);
	assert_int_equal(strtab_intern(t, "ab", 2, &ab), 0);
	assert_int_equal(strtab_intern(t, "ab\0c", 4, &abnulc), 0);
	assert_int_equal(strtab_intern(t, "ab\0d", 4, &abnuld), 0);
	assert_int_equal(strtab_intern(t, "xyz", 0, &empty2), 0);
	assert_int_equal(empty2, empty);
	assert_int_equal(strtab_count(t), 4);
	assert_int_not_equal(ab, abnulc);
	assert_int_not_equal(abnulc, abnuld);

	assert_int_equal(strtab_len(t, empty), 0);
	assert_string_equal(strtab_str(t, empty), "");
	assert_int_equal(strtab_len(t, ab), 2);
	assert_int_equal(strtab_len(t, abnulc), 4);
	assert_memory_equal(strtab_str(t, abnulc), "ab\0c", 5); /* and its terminator */
	assert_memory_equal(strtab_str(t, abnuld), "ab\0d", 5);
	strtab_free(t);
}

#define MANY 100000

static void test_strtab_many(void **state)
{
	struct strtab *t;
	uint32_t *ids = calloc(MANY, sizeof(*ids));
	unsigned char *seen = calloc(MANY, 1);
	char s[64];
	uint32_t i, id;

	(void)state;
	assert_non_null(ids);
	assert_non_null(seen);
	assert_int_equal(strtab_new(&t), 0);
	for (i = 0; i < MANY; i++) {
		int n = snprintf(s, sizeof(s), "frame_%" PRIu32 "_%" PRIu32, i, i * 2654435761u);

		assert_int_equal(strtab_intern(t, s, (size_t)n, &ids[i]), 0);
		assert_true(ids[i] < MANY);
		if (seen[ids[i]])
			fail_msg("id %" PRIu32 " given twice (string %" PRIu32 ")", ids[i], i);
		seen[ids[i]] = 1;
	}
	assert_int_equal(strtab_count(t), MANY);
	/* after all the growth, every id still names its string and vice versa */
	for (i = 0; i < MANY; i++) {
		int n = snprintf(s, sizeof(s), "frame_%" PRIu32 "_%" PRIu32, i, i * 2654435761u);

		assert_int_equal(strtab_intern(t, s, (size_t)n, &id), 0);
		assert_int_equal(id, ids[i]);
		assert_string_equal(strtab_str(t, ids[i]), s);
		assert_int_equal(strtab_len(t, ids[i]), (size_t)n);
	}
	assert_int_equal(strtab_count(t), MANY);
	strtab_free(t);
	free(seen);
	free(ids);
}

/* Every prefix of one string: equal hashes of the shared bytes must not match. */
static void test_strtab_prefixes(void **state)
{
	enum { LONG = 3000 };
	char *text = malloc(LONG);
	uint32_t ids[LONG + 1], id;
	struct strtab *t;
	int len;

	(void)state;
	assert_non_null(text);
	for (len = 0; len < LONG; len++)
		text[len] = (char)('a' + len % 26);
	assert_int_equal(strtab_new(&t), 0);
	/* longest first: each shorter one is a prefix of all stored so far */
	for (len = LONG; len >= 0; len--)
		assert_int_equal(strtab_intern(t, text, (size_t)len, &ids[len]), 0);
	assert_int_equal(strtab_count(t), LONG + 1);
	for (len = 0; len <= LONG; len++) {
		assert_int_equal(strtab_intern(t, text, (size_t)len, &id), 0);
		assert_int_equal(id, ids[len]);
		assert_int_equal(strtab_len(t, id), (size_t)len);
		assert_int_equal(strlen(strtab_str(t, id)), (size_t)len);
	}
	strtab_free(t);
	free(text);
}

/* "Strings returned until strtab_free()": growth must not move them. */
static void test_strtab_strings_stay_valid(void **state)
{
	struct strtab *t;
	const char *first;
	uint32_t id0, id;
	char s[32];

	(void)state;
	assert_int_equal(strtab_new(&t), 0);
	assert_int_equal(strtab_intern(t, "first", 5, &id0), 0);
	first = strtab_str(t, id0);
	for (int i = 0; i < MANY; i++) {
		int n = snprintf(s, sizeof(s), "s%d", i);

		assert_int_equal(strtab_intern(t, s, (size_t)n, &id), 0);
	}
	assert_ptr_equal(strtab_str(t, id0), first);
	assert_string_equal(first, "first");
	strtab_free(t);
}

/* ---- pairmap ---- */

#define NPAIRS 100000

static uint64_t key_a(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ULL;
}

static uint64_t key_b(uint64_t i)
{
	return i % 7; /* many keys share B: only the pair is unique */
}

static void test_pairmap_put_get(void **state)
{
	struct pairmap *m;
	uint64_t i, v;

	(void)state;
	assert_int_equal(pairmap_new(&m), 0);
	assert_int_equal(pairmap_count(m), 0);
	assert_int_equal(pairmap_get(m, 1, 2, &v), 0);
	for (i = 0; i < NPAIRS; i++) {
		assert_int_equal(pairmap_put(m, key_a(i), key_b(i), i ^ 0x5555), 0);
		assert_int_equal(pairmap_count(m), i + 1);
	}
	for (i = 0; i < NPAIRS; i++) {
		v = UINT64_MAX;
		assert_int_equal(pairmap_get(m, key_a(i), key_b(i), &v), 1);
		assert_int_equal(v, i ^ 0x5555);
	}
	/* absent: right A with the wrong B, and swapped keys */
	assert_int_equal(pairmap_get(m, key_a(5), key_b(5) + 1, &v), 0);
	assert_int_equal(pairmap_get(m, key_b(5), key_a(5), &v), 0);
	assert_int_equal(pairmap_get(m, key_a(NPAIRS), key_b(NPAIRS), &v), 0);

	/* put overwrites */
	for (i = 0; i < NPAIRS; i += 3)
		assert_int_equal(pairmap_put(m, key_a(i), key_b(i), 7 * i), 0);
	assert_int_equal(pairmap_count(m), NPAIRS);
	for (i = 0; i < NPAIRS; i++) {
		assert_int_equal(pairmap_get(m, key_a(i), key_b(i), &v), 1);
		assert_int_equal(v, i % 3 ? i ^ 0x5555 : 7 * i);
	}
	pairmap_free(m);
	pairmap_free(NULL);
}

static void test_pairmap_extreme_keys(void **state)
{
	struct pairmap *m;
	uint64_t v;

	(void)state;
	assert_int_equal(pairmap_new(&m), 0);
	assert_int_equal(pairmap_put(m, 0, 0, 11), 0);
	assert_int_equal(pairmap_put(m, UINT64_MAX, UINT64_MAX, 22), 0);
	assert_int_equal(pairmap_put(m, 0, UINT64_MAX, 33), 0);
	assert_int_equal(pairmap_put(m, UINT64_MAX, 0, 44), 0);
	assert_int_equal(pairmap_count(m), 4);
	assert_int_equal(pairmap_get(m, 0, 0, &v), 1);
	assert_int_equal(v, 11);
	assert_int_equal(pairmap_get(m, UINT64_MAX, UINT64_MAX, &v), 1);
	assert_int_equal(v, 22);
	assert_int_equal(pairmap_get(m, 0, UINT64_MAX, &v), 1);
	assert_int_equal(v, 33);
	assert_int_equal(pairmap_get(m, UINT64_MAX, 0, &v), 1);
	assert_int_equal(v, 44);
	pairmap_free(m);
}

/* Only the pair is the key: many keys share A, many share B. */
static void test_pairmap_shared_halves(void **state)
{
	struct pairmap *m;
	uint64_t k, v;

	(void)state;
	assert_int_equal(pairmap_new(&m), 0);
	for (k = 0; k < 5000; k++) {
		assert_int_equal(pairmap_put(m, 42, k, k + 1), 0);
		assert_int_equal(pairmap_put(m, k, 42, k + 100000), 0);
	}
	/* (42, 42) was written twice */
	assert_int_equal(pairmap_count(m), 2 * 5000 - 1);
	for (k = 0; k < 5000; k++) {
		if (k == 42)
			continue;
		assert_int_equal(pairmap_get(m, 42, k, &v), 1);
		assert_int_equal(v, k + 1);
		assert_int_equal(pairmap_get(m, k, 42, &v), 1);
		assert_int_equal(v, k + 100000);
		assert_int_equal(pairmap_get(m, k + 5000, k, &v), 0);
	}
	assert_int_equal(pairmap_get(m, 42, 42, &v), 1);
	assert_int_equal(v, 42 + 100000);
	pairmap_free(m);
}

static void test_pairmap_slot(void **state)
{
	struct pairmap *m;
	uint64_t *p, i, v;

	(void)state;
	assert_int_equal(pairmap_new(&m), 0);
	/* a new key gets INIT; an existing one keeps its value */
	p = pairmap_slot(m, 10, 20, 5);
	assert_non_null(p);
	assert_int_equal(*p, 5);
	*p += 1;
	p = pairmap_slot(m, 10, 20, 999);
	assert_non_null(p);
	assert_int_equal(*p, 6);
	assert_int_equal(pairmap_count(m), 1);

	/* counters through slot, across many growths */
	for (int round = 0; round < 3; round++) {
		for (i = 0; i < NPAIRS; i++) {
			p = pairmap_slot(m, key_a(i), key_b(i), 100);
			assert_non_null(p);
			*p += i;
		}
	}
	assert_int_equal(pairmap_count(m), NPAIRS + 1);
	for (i = 0; i < NPAIRS; i++) {
		assert_int_equal(pairmap_get(m, key_a(i), key_b(i), &v), 1);
		assert_int_equal(v, 100 + 3 * i);
	}
	assert_int_equal(pairmap_get(m, 10, 20, &v), 1);
	assert_int_equal(v, 6);
	pairmap_free(m);
}

static void test_pairmap_next(void **state)
{
	struct pairmap *m;
	unsigned char *seen = calloc(NPAIRS, 1);
	uint64_t i, a, b, v, sum = 0, want = 0;
	size_t pos = 0, visits = 0;

	(void)state;
	assert_non_null(seen);
	assert_int_equal(pairmap_new(&m), 0);
	assert_int_equal(pairmap_next(m, &pos, &a, &b, &v), 0);
	for (i = 0; i < NPAIRS; i++) {
		assert_int_equal(pairmap_put(m, i, key_b(i), i * 3), 0);
		want += i * 3;
	}
	pos = 0;
	while (pairmap_next(m, &pos, &a, &b, &v)) {
		assert_true(a < NPAIRS);
		if (seen[a])
			fail_msg("key %" PRIu64 " visited twice", a);
		seen[a] = 1;
		assert_int_equal(b, key_b(a));
		assert_int_equal(v, a * 3);
		sum += v;
		visits++;
	}
	assert_int_equal(visits, NPAIRS);
	assert_int_equal(sum, want);
	/* the end is sticky */
	assert_int_equal(pairmap_next(m, &pos, &a, &b, &v), 0);
	pairmap_free(m);
	free(seen);
}

/* ---- idtab ---- */

struct keyset {
	const uint64_t *keys;    /* id -> key */
	uint64_t want;
	unsigned calls;
};

static int key_eq(const void *ctx, uint32_t id)
{
	struct keyset *k = (struct keyset *)ctx;

	k->calls++;
	return k->keys[id] == k->want;
}

/* A weak hash on purpose (many collisions on its 32 bits): EQ must decide. */
static uint32_t weak_hash(uint64_t key)
{
	return (uint32_t)(key % 1000) * 2654435761u;
}

static void test_idtab(void **state)
{
	enum { N = 50000 };
	uint64_t *keys = malloc(N * sizeof(*keys));
	struct keyset k = { keys, 0, 0 };
	struct idtab t;
	uint32_t i;

	(void)state;
	assert_non_null(keys);
	idtab_init(&t);
	k.want = 7;
	assert_int_equal(idtab_find(&t, 1, key_eq, &k), UINT32_MAX); /* empty: no slot, no call */
	assert_int_equal(k.calls, 0);
	/* ids are the caller's, in any order; growth keeps every one findable */
	for (i = 0; i < N; i++) {
		uint32_t id = N - 1 - i;

		keys[id] = (uint64_t)i * 0x9e3779b97f4a7c15ull;
		k.want = keys[id];
		assert_int_equal(idtab_find(&t, weak_hash(keys[id]), key_eq, &k), UINT32_MAX);
		assert_int_equal(idtab_add(&t, weak_hash(keys[id]), id), 0);
	}
	assert_int_equal(t.count, N);
	assert_true(t.nslots * 3 >= (size_t)N * 4 && t.nslots <= (size_t)N * 2 + 16);
	for (i = 0; i < N; i++) {
		k.want = keys[i];
		assert_int_equal(idtab_find(&t, weak_hash(keys[i]), key_eq, &k), i);
	}
	/* the right content under another hash is not found; a hash shared with other keys is compared */
	k.want = keys[0];
	k.calls = 0;
	assert_int_equal(idtab_find(&t, weak_hash(keys[0]) + 1, key_eq, &k), UINT32_MAX);
	k.want = 12345;
	assert_int_equal(idtab_find(&t, weak_hash(12345), key_eq, &k), UINT32_MAX);
	assert_true(k.calls > 0);
	idtab_release(&t);
	assert_null(t.slots);
	assert_int_equal(t.count, 0);
	idtab_release(&t); /* released twice: harmless */
	free(keys);
}

/* ---- utf8_decode ---- */

static void test_utf8_decode(void **state)
{
	static const struct {
		const char *s;
		int len;
		uint32_t cp;
	} cases[] = {
		/* the shortest and longest of each length */
		{ "a", 1, 'a' },
		{ "\x7f", 1, 0x7f },
		{ "\xc2\x80", 2, 0x80 },
		{ "\xdf\xbf", 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 0x800 },
		{ "\xef\xbf\xbf", 3, 0xffff }, /* a noncharacter is still UTF-8 */
		{ "\xf0\x90\x80\x80", 4, 0x10000 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
		{ "\xe2\x82\xacz", 3, 0x20ac }, /* only the first character */
		/* overlong forms, surrogates, above U+10FFFF, stray and bad bytes */
		{ "\xc0\xaf", 0, 0 },
		{ "\xc1\xbf", 0, 0 },
		{ "\xe0\x9f\xbf", 0, 0 },
		{ "\xf0\x8f\xbf\xbf", 0, 0 },
		{ "\xed\xa0\x80", 0, 0 },
		{ "\xed\xbf\xbf", 0, 0 },
		{ "\xf4\x90\x80\x80", 0, 0 },
		{ "\xf8\x88\x80\x80\x80", 0, 0 },
		{ "\x80", 0, 0 },
		{ "\xff", 0, 0 },
		{ "\xc3z", 0, 0 },
		{ "\xe2\x82", 0, 0 }, /* cut short by AVAIL */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *s = (const unsigned char *)cases[i].s;
		uint32_t cp = 0xdeadbeef;
		int n = utf8_decode(s, strlen(cases[i].s), &cp);

		if (n != cases[i].len || (n && cp != cases[i].cp))
			fail_msg("case %zu: utf8_decode = %d U+%04" PRIx32 ", want %d U+%04" PRIx32, i,
				 n, cp, cases[i].len, cases[i].cp);
		assert_int_equal(utf8_seq_len(s, strlen(cases[i].s)), cases[i].len);
	}
	/* never a read past AVAIL */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x9f\x94\xa5", 3), 0);
}

/* ---- upper_bound_u64 ---- */

struct span {
	uint64_t start;
	char tag;
};

static uint64_t span_start(const void *s)
{
	return ((const struct span *)s)->start;
}

static void test_upper_bound(void **state)
{
	static const struct span a[] = { { 10, 'a' }, { 20, 'b' }, { 20, 'c' }, { 30, 'd' },
					 { UINT64_MAX, 'e' } };
	size_t n = sizeof(a) / sizeof(a[0]), i;
	uint64_t key;

	(void)state;
	assert_int_equal(upper_bound_u64(NULL, 0, sizeof(*a), 5, span_start), 0);
	assert_int_equal(upper_bound_u64(a, n, sizeof(*a), 0, span_start), 0);
	assert_int_equal(upper_bound_u64(a, n, sizeof(*a), 9, span_start), 0);
	assert_int_equal(upper_bound_u64(a, n, sizeof(*a), 10, span_start), 1);
	/* past every equal key: the last element at or below KEY is the one before */
	assert_int_equal(upper_bound_u64(a, n, sizeof(*a), 20, span_start), 3);
	assert_int_equal(a[upper_bound_u64(a, n, sizeof(*a), 29, span_start) - 1].tag, 'c');
	assert_int_equal(upper_bound_u64(a, n, sizeof(*a), UINT64_MAX - 1, span_start), 4);
	assert_int_equal(upper_bound_u64(a, n, sizeof(*a), UINT64_MAX, span_start), 5);
	/* every key of every prefix: what a linear count says */
	for (n = 0; n <= 5; n++)
		for (key = 0; key < 40; key++) {
			size_t want = 0;

			for (i = 0; i < n; i++)
				want += a[i].start <= key;
			assert_int_equal(upper_bound_u64(a, n, sizeof(*a), key, span_start), want);
		}
}

/* ---- caller_pc ---- */

static void test_caller_pc(void **state)
{
	(void)state;
	assert_int_equal(caller_pc(0x401000, 0), 0x401000); /* the interrupted instruction */
	assert_int_equal(caller_pc(0x401000, 1), 0x400fff); /* inside the call before it */
	assert_int_equal(caller_pc(0, 0), 0);
	assert_int_equal(caller_pc(0, 1), 0); /* never wraps to the top of memory */
	assert_true(caller_pc(UINT64_MAX, 1) == UINT64_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64_decimal),
		cmocka_unit_test(test_parse_u64_range),
		cmocka_unit_test(test_parse_u64_hex),
		cmocka_unit_test(test_parse_u64_garbage),
		cmocka_unit_test(test_parse_u64_leading_zero),
		cmocka_unit_test(test_parse_seconds_ok),
		cmocka_unit_test(test_parse_seconds_bad),
		cmocka_unit_test(test_hash_bytes),
		cmocka_unit_test(test_buf_basics),
		cmocka_unit_test(test_buf_reserve),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_append_null_empty),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_array_reserve),
		cmocka_unit_test(test_array_grow),
		cmocka_unit_test(test_strtab_intern_same_id),
		cmocka_unit_test(test_strtab_lengths),
		cmocka_unit_test(test_strtab_many),
		cmocka_unit_test(test_strtab_prefixes),
		cmocka_unit_test(test_strtab_strings_stay_valid),
		cmocka_unit_test(test_pairmap_put_get),
		cmocka_unit_test(test_pairmap_extreme_keys),
		cmocka_unit_test(test_pairmap_shared_halves),
		cmocka_unit_test(test_pairmap_slot),
		cmocka_unit_test(test_pairmap_next),
		cmocka_unit_test(test_idtab),
		cmocka_unit_test(test_utf8_decode),
		cmocka_unit_test(test_upper_bound),
		cmocka_unit_test(test_caller_pc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
