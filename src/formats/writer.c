/* The table of output formats. */
#include "cprof/writer.h"

#include <string.h>

extern const struct writer writer_folded;
extern const struct writer writer_top;
extern const struct writer writer_svg;
extern const struct writer writer_pprof;
extern const struct writer writer_speedscope;
extern const struct writer writer_cpuprofile;

static const struct writer *const writers[] = {
	&writer_folded,
	&writer_top,
	&writer_svg,
	&writer_pprof,
	&writer_speedscope,
	&writer_cpuprofile,
};

#define NWRITERS (sizeof(writers) / sizeof(writers[0]))

const struct writer *writer_find(const char *name)
{
	size_t i;

	for (i = 0; i < NWRITERS; i++)
		if (!strcmp(writers[i]->name, name))
			return writers[i];
	return NULL;
}

const struct writer *writer_for_path(const char *path)
{
	size_t len = strlen(path), i, k;

	for (i = 0; i < NWRITERS; i++)
		for (k = 0; writers[i]->extensions && writers[i]->extensions[k]; k++) {
			size_t n = strlen(writers[i]->extensions[k]);

			if (len > n && !strcmp(path + len - n, writers[i]->extensions[k]))
				return writers[i];
		}
	return NULL;
}

const struct writer *const *writer_all(size_t *n)
{
	*n = NWRITERS;
	return writers;
}
