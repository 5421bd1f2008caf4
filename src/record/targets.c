#include "cprof/targets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cprof/sampler.h"
#include "cprof/util.h"

static int fail(struct targets *t, enum record_stage stage, pid_t pid, int err)
{
	t->res->stage = stage;
	t->res->failed_pid = pid;
	return err;
}

int targets_init(struct targets *t, struct record_result *res)
{
	memset(t, 0, sizeof(*t));
	t->res = res;
	return pairmap_new(&t->alive);
}

void targets_release(struct targets *t)
{
	pairmap_free(t->alive);
	t->alive = NULL;
}

/* ---- attaching to running processes ---- */

struct attach_ctx {
	const struct target_hooks *h;
	pid_t pid;
};

static int attach_task(pid_t tid, void *arg)
{
	struct attach_ctx *a = arg;

	return a->h->thread(a->pid, tid, a->h->arg);
}

static int attach_map(const struct proc_map *m, void *arg)
{
	struct attach_ctx *a = arg;

	return a->h->map(a->pid, m, a->h->arg);
}

/*
 * A /proc walk's error, with the stage that names it for the user, unless
 * the walk's callback named it already (a refused perf_event_open is
 * EACCES too, and is not /proc's).
 */
static int proc_error(struct targets *t, pid_t pid, int err)
{
	if (err && t->res->stage != STAGE_NONE)
		return err;
	if (err == -ESRCH)
		return fail(t, STAGE_TARGET, pid, err);
	if (err == -EACCES || err == -EPERM)
		return fail(t, STAGE_PROC, pid, err);
	return err;
}

int targets_attach(struct targets *t, const pid_t *pids, size_t n, const struct target_hooks *h)
{
	size_t i;
	int err;

	/*
	 * Events first, then the mappings: a library mapped in between shows
	 * in /proc and as an MMAP2 record (the same mapping twice is
	 * harmless), none is missed. Samples are read only after this.
	 */
	for (i = 0; i < n; i++) {
		struct attach_ctx a = { h, pids[i] };

		if (!procfs_alive(a.pid))
			return fail(t, STAGE_TARGET, a.pid, -ESRCH);
		if (!pairmap_slot(t->alive, a.pid, 0, 1))
			return -ENOMEM;
		err = proc_error(t, a.pid, procfs_for_each_task(a.pid, attach_task, &a));
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		struct attach_ctx a = { h, pids[i] };

		err = proc_error(t, a.pid, procfs_for_each_map(a.pid, attach_map, &a));
		if (err)
			return err;
	}
	/*
	 * A thread born between the scan and the opening of its creator's
	 * event was missed; one born after it was announced by a FORK record.
	 * Read the FORKs, then scan once more for the missed ones.
	 */
	err = h->drain(h->arg);
	for (i = 0; !err && i < n; i++) {
		struct attach_ctx a = { h, pids[i] };

		err = procfs_for_each_task(a.pid, attach_task, &a);
		if (err == -ESRCH)
			err = 0; /* exited already: the main loop notices */
	}
	return err;
}

/* ---- launching a command ---- */

/*
 * Ask the runtimes a launched command may start to describe their JIT
 * code to profilers: CPython 3.12+ its perf trampolines (a perf map),
 * Node its perf map. Older runtimes and other programs ignore these.
 * Runs in the child, between fork and exec.
 */
/* Append WORD to the environment variable NAME (space-separated) unless it holds it. */
static void env_append(const char *name, const char *word)
{
	const char *old = getenv(name);
	char val[4096];

	if (old && strstr(old, word))
		return;
	snprintf(val, sizeof(val), "%s%s%s", old ? old : "", old && *old ? " " : "", word);
	setenv(name, val, 1);
}

static void jit_support_env(void)
{
	setenv("PYTHONPERFSUPPORT", "1", 0);
	env_append("NODE_OPTIONS", "--perf-basic-prof");
	/* a JVM writes its perf map as it exits (JDK 17+; older ones ignore it) */
	env_append("JAVA_TOOL_OPTIONS", "-XX:+IgnoreUnrecognizedVMOptions "
		   "-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit");
}

