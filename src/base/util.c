#include "cprof/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int parse_u64(const char *str, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!str || !*str || !isdigit((unsigned char)*str))
		return -EINVAL;
	errno = 0;
	/* decimal, or hex with 0x: a leading 0 is not octal ("010" is ten) */
	v = strtoull(str, &end, str[0] == '0' && (str[1] == 'x' || str[1] == 'X') ? 16 : 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_seconds(const char *str, double *out)
{
	char *end;
	double v;

	if (!str || !*str || !(isdigit((unsigned char)*str) || *str == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(str, &end);
	if (*end || errno)
		return -EINVAL;
	if (!(v > 0) || v > 1e7)
		return -ERANGE;
	*out = v;
	return 0;
}

/* FNV-1a folded through a 64-bit mixer: fast, good enough for hash tables. */
uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/*
 * Grow by half, not double: a large array then holds at most a third more
 * than it needs (and at the time of the realloc, old and new together 2.5
 * times, not 3). The part not yet used is touched only by ZERO.
 */
static int array_resize(void *arr, size_t *cap, size_t need, size_t elem, int zero)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n + n / 2;
	if (n > SIZE_MAX / elem)
		return -ENOMEM;
	memcpy(&p, arr, sizeof(p));
	p = realloc(p, n * elem);
	if (!p)
		return -ENOMEM;
	if (zero)
		memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
	memcpy(arr, &p, sizeof(p));
	*cap = n;
	return 0;
}

int array_reserve(void *arr, size_t *cap, size_t need, size_t elem)
{
	return array_resize(arr, cap, need, elem, 1);
}

int array_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	return array_resize(arr, cap, need, elem, 0);
}

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->len + extra + 1 <= b->cap)
		return 0;
	while (cap < b->len + extra + 1)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	int err = buf_reserve(b, len);

	if (err)
		return err;
	if (len) /* DATA may be NULL when LEN is 0, and memcpy() must not see a NULL */
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/*
 * Each control character (C0, DEL, C1) and each byte that does not start a
 * valid UTF-8 sequence becomes one '?': the result is never longer.
 */
