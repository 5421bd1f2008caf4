/*
 * fuzz_jitdump - libFuzzer harness: arbitrary bytes as a /tmp/jit-PID.dump.
 *
 * jitdump_to_perfmap turns the code-load records into perf-map lines; each
 * line it writes must parse as a perf-map line (perfmap_parse_line) with a
 * non-empty name, and the text must load into an address table. Then the
 * code loads one by one, as the recorder reads them: every name and
 * unwinding info lies inside the input, and an image made of the
 * unwinding info (jitcfi_image) is read by libdw as the unwinder would
 * read it, its CFI looked up at the code's first and last byte.
 */
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdlib.h>

#include "cprof/addrsyms.h"
#include "cprof/jitcfi.h"
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

/* abort() unless [P, P + N) lies in [DATA, DATA + SIZE). */
static void check_inside(const void *p, size_t n, const uint8_t *data, size_t size)
{
	const uint8_t *q = p;

	if (q < data || q > data + size || n > (size_t)(data + size - q))
		abort();
}

static void unwind_info(const struct jitdump_load *load)
{
	Dwarf_Frame *frame;
	Dwarf_CFI *cfi;
	uint8_t *image;
	size_t len;
	Elf *elf;

	if (jitcfi_image(load, &image, &len))
		return;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image, len);
	cfi = elf ? dwarf_getcfi_elf(elf) : NULL;
	if (cfi && !dwarf_cfi_addrframe(cfi, 0, &frame))
		free(frame);
	if (cfi && !dwarf_cfi_addrframe(cfi, load->size - 1, &frame))
		free(frame);
	if (cfi)
		dwarf_cfi_end(cfi);
	if (elf)
		elf_end(elf);
	free(image);
}

static void loads(const uint8_t *data, size_t size)
{
	struct jitdump_load load;
	size_t pos;

	if (jitdump_header(data, size, &pos))
		return;
	while (jitdump_next_load(data, size, &pos, &load) > 0) {
		if (pos > size || !load.name_len || !load.size)
			abort();
		check_inside(load.name, load.name_len, data, size);
		if (!load.unwind)
			continue;
		if (!load.eh_frame_size || !load.hdr_size)
			abort();
		check_inside(load.unwind, load.eh_frame_size + load.hdr_size, data, size);
		unwind_info(&load);
	}
	if (pos > size)
		abort();
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
	loads(data, size);
	return 0;
}
