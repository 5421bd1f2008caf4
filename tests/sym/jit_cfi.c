/*
 * jit_cfi - a program that JIT-compiles one function, as a runtime does,
 * and describes it in a jitdump: /tmp/jit-PID.dump with its header, mapped
 * PROT_READ|PROT_EXEC for the profiler to find, an unwinding-info record
 * (jit_eh.h: the function keeps no frame pointer and sets rbp to garbage)
 * and the code load that names it jit_hot_function. main -> driver ->
 * jit_hot_function -> jit_leaf, where the time goes, for SECONDS; it
 * prints "ready" once the dump is written. The dump is removed as the
 * program ends.
 *
 *	jit_cfi SECONDS [MODE]
 *
 * MODE lie: lying records come first (sizes past their record, past the
 *	file, CFI of garbage for other code, for the binary's code and for
 *	the JIT function itself); the true ones still follow.
 * MODE flood: after the true records, FLOOD_LOADS tiny code loads with
 *	unwinding info of their own, away from any mapping, and every
 *	50 ms one more over one of them (the runtime reusing freed code
 *	space): the recorder must not spend its time on them.
 * MODE fanout: after the true records, FANOUT_FILL bytes of code loads
 *	whose code is a hole, then a load named fanout_marker; FANOUT
 *	children each map the dump too, for the profiler to read it again
 *	for each of them.
 * MODE names: after the true records, NAMES_FILL bytes of names in code
 *	loads of 3000-byte names (more than a data-file record holds), one
 *	of 5000 bytes (longer than a perf-map line the report reads), then a
 *	load named names_marker.
 * MODE reuse: a child runs for SECONDS and exits, then another child
 *	that has its pid (ns_last_pid, as root) runs for SECONDS with a
 *	dump of its own, and prints "pid PID again"; exits 77 if that pid
 *	could not be had.
 * MODE link, fifo: right after mapping it, the dump is replaced by a
 *	symbolic link to /tmp/jit-cfi-secret-PID.dump, naming
 *	SECRET_FROM_LINK (or by a FIFO): the profiler must not read through
 *	it. Both stay when the program ends.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jit_eh.h"

static volatile uint64_t sink;

__attribute__((noinline)) void jit_leaf(void)
{
	uint64_t x = sink;

	for (int i = 0; i < 200000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) int driver(void (*fn)(void), double seconds)
{
	double end = now() + seconds;
	int calls = 0;

	while (now() < end) {
		fn();
		calls++;
	}
	return calls;
}

static void put(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n) {
		perror("jit_cfi: write");
		exit(2);
	}
}

static void header(int fd)
{
	uint32_t h[4] = { 0x4A695444, 1, 40, 62 };
	uint32_t pid[2] = { 0, (uint32_t)getpid() };
	uint64_t rest[2] = { 1, 0 };

	put(fd, h, sizeof(h));
	put(fd, pid, sizeof(pid));
	put(fd, rest, sizeof(rest));
}

/* An unwinding-info record; SIZES (unwinding, header, mapped) may lie about DATA. */
static void unwinding_info(int fd, const uint64_t sizes[3], const uint8_t *data, size_t n)
{
	uint32_t pre[2] = { 4, (uint32_t)(16 + 24 + n) };
	uint64_t ts = 2;

	put(fd, pre, sizeof(pre));
	put(fd, &ts, sizeof(ts));
	put(fd, sizes, 24);
	put(fd, data, n);
}

static void code_load(int fd, uint64_t addr, uint64_t size, const char *name, const void *code,
		      size_t code_len)
{
	size_t len = strlen(name) + 1;
	uint32_t pre[2] = { 0, (uint32_t)(16 + 40 + len + code_len) };
	uint32_t ids[2] = { (uint32_t)getpid(), (uint32_t)syscall(SYS_gettid) };
	uint64_t ts = 3, f[4] = { addr, addr, size, 1 };

	put(fd, pre, sizeof(pre));
	put(fd, &ts, sizeof(ts));
	put(fd, ids, sizeof(ids));
	put(fd, f, sizeof(f));
	put(fd, name, len);
	put(fd, code, code_len);
}

