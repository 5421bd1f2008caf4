/*
 * Where a recording goes: the recorder hands every record (struct
 * df_record of datafile.h) to a sink and knows nothing of what is behind
 * it. The data file is one sink, the live view of `cprof top` another;
 * sink_tee() sends to two.
 *
 * Protocol: write() any number of times, flush() after each batch the
 * recorder drained from its rings (a sink may buffer until then), then
 * close() once, after the FINISH record. write() runs on the sampling path:
 * a sink must neither block on slow work nor allocate per sample. A
 * record's pointers are borrowed for the call only: copy what you keep.
 * Errors are the sink's -errno and are sticky where the sink says so.
 */
#ifndef CPROF_SINK_H
#define CPROF_SINK_H

#include "cprof/datafile.h"

struct sink;

struct sink_ops {
	int (*write)(struct sink *s, const struct df_record *rec);
	int (*flush)(struct sink *s);
	int (*close)(struct sink *s);   /* no more records; does not free */
};

/* Embedded first in each sink's own struct. */
struct sink {
	const struct sink_ops *ops;
};

static inline int sink_write(struct sink *s, const struct df_record *rec)
{
	return s->ops->write(s, rec);
}

static inline int sink_flush(struct sink *s)
{
	return s->ops->flush(s);
}

static inline int sink_close(struct sink *s)
{
	return s->ops->close(s);
}

/* A sink writing to W (borrowed: the caller commits and frees it). */
struct datafile_sink {
	struct sink sink;
	struct df_writer *w;
};
void datafile_sink_init(struct datafile_sink *ds, struct df_writer *w);

/* A sink sending every call to A, then B; the first error wins. Both borrowed. */
struct tee_sink {
	struct sink sink;
	struct sink *a, *b;
};
void tee_sink_init(struct tee_sink *t, struct sink *a, struct sink *b);

#endif
