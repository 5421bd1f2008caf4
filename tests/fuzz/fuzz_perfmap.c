/*
 * fuzz_perfmap - libFuzzer harness: arbitrary bytes as a /tmp/perf-PID.map.
 *
 * Each line goes through perfmap_parse_line (a valid one must name a
 * non-empty NAME inside the line), then the whole input through
 * addrsyms_add_perfmap as the report reads a map, and every parsed start,
 * its neighbours and the last byte of its range are looked up: a lookup
 * must name a range that covers the address.
 */
#include <errno.h>
#include <stdlib.h>

#include "cprof/addrsyms.h"

#include "fuzz.h"

struct ctx {
	uint64_t addrs[64];
	size_t n;
};

static void one_line(char *line, size_t len, void *arg)
{
	struct ctx *c = arg;
	uint64_t start, size;
	const char *name = NULL;
	int err = perfmap_parse_line(line, &start, &size, &name);

	if (err == -EINVAL)
		return;
	if (err)
		abort();
	fuzz_check_in_line(name, line, len, "perf map NAME");
	if (!*name)
		abort();
	if (c->n + 2 <= sizeof(c->addrs) / sizeof(c->addrs[0])) {
		c->addrs[c->n++] = start;
		c->addrs[c->n++] = start + size - 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { .n = 0 };
	struct addrsyms *t;

	fuzz_each_line(data, size, one_line, &c);
	if (addrsyms_new(&t))
		abort();
	if (addrsyms_add_perfmap(t, (const char *)data, size) == 0)
		fuzz_lookup_around(t, c.addrs, c.n);
	addrsyms_free(t);
	return 0;
}
