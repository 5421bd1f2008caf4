#include "cprof/targets.h"

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
	pairmap_free(t->before);
	free(t->attached);
	memset(t, 0, sizeof(*t));
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

/* PID into the list of attached processes. */
static int note_attached(struct targets *t, pid_t pid)
{
	if (array_reserve(&t->attached, &t->cap, t->nattached + 1, sizeof(*t->attached)))
		return -ENOMEM;
	t->attached[t->nattached++] = pid;
	return 0;
}

/* Called for each descendant a walk finds, before its children are read. */
typedef int (*visit_fn)(struct targets *t, pid_t pid, pid_t target, void *arg);

/*
 * Breadth first through the descendants of TARGET in /proc, VISITing each
 * before its children are read: a child forked after its parent was
 * attached is sampled by inheritance, one forked before is in the list
 * read after. SEEN holds (pid, 0) for the processes visited already (by
 * this walk or earlier ones), and gets those this one visits; none is
 * visited twice, so a pid reused mid-walk cannot make a cycle. Bounded by
 * TARGETS_DEPTH and t->walked < TARGETS_DESCENDANTS; past them, t->res->
 * children_cut. A process gone mid-walk is passed over.
 */
static int walk_descendants(struct targets *t, pid_t target, struct pairmap *seen, visit_fn visit,
			    void *arg)
{
	struct level { pid_t pid; unsigned depth; } *queue = NULL;
	pid_t kids[256];
	size_t head = 0, len = 0, cap = 0, nk, i;
	uint64_t v;
	int err = 0, e;

	if (array_reserve(&queue, &cap, 1, sizeof(*queue)))
		return -ENOMEM;
	queue[len++] = (struct level){ target, 0 };
	while (!err && head < len) {
		struct level l = queue[head++];

		e = procfs_children(l.pid, kids, sizeof(kids) / sizeof(kids[0]), &nk);
		if (e == -E2BIG || (nk && l.depth >= TARGETS_DEPTH))
			t->res->children_cut++;
		if ((e && e != -E2BIG) || l.depth >= TARGETS_DEPTH)
			continue; /* gone meanwhile, or too deep */
		for (i = 0; !err && i < nk; i++) {
			if (pairmap_get(seen, (uint64_t)kids[i], 0, &v))
				continue;
			if (t->walked >= TARGETS_DESCENDANTS) {
				t->res->children_cut++;
				break;
			}
			t->walked++;
			if (pairmap_put(seen, (uint64_t)kids[i], 0, 1) ||
			    array_reserve(&queue, &cap, len + 1, sizeof(*queue))) {
				err = -ENOMEM;
				break;
			}
			err = visit(t, kids[i], target, arg);
			queue[len++] = (struct level){ kids[i], l.depth + 1 };
		}
	}
	free(queue);
	return err;
}

/*
 * A descendant's error: gone is fine (the walk found it, it ended), not
 * ours to sample is counted and passed over (it is then no target: its
 * end does not keep the recording going), the rest stops.
 */
static int descendant_error(struct targets *t, pid_t pid, int err)
{
	if (err == -ESRCH)
		return 0;
	if (err == -EACCES || err == -EPERM) {
		t->res->children_refused++;
		t->res->stage = STAGE_NONE; /* the hook named it: not the recording's failure */
		t->res->failed_pid = 0;
		return pairmap_put(t->alive, (uint64_t)pid, 0, 0);
	}
	return proc_error(t, pid, err);
}

/* A walk's visit with children: sample every thread of PID (its alive entry is the walk's). */
static int attach_descendant(struct targets *t, pid_t pid, pid_t target, void *arg)
{
	struct attach_ctx a = { arg, pid };
	int err;

	(void)target;
	err = procfs_for_each_task(pid, attach_task, &a);
	if (!err)
		err = note_attached(t, pid);
	return descendant_error(t, pid, err);
}

/* The mappings of the descendants attached from FIRST on. */
static int descendant_maps(struct targets *t, size_t first, const struct target_hooks *h)
{
	size_t i;
	int err = 0;

	for (i = first; !err && i < t->nattached; i++) {
		struct attach_ctx a = { h, t->attached[i] };

		err = descendant_error(t, a.pid, procfs_for_each_map(a.pid, attach_map, &a));
	}
	return err;
}

/* Note PID's CPU time and start (pairmap t->before); a process gone is passed over. */
static int note_before(struct targets *t, pid_t pid, pid_t target, void *arg)
{
	uint64_t cpu, start;

	(void)arg;
	if (procfs_cpu(pid, &cpu, &start))
		return 0;
	if (pairmap_put(t->before, (uint64_t)pid, 1, cpu) ||
	    pairmap_put(t->before, (uint64_t)pid, 2, start) ||
	    (pid != target && pairmap_put(t->before, (uint64_t)pid, 3, (uint64_t)target)))
		return -ENOMEM;
	return 0;
}

/*
 * Without children: the CPU time of the targets and their descendants
 * now, to name at the end a busy descendant that was not sampled.
 */
