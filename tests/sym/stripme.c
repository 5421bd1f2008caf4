/* Fixture: static functions that only .symtab or a debug file can name. */
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static __attribute__((noinline)) void stripped_leaf(int n)
{
	for (int i = 0; i < n; i++)
		sink += (unsigned long)i * 7;
}

static __attribute__((noinline)) void stripped_middle(int n)
{
	stripped_leaf(n);
	sink++;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	struct timespec s, t;

	clock_gettime(CLOCK_MONOTONIC, &s);
	do {
		stripped_middle(100000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - s.tv_sec) + (t.tv_nsec - s.tv_nsec) / 1e9 < secs);
	return 0;
}