/* The lies of MODE lie, before the true records. */
static void lies(int fd, uint64_t addr)
{
	uint8_t junk[96];
	uint64_t past_record[3] = { 1u << 30, 20, 0 }, hdr_too_big[3] = { 64, 4096, 0 };
	uint64_t garbage[3] = { sizeof(junk), 24, 0 };

	memset(junk, 0xa5, sizeof(junk));
	unwinding_info(fd, past_record, junk, sizeof(junk));
	code_load(fd, addr + 0x100000, 64, "lie_past_record", junk, 0);
	unwinding_info(fd, hdr_too_big, junk, sizeof(junk));
	code_load(fd, addr + 0x200000, 64, "lie_hdr_too_big", junk, 0);
	/* sizes that hold, CFI that is garbage, for code nobody runs */
	unwinding_info(fd, garbage, junk, sizeof(junk));
	code_load(fd, addr + 0x300000, 64, "lie_garbage_cfi", junk, 0);
	/* code whose size wraps the address space */
	unwinding_info(fd, garbage, junk, sizeof(junk));
	code_load(fd, addr, UINT64_MAX - 8, "lie_wraps", junk, 0);
	/* garbage CFI over the binary's own code, and over the JIT code (the true load replaces it) */
	unwinding_info(fd, garbage, junk, sizeof(junk));
	code_load(fd, (uint64_t)(uintptr_t)jit_leaf, 64, "lie_over_binary", junk, 0);
	unwinding_info(fd, garbage, junk, sizeof(junk));
	code_load(fd, addr, JIT_CODE_SIZE, "lie_replaced", junk, 0);
}

#define FLOOD_LOADS 65536
#define FLOOD_BASE 0x10000000000ull /* no mapping there: the loads are refused by nothing else */

/* FLOOD_LOADS loads of 16 bytes at FLOOD_BASE, each with CFI that holds its sizes. */
static void flood(int fd)
{
	uint8_t cfi[48];
	uint64_t sizes[3] = { sizeof(cfi), 24, 0 };
	char name[32];

	memset(cfi, 0, sizeof(cfi));
	for (int i = 0; i < FLOOD_LOADS; i++) {
		snprintf(name, sizeof(name), "flood_%d", i);
		unwinding_info(fd, sizes, cfi, sizeof(cfi));
		code_load(fd, FLOOD_BASE + 16ull * (uint64_t)i, 16, name, "", 0);
	}
}

#define FANOUT 8
#define FANOUT_FILL (200ull << 20)
#define FANOUT_CODE (8u << 20)

/* FANOUT_FILL bytes of loads of FANOUT_CODE bytes of code, left as a hole, then the marker. */
static void fanout_dump(int fd, uint64_t addr)
{
	for (uint64_t done = 0; done < FANOUT_FILL; done += FANOUT_CODE) {
		uint32_t pre[2] = { 0, (uint32_t)(16 + 40 + 2 + FANOUT_CODE) };
		uint32_t ids[2] = { (uint32_t)getpid(), (uint32_t)getpid() };
		uint64_t ts = 3, f[4] = { addr + 0x100000, addr + 0x100000, 16, 1 };

		put(fd, pre, sizeof(pre));
		put(fd, &ts, sizeof(ts));
		put(fd, ids, sizeof(ids));
		put(fd, f, sizeof(f));
		put(fd, "f", 2);
		if (lseek(fd, FANOUT_CODE, SEEK_CUR) < 0) {
			perror("jit_cfi: lseek");
			exit(2);
		}
	}
	code_load(fd, addr + 0x200000, 16, "fanout_marker", "", 0);
}

#define NAMES_FILL (24u << 20)

/* The loads of MODE names: their names fill more than a data-file record, at FLOOD_BASE. */
static void names_dump(int fd)
{
	static char name[5001];
	uint64_t i;

	memset(name, 'n', sizeof(name) - 1);
	code_load(fd, FLOOD_BASE, 16, name, "", 0); /* too long a line: left out */
	name[3000] = '\0';
	for (i = 0; i * 3000 < NAMES_FILL; i++) {
		snprintf(name, 24, "names_%08llu_", (unsigned long long)i);
		name[strlen(name)] = 'n';
		code_load(fd, FLOOD_BASE + 16 * (i + 1), 16, name, "", 0);
	}
	code_load(fd, FLOOD_BASE + 16 * (i + 1), 16, "names_marker", "", 0);
}

/* FANOUT children that map the dump at PATH, each for a while. */
static void fanout(const char *path, long page)
{
	pid_t kids[FANOUT];

	for (int i = 0; i < FANOUT; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			int fd = open(path, O_RDONLY);

			if (fd < 0 || mmap(NULL, (size_t)page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd,
					   0) == MAP_FAILED)
				_exit(2);
			usleep(300000);
			_exit(0);
		}
	}
	for (int i = 0; i < FANOUT; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
}

/* A record claiming more bytes than any file holds: the dump ends there. */
static void lie_past_file(int fd)
{
	uint32_t pre[2] = { 0, 0xfffffff0u };
	uint64_t ts = 4;

	put(fd, pre, sizeof(pre));
	put(fd, &ts, sizeof(ts));
}

