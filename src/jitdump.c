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

/* One perf-map line for a code-load record's body (LEN bytes at P). */
static int code_load(const uint8_t *p, size_t len, struct buf *out)
{
	uint64_t addr, size;
	const uint8_t *name, *end;
	char head[48];
	size_t i, n;
	int err;

	if (len < LOAD_FIXED + 1)
		return 0;
	addr = get64(p + 16);
	size = get64(p + 24);
	name = p + LOAD_FIXED;
	end = memchr(name, '\0', len - LOAD_FIXED);
	if (!end || end == name || !size)
		return 0;
	n = (size_t)(end - name);
	snprintf(head, sizeof(head), "%" PRIx64 " %" PRIx64 " ", addr, size);
	if ((err = buf_puts(out, head)))
		return err;
	for (i = 0; i < n && !err; i++) {
		char c = (char)name[i];

		/* one line per record, whatever the name holds */
		if (c == '\n' || c == '\r')
			c = ' ';
		err = buf_append(out, &c, 1);
	}
	return err ? err : buf_append(out, "\n", 1);
}

int jitdump_to_perfmap(const uint8_t *data, size_t len, struct buf *out)
{
	size_t pos;
	uint32_t hsize;
	int err = 0;

	if (len < HEADER_MIN || get32(data) != JITDUMP_MAGIC)
		return -EPROTO;
	hsize = get32(data + 8);
	if (hsize < HEADER_MIN || hsize > len)
		return -EPROTO;
	for (pos = hsize; !err && len - pos >= RECORD_HEADER;) {
		uint32_t id = get32(data + pos), size = get32(data + pos + 4);

		if (size < RECORD_HEADER || size > len - pos)
			break; /* cut short, or damaged: what came before stands */
		if (id == CODE_LOAD)
			err = code_load(data + pos + RECORD_HEADER, size - RECORD_HEADER, out);
		pos += size;
	}
	return err;
}
