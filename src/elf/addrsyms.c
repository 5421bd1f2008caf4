#include "cprof/addrsyms.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

struct entry {
	uint64_t start, size;
	uint32_t name;           /* strtab id */
	uint32_t seq;            /* insertion order, to let the last one win */
};

struct addrsyms {
	struct entry *e;
	size_t n, cap;
	int sorted;
	struct strtab *names;
};

static int parse_hex(const char *s, char **end, uint64_t *v)
{
	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 16);
	return errno ? -EINVAL : 0;
}

int perfmap_parse_line(char *line, uint64_t *start, uint64_t *size, const char **name)
{
	char *p = line, *end;
	size_t len;

	if (parse_hex(p, &end, start) || *end != ' ')
		return -EINVAL;
	p = end + 1;
	if (parse_hex(p, &end, size) || *end != ' ')
		return -EINVAL;
	p = end + 1;
	len = strcspn(p, "\r\n");
	p[len] = '\0';
	if (!len)
		return -EINVAL;
	*name = p;
	return 0;
}

int kallsyms_parse_line(char *line, uint64_t *addr, const char **name)
{
	char *p = line, *end, type;
	size_t len;

	if (parse_hex(p, &end, addr) || *end != ' ')
		return -EINVAL;
	type = end[1];
	if (!type || end[2] != ' ')
		return -EINVAL;
	p = end + 3;
	len = strcspn(p, " \t\r\n");
	if (!len)
		return -EINVAL;
	p[len] = '\0';
	*name = p;
	return strchr("tTwW", type) ? 0 : -ENOENT;
}

/* One line of kallsyms (LINE[0..LEN), LEN < KALLSYMS_LINE_MAX) to FN if it names code. */
static int kallsyms_line(char *line, size_t len, kallsyms_fn fn, void *arg)
{
	uint64_t addr;
	const char *name;

	line[len] = '\0';
	return !kallsyms_parse_line(line, &addr, &name) && addr ? fn(addr, name, arg) : 0;
}

int kallsyms_read(const char *path, kallsyms_fn fn, void *arg)
{
	char chunk[65536], line[KALLSYMS_LINE_MAX];
	FILE *f = fopen(path, "re");
	size_t n, len = 0;
	uint64_t done = 0;
	int err = 0, skip = 0;

	if (!f)
		return -errno;
	while (!err && done < KALLSYMS_MAX &&
	       (n = fread(chunk, 1, KALLSYMS_MAX - done < sizeof(chunk) ? KALLSYMS_MAX - done
									: sizeof(chunk), f))) {
		const char *p = chunk, *end = chunk + n;

		done += n;
		while (!err && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t take = (size_t)((nl ? nl : end) - p);

			/* a line too long to be a symbol's is skipped to its end */
			if (skip || len + take >= sizeof(line)) {
				skip = 1;
			} else {
				memcpy(line + len, p, take);
				len += take;
			}
			if (!nl)
				break;
			if (!skip)
				err = kallsyms_line(line, len, fn, arg);
			len = 0;
			skip = 0;
			p = nl + 1;
		}
	}
	/* the last line, unended; not one cut at the cap */
	if (!err && len && !skip && feof(f))
		err = kallsyms_line(line, len, fn, arg);
	fclose(f);
	return err;
}

int addrsyms_new(struct addrsyms **out)
{
	struct addrsyms *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	err = strtab_new(&t->names);
	if (err) {
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

void addrsyms_free(struct addrsyms *t)
{
	if (!t)
		return;
	strtab_free(t->names);
	free(t->e);
	free(t);
}

int addrsyms_add(struct addrsyms *t, uint64_t start, uint64_t size, const char *name)
{
	int err;

	err = array_reserve(&t->e, &t->cap, t->n + 1, sizeof(*t->e));
	if (err)
		return err;
	err = strtab_intern(t->names, name, strlen(name), &t->e[t->n].name);
	if (err)
		return err;
	t->e[t->n].start = start;
	t->e[t->n].size = size;
	t->e[t->n].seq = (uint32_t)t->n;
	t->n++;
	t->sorted = 0;
	return 0;
}

int addrsyms_add_perfmap(struct addrsyms *t, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	char line[PERFMAP_LINE_MAX];
	int err = 0;

	while (p < end && !err) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = (nl ? nl : end) - p;
		uint64_t start, size;
		const char *name;

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (!perfmap_parse_line(line, &start, &size, &name))
				err = addrsyms_add(t, start, size, name);
		}
		p = nl ? nl + 1 : end; /* not end + 1: no pointer past the text */
	}
	return err;
}

static int by_start(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort, keep the last of equal starts, give size-0 entries their extent. */
static void sort_entries(struct addrsyms *t)
{
	size_t i, k = 0;

	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), by_start);
	for (i = 0; i < t->n; i++) {
		if (k && t->e[k - 1].start == t->e[i].start)
			k--;
		t->e[k++] = t->e[i];
	}
	t->n = k;
	for (i = 0; i < t->n; i++)
		if (!t->e[i].size)
			t->e[i].size = i + 1 < t->n ? t->e[i + 1].start - t->e[i].start : 4096;
	t->sorted = 1;
}

static uint64_t entry_start(const void *e)
{
	return ((const struct entry *)e)->start;
}

const char *addrsyms_lookup(struct addrsyms *t, uint64_t addr, uint64_t *start, uint64_t *size)
{
	size_t lo;

	if (!t->sorted)
		sort_entries(t);
	/* lo - 1: the last entry starting at or below addr */
	lo = upper_bound_u64(t->e, t->n, sizeof(t->e[0]), addr, entry_start);
	if (!lo || addr - t->e[lo - 1].start >= t->e[lo - 1].size)
		return NULL;
	if (start)
		*start = t->e[lo - 1].start;
	if (size)
		*size = t->e[lo - 1].size;
	return strtab_str(t->names, t->e[lo - 1].name);
}

size_t addrsyms_count(const struct addrsyms *t)
{
	return t->n;
}
