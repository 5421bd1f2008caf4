/* Unit tests of include/cprof/procfs.h, on fixed lines and on this process. */
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "cprof/procfs.h"

static void parse_ok(const char *text, uint64_t start, uint64_t end, uint64_t pgoff, int exec,
		     const char *path)
{
	char line[512];
	struct proc_map m;

	snprintf(line, sizeof(line), "%s", text);
	memset(&m, 0xa5, sizeof(m));
	if (procfs_parse_maps_line(line, &m))
		fail_msg("refused: \"%s\"", text);
	assert_int_equal(m.start, start);
	assert_int_equal(m.end, end);
	assert_int_equal(m.pgoff, pgoff);
	assert_int_equal(m.exec, exec);
	assert_non_null(m.path);
	assert_string_equal(m.path, path);
	/* borrowed from the line */
	assert_true(m.path >= line && m.path <= line + strlen(text));
}

static void test_parse_maps_lines(void **state)
{
	(void)state;
	parse_ok("55d0c8a00000-55d0c8a2c000 r-xp 00004000 08:02 1835043"
		 "                    /usr/bin/bash\n",
		 0x55d0c8a00000ULL, 0x55d0c8a2c000ULL, 0x4000, 1, "/usr/bin/bash");
	parse_ok("7f3b1c000000-7f3b1c021000 r--p 00000000 fd:01 393232"
		 "                     /usr/lib/x86_64-linux-gnu/libc.so.6",
		 0x7f3b1c000000ULL, 0x7f3b1c021000ULL, 0, 0, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	/* spaces inside the path are part of it */
	parse_ok("7f0000001000-7f0000002000 r-xp 00001000 00:2a 77     /tmp/my dir/lib x.so\n",
		 0x7f0000001000ULL, 0x7f0000002000ULL, 0x1000, 1, "/tmp/my dir/lib x.so");
	/* a deleted file keeps its marker: the caller decides what it means */
	parse_ok("7f0000003000-7f0000004000 r-xp 00000000 08:02 4242 /opt/app/bin/old (deleted)\n",
		 0x7f0000003000ULL, 0x7f0000004000ULL, 0, 1, "/opt/app/bin/old (deleted)");
	/* anonymous, with and without the kernel's padding */
	parse_ok("7f0000005000-7f0000009000 rw-p 00000000 00:00 0 \n",
		 0x7f0000005000ULL, 0x7f0000009000ULL, 0, 0, "");
	parse_ok("7f0000005000-7f0000009000 rwxp 00000000 00:00 0",
		 0x7f0000005000ULL, 0x7f0000009000ULL, 0, 1, "");
	parse_ok("7ffc8a5f0000-7ffc8a5f2000 r-xp 00000000 00:00 0                          [vdso]\n",
		 0x7ffc8a5f0000ULL, 0x7ffc8a5f2000ULL, 0, 1, "[vdso]");
	parse_ok("7ffc8a4b2000-7ffc8a4d3000 rw-p 00000000 00:00 0                          [stack]\n",
		 0x7ffc8a4b2000ULL, 0x7ffc8a4d3000ULL, 0, 0, "[stack]");
	parse_ok("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n",
		 0xffffffffff600000ULL, 0xffffffffff601000ULL, 0, 1, "[vsyscall]");
	/* a shared mapping, large offset and inode, hex device numbers */
	parse_ok("7f0000000000-7f0000100000 r-xs 1fffff000 103:0a 123456789012 /dev/shm/jit\n",
		 0x7f0000000000ULL, 0x7f0000100000ULL, 0x1fffff000ULL, 1, "/dev/shm/jit");
}

static void test_parse_maps_newline_overwritten(void **state)
{
	char line[] = "1000-2000 r-xp 00000000 08:02 12 /bin/x\n";
	struct proc_map m;

	(void)state;
	assert_int_equal(procfs_parse_maps_line(line, &m), 0);
	assert_string_equal(m.path, "/bin/x");
	assert_null(strchr(line, '\n'));
}

static void test_parse_maps_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"\n",
		"hello world",
		"55d0c8a00000",
		"55d0c8a00000-55d0c8a2c000",
		"55d0c8a00000-55d0c8a2c000 r-xp",
		"55d0c8a00000-55d0c8a2c000 r-xp 00004000",
		"55d0c8a00000-55d0c8a2c000 r-xp 00004000 08:02",
		"55d0c8a00000 55d0c8a2c000 r-xp 00004000 08:02 1835043 /usr/bin/bash",
		"zzzz-55d0c8a2c000 r-xp 00004000 08:02 1835043 /usr/bin/bash",
		"55d0c8a00000-55d0c8a2c000 r-xp zz 08:02 1835043 /usr/bin/bash",
		"55d0c8a00000-55d0c8a2c000 r-xp 00004000 08:02 inode /usr/bin/bash",
		/* end before start */
		"55d0c8a2c000-55d0c8a00000 r-xp 00004000 08:02 1835043 /usr/bin/bash",
	};
	char line[256];
	struct proc_map m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err;

		snprintf(line, sizeof(line), "%s", bad[i]);
		err = procfs_parse_maps_line(line, &m);
		if (err != -EINVAL)
			fail_msg("\"%s\": %d, want -EINVAL", bad[i], err);
	}
}

