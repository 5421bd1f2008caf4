/* Small shared helpers: checked number parsing, hashing, string interning. */
#ifndef CPROF_UTIL_H
#define CPROF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Parse all of STR as an unsigned decimal (or 0x hex) number in [min, max].
 * Returns 0, -EINVAL when STR is not a number, -ERANGE when out of range.
 */
int parse_u64(const char *str, uint64_t min, uint64_t max, uint64_t *out);

/* Parse a positive decimal number of seconds such as "3" or "0.5". */
int parse_seconds(const char *str, double *out);

/* The time on clock CLK (CLOCK_MONOTONIC, CLOCK_REALTIME...) in nanoseconds. */
uint64_t now_ns(clockid_t clk);

/* 64-bit hash of LEN bytes (not cryptographic). */
uint64_t hash_bytes(const void *data, size_t len, uint64_t seed);

/*
 * The one UTF-8 decoder. Length of the valid UTF-8 sequence at S (1 to 4,
 * within AVAIL >= 1 bytes) and its code point in *CP, or 0 (*CP unset) if
 * S does not start one: no overlong forms, no surrogates, nothing above
 * U+10FFFF. A NUL-terminated string may pass strnlen(S, 4) as AVAIL.
 */
int utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);
/* utf8_decode's length alone: whether S starts a valid sequence. */
int utf8_seq_len(const unsigned char *s, size_t avail);

/*
 * The one binary search. The index of the first of the N ELEM-byte
 * elements at BASE whose key, KEY_OF(element), is above KEY, N if none;
 * the keys must be in ascending order (equal ones allowed). So the last
 * element whose key is at most KEY is the one before the result (none if
 * 0), and a search for the first key above KEY is this one. Inline, so
 * the compiler inlines KEY_OF at each caller.
 */
static inline size_t upper_bound_u64(const void *base, size_t n, size_t elem, uint64_t key,
				     uint64_t (*key_of)(const void *element))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_of((const char *)base + mid * elem) <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The address at which to name the code of a stack frame at PC: a return
 * address (IS_RETURN; every frame but the interrupted one) is looked up a
 * byte back, in its call instruction, for a call can be the last
 * instruction of a function (to a noreturn callee) and the address after
 * it another function's first. 0 stays 0.
 */
static inline uint64_t caller_pc(uint64_t pc, int is_return)
{
	return is_return && pc ? pc - 1 : pc;
}

/*
 * A string interning table: each distinct string is stored once and named
 * by a small integer id. Strings returned are owned by the table and stay
 * valid until strtab_free().
 */
struct strtab;

int strtab_new(struct strtab **out);
void strtab_free(struct strtab *tab);
/* Id of STR (LEN bytes, need not be NUL-terminated), adding it if new. */
int strtab_intern(struct strtab *tab, const char *str, size_t len, uint32_t *id);
/* Borrowed NUL-terminated string for ID. */
const char *strtab_str(const struct strtab *tab, uint32_t id);
size_t strtab_len(const struct strtab *tab, uint32_t id);
uint32_t strtab_count(const struct strtab *tab);

/*
 * Make room for NEED elements in the heap array whose address is ARR
 * (a T ** passed as void *), of ELEM-byte elements and capacity *CAP:
 * the capacity grows by half as needed and new elements are zeroed.
 * Returns 0 or -ENOMEM (the array is then unchanged).
 */
int array_reserve(void *arr, size_t *cap, size_t need, size_t elem);
/*
 * The same, but new elements are left unset (and their pages untouched,
 * so a large array costs memory only for what is written): for arrays
 * whose elements are all written when they are appended.
 */
int array_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* Growable byte buffer (a plain value: embed it, _init, _release). */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
int buf_reserve(struct buf *b, size_t extra);
/* Append LEN bytes of DATA (NULL if LEN is 0) and keep data NUL-terminated. 0 or -ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);

/*
 * The one sanitiser of what cprof prints from the profiled process (mapping
 * paths, thread names, JIT and symbol names, file names in warnings): such
 * text may reach a terminal, so every control character (C0, DEL, C1: escape
 * sequences, line breaks) and every byte that is not valid UTF-8 becomes '?'.
 *
 * str_printable() does it in place on the LEN bytes at S and returns the new
 * length (never more than LEN; S is not NUL-terminated by it).
 * buf_put_printable() appends LEN bytes of S so cleaned to B (0 or -ENOMEM).
 * printable_dup() returns a cleaned copy of S the caller frees (NULL on ENOMEM).
 */
size_t str_printable(char *s, size_t len);
int buf_put_printable(struct buf *b, const char *s, size_t len);
char *printable_dup(const char *s);

/*
 * A hash map from a pair of u64 keys to a u64 value; for the caches and
 * counters of the report and the recorder.
 */
struct pairmap;

int pairmap_new(struct pairmap **out);
void pairmap_free(struct pairmap *m);
/* 1 and *VAL if (A, B) is present, else 0. */
int pairmap_get(const struct pairmap *m, uint64_t a, uint64_t b, uint64_t *val);
/* Insert or overwrite. Returns 0 or -ENOMEM. */
int pairmap_put(struct pairmap *m, uint64_t a, uint64_t b, uint64_t val);
/*
 * Pointer to the value of (A, B), inserting INIT if absent; NULL on
 * ENOMEM. Valid until the next pairmap_slot() or pairmap_put() call.
 */
uint64_t *pairmap_slot(struct pairmap *m, uint64_t a, uint64_t b, uint64_t init);
size_t pairmap_count(const struct pairmap *m);
/* Remove every entry (the table keeps its size). */
void pairmap_clear(struct pairmap *m);
/* Iterate: start with *POS = 0; returns 0 at the end. */
int pairmap_next(const struct pairmap *m, size_t *pos, uint64_t *a, uint64_t *b, uint64_t *val);

/*
 * An index of ids by a content its owner keeps (the profile's frames, a
 * stack's frame ids): the table holds only each id and 32 bits of its
 * hash, 8 bytes a slot, never a copy of the content. The owner hashes
 * what it looks for and says, through EQ, whether an id's content is it.
 * A plain value: embed it, idtab_init(), idtab_release().
 */
struct idtab {
	uint64_t *slots;         /* hash << 32 | id + 1; 0: empty */
	size_t nslots, count;
};

void idtab_init(struct idtab *t);
void idtab_release(struct idtab *t);
/* The id of hash HASH whose content EQ(CTX, id) accepts, or UINT32_MAX if none. */
uint32_t idtab_find(const struct idtab *t, uint32_t hash,
		    int (*eq)(const void *ctx, uint32_t id), const void *ctx);
/* Add ID (below UINT32_MAX, not in T yet) of hash HASH. Returns 0 or -ENOMEM. */
int idtab_add(struct idtab *t, uint32_t hash, uint32_t id);

#endif
