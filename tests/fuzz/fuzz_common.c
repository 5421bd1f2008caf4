/* Line splitting and checks shared by the parser harnesses (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/addrsyms.h"
#include "cprof/diff.h"

#include "fuzz.h"

void fuzz_each_line(const uint8_t *data, size_t size, fuzz_line_fn fn, void *arg)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl + 1 : end) - p);
		/* exactly n + 1 bytes, so that AddressSanitizer sees a read past the NUL */
		char *line = malloc(n + 1);

		if (!line)
			abort();
		memcpy(line, p, n);
		line[n] = '\0';
		fn(line, n, arg);
		free(line);
		p += n;
	}
}

void fuzz_check_in_line(const char *s, const char *line, size_t len, const char *what)
{
	if (!s || s < line || s > line + len || strchr(s, '\n')) {
		fprintf(stderr, "fuzz: %s does not point into its line (or holds a newline)\n", what);
		abort();
	}
}

static void lookup_checked(struct addrsyms *t, uint64_t addr)
{
	uint64_t start = 0, size = 0;
	const char *name = addrsyms_lookup(t, addr, &start, &size);

	if (name && (addr < start || addr - start >= size || !*name)) {
		fprintf(stderr, "fuzz: lookup of %#llx named a range that does not cover it\n",
			(unsigned long long)addr);
		abort();
	}
}

void fuzz_lookup_around(struct addrsyms *t, const uint64_t *addrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		lookup_checked(t, addrs[i] - 1);
		lookup_checked(t, addrs[i]);
		lookup_checked(t, addrs[i] + 1);
	}
	lookup_checked(t, 0);
	lookup_checked(t, UINT64_MAX);
}

void fuzz_check_diff(const struct profile *p, uint32_t col)
{
	struct profile *d = NULL;
	struct diff_opts o = { .strip_hex = 1 };
	struct diff_func *f = NULL;
	size_t n, i;
	int64_t total = 0;

	for (i = 0; i < p->nsamples; i++)
		if (profile_value(p, i, col) > 0)
			total += profile_value(p, i, col);
	if (diff_new(p, col, p, col, &o, &d))
		return; /* out of memory */
	if (profile_total(d, DIFF_BEFORE) != total || profile_total(d, DIFF_AFTER) != total)
		abort();
	if (!diff_functions(d, &f, &n, NULL))
		for (i = 0; i < n; i++)
			if (f[i].self_change.significant || f[i].total_change.significant)
				abort();
	free(f);
	profile_free(d);
}
