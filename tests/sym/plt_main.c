/*
 * Fixture: calls plt_tiny (plt_lib.c) through the PLT for ARGV[1] seconds
 * of its own CPU time (so as many samples however busy the machine).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

unsigned plt_tiny(unsigned x);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static unsigned plt_caller(unsigned x)
{
	int i;

	for (i = 0; i < 1000000; i++)
		x = plt_tiny(x);
	return x;
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 1);
	unsigned x = 1;

	while (now() < end)
		x = plt_caller(x);
	printf("%u\n", x);
	return 0;
}
