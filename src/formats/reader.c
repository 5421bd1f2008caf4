/* The table of input formats. */
#include "cprof/reader.h"

extern const struct reader reader_pprof;
extern const struct reader reader_folded;

/* Tried in this order: folded, which takes any text, last. */
static const struct reader *const readers[] = {
	&reader_pprof,
	&reader_folded,
};

#define NREADERS (sizeof(readers) / sizeof(readers[0]))

const struct reader *reader_for(const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < NREADERS; i++)
		if (readers[i]->recognise(data, len))
			return readers[i];
	return NULL;
}

const struct reader *const *reader_all(size_t *n)
{
	*n = NREADERS;
	return readers;
}
