/* Line tables of CPython code objects: see include/cprof/pylines.h. */
#include "cprof/pylines.h"

/* A line computed from a table: -1 when out of range (a crafted table). */
static int64_t line_ok(int64_t line)
{
	return line >= 0 && line <= INT32_MAX ? line : -1;
}

/* 3.8, 3.9 co_lnotab: (bytecode bytes, signed line) increments from the first line. */
static int64_t lnotab_line(const uint8_t *t, size_t len, int64_t line, int64_t addrq)
{
	int64_t addr = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		addr += t[i];
		if (addr > addrq)
			break;
		line += (int8_t)t[i + 1];
	}
	return line_ok(line);
}

/* 3.10 co_linetable: (bytes covered, signed line increment or -128: no line) ranges. */
static int64_t linetable_line(const uint8_t *t, size_t len, int64_t line, int64_t addrq)
{
	int64_t start, end = 0, cur = -1;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		start = end;
		end += t[i];
		if ((int8_t)t[i + 1] == -128) {
			cur = -1;
		} else {
			line += (int8_t)t[i + 1];
			cur = line;
		}
		if (start <= addrq && addrq < end)
			return line_ok(cur);
	}
	return -1;
}

/* A varint of the location table: 6-bit chunks, low first, 0x40 continues. -1 if cut or huge. */
static int64_t varint(const uint8_t *t, size_t len, size_t *i)
{
	int64_t v = 0;
	unsigned shift = 0;

	while (*i < len && shift <= 30) {
		uint8_t b = t[(*i)++];

		v |= (int64_t)(b & 0x3f) << shift;
		shift += 6;
		if (!(b & 0x40))
			return v;
	}
	return -1;
}

static int64_t svarint(const uint8_t *t, size_t len, size_t *i)
{
	int64_t v = varint(t, len, i);

	return v < 0 ? 0 : v & 1 ? -(v >> 1) : v >> 1;
}

/*
 * 3.11+ location table: entries of a first byte (bit 7 set, a 4-bit code,
 * 3 bits of code units covered - 1) and the code's bytes: 15 no location,
 * 14 long form (line delta, end line, columns: varints), 13 line delta
 * alone, 10-12 one line of delta code - 10 (two column bytes), 0-9 same
 * line (one column byte).
 */
static int64_t locations_line(const uint8_t *t, size_t len, int64_t line, int64_t addrq)
{
	int64_t addr = 0;
	size_t i = 0;

	while (i < len) {
		uint8_t b = t[i++];
		unsigned code = (b >> 3) & 15;
		int64_t end = addr + 2 * ((b & 7) + 1);
		int none = 0;

		if (!(b & 0x80))
			return -1; /* not the start of an entry */
		if (code == 15) {
			none = 1;
		} else if (code == 14) {
			line += svarint(t, len, &i);
			varint(t, len, &i);
			varint(t, len, &i);
			varint(t, len, &i);
		} else if (code == 13) {
			line += svarint(t, len, &i);
		} else if (code >= 10) {
			line += code - 10;
			i += 2;
		} else {
			i += 1;
		}
		if (addr <= addrq && addrq < end)
			return none ? -1 : line_ok(line);
		addr = end;
	}
	return -1;
}

int64_t pylines_line(enum pylines_kind kind, const uint8_t *t, size_t len, int64_t line,
		     int64_t addrq)
{
	if (kind == PYLINES_LNOTAB)
		return lnotab_line(t, len, line, addrq);
	if (kind == PYLINES_LINETABLE)
		return linetable_line(t, len, line, addrq);
	return locations_line(t, len, line, addrq);
}