/* Permissions are always four characters: anything shorter is malformed. */
static void test_parse_maps_short_perms(void **state)
{
	static const char *bad[] = {
		"1000-2000 r 00000000 08:02 12 /bin/x",
		"1000-2000 rw 00000000 08:02 12 /bin/x",
		"1000-2000 r-x 00000000 08:02 12 /bin/x",
	};
	char line[256];
	struct proc_map m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err;

		snprintf(line, sizeof(line), "%s", bad[i]);
		err = procfs_parse_maps_line(line, &m);
		if (err != -EINVAL)
			fail_msg("\"%s\": %d, want -EINVAL", bad[i], err);
	}
}

struct find_self {
	char exe[PATH_MAX];
	uintptr_t code;          /* an address in this program's text */
	int maps, found, anon_or_special;
};

static int on_map(const struct proc_map *m, void *arg)
{
	struct find_self *f = arg;

	f->maps++;
	assert_true(m->start < m->end);
	if (!m->path[0] || m->path[0] == '[')
		f->anon_or_special++;
	if (m->start <= f->code && f->code < m->end) {
		assert_int_equal(m->exec, 1);
		assert_string_equal(m->path, f->exe);
		f->found++;
	}
	return 0;
}

static int stop_at_third(const struct proc_map *m, void *arg)
{
	int *n = arg;

	(void)m;
	return ++*n == 3 ? 42 : 0;
}

static void test_for_each_map_self(void **state)
{
	struct find_self f = { .code = (uintptr_t)&test_for_each_map_self };
	ssize_t n;
	int calls = 0;

	(void)state;
	n = readlink("/proc/self/exe", f.exe, sizeof(f.exe) - 1);
	assert_true(n > 0);
	f.exe[n] = '\0';
	assert_int_equal(procfs_for_each_map(getpid(), on_map, &f), 0);
	assert_true(f.maps >= 5);
	assert_int_equal(f.found, 1);
	assert_true(f.anon_or_special >= 1); /* [stack] at least */

	/* a nonzero result stops the walk and is handed back */
	assert_int_equal(procfs_for_each_map(getpid(), stop_at_third, &calls), 42);
	assert_int_equal(calls, 3);
}

struct tids {
	pid_t want[2];
	int seen[2], calls;
};

static int on_task(pid_t tid, void *arg)
{
	struct tids *t = arg;

	t->calls++;
	for (int i = 0; i < 2; i++)
		if (tid == t->want[i])
			t->seen[i]++;
	return 0;
}

static int stop_at_first(pid_t tid, void *arg)
{
	(void)tid;
	(void)arg;
	return -7;
}

struct worker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pid_t tid;
	int done;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->lock);
	w->tid = gettid();
	pthread_cond_broadcast(&w->cond);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Threads of this process, counted without procfs.h. */
static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_for_each_task_self(void **state)
{
	struct worker w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	struct tids t = { 0 };
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, worker_main, &w), 0);
	pthread_mutex_lock(&w.lock);
	while (!w.tid)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);

	t.want[0] = getpid();
	t.want[1] = w.tid;
	assert_int_equal(procfs_for_each_task(getpid(), on_task, &t), 0);
	assert_int_equal(t.seen[0], 1);
	assert_int_equal(t.seen[1], 1);
	assert_int_equal(t.calls, count_tasks()); /* no more, no less */
	assert_int_equal(procfs_for_each_task(getpid(), stop_at_first, NULL), -7);

	pthread_mutex_lock(&w.lock);
	w.done = 1;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	assert_int_equal(pthread_join(th, NULL), 0);
}

