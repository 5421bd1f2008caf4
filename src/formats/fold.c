#include "cprof/fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct folder {
	struct strtab *stacks;
	uint64_t *counts;        /* by stack id, NCOLUMNS each */
	size_t cap, ncolumns;
};

int folder_new(struct folder **out)
{
	return folder_new_columns(out, 1);
}

int folder_new_columns(struct folder **out, size_t ncolumns)
{
	struct folder *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	f->ncolumns = ncolumns ? ncolumns : 1;
	err = strtab_new(&f->stacks);
	if (err) {
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

void folder_free(struct folder *f)
{
	if (!f)
		return;
	strtab_free(f->stacks);
	free(f->counts);
	free(f);
}

int folder_intern(struct folder *f, const char *stack, size_t len, uint32_t *id)
{
	int err = strtab_intern(f->stacks, stack, len, id);

	if (err)
		return err;
	return array_reserve(&f->counts, &f->cap, ((size_t)*id + 1) * f->ncolumns,
			     sizeof(*f->counts));
}

int folder_add(struct folder *f, uint32_t id, uint64_t count)
{
	return folder_add_column(f, id, 0, count);
}

int folder_add_column(struct folder *f, uint32_t id, size_t col, uint64_t count)
{
	if (col >= f->ncolumns || ((size_t)id + 1) * f->ncolumns > f->cap)
		return -EINVAL;
	f->counts[id * f->ncolumns + col] += count;
	return 0;
}

static int is_zero(const struct folder *f, uint32_t id)
{
	size_t c;

	for (c = 0; c < f->ncolumns; c++)
		if (f->counts[id * f->ncolumns + c])
			return 0;
	return 1;
}

static int by_text(const void *a, const void *b, void *tab)
{
	return strcmp(strtab_str(tab, *(const uint32_t *)a), strtab_str(tab, *(const uint32_t *)b));
}

int folder_write(const struct folder *f, FILE *out)
{
	uint32_t n = strtab_count(f->stacks), i, k = 0;
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!is_zero(f, i))
			order[k++] = i;
	qsort_r(order, k, sizeof(*order), by_text, f->stacks);
	for (i = 0; i < k; i++) {
		size_t c;

		fputs(strtab_str(f->stacks, order[i]), out);
		for (c = 0; c < f->ncolumns; c++)
			fprintf(out, " %llu", (unsigned long long)f->counts[order[i] * f->ncolumns + c]);
		fputc('\n', out);
	}
	free(order);
	return ferror(out) ? -EIO : 0;
}

int fold_clean_name(const char *name, struct buf *out)
{
	const char *p = name;
	size_t n;
	int err = 0;

	while (*p && !err) {
		/* the runs between the characters folding treats apart: as a terminal may show them */
		n = strcspn(p, "\"';\n\r");
		err = buf_put_printable(out, p, n);
		p += n;
		if (err || !*p)
			break;
		if (*p == ';')
			err = buf_append(out, ":", 1);
		else if (*p == '\n' || *p == '\r')
			err = buf_append(out, " ", 1);
		p++;
	}
	return err;
}