static int note_descendants(struct targets *t, const pid_t *pids, size_t n)
{
	size_t i;
	int err = 0;

	if ((err = pairmap_new(&t->before)))
		return err;
	for (i = 0; !err && i < n; i++)
		if (pairmap_put(t->before, (uint64_t)pids[i], 0, 1))
			err = -ENOMEM;
	for (i = 0; !err && i < n; i++)
		err = note_before(t, pids[i], pids[i], NULL);
	for (i = 0; !err && i < n; i++)
		err = walk_descendants(t, pids[i], t->before, note_before, NULL);
	t->res->children_cut = 0; /* nothing was to be sampled */
	return err;
}

int targets_attach(struct targets *t, const pid_t *pids, size_t n, int children,
		   const struct target_hooks *h)
{
	size_t i, first;
	int err;

	t->children = children;
	/*
	 * Events first, then the mappings: a library mapped in between shows
	 * in /proc and as an MMAP2 record (the same mapping twice is
	 * harmless), none is missed. Samples are read only after this.
	 */
	for (i = 0; i < n; i++) {
		struct attach_ctx a = { h, pids[i] };

		if (!procfs_alive(a.pid))
			return fail(t, STAGE_TARGET, a.pid, -ESRCH);
		if (!pairmap_slot(t->alive, a.pid, 0, 1) || note_attached(t, a.pid))
			return -ENOMEM;
		err = proc_error(t, a.pid, procfs_for_each_task(a.pid, attach_task, &a));
		if (err)
			return err;
	}
	for (i = 0; children && i < n; i++)
		if ((err = walk_descendants(t, pids[i], t->alive, attach_descendant, (void *)h)))
			return err;
	for (i = 0; i < n; i++) {
		struct attach_ctx a = { h, pids[i] };

		err = proc_error(t, a.pid, procfs_for_each_map(a.pid, attach_map, &a));
		if (err)
			return err;
	}
	if ((err = descendant_maps(t, n, h)))
		return err;
	/*
	 * A thread born between the scan and the opening of its creator's
	 * event was missed; one born after it was announced by a FORK record.
	 * Read the FORKs, then scan once more for the missed ones: threads,
	 * and with children the processes forked as their parent was attached.
	 */
	err = h->drain(h->arg);
	for (i = 0; !err && i < t->nattached; i++) {
		struct attach_ctx a = { h, t->attached[i] };

		err = procfs_for_each_task(a.pid, attach_task, &a);
		if (err == -ESRCH)
			err = 0; /* exited already: the main loop notices */
	}
	first = t->nattached;
	for (i = 0; !err && children && i < n; i++)
		err = walk_descendants(t, pids[i], t->alive, attach_descendant, (void *)h);
	if (!err)
		err = descendant_maps(t, first, h);
	if (!err && !children)
		err = note_descendants(t, pids, n);
	t->attach_end = now_ns(CLOCK_MONOTONIC);
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
	int round, err, sig;

	/* (more than 256 at once: the rest in the next rounds) */
	for (round = 0; round < 300; round++) {
		err = procfs_children(getpid(), pids, 256, &n);
		if ((err && err != -E2BIG) || !n)
			break;
		/* every 200 ms a TERM to each (a new orphan too), a KILL after 2 s */
		sig = round >= 200 ? SIGKILL : round % 20 == 0 ? SIGTERM : 0;

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

/* Process PID's name, printable, into BUF[16] ("?" if gone). */
static void comm_of(pid_t pid, char *buf)
{
	if (procfs_read_comm(pid, pid, buf, 16))
		snprintf(buf, 16, "?");
	buf[str_printable(buf, strlen(buf))] = '\0';
}

/*
 * CPU ns PID used since the attach into *USED: 0, or -ESRCH when it is
 * gone or its pid names another process now.
 */
static int used_since(const struct targets *t, pid_t pid, uint64_t *used)
{
	uint64_t cpu0, start0, cpu, start;

	if (!pairmap_get(t->before, (uint64_t)pid, 1, &cpu0) ||
	    !pairmap_get(t->before, (uint64_t)pid, 2, &start0) || procfs_cpu(pid, &cpu, &start) ||
	    start != start0 || cpu < cpu0)
		return -ESRCH;
	*used = cpu - cpu0;
	return 0;
}

/*
 * Attached without children: the busiest descendant (of those running at
 * the attach, none sampled) that used a tenth of a CPU or more over the
 * recording, and ten times its target's CPU time or more.
 */
static void busy_descendant(struct targets *t)
{
	uint64_t wall = now_ns(CLOCK_MONOTONIC) - t->attach_end, pid, key, target, used, tused;
	struct record_result *res = t->res;
	size_t pos = 0;

	while (pairmap_next(t->before, &pos, &pid, &key, &target)) {
		if (key != 3 || used_since(t, (pid_t)pid, &used) || used < wall / 10 ||
		    used <= res->busy_ns || used_since(t, (pid_t)target, &tused) ||
		    tused > used / 10)
			continue;
		res->busy_pid = (pid_t)pid;
		res->busy_target = (pid_t)target;
		res->busy_ns = used;
		res->busy_target_ns = tused;
	}
	if (!res->busy_pid)
		return;
	comm_of(res->busy_pid, res->busy_comm);
	comm_of(res->busy_target, res->busy_target_comm);
}

void targets_reap(struct targets *t)
{
	reap_child(t);
	if (t->child > 0)
		t->res->leftovers = reap_descendants();
	else if (t->before)
		busy_descendant(t);
}
