/*
 * Input formats: each reader recognises one file format by its content and
 * reads it into a profile, the only place that knows that format's syntax.
 * A new format is a new read_NAME.c and a row in the table of reader.c.
 * The cprof data file is not a row here: the resolve stage reads it, which
 * stands above this one (src/stages.txt); the command layer tries it
 * first (cmd/input.c), with a row of this same type.
 */
#ifndef CPROF_READER_H
#define CPROF_READER_H

#include <stddef.h>

#include "cprof/profile.h"

/* An input, read whole. */
struct reader_input {
	const char *path;        /* its name: for a reader that opens it again */
	const char *data;        /* LEN bytes, untrusted, not NUL-terminated */
	size_t len;
};

struct reader {
	const char *name;
	/* Whether DATA (LEN bytes, all of the input) is of this format. */
	int (*recognise)(const char *data, size_t len);
	/*
	 * Read IN into a new profile *OUT (caller frees). Returns 0 or -errno;
	 * *LINE is the line at fault (1-based) when the format has lines and
	 * one is, else 0.
	 */
	int (*read)(const struct reader_input *in, struct profile **out, size_t *line);
	/*
	 * What is wrong with an input READ refused with ERR, said of the input
	 * ("is not a valid pprof profile (truncated or damaged)"), or NULL when
	 * ERR is not the input's fault (-ENOMEM, -EIO).
	 */
	const char *(*strerror)(int err);
};

/* The first reader that recognises DATA (LEN bytes); the last one takes any text. */
const struct reader *reader_for(const char *data, size_t len);
/* Every reader, in the order reader_for() tries them: *N of them. */
const struct reader *const *reader_all(size_t *n);

#endif