size_t str_printable(char *s, size_t len)
{
	unsigned char *p = (unsigned char *)s;
	size_t i = 0, o = 0;
	int n;

	while (i < len) {
		n = utf8_seq_len(p + i, len - i);
		if (!n || p[i] < 0x20 || p[i] == 0x7f || (p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			p[o++] = '?';
			i += n ? (size_t)n : 1;
		} else {
			memmove(p + o, p + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		}
	}
	return o;
}

int buf_put_printable(struct buf *b, const char *s, size_t len)
{
	size_t start = b->len;
	int err = buf_append(b, s, len);

	if (err)
		return err;
	b->len = start + str_printable(b->data + start, len);
	b->data[b->len] = '\0';
	return 0;
}

char *printable_dup(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	memcpy(out, s, len);
	out[str_printable(out, len)] = '\0';
	return out;
}

/*
 * Strings live back to back in chunks that never move, so a returned
 * string stays valid until strtab_free(); a hash index maps them to ids.
 */
#define STRTAB_CHUNK 65536

struct strtab {
	char **chunks;
	size_t nchunks, capchunks;
	size_t used;             /* bytes used in the last chunk */
	const char **strs;       /* id -> string */
	uint32_t *lens;          /* id -> length */
	size_t count, cap_ids, cap_lens;
	struct idtab index;
};

int strtab_new(struct strtab **out)
{
	struct strtab *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	idtab_init(&t->index);
	*out = t;
	return 0;
}

void strtab_free(struct strtab *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->strs);
	free(t->lens);
	idtab_release(&t->index);
	free(t);
}

/* LEN + 1 bytes that will never move. */
static char *strtab_space(struct strtab *t, size_t len)
{
	size_t size = len + 1 > STRTAB_CHUNK ? len + 1 : STRTAB_CHUNK;
	char *p;

	if (t->nchunks && t->used + len + 1 <= STRTAB_CHUNK) {
		p = t->chunks[t->nchunks - 1] + t->used;
		t->used += len + 1;
		return p;
	}
	if (array_reserve(&t->chunks, &t->capchunks, t->nchunks + 1, sizeof(*t->chunks)))
		return NULL;
	p = malloc(size);
	if (!p)
		return NULL;
	t->chunks[t->nchunks++] = p;
	t->used = len + 1;
	return p;
}

struct strtab_probe {
	const struct strtab *t;
	const char *str;
	size_t len;
};

static int strtab_eq(const void *ctx, uint32_t id)
{
	const struct strtab_probe *q = ctx;

	return q->t->lens[id] == q->len && !memcmp(q->t->strs[id], q->str, q->len);
}

int strtab_intern(struct strtab *t, const char *str, size_t len, uint32_t *id)
{
	struct strtab_probe q = { t, str, len };
	uint32_t h = (uint32_t)hash_bytes(str, len, 0);
	char *copy;

	if ((*id = idtab_find(&t->index, h, strtab_eq, &q)) != UINT32_MAX)
		return 0;
	if (len > UINT32_MAX || t->count >= UINT32_MAX - 1)
		return -ERANGE;
	if (array_grow(&t->strs, &t->cap_ids, t->count + 1, sizeof(*t->strs)) ||
	    array_grow(&t->lens, &t->cap_lens, t->count + 1, sizeof(*t->lens)) ||
	    !(copy = strtab_space(t, len)) || idtab_add(&t->index, h, (uint32_t)t->count))
		return -ENOMEM;
	memcpy(copy, str, len);
	copy[len] = '\0';
	t->strs[t->count] = copy;
	t->lens[t->count] = (uint32_t)len;
	*id = (uint32_t)t->count++;
	return 0;
}

const char *strtab_str(const struct strtab *t, uint32_t id)
{
	return t->strs[id];
}

size_t strtab_len(const struct strtab *t, uint32_t id)
{
	return t->lens[id];
}

uint32_t strtab_count(const struct strtab *t)
{
	return (uint32_t)t->count;
}

/* A slot is in use when its bit in the map's bitmap is set: 24 bytes a slot, not 32. */
struct pair_slot {
	uint64_t a, b, val;
};

struct pairmap {
	struct pair_slot *slots;
	uint64_t *used;          /* a bit per slot */
	size_t nslots, count;
};

static int pair_used(const uint64_t *used, size_t i)
{
	return (int)(used[i / 64] >> (i % 64) & 1);
}

/* NSLOTS (a power of two, at least 64) empty slots and their bitmap, into *SLOTS and *USED. */
static int pair_alloc(size_t nslots, struct pair_slot **slots, uint64_t **used)
{
	*slots = malloc(nslots * sizeof(**slots));
	*used = calloc(nslots / 64, sizeof(**used));
	if (*slots && *used)
		return 0;
	free(*slots);
	free(*used);
	return -ENOMEM;
}

int pairmap_new(struct pairmap **out)
{
	struct pairmap *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->nslots = 256;
	if (pair_alloc(m->nslots, &m->slots, &m->used)) {
		free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void pairmap_free(struct pairmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->used);
	free(m);
}

static size_t pair_hash(uint64_t a, uint64_t b)
{
	uint64_t k[2] = { a, b };

	return (size_t)hash_bytes(k, sizeof(k), 0);
}

/* The slot of (A, B) among N, or the free one where it would go. */
static size_t pair_find(const struct pair_slot *slots, const uint64_t *used, size_t n, uint64_t a,
			uint64_t b)
{
	size_t s = pair_hash(a, b) & (n - 1);

	while (pair_used(used, s) && !(slots[s].a == a && slots[s].b == b))
		s = (s + 1) & (n - 1);
	return s;
}

int pairmap_get(const struct pairmap *m, uint64_t a, uint64_t b, uint64_t *val)
{
	size_t s = pair_find(m->slots, m->used, m->nslots, a, b);

	if (!pair_used(m->used, s))
		return 0;
	*val = m->slots[s].val;
	return 1;
}

static int pair_grow(struct pairmap *m)
{
	size_t n = m->nslots * 2, i, s;
	struct pair_slot *slots;
	uint64_t *used;

	if (pair_alloc(n, &slots, &used))
		return -ENOMEM;
	for (i = 0; i < m->nslots; i++)
		if (pair_used(m->used, i)) {
			s = pair_find(slots, used, n, m->slots[i].a, m->slots[i].b);
			slots[s] = m->slots[i];
			used[s / 64] |= 1ull << (s % 64);
		}
	free(m->slots);
	free(m->used);
	m->slots = slots;
	m->used = used;
	m->nslots = n;
	return 0;
}

uint64_t *pairmap_slot(struct pairmap *m, uint64_t a, uint64_t b, uint64_t init)
{
	size_t s;

	if ((m->count + 1) * 2 > m->nslots && pair_grow(m))
		return NULL;
	s = pair_find(m->slots, m->used, m->nslots, a, b);
	if (!pair_used(m->used, s)) {
		m->slots[s] = (struct pair_slot){ a, b, init };
		m->used[s / 64] |= 1ull << (s % 64);
		m->count++;
	}
	return &m->slots[s].val;
}

int pairmap_put(struct pairmap *m, uint64_t a, uint64_t b, uint64_t val)
{
	uint64_t *v = pairmap_slot(m, a, b, val);

	if (!v)
		return -ENOMEM;
	*v = val;
	return 0;
}

void pairmap_clear(struct pairmap *m)
{
	memset(m->used, 0, m->nslots / 64 * sizeof(*m->used));
	m->count = 0;
}

size_t pairmap_count(const struct pairmap *m)
{
	return m->count;
}

int pairmap_next(const struct pairmap *m, size_t *pos, uint64_t *a, uint64_t *b, uint64_t *val)
{
	while (*pos < m->nslots) {
		const struct pair_slot *s = &m->slots[*pos];

		if (pair_used(m->used, (*pos)++)) {
			*a = s->a;
			*b = s->b;
			*val = s->val;
			return 1;
		}
	}
	return 0;
}

/*
 * Linear probing, at most 3/4 full, from the slot the hash scales to (the
 * high bits pick it: the table need not be a power of two, and grows by
 * half, so it is never under half full). A slot keeps 32 bits of the hash,
 * so a probe touches the owner's content (a likely cache miss) only when
 * they match, and growing needs no rehash.
 */
void idtab_init(struct idtab *t)
{
	*t = (struct idtab){ 0 };
}

void idtab_release(struct idtab *t)
{
	free(t->slots);
	idtab_init(t);
}

static size_t idtab_home(uint32_t hash, size_t n)
{
	return (size_t)(((uint64_t)hash * n) >> 32);
}

uint32_t idtab_find(const struct idtab *t, uint32_t hash,
		    int (*eq)(const void *ctx, uint32_t id), const void *ctx)
{
	size_t s;

	if (!t->nslots)
		return UINT32_MAX;
	for (s = idtab_home(hash, t->nslots); t->slots[s]; s = s + 1 < t->nslots ? s + 1 : 0)
		if ((uint32_t)(t->slots[s] >> 32) == hash &&
		    eq(ctx, (uint32_t)t->slots[s] - 1))
			return (uint32_t)t->slots[s] - 1;
	return UINT32_MAX;
}

/* Put SLOT (hash << 32 | id + 1) into the first free slot of its chain among N. */
static void idtab_place(uint64_t *slots, size_t n, uint64_t slot)
{
	size_t s = idtab_home((uint32_t)(slot >> 32), n);

	while (slots[s])
		s = s + 1 < n ? s + 1 : 0;
	slots[s] = slot;
}

int idtab_add(struct idtab *t, uint32_t hash, uint32_t id)
{
	if ((t->count + 1) * 4 > t->nslots * 3) {
		size_t n = t->nslots ? t->nslots + t->nslots / 2 : 16, i;
		uint64_t *slots;

		if (n > SIZE_MAX / sizeof(*slots) || !(slots = calloc(n, sizeof(*slots))))
			return -ENOMEM;
		for (i = 0; i < t->nslots; i++)
			if (t->slots[i])
				idtab_place(slots, n, t->slots[i]);
		free(t->slots);
		t->slots = slots;
		t->nslots = n;
	}
	idtab_place(t->slots, t->nslots, (uint64_t)hash << 32 | ((uint64_t)id + 1));
	t->count++;
	return 0;
}

/*
 * The lead byte says how many bytes follow and the smallest code point
 * that needs them (a smaller one is an overlong form).
 */
int utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	uint32_t min, c;
	int n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, min = 0x80, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, min = 0x800, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, min = 0x10000, c = s[0] & 0x07;
	else
		return 0;
	if ((size_t)n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int utf8_seq_len(const unsigned char *s, size_t avail)
{
	uint32_t c;

	return utf8_decode(s, avail, &c);
}

uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
