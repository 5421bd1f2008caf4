/*
 * dfdump FILE: the records of a cprof data file in file order, one line
 * each: its type ("SAMPLE", "MMAP"...), and for a PERFMAP record one line
 * "PERFMAP PID LINE" per perf-map line it holds. For the tests that check
 * when the recorder writes what. Exit status 0, or 1 if FILE is unreadable.
 */
#include <stdio.h>
#include <string.h>

#include "cprof/datafile.h"

static const char *const names[] = {
	[DF_META] = "META", [DF_COMM] = "COMM", [DF_MMAP] = "MMAP",
	[DF_FORK] = "FORK", [DF_EXIT] = "EXIT", [DF_STACK] = "STACK",
	[DF_SAMPLE] = "SAMPLE", [DF_LOST] = "LOST", [DF_FINISH] = "FINISH",
	[DF_PERFMAP] = "PERFMAP", [DF_KSYM] = "KSYM", [DF_WSAMPLE] = "WSAMPLE",
};

int main(int argc, char **argv)
{
	struct df_reader *in;
	struct df_record rec;
	int got;

	if (argc != 2 || df_reader_new(argv[1], &in)) {
		fprintf(stderr, "usage: dfdump FILE (a readable cprof data file)\n");
		return 1;
	}
	while ((got = df_read(in, &rec)) > 0) {
		const char *p, *end;

		if (rec.type != DF_PERFMAP) {
			printf("%s\n", (size_t)rec.type < sizeof(names) / sizeof(names[0]) &&
					       names[rec.type] ? names[rec.type] : "?");
			continue;
		}
		for (p = rec.perfmap.text, end = p + rec.perfmap.len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = (size_t)((nl ? nl : end) - p);

			printf("PERFMAP %u %.*s\n", rec.perfmap.pid, (int)n, p);
			p += n + 1;
		}
	}
	df_reader_free(in);
	return got < 0;
}
