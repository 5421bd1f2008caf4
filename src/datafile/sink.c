/* The two sinks every recording may use: the data file, and a tee. */
#include "cprof/sink.h"

#include <stddef.h>

static int df_sink_write(struct sink *s, const struct df_record *rec)
{
	return df_write(((struct datafile_sink *)s)->w, rec);
}

static int df_sink_flush(struct sink *s)
{
	return df_flush(((struct datafile_sink *)s)->w);
}

static const struct sink_ops datafile_ops = {
	.write = df_sink_write,
	.flush = df_sink_flush,
	.close = df_sink_flush, /* the owner commits and frees the writer */
};

void datafile_sink_init(struct datafile_sink *ds, struct df_writer *w)
{
	ds->sink.ops = &datafile_ops;
	ds->w = w;
}

static int tee_write(struct sink *s, const struct df_record *rec)
{
	struct tee_sink *t = (struct tee_sink *)s;
	int a = sink_write(t->a, rec), b = sink_write(t->b, rec);

	return a ? a : b;
}

static int tee_flush(struct sink *s)
{
	struct tee_sink *t = (struct tee_sink *)s;
	int a = sink_flush(t->a), b = sink_flush(t->b);

	return a ? a : b;
}

static int tee_close(struct sink *s)
{
	struct tee_sink *t = (struct tee_sink *)s;
	int a = sink_close(t->a), b = sink_close(t->b);

	return a ? a : b;
}

static const struct sink_ops tee_ops = {
	.write = tee_write,
	.flush = tee_flush,
	.close = tee_close,
};

void tee_sink_init(struct tee_sink *t, struct sink *a, struct sink *b)
{
	t->sink.ops = &tee_ops;
	t->a = a;
	t->b = b;
}
