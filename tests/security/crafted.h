/*
 * Crafted data files of issue 23: the worst cases of a reader's
 * resynchronisation, shared by craft_data (the security tests, the fuzz
 * seeds) and the unit tests of datafile.h.
 */
#ifndef CPROF_TESTS_CRAFTED_H
#define CPROF_TESTS_CRAFTED_H

#include <stddef.h>

enum crafted_resync {
	/* a plausible header every 8 bytes, each claiming 16 MiB past the end */
	CRAFTED_PAST_END,
	/*
	 * clusters of plausible headers of the string-holding types, each
	 * claiming half the file, then a run without NUL their strings run
	 * into
	 */
	CRAFTED_STRINGS,
	/* a valid SAMPLE, then a COMM claiming a quarter of the file, damaged, again and again */
	CRAFTED_DAMAGED_CHAIN,
};

/* Name of KIND for a command line ("past-end", ...), or NULL. */
const char *crafted_resync_name(enum crafted_resync kind);
/*
 * A data file of BYTES bytes (at least 64) of KIND: header, then the
 * pattern. Returns the bytes (caller frees) or NULL on ENOMEM.
 */
unsigned char *crafted_resync(enum crafted_resync kind, size_t bytes);

#endif