static void test_read_comm(void **state)
{
	char old[16], buf[64];

	(void)state;
	assert_int_equal(prctl(PR_GET_NAME, old), 0);
	assert_int_equal(prctl(PR_SET_NAME, "cprof unit(t)"), 0);
	assert_int_equal(procfs_read_comm(getpid(), gettid(), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cprof unit(t)");
	/* a short buffer keeps what fits, terminated */
	assert_int_equal(procfs_read_comm(getpid(), gettid(), buf, 6), 0);
	assert_string_equal(buf, "cprof");
	assert_int_equal(prctl(PR_SET_NAME, old), 0);
}

/* A child that has exited and been reaped; its pid is free again. */
static pid_t reaped_child(void)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return pid;
}

static void test_alive(void **state)
{
	pid_t pid;
	siginfo_t si;
	char buf[64];

	(void)state;
	assert_int_equal(procfs_alive(getpid()), 1);

	pid = reaped_child();
	assert_int_equal(procfs_alive(pid), 0);
	assert_int_equal(procfs_for_each_map(pid, stop_at_third, &(int){ 0 }), -ESRCH);
	assert_int_equal(procfs_for_each_task(pid, stop_at_first, NULL), -ESRCH);
	assert_int_equal(procfs_read_comm(pid, pid, buf, sizeof(buf)), -ESRCH);

	/* a zombie: exited, not yet reaped */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(3);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(si.si_pid, pid);
	assert_int_equal(procfs_alive(pid), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(procfs_alive(pid), 0);
}

struct forker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int *fds;                /* the child waits until this pipe's write end is closed */
	pid_t child;
	int done;
};

/* Fork a child that waits until the write end of pipe FDS is closed; returns its pid. */
static pid_t waiting_child(const int *fds)
{
	pid_t pid = fork();
	char c;

	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	return pid;
}

/* A thread that forks a child (its parent is this thread) and lives until told. */
static void *forker_main(void *arg)
{
	struct forker *f = arg;
	pid_t pid = waiting_child(f->fds);

	pthread_mutex_lock(&f->lock);
	f->child = pid;
	pthread_cond_broadcast(&f->cond);
	while (!f->done)
		pthread_cond_wait(&f->cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static void test_children(void **state)
{
	struct forker f = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0 };
	pid_t pids[8], mine;
	pthread_t th;
	size_t n = 99;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	f.fds = fds;
	mine = waiting_child(fds);
	/* a child of another thread is in that thread's list, not the main one's */
	assert_int_equal(pthread_create(&th, NULL, forker_main, &f), 0);
	pthread_mutex_lock(&f.lock);
	while (!f.child)
		pthread_cond_wait(&f.cond, &f.lock);
	pthread_mutex_unlock(&f.lock);

	assert_int_equal(procfs_children(getpid(), pids, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_true((pids[0] == mine && pids[1] == f.child) ||
		    (pids[1] == mine && pids[0] == f.child));
	/* more than asked for: the first MAX, and -E2BIG */
	assert_int_equal(procfs_children(getpid(), pids, 1, &n), -E2BIG);
	assert_int_equal(n, 1);
	assert_true(pids[0] == mine || pids[0] == f.child);
	assert_int_equal(procfs_children(getpid(), pids, 0, &n), -E2BIG);
	assert_int_equal(n, 0);
	/* a child has none */
	assert_int_equal(procfs_children(mine, pids, 8, &n), 0);
	assert_int_equal(n, 0);

	close(fds[1]);
	assert_int_equal(waitpid(mine, NULL, 0), mine);
	assert_int_equal(waitpid(f.child, NULL, 0), f.child);
	assert_int_equal(procfs_children(getpid(), pids, 8, &n), 0);
	assert_int_equal(n, 0);
	/* gone */
	assert_int_equal(procfs_children(mine, pids, 8, &n), -ESRCH);
	assert_int_equal(n, 0);

	pthread_mutex_lock(&f.lock);
	f.done = 1;
	pthread_cond_broadcast(&f.cond);
	pthread_mutex_unlock(&f.lock);
	assert_int_equal(pthread_join(th, NULL), 0);
	close(fds[0]);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_cpu(void **state)
{
	uint64_t cpu0, start0, cpu, start, deadline;
	struct procfs_proc p;
	volatile uint64_t x = 1;

	(void)state;
	assert_int_equal(procfs_cpu(getpid(), &cpu0, &start0), 0);
	assert_int_equal(procfs_proc_open(getpid(), &p), 0);
	assert_true(p.start == start0); /* the same start field */
	procfs_proc_release(&p);
	/* spin until the CPU time grows (it counts in clock ticks), 10 s at most */
	deadline = mono_ns() + 10000000000ULL;
	do {
		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005ULL + 1;
		assert_int_equal(procfs_cpu(getpid(), &cpu, &start), 0);
	} while (cpu == cpu0 && mono_ns() < deadline);
	assert_true(cpu > cpu0);
	assert_true(start == start0);
	assert_int_equal(procfs_cpu(reaped_child(), &cpu, &start), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_maps_lines),
		cmocka_unit_test(test_parse_maps_newline_overwritten),
		cmocka_unit_test(test_parse_maps_malformed),
		cmocka_unit_test(test_parse_maps_short_perms),
		cmocka_unit_test(test_for_each_map_self),
		cmocka_unit_test(test_for_each_task_self),
		cmocka_unit_test(test_read_comm),
		cmocka_unit_test(test_alive),
		cmocka_unit_test(test_children),
		cmocka_unit_test(test_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
