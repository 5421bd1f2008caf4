/*
 * fuzz_kallsyms - libFuzzer harness: arbitrary bytes as /proc/kallsyms.
 *
 * Each line goes through kallsyms_parse_line (a code symbol must have a
 * NAME inside the line, cut at the first space, tab or line end); the code symbols go into an
 * addrsyms table with size 0, as the recorder adds them, and every address,
 * its neighbours, 0 and the top of the address space are looked up: a
 * lookup must name a range that covers the address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/addrsyms.h"

#include "fuzz.h"

struct ctx {
	struct addrsyms *t;
	uint64_t addrs[64];
	size_t n;
};

static void one_line(char *line, size_t len, void *arg)
{
	struct ctx *c = arg;
	uint64_t addr;
	const char *name = NULL;
	int err = kallsyms_parse_line(line, &addr, &name);

	if (err == -EINVAL || err == -ENOENT)
		return;
	if (err)
		abort();
	fuzz_check_in_line(name, line, len, "kallsyms NAME");
	if (!*name)
		abort();
	if (strpbrk(name, " \t\r\n"))
		abort();
	if (addrsyms_add(c->t, addr, 0, name))
		abort();
	if (c->n < sizeof(c->addrs) / sizeof(c->addrs[0]))
		c->addrs[c->n++] = addr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { .n = 0 };

	if (addrsyms_new(&c.t))
		abort();
	fuzz_each_line(data, size, one_line, &c);
	fuzz_lookup_around(c.t, c.addrs, c.n);
	addrsyms_free(c.t);
	return 0;
}
