/*
 * The inputs of the commands: the cprof data file, then the formats of
 * reader.h. The data file is read by the resolve stage, which stands
 * above formats/ (src/stages.txt: formats may use base and profile only),
 * so it cannot be a row of formats' table; this file, which may use both,
 * gives it a row of the same type and tries it first. A new format is a
 * new formats/read_NAME.c and a row in formats/reader.c; nothing here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/cmd.h"
#include "cprof/datafile.h"
#include "cprof/notes.h"
#include "cprof/reader.h"
#include "cprof/resolver.h"
#include "cprof/safefile.h"
#include "cprof/util.h"

#define MAX_INPUT_BYTES (1u << 30)

static int recognise_datafile(const char *data, size_t len)
{
	return len >= 8 && !memcmp(data, DATAFILE_MAGIC, 8);
}

/* Read and named as 'cprof report' does, its warnings on stderr; every sample in time if TIMELINE. */
static int load_datafile(const struct reader_input *in, int timeline, struct profile **out,
			 size_t *line)
{
	struct resolve_opts ro = { .input = in->path, .inlines = 1, .demangle = 1,
				   .timeline = timeline, .filter = { .until = -1 } };
	struct report_stats st;

	*line = 0;
	return notes_load(&ro, out, &st, 0, stderr);
}

static int read_datafile(const struct reader_input *in, struct profile **out, size_t *line)
{
	return load_datafile(in, 0, out, line);
}

static int read_datafile_timeline(const struct reader_input *in, struct profile **out,
				  size_t *line)
{
	return load_datafile(in, 1, out, line);
}

static const char *strerror_datafile(int err)
{
	const char *why = data_file_strerror(err);

	return why ? why : err == -EBADMSG ? "is damaged: a record is corrupt" : NULL;
}

static const struct reader reader_datafile[2] = {
	{
		.name = "data",
		.recognise = recognise_datafile,
		.read = read_datafile,
		.strerror = strerror_datafile,
	},
	{
		.name = "data",
		.recognise = recognise_datafile,
		.read = read_datafile_timeline,
		.strerror = strerror_datafile,
	},
};

/* Read PATH whole into *OUT (caller frees). */
static int read_whole(const char *path, char **out, size_t *len)
{
	struct buf b;
	int fd = safefile_open_input(path), err = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	buf_init(&b);
	for (;;) {
		if (b.len >= MAX_INPUT_BYTES) {
			err = -EFBIG;
			break;
		}
		if (buf_reserve(&b, 65536)) {
			err = -ENOMEM;
			break;
		}
		n = read(fd, b.data + b.len, b.cap - b.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		b.len += (size_t)n;
	}
	close(fd);
	if (err) {
		buf_release(&b);
		return err;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

static int load(const char *path, int timeline, struct profile **out)
{
	struct reader_input in = { .path = path };
	const struct reader *r;
	char *data = NULL;
	size_t len = 0, line = 0;
	const char *why;
	int err = read_whole(path, &data, &len), rc = EXIT_OK;

	*out = NULL;
	if (err) {
		fprintf(stderr, "cprof: cannot read '%s': %s\n", path,
			err == -EFBIG ? "larger than 1 GiB" : safefile_strerror(err));
		return EXIT_DATA;
	}
	in.data = data;
	in.len = len;
	r = recognise_datafile(data, len) ? &reader_datafile[!!timeline] : reader_for(data, len);
	err = r ? r->read(&in, out, &line) : -EPROTO;
	why = r ? r->strerror(err) : "is of no format cprof reads";
	if (err && why) {
		if (line)
			fprintf(stderr, "cprof: '%s' line %zu %s\n", path, line, why);
		else
			fprintf(stderr, "cprof: '%s' %s\n", path, why);
		rc = EXIT_DATA;
	} else if (err) {
		fprintf(stderr, "cprof: cannot read '%s': %s\n", path, strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
	}
	if (rc) {
		profile_free(*out);
		*out = NULL;
	}
	free(data);
	return rc;
}

int input_load(const char *path, struct profile **out)
{
	return load(path, 0, out);
}

int input_load_timeline(const char *path, struct profile **out)
{
	return load(path, 1, out);
}
