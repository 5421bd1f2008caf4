/*
 * fuzz_jitdump - libFuzzer harness: arbitrary bytes as a /tmp/jit-PID.dump.
 *
 * jitdump_to_perfmap turns the code-load records into perf-map lines; each
 * line it writes must parse as a perf-map line (perfmap_parse_line) with a
 * non-empty name, and the text must load into an address table.
 */
#include <errno.h>
#include <stdlib.h>

#include "cprof/addrsyms.h"
#include "cprof/jitdump.h"
#include "cprof/util.h"

#include "fuzz.h"

static void one_line(char *line, size_t len, void *arg)
{
	uint64_t start, size;
	const char *name = NULL;

	(void)arg;
	if (perfmap_parse_line(line, &start, &size, &name) || !name || !*name)
		abort(); /* every line jitdump writes is a valid perf-map line */
	fuzz_check_in_line(name, line, len, "jitdump NAME");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addrsyms *t;
	struct buf text;
	int err;

	buf_init(&text);
	err = jitdump_to_perfmap(data, size, &text);
	if (err && err != -EPROTO)
		abort();
	if (!err && text.len) {
		fuzz_each_line((const uint8_t *)text.data, text.len, one_line, NULL);
		if (addrsyms_new(&t) || addrsyms_add_perfmap(t, text.data, text.len))
			abort();
		addrsyms_free(t);
	}
	buf_release(&text);
	return 0;
}
