#include "crafted.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/datafile.h"

static const char *const names[] = {
	[CRAFTED_PAST_END] = "past-end",
	[CRAFTED_STRINGS] = "strings",
	[CRAFTED_DAMAGED_CHAIN] = "damaged-chain",
};

const char *crafted_resync_name(enum crafted_resync kind)
{
	return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : NULL;
}

static void put_hdr(unsigned char *p, uint32_t type, uint32_t size)
{
	memcpy(p, &type, 4);
	memcpy(p + 4, &size, 4);
}

/* Size near TARGET, at least 8 and at most 16 MiB, congruent to REM modulo MOD. */
static uint32_t size_near(size_t target, uint32_t mod, uint32_t rem)
{
	uint64_t s = target > (16u << 20) - 64 ? (16u << 20) - 64 : target;

	s -= s % mod;
	s += rem;
	return (uint32_t)(s < 8 ? 8 + mod : s);
}

unsigned char *crafted_resync(enum crafted_resync kind, size_t bytes)
{
	static const uint32_t string_types[] = { DF_META, DF_COMM, DF_MMAP, DF_KSYM };
	unsigned char *f;
	size_t at = 16, k;
	uint32_t v = DATAFILE_VERSION, hs = 16, big;

	if (bytes < 64 || !(f = malloc(bytes)))
		return NULL;
	memset(f, 0xff, bytes);
	memcpy(f, DATAFILE_MAGIC, 8);
	memcpy(f + 8, &v, 4);
	memcpy(f + 12, &hs, 4);
	switch (kind) {
	case CRAFTED_PAST_END:
		for (; at + 8 <= bytes; at += 8)
			put_hdr(f + at, DF_COMM, 16u << 20);
		break;
	case CRAFTED_STRINGS:
		/* units of 1024 bytes: 9 headers, then 952 bytes without a NUL */
		big = size_near(bytes / 2, 1024, 517);
		for (; at + 1024 <= bytes; at += 1024)
			for (k = 0; k < 9; k++)
				put_hdr(f + at + 8 * k, string_types[k % 4], big);
		break;
	case CRAFTED_DAMAGED_CHAIN:
		/*
		 * units of 48 bytes: SAMPLE (32), COMM header, 8 bytes; the COMM's
		 * size ends it inside a SAMPLE's payload, no header there
		 */
		big = size_near(bytes / 4, 48, 24);
		for (; at + 48 <= bytes; at += 48) {
			put_hdr(f + at, DF_SAMPLE, 32);
			put_hdr(f + at + 32, DF_COMM, big);
		}
		break;
	}
	return f;
}
