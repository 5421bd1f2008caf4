/* Fixture: spends its time in the kernel, reading a /proc file. */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static __attribute__((noinline)) void read_stat_many(int fd)
{
	char buf[256];

	for (int i = 0; i < 200; i++)
		if (pread(fd, buf, sizeof(buf), 0) < 0)
			exit(1);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	int fd = open("/proc/self/stat", O_RDONLY);
	struct timespec s, t;

	if (fd < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &s);
	do {
		read_stat_many(fd);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - s.tv_sec) + (t.tv_nsec - s.tv_nsec) / 1e9 < secs);
	return 0;
}
