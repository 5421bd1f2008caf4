/*
 * swaproot - a hostile process in a chroot, for container_links.sh.
 *
 * Usage (inside its root): swaproot SECONDS
 * Maps three ELF files executable, so the recorder hears of them, then
 * replaces what their paths lead to by links out of the root: /lib (holding
 * "shadow") becomes a link to /etc, /opt/tool a link to /etc/shadow and
 * /opt/rel a relative link climbing to ../../../../../../etc/passwd. Then
 * it computes in hot_loop for SECONDS.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int map_exec(const char *path)
{
	int fd = open(path, O_RDONLY);
	void *p = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);

	if (p == MAP_FAILED) {
		perror(path);
		return 1;
	}
	close(fd);
	return 0;
}

__attribute__((noinline)) static unsigned long hot_loop(double seconds)
{
	struct timespec t0, t;
	unsigned long x = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	return x;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;

	if (map_exec("/lib/shadow") || map_exec("/opt/tool") || map_exec("/opt/rel"))
		return 1;
	if (rename("/lib", "/lib.real") || symlink("/etc", "/lib") ||
	    rename("/opt/tool", "/opt/tool.real") || symlink("/etc/shadow", "/opt/tool") ||
	    rename("/opt/rel", "/opt/rel.real") ||
	    symlink("../../../../../../../../etc/passwd", "/opt/rel")) {
		perror("swapping links in");
		return 1;
	}
	printf("%lu\n", hot_loop(seconds) & 1);
	return 0;
}
