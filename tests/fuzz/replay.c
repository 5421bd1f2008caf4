/*
 * replay - run the fuzz harness on saved inputs, without libFuzzer.
 *
 * Usage: replay FILE|DIR...
 *
 * Every regular file named (directories: every regular file in them, in
 * name order) is passed to LLVMFuzzerTestOneInput once. A bug shows as a
 * crash, or as a sanitizer report in a -DCPROF_SANITIZE=ON build. Exit 0
 * when every input ran, 1 when one could not be read, 2 on bad usage.
 *
 * Like libFuzzer's -rss_limit_mb=2048, the address space is capped at
 * 2 GiB (not under AddressSanitizer, whose shadow needs terabytes), so an
 * input that makes the report allocate without bound fails an allocation
 * instead of swapping the test machine to death.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "fuzz.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define MEMORY_LIMIT (2ULL << 30)

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *p = NULL;
	size_t cap = 0, n = 0, k;
	int err = 0;

	if (!f)
		return -errno;
	do {
		if (n == cap) {
			uint8_t *q = realloc(p, cap = cap ? cap * 2 : 65536);

			if (!q) {
				err = -ENOMEM;
				break;
			}
			p = q;
		}
		k = fread(p + n, 1, cap - n, f);
		n += k;
	} while (k);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (err) {
		free(p);
		return err;
	}
	*data = p;
	*size = n;
	return 0;
}

static int run_file(const char *path)
{
	uint8_t *data = NULL;
	size_t size = 0;
	int err = read_file(path, &data, &size);

	if (err) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-err));
		return 1;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int run_dir(const char *dir, int *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, only_files, alphasort), i, bad = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!stat(path, &st) && S_ISREG(st.st_mode)) {
			bad |= run_file(path);
			++*count;
		}
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	int i, bad = 0, count = 0;
	struct stat st;
#ifndef UNDER_ASAN
	struct rlimit lim;
#endif

	if (argc < 2) {
		fprintf(stderr, "Usage: replay FILE|DIR...\n");
		return 2;
	}
#ifndef UNDER_ASAN
	if (!getrlimit(RLIMIT_AS, &lim) && lim.rlim_cur > MEMORY_LIMIT) {
		lim.rlim_cur = MEMORY_LIMIT;
		if (setrlimit(RLIMIT_AS, &lim) < 0)
			perror("replay: setrlimit");
	}
#endif
	for (i = 1; i < argc; i++) {
		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode)) {
			bad |= run_dir(argv[i], &count);
		} else {
			bad |= run_file(argv[i]);
			count++;
		}
	}
	fprintf(stderr, "replay: %d inputs%s\n", count, bad ? ", some unreadable" : "");
	return bad;
}