/* Put a link (or a FIFO) where the dump PATH was; the link leads to a dump naming a secret. */
static void swap(const char *path, const char *mode, uint64_t addr)
{
	char real[128], tmp[140];
	int fd;

	snprintf(real, sizeof(real), "/tmp/jit-cfi-secret-%d.dump", (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (!strcmp(mode, "link")) {
		fd = open(real, O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW, 0644);
		if (fd < 0) {
			perror("jit_cfi: secret");
			exit(2);
		}
		header(fd);
		code_load(fd, addr, JIT_CODE_SIZE, "SECRET_FROM_LINK", "", 0);
		close(fd);
		unlink(tmp);
		if (symlink(real, tmp) < 0) {
			perror("jit_cfi: symlink");
			exit(2);
		}
	} else if (mkfifo((unlink(tmp), tmp), 0644) < 0) {
		perror("jit_cfi: mkfifo");
		exit(2);
	}
	if (rename(tmp, path) < 0) {
		perror("jit_cfi: rename");
		exit(2);
	}
}

/* The program of every mode but reuse: 0 if the JIT function ran. Inlined: main calls driver. */
static inline __attribute__((always_inline)) int run(double seconds, const char *mode)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t unwind[128] = { 0 }, *code;
	uint64_t sizes[3] = { 0, 0, 0 };
	size_t hdr, n;
	char path[64];
	void *marker;
	int fd, calls;

	code = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		perror("jit_cfi: mmap");
		return 2;
	}
	jit_code(code, (uint64_t)(uintptr_t)jit_leaf);
	if (mprotect(code, (size_t)page, PROT_READ | PROT_EXEC) < 0) {
		perror("jit_cfi: mprotect");
		return 2;
	}
	snprintf(path, sizeof(path), "/tmp/jit-%d.dump", (int)getpid());
	unlink(path);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW, 0644);
	if (fd < 0) {
		perror("jit_cfi: open");
		return 2;
	}
	header(fd);
	/* how a runtime tells the profiler where its dump is */
	marker = mmap(NULL, (size_t)page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (marker == MAP_FAILED) {
		perror("jit_cfi: mmap of the dump");
		return 2;
	}
	if (!strcmp(mode, "link") || !strcmp(mode, "fifo"))
		swap(path, mode, (uint64_t)(uintptr_t)code);
	if (!strcmp(mode, "lie"))
		lies(fd, (uint64_t)(uintptr_t)code);
	n = jit_unwind(unwind, &hdr);
	sizes[0] = n;
	sizes[1] = hdr;
	unwinding_info(fd, sizes, unwind, n);
	code_load(fd, (uint64_t)(uintptr_t)code, JIT_CODE_SIZE, "jit_hot_function", code,
		  JIT_CODE_SIZE);
	if (!strcmp(mode, "lie"))
		lie_past_file(fd);
	if (!strcmp(mode, "names"))
		names_dump(fd);
	if (!strcmp(mode, "fanout")) {
		fanout_dump(fd, (uint64_t)(uintptr_t)code);
		fanout(path, page);
	}
	/* the dump names and describes the code now: a profiler may attach */
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(mode, "flood")) {
		uint8_t cfi[48] = { 0 };
		uint64_t over[3] = { sizeof(cfi), 24, 0 };

		flood(fd);
		for (calls = 0, n = 0; seconds > 0; seconds -= 0.05, n++) {
			calls += driver((void (*)(void))(uintptr_t)code, seconds < 0.05 ? seconds : 0.05);
			unwinding_info(fd, over, cfi, sizeof(cfi));
			code_load(fd, FLOOD_BASE + 32 * (uint64_t)n + 8, 16, "flood_over", "", 0);
		}
	} else {
		calls = driver((void (*)(void))(uintptr_t)code, seconds);
	}
	printf("%d calls\n", calls);
	munmap(marker, (size_t)page);
	close(fd);
	/* the dump goes with the process: the profiler must have kept what it needs */
	if (!*mode || !strcmp(mode, "lie") || !strcmp(mode, "flood") || !strcmp(mode, "fanout") ||
	    !strcmp(mode, "names"))
		unlink(path);
	return calls > 0 ? 0 : 1;
}

/*
 * A child runs for SECONDS, exits, and a second child that the kernel gives
 * the same pid (ns_last_pid) runs for SECONDS with a dump of its own.
 * Exits 77 if the pid could not be had again.
 */
static inline __attribute__((always_inline)) int reuse(double seconds)
{
	pid_t first = fork(), again = -1;
	int status, tries;

	if (first == 0)
		_exit(run(seconds, ""));
	if (first < 0 || waitpid(first, &status, 0) != first || status)
		return 1;
	for (tries = 0; tries < 20 && again != first; tries++) {
		FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");

		if (!f)
			return 77;
		fprintf(f, "%d", (int)first - 1);
		if (fclose(f))
			return 77;
		again = fork();
		if (again == 0)
			_exit(getpid() == first ? run(seconds, "") : 3);
		if (again < 0 || waitpid(again, &status, 0) != again)
			return 1;
	}
	if (again != first)
		return 77;
	printf("pid %d again\n", (int)first);
	return status ? 1 : 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2;
	const char *mode = argc > 2 ? argv[2] : "";

	return strcmp(mode, "reuse") ? run(seconds, mode) : reuse(seconds);
}