int targets_launch(struct targets *t, char *const *argv, int jit_support, struct sampler *s)
{
	int go[2], status[2], err, child_err = 0;
	pid_t parent = getpid();
	ssize_t n;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(status, O_CLOEXEC) < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	/* what the command leaves behind becomes ours when its parent exits */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	t->child = fork();
	if (t->child < 0) {
		err = -errno;
		goto out;
	}
	if (t->child == 0) {
		char c;

		/* die with cprof, even SIGKILLed; if it died before this, go now */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		close(go[1]);
		close(status[0]);
		/* wait until the events are open: an exec starts the sampling */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		if (jit_support)
			jit_support_env();
		execvp(argv[0], argv);
		err = errno;
		if (write(status[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	go[0] = -1;
	close(status[1]);
	status[1] = -1;
	if (!pairmap_slot(t->alive, t->child, 0, 1)) {
		err = -ENOMEM;
		goto out;
	}
	err = sampler_add_thread(s, t->child);
	if (err) {
		kill(t->child, SIGKILL);
		waitpid(t->child, NULL, 0);
		t->child_done = 1;
		fail(t, STAGE_PERF, t->child, err);
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		err = -errno;
		goto out;
	}
	close(go[1]);
	go[1] = -1;
	n = read(status[0], &child_err, sizeof(child_err));
	if (n == sizeof(child_err)) {
		waitpid(t->child, NULL, 0);
		t->child_done = 1;
		err = fail(t, STAGE_LAUNCH, t->child, -child_err);
	}
out:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	close(status[0]);
	if (status[1] >= 0)
		close(status[1]);
	return err;
}

/* Ask a launched command that outlived the recording to stop, then reap it. */
static void reap_child(struct targets *t)
{
	int status, i;

	if (t->child <= 0 || t->child_done)
		return;
	kill(t->child, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(t->child, &status, WNOHANG) == t->child) {
			t->res->child_status = status;
			return;
		}
		usleep(10000);
	}
	kill(t->child, SIGKILL);
	if (waitpid(t->child, &status, 0) == t->child)
		t->res->child_status = status;
}

/*
 * Pids of cprof's children (the launched command's orphans, once cprof is
 * their subreaper) into PIDS, at most MAX; returns how many.
 */
static size_t own_children(pid_t *pids, size_t max)
{
	char path[64];
	size_t n = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	while (d && (e = readdir(d)) && n < max) {
		FILE *f;
		long pid;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		while (n < max && fscanf(f, "%ld", &pid) == 1)
			if (pid > 0)
				pids[n++] = (pid_t)pid;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * What the launched command left running when it ended (a background job,
 * a daemon it started): cprof was made their subreaper before the launch,
 * so they became its children as their parents exited. Ask them to stop,
 * give them 2 s, kill what is left, reap them all; returns how many there
 * were. (A SIGKILLed cprof cannot: PDEATHSIG reaches the command only.)
 */
static unsigned reap_descendants(void)
{
	pid_t pids[256];
	unsigned stopped = 0;
	size_t n, i;
	int round;

	for (round = 0; round < 300 && (n = own_children(pids, 256)); round++) {
		/* every 200 ms a TERM to each (a new orphan too), a KILL after 2 s */
		int sig = round >= 200 ? SIGKILL : round % 20 == 0 ? SIGTERM : 0;

		for (i = 0; sig && i < n; i++)
			kill(pids[i], sig);
		usleep(10000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			stopped++;
	}
	return stopped;
}

int targets_alive(struct targets *t)
{
	size_t pos = 0;
	uint64_t pid, zero, alive;
	int any = 0;

	if (t->child > 0) {
		int status;

		if (!t->child_done && waitpid(t->child, &status, WNOHANG) == t->child) {
			t->child_done = 1;
			t->res->child_status = status;
		}
		return !t->child_done;
	}
	while (pairmap_next(t->alive, &pos, &pid, &zero, &alive)) {
		if (alive && !procfs_alive((pid_t)pid))
			pairmap_put(t->alive, pid, 0, 0);
		else if (alive)
			any = 1;
	}
	return any;
}

void targets_exited(struct targets *t, pid_t pid)
{
	uint64_t alive;

	if (pairmap_get(t->alive, (uint64_t)pid, 0, &alive))
		pairmap_put(t->alive, (uint64_t)pid, 0, 0);
}

void targets_reap(struct targets *t)
{
	reap_child(t);
	if (t->child > 0)
		t->res->leftovers = reap_descendants();
}
