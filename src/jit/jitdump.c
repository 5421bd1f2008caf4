#include "cprof/jitdump.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define JITDUMP_MAGIC 0x4A695444u /* "JiTD" in the writer's byte order */
#define HEADER_MIN 40             /* magic, version, size, mach, pad, pid, time, flags */
#define RECORD_HEADER 16          /* id, total size, timestamp */
#define CODE_LOAD 0
#define LOAD_FIXED 40             /* pid, tid, vma, code_addr, code_size, code_index */
#define UNWINDING_INFO 4
#define UNWIND_FIXED 24           /* unwinding_size, eh_frame_hdr_size, mapped_size */
#define HDR_MIN 4                 /* version and three encodings */

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int jitdump_header(const uint8_t *data, size_t len, size_t *records)
{
	uint32_t hsize;

	if (len < 4 || (len < HEADER_MIN && get32(data) == JITDUMP_MAGIC))
		return -EAGAIN;
	if (get32(data) != JITDUMP_MAGIC || (hsize = get32(data + 8)) < HEADER_MIN)
		return -EPROTO;
	if (hsize > len)
		return -EAGAIN;
	*records = hsize;
	return 0;
}

/* A code-load record's body (LEN bytes at P) into LOAD; 0 if it names nothing. */
static int code_load(const uint8_t *p, size_t len, struct jitdump_load *load)
{
	const uint8_t *end;

	if (len < LOAD_FIXED + 1)
		return 0;
	load->addr = get64(p + 16);
	load->size = get64(p + 24);
	load->name = (const char *)p + LOAD_FIXED;
	end = memchr(load->name, '\0', len - LOAD_FIXED);
	if (!end || end == p + LOAD_FIXED || !load->size)
		return 0;
	load->name_len = (size_t)(end - (p + LOAD_FIXED));
	return 1;
}

/* An unwinding-info record's body (LEN bytes at P) into LOAD's unwind fields; 0 if unusable. */
static int unwinding_info(const uint8_t *p, size_t len, struct jitdump_load *load)
{
	uint64_t total, hdr;

	if (len < UNWIND_FIXED)
		return 0;
	total = get64(p);
	hdr = get64(p + 8);
	/* sizes the record's own bytes cannot hold are lies */
	if (total > len - UNWIND_FIXED || hdr < HDR_MIN || hdr >= total)
		return 0;
	load->unwind = p + UNWIND_FIXED;
	load->eh_frame_size = (size_t)(total - hdr);
	load->hdr_size = (size_t)hdr;
	return 1;
}

int jitdump_next_load(const uint8_t *data, size_t len, size_t *pos, struct jitdump_load *load)
{
	struct jitdump_load unwind = { 0 };
	size_t at = *pos, resume = *pos;

	if (at > len)
		return 0;
	while (len - at >= RECORD_HEADER) {
		uint32_t id = get32(data + at), size = get32(data + at + 4);
		const uint8_t *body = data + at + RECORD_HEADER;

		if (size < RECORD_HEADER || size > len - at)
			break; /* cut short, or damaged: what came before stands */
		at += size;
		if (id == UNWINDING_INFO) {
			/* it waits for its code load: resume here if that is not whole yet */
			if (unwinding_info(body, size - RECORD_HEADER, &unwind)) {
				resume = at - size;
			} else {
				unwind.unwind = NULL;
				resume = at;
			}
			continue;
		}
		if (id == CODE_LOAD && code_load(body, size - RECORD_HEADER, load)) {
			load->unwind = unwind.unwind;
			load->eh_frame_size = unwind.unwind ? unwind.eh_frame_size : 0;
			load->hdr_size = unwind.unwind ? unwind.hdr_size : 0;
			*pos = at;
			return 1;
		}
		if (id == CODE_LOAD)
			unwind.unwind = NULL; /* a nameless load still takes its unwinding info */
		if (!unwind.unwind)
			resume = at;
	}
	*pos = resume;
	return 0;
}

int jitdump_perfmap_line(const struct jitdump_load *load, struct buf *out)
{
	char head[48];
	size_t i;
	int err;

	snprintf(head, sizeof(head), "%" PRIx64 " %" PRIx64 " ", load->addr, load->size);
	if ((err = buf_puts(out, head)))
		return err;
	for (i = 0; i < load->name_len && !err; i++) {
		char c = load->name[i];

		/* one line per record, whatever the name holds */
		if (c == '\n' || c == '\r')
			c = ' ';
		err = buf_append(out, &c, 1);
	}
	return err ? err : buf_append(out, "\n", 1);
}

int jitdump_to_perfmap(const uint8_t *data, size_t len, struct buf *out)
{
	struct jitdump_load load;
	size_t pos;
	int err;

	if ((err = jitdump_header(data, len, &pos)))
		return err == -EAGAIN ? -EPROTO : err;
	while (!err && jitdump_next_load(data, len, &pos, &load) > 0)
		err = jitdump_perfmap_line(&load, out);
	return err;
}
