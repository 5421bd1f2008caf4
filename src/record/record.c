#include "cprof/record.h"

#include <asm/perf_regs.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cprof/addrsyms.h"
#include "cprof/binsource.h"
#include "cprof/datafile.h"
#include "cprof/elffile.h"
#include "cprof/jitfollow.h"
#include "cprof/offcpu.h"
#include "cprof/procfs.h"
#include "cprof/safefile.h"
#include "cprof/sink.h"
#include "cprof/stacktab.h"
#include "cprof/unwind.h"
#include "cprof/util.h"
#include "cprof/vdso.h"

#define MAX_FRAMES 2048

struct build_id {
	unsigned char id[DF_BUILD_ID_MAX];
	uint32_t len;
};

struct recorder {
	const struct record_opts *opts;
	struct record_result *res;
	struct df_writer *df;         /* the data file, if opts->output */
	struct datafile_sink df_sink;
	struct tee_sink tee;
	struct sink *out;             /* every record goes here; NULL once discarded */
	struct sampler *sampler;
	struct stacktab *stacks;
	struct unwinder *unwinder;   /* dwarf mode only */
	struct offcpu *offcpu;       /* --off-cpu only */
	uint32_t empty_stack;        /* --off-cpu: id of the empty chain, UINT32_MAX until written */
	struct pairmap *tids;        /* tid -> pid, every thread seen */
	struct pairmap *pids;        /* pid -> 1, every process seen */
	struct pairmap *targets;     /* pid -> 1 while alive */
	struct pairmap *forked;      /* tid -> 1, threads announced by FORK */
	struct pairmap *exited;      /* pid -> 1, processes to forget after a drain (0: born again) */
	struct pairmap *direct;      /* tid -> 1, threads we opened events for */
	struct strtab *paths;        /* build-id cache, by path */
	struct build_id *ids;
	uint32_t nids;
	size_t capids;
	pid_t child;
	int child_done;
	int vdso_fd;
	char vdso_path[64];          /* our vDSO image: its build-id is every process's */
	struct jitfollow *jits;      /* the jitdumps the processes map */
	uint64_t perfmap_read;       /* bytes of perf maps read, of RECORD_PERFMAP_TOTAL */
	uint64_t chain[MAX_FRAMES];
};

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

static int fail(struct recorder *r, enum record_stage stage, pid_t pid, int err)
{
	r->res->stage = stage;
	r->res->failed_pid = pid;
	return err;
}

/* Build-id of the file at PATH, read once per path (the kernel gives it in
 * MMAP2 events on 5.12+; /proc synthesised mappings need this). */
static const struct build_id *file_build_id(struct recorder *r, const char *path)
{
	struct elffile *ef;
	const unsigned char *id;
	uint32_t idx;
	size_t len;

	if (strtab_intern(r->paths, path, strlen(path), &idx))
		return NULL;
	if (idx < r->nids)
		return &r->ids[idx];
	if (array_reserve(&r->ids, &r->capids, (size_t)idx + 1, sizeof(*r->ids)))
		return NULL;
	r->nids = idx + 1; /* ids between are zero: "no build-id" */
	/* our own vDSO copy as it is; the target's files by binsource's rules */
	if (path[0] == '/' &&
	    !(strcmp(path, r->vdso_path) ? binsource_elf(path, &ef) : elffile_open(path, &ef))) {
		len = elffile_build_id(ef, &id);
		if (len <= DF_BUILD_ID_MAX) {
			memcpy(r->ids[idx].id, id, len);
			r->ids[idx].len = (uint32_t)len;
		}
		elffile_free(ef);
	}
	return &r->ids[idx];
}

static int note_thread(struct recorder *r, uint32_t pid, uint32_t tid)
{
	if (!pairmap_slot(r->tids, tid, 0, pid) || !pairmap_slot(r->pids, pid, 0, 1))
		return -ENOMEM;
	return 0;
}

static int write_mmap(struct recorder *r, uint32_t pid, uint32_t tid, uint64_t time,
		      uint64_t start, uint64_t len, uint64_t pgoff, const char *path,
		      const unsigned char *bid, uint32_t bid_len)
{
	struct df_record rec = { .type = DF_MMAP };
	char host[4200] = "";
	const char *file = path;
	int err;

	size_t plen = strlen(path);

	/* a file deleted (upgraded) since it was mapped: the mapping still has it */
	if (path[0] == '/' && plen > 10 && !strcmp(path + plen - 10, " (deleted)")) {
		snprintf(host, sizeof(host), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid, start,
			 start + len);
		file = host;
		if (access(host, R_OK)) {
			host[0] = '\0';
			file = path;
		}
	/* a process in a container or chroot: its files are under its root */
	} else if (path[0] == '/' && !procfs_same_root((pid_t)pid)) {
		snprintf(host, sizeof(host), "/proc/%u/root%s", pid, path);
		file = host;
		/* mapped before a chroot() we only see now: the path is ours */
		if (access(host, R_OK)) {
			host[0] = '\0';
			file = path;
		}
	} else if (!strcmp(path, "[vdso]")) {
		file = r->vdso_path;
	}
	if (!bid_len) {
		const struct build_id *b = file_build_id(r, file);

		if (b) {
			bid = b->id;
			bid_len = b->len;
		}
	}
	/* keep a copy: the container's file is gone when its process is */
	if (host[0] && bid_len)
		binsource_store(host, bid, bid_len);
	rec.mmap = (struct df_mmap){ .pid = pid, .tid = tid, .time = time, .start = start,
				     .len = len, .pgoff = pgoff, .build_id_size = bid_len,
				     .path = path, .host_path = host };
	if (bid_len)
		memcpy(rec.mmap.build_id, bid, bid_len);
	if (r->unwinder) {
		/* the file as we can read it: under the process's root, our vDSO copy */
		err = unwinder_map(r->unwinder, pid, start, len, pgoff, file);
		if (err == -ENOMEM)
			return err;
	}
	/* a runtime maps its jitdump for the profiler to find, as perf does */
	if (file[0] == '/' && jitfollow_is_dump(path) && (err = jitfollow_add(r->jits, (pid_t)pid, file)))
		return err;
	return sink_write(r->out, &rec);
}

/* The id of chain CHAIN[0..N) cut short for WHY, its STACK record written when new. */
static int intern_stack(struct recorder *r, size_t n, enum df_trunc why, uint32_t *id)
{
	int is_new, err = stacktab_intern(r->stacks, r->chain, n, id, &is_new);

	if (err || !is_new)
		return err;
	struct df_record st = { .type = DF_STACK };

	st.stack = (struct df_stack){ .id = *id, .trunc = why, .n = (uint32_t)n, .ips = r->chain };
	return sink_write(r->out, &st);
}

/* A closed off-CPU interval; one whose stack was lost gets the empty chain. */
static int write_wsample(const struct df_wsample *w, void *arg)
{
	struct recorder *r = arg;
	struct df_record rec = { .type = DF_WSAMPLE };
	int err;

	rec.wsample = *w;
	if (w->stack_id == OFFCPU_NO_STACK) {
		if (r->empty_stack == UINT32_MAX && (err = intern_stack(r, 0, DF_TRUNC_NONE,
								      &r->empty_stack)))
			return err;
		rec.wsample.stack_id = r->empty_stack;
	}
	if (w->kind == DF_WS_OFFCPU)
		r->res->blocked_ns += w->value;
	else
		r->res->runq_ns += w->value;
	return sink_write(r->out, &rec);
}

static int on_switch(struct recorder *r, const struct event_switch *sw)
{
	struct df_wsample w;
	int got;

	if (sw->out)
		return offcpu_out(r->offcpu, sw->pid, sw->tid, sw->time, sw->preempt);
	got = offcpu_in(r->offcpu, sw->tid, sw->cpu, sw->time, &w);
	return got > 0 ? write_wsample(&w, r) : got;
}

static int on_sample(struct recorder *r, const struct event_sample *s)
{
	struct df_record rec = { .type = DF_SAMPLE };
	enum df_trunc why = DF_TRUNC_NONE;
	size_t n = 0, i;
	uint32_t id;
	int err;

	for (i = 0; i < s->nr_ips && n < MAX_FRAMES; i++)
		r->chain[n++] = s->ips[i];
	if (r->unwinder) {
		if (s->regs_abi != PERF_SAMPLE_REGS_ABI_NONE && n + 2 < MAX_FRAMES) {
			struct unwind_input in = { .pid = s->pid, .tid = s->tid, .regs = s->regs,
						   .stack = s->stack, .stack_size = s->stack_size };
			size_t got = 0;

			r->chain[n++] = PERF_CONTEXT_USER;
			err = unwinder_unwind(r->unwinder, &in, r->chain + n, MAX_FRAMES - n,
					      &got, &why);
			if (err)
				return err;
			n += got;
		} else {
			why = DF_TRUNC_NO_USER;
		}
		if (why != DF_TRUNC_NONE && why != DF_TRUNC_NO_USER)
			r->res->truncated++;
	}
	err = intern_stack(r, n, why, &id);
	if (err)
		return err;
	if (s->context_switch) {
		err = note_thread(r, s->pid, s->tid);
		return err ? err : offcpu_stack(r->offcpu, s->pid, s->tid, s->time, id);
	}
	rec.sample = (struct df_sample){ .time = s->time, .pid = s->pid, .tid = s->tid,
					 .stack_id = id, .cpu = s->cpu };
	r->res->samples++;
	err = note_thread(r, s->pid, s->tid);
	return err ? err : sink_write(r->out, &rec);
}

static int on_event(const struct event *ev, void *arg)
{
	struct recorder *r = arg;
	struct df_record rec;
	int err;

	r->res->events++;
	switch (ev->type) {
	case PERF_RECORD_SAMPLE:
		return on_sample(r, &ev->sample);
	case PERF_RECORD_MMAP2: {
		const struct event_mmap *m = &ev->mmap;

		return write_mmap(r, m->pid, m->tid, m->time, m->start, m->len, m->pgoff,
				  m->filename, m->build_id, m->build_id_size);
	}
	case PERF_RECORD_COMM:
		rec.type = DF_COMM;
		rec.comm = (struct df_comm){ .pid = ev->comm.pid, .tid = ev->comm.tid,
					     .exec = (uint32_t)ev->comm.exec,
					     .time = ev->comm.time, .comm = ev->comm.comm };
		if (ev->comm.exec && (err = jitfollow_end(r->jits, (pid_t)ev->comm.pid)))
			return err;
		if (ev->comm.exec && r->unwinder)
			unwinder_forget(r->unwinder, ev->comm.pid);
		err = note_thread(r, ev->comm.pid, ev->comm.tid);
		return err ? err : sink_write(r->out, &rec);
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		rec.type = ev->type == PERF_RECORD_FORK ? DF_FORK : DF_EXIT;
		rec.task = (struct df_task){ .pid = ev->task.pid, .ppid = ev->task.ppid,
					     .tid = ev->task.tid, .ptid = ev->task.ptid,
					     .time = ev->task.time };
		if (ev->type == PERF_RECORD_FORK) {
			uint64_t direct;

			if (!pairmap_slot(r->forked, ev->task.tid, 0, 1))
				return -ENOMEM;
			/*
			 * Born after its creator's events were opened, yet seen by
			 * our /proc scan: it inherited events and got its own.
			 * Keep the inherited ones, or it is sampled twice.
			 */
			if (pairmap_get(r->direct, ev->task.tid, 0, &direct) && direct) {
				sampler_remove_thread(r->sampler, (pid_t)ev->task.tid);
				pairmap_put(r->direct, ev->task.tid, 0, 0);
			}
			err = note_thread(r, ev->task.pid, ev->task.tid);
			if (err)
				return err;
			if (r->unwinder && ev->task.pid != ev->task.ppid) {
				uint64_t gone;

				/* its pid was an exited process's this drain: keep its new state */
				if (pairmap_get(r->exited, ev->task.pid, 0, &gone) &&
				    pairmap_put(r->exited, ev->task.pid, 0, 0))
					return -ENOMEM;
				err = unwinder_fork(r->unwinder, ev->task.ppid, ev->task.pid);
				if (err)
					return err;
			}
		} else if (r->offcpu) {
			offcpu_exit(r->offcpu, ev->task.tid);
		}
		if (ev->type == PERF_RECORD_EXIT && ev->task.pid == ev->task.tid) {
			uint64_t alive;

			if (pairmap_get(r->targets, ev->task.pid, 0, &alive))
				pairmap_put(r->targets, ev->task.pid, 0, 0);
			/* its dump is done: a process given its pid again has its own */
			if ((err = jitfollow_end(r->jits, (pid_t)ev->task.pid)))
				return err;
			/* its last samples came before it: forget it after the drain */
			if (r->unwinder && pairmap_put(r->exited, ev->task.pid, 0, 1))
				return -ENOMEM;
		}
		return sink_write(r->out, &rec);
	case PERF_RECORD_SWITCH:
		return r->offcpu ? on_switch(r, &ev->sw) : 0;
	case PERF_RECORD_LOST:
		rec.type = DF_LOST;
		rec.lost = (struct df_lost){ .time = ev->lost.time, .count = ev->lost.lost };
		return sink_write(r->out, &rec);
	default:
		return 0;
	}
}

/*
 * Drain the rings, then drop the unwind state of processes that exited.
 * The jitdumps are read first: code loaded before a sample in the rings
 * was taken is then known when it is unwound.
 */
static int drain(struct recorder *r)
{
	int err = jitfollow_read_all(r->jits);
	size_t pos = 0;
	uint64_t pid, zero, v;

	if (!err)
		err = sampler_drain(r->sampler, on_event, r);
	if (!r->unwinder || !pairmap_count(r->exited))
		return err;
	while (pairmap_next(r->exited, &pos, &pid, &zero, &v))
		if (v)
			unwinder_forget(r->unwinder, (pid_t)pid);
	pairmap_clear(r->exited);
	return err;
}

/* ---- attaching to running processes ---- */

struct attach_ctx {
	struct recorder *r;
	pid_t pid;
	int rescan;
	int err;
};

static int attach_task(pid_t tid, void *arg)
{
	struct attach_ctx *a = arg;
	struct recorder *r = a->r;
	struct df_record rec = { .type = DF_COMM };
	char comm[64];
	uint64_t v;
	int err;

	if (pairmap_get(r->tids, tid, 0, &v) || pairmap_get(r->forked, tid, 0, &v))
		return 0; /* already sampled, directly or by inheritance */
	err = sampler_add_thread(r->sampler, tid);
	if (err == -ESRCH)
		return 0; /* it exited meanwhile */
	if (err)
		return fail(r, STAGE_PERF, tid, err);
	if ((err = note_thread(r, a->pid, tid)) || (err = pairmap_put(r->direct, tid, 0, 1)))
		return err;
	if (procfs_read_comm(a->pid, tid, comm, sizeof(comm)))
		return 0;
	rec.comm = (struct df_comm){ .pid = a->pid, .tid = tid, .comm = comm,
				     .time = now_ns(CLOCK_MONOTONIC) };
	return sink_write(r->out, &rec);
}

static int attach_map(const struct proc_map *m, void *arg)
{
	struct attach_ctx *a = arg;

	if (!m->exec || !m->path[0] || !strcmp(m->path, "[vsyscall]"))
		return 0;
	if (m->path[0] != '/' && m->path[0] != '[')
		return 0;
	return write_mmap(a->r, a->pid, a->pid, 0, m->start, m->end - m->start, m->pgoff,
			  m->path, NULL, 0);
}

/*
 * A /proc walk's error, with the stage that names it for the user, unless
 * the walk's callback named it already (a refused perf_event_open is
 * EACCES too, and is not /proc's).
 */
static int proc_error(struct recorder *r, pid_t pid, int err)
{
	if (err && r->res->stage != STAGE_NONE)
		return err;
	if (err == -ESRCH)
		return fail(r, STAGE_TARGET, pid, err);
	if (err == -EACCES || err == -EPERM)
		return fail(r, STAGE_PROC, pid, err);
	return err;
}

static int attach(struct recorder *r)
{
	size_t i;
	int err;

	/*
	 * Events first, then the mappings: a library mapped in between shows
	 * in /proc and as an MMAP2 record (the same mapping twice is
	 * harmless), none is missed. Samples are read only after this.
	 */
	for (i = 0; i < r->opts->npids; i++) {
		struct attach_ctx a = { r, r->opts->pids[i], 0, 0 };

		if (!procfs_alive(a.pid))
			return fail(r, STAGE_TARGET, a.pid, -ESRCH);
		if (!pairmap_slot(r->targets, a.pid, 0, 1))
			return -ENOMEM;
		err = proc_error(r, a.pid, procfs_for_each_task(a.pid, attach_task, &a));
		if (err)
			return err;
	}
	for (i = 0; i < r->opts->npids; i++) {
		struct attach_ctx a = { r, r->opts->pids[i], 0, 0 };

		err = proc_error(r, a.pid, procfs_for_each_map(a.pid, attach_map, &a));
		if (err)
			return err;
	}
	/*
	 * A thread born between the scan and the opening of its creator's
	 * event was missed; one born after it was announced by a FORK record.
	 * Read the FORKs, then scan once more for the missed ones.
	 */
	err = drain(r);
	for (i = 0; !err && i < r->opts->npids; i++) {
		struct attach_ctx a = { r, r->opts->pids[i], 1, 0 };

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

static int launch(struct recorder *r)
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
	r->child = fork();
	if (r->child < 0) {
		err = -errno;
		goto out;
	}
	if (r->child == 0) {
		char c;

		/* die with cprof, even SIGKILLed; if it died before this, go now */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		close(go[1]);
		close(status[0]);
		/* wait until the events are open: an exec starts the sampling */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		if (r->opts->jit_support)
			jit_support_env();
		execvp(r->opts->argv[0], r->opts->argv);
		err = errno;
		if (write(status[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	go[0] = -1;
	close(status[1]);
	status[1] = -1;
	if (!pairmap_slot(r->targets, r->child, 0, 1)) {
		err = -ENOMEM;
		goto out;
	}
	err = sampler_add_thread(r->sampler, r->child);
	if (err) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
		r->child_done = 1;
		fail(r, STAGE_PERF, r->child, err);
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
		waitpid(r->child, NULL, 0);
		r->child_done = 1;
		err = fail(r, STAGE_LAUNCH, r->child, -child_err);
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
static void reap_child(struct recorder *r)
{
	int status, i;

	if (r->child <= 0 || r->child_done)
		return;
	kill(r->child, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(r->child, &status, WNOHANG) == r->child) {
			r->res->child_status = status;
			return;
		}
		usleep(10000);
	}
	kill(r->child, SIGKILL);
	if (waitpid(r->child, &status, 0) == r->child)
		r->res->child_status = status;
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

static int targets_alive(struct recorder *r)
{
	size_t pos = 0;
	uint64_t pid, zero, alive;
	int any = 0;

	if (r->child > 0) {
		int status;

		if (!r->child_done && waitpid(r->child, &status, WNOHANG) == r->child) {
			r->child_done = 1;
			r->res->child_status = status;
		}
		return !r->child_done;
	}
	while (pairmap_next(r->targets, &pos, &pid, &zero, &alive)) {
		if (alive && !procfs_alive((pid_t)pid))
			pairmap_put(r->targets, pid, 0, 0);
		else if (alive)
			any = 1;
	}
	return any;
}

/* ---- symbols that die with the process or the boot: captured at the end ---- */

/* The pid PID has inside its own pid namespace (it names its perf map). */
static pid_t ns_pid(pid_t pid)
{
	char path[64], line[256];
	pid_t ns = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 6, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (;;) { /* the last field is the innermost namespace */
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			ns = (pid_t)v;
			p = end;
		}
		break;
	}
	fclose(f);
	return ns;
}

/*
 * The JIT names of one file (a perf map, a jitdump's code loads as
 * perf-map lines) on their way into PERFMAP records, fed in pieces: only
 * whole lines the report can use are kept (a sparse or binary file names
 * nothing), at most RECORD_NAMES_LINES of them, in records of at most
 * RECORD_NAMES_RECORD bytes cut at line ends (a record holds 16 MiB).
 */
struct names_out {
	struct recorder *r;
	pid_t pid;
	struct buf rec;               /* whole lines for the next record */
	struct buf part;              /* a line not ended yet, shorter than PERFMAP_LINE_MAX */
	size_t lines;                 /* kept */
	int skip;                     /* inside a line too long to keep */
	int cut;                      /* the line cap was reached: the rest is left out */
};

static void names_init(struct names_out *o, struct recorder *r, pid_t pid)
{
	memset(o, 0, sizeof(*o));
	o->r = r;
	o->pid = pid;
	buf_init(&o->rec);
	buf_init(&o->part);
}

static int names_flush(struct names_out *o)
{
	struct df_record rec = { .type = DF_PERFMAP };
	int err;

	if (!o->rec.len)
		return 0;
	rec.perfmap = (struct df_perfmap){ .pid = (uint32_t)o->pid, .len = (uint32_t)o->rec.len,
					   .text = o->rec.data };
	err = sink_write(o->r->out, &rec);
	o->rec.len = 0;
	return err;
}

/* The line gathered in O->part is whole: keep it if it names code. */
static int names_line(struct names_out *o)
{
	char line[PERFMAP_LINE_MAX];
	uint64_t start, size;
	const char *name;
	int err;

	if (!o->part.len)
		return 0;
	memcpy(line, o->part.data, o->part.len);
	line[o->part.len] = '\0';
	if (perfmap_parse_line(line, &start, &size, &name))
		return 0;
	if (o->lines >= RECORD_NAMES_LINES) {
		o->cut = 1;
		return 0;
	}
	o->lines++;
	if ((err = buf_append(&o->rec, o->part.data, o->part.len)) ||
	    (err = buf_append(&o->rec, "\n", 1)))
		return err;
	return o->rec.len > RECORD_NAMES_RECORD - PERFMAP_LINE_MAX ? names_flush(o) : 0;
}

static int names_feed(struct names_out *o, const char *p, size_t n)
{
	int err = 0;

	while (!err && n && !o->cut) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		if (!o->skip && o->part.len + take >= PERFMAP_LINE_MAX)
			o->skip = 1; /* the reader would skip it: so do we */
		if (!o->skip)
			err = buf_append(&o->part, p, take);
		if (!nl)
			break;
		if (!err && !o->skip)
			err = names_line(o);
		o->skip = 0;
		o->part.len = 0;
		p = nl + 1;
		n -= take + 1;
	}
	return err;
}

/*
 * After ERR (0, or what went wrong feeding O): the last line, unended, and
 * the last record; O is released. Returns 0 or -errno, *CUT set if cut.
 */
static int names_end(struct names_out *o, int err, int *cut)
{
	if (!err && o->part.len && !o->skip && !o->cut)
		err = names_line(o);
	if (!err)
		err = names_flush(o);
	*cut = o->cut;
	buf_release(&o->rec);
	buf_release(&o->part);
	return err;
}

/* The JIT names of PID's file were cut: the command says so. */
static void note_cut(struct recorder *r, pid_t pid)
{
	if (!r->res->jit_cut++)
		r->res->jit_cut_pid = pid;
}

/* A jitfollow_fn: the perf-map lines NAMES of PID into the data file (consumed). */
static int emit_names(pid_t pid, struct buf *names, int cut, void *arg)
{
	struct names_out o;
	int err, capped;

	names_init(&o, arg, pid);
	err = names_end(&o, names_feed(&o, names->data, names->len), &capped);
	if (!err && (cut || capped))
		note_cut(arg, pid);
	names->len = 0;
	return err;
}

/* PID's perf map open at FD, read within the caps (record.h). */
static int write_perfmap_file(struct recorder *r, pid_t pid, int fd)
{
	uint64_t room = RECORD_PERFMAP_TOTAL - r->perfmap_read, done = 0;
	struct names_out o;
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int err = 0, cut;

	if (room > RECORD_PERFMAP_MAX)
		room = RECORD_PERFMAP_MAX;
	names_init(&o, r, pid);
	while (!err && !o.cut && done < room) {
		n = read(fd, chunk, room - done < sizeof(chunk) ? (size_t)(room - done) : sizeof(chunk));
		if (n <= 0)
			break;
		done += (uint64_t)n;
		r->perfmap_read += (uint64_t)n;
		err = names_feed(&o, chunk, (size_t)n);
	}
	err = names_end(&o, err, &cut);
	if (!err && (cut || (done >= room && !fstat(fd, &st) && (uint64_t)st.st_size > done)))
		note_cut(r, pid);
	return err;
}

/* A jitdump file's code loads, as perf-map lines (jitfollow.h). */
static int write_jitdump_file(struct recorder *r, pid_t pid, int fd)
{
	struct buf text;
	int err, cut;

	buf_init(&text);
	err = jitfollow_file_names(r->jits, fd, &text, &cut);
	if (!err)
		err = emit_names(pid, &text, cut, r);
	buf_release(&text);
	return err;
}

/*
 * Open a perf map only if it is a regular file, not a link, owned by us,
 * root or the target: /tmp is anyone's, and a FIFO or a link to a secret
 * must neither hang the recording nor end up in the data file.
 */
static int open_perfmap(const char *path, pid_t pid)
{
	int fd = safefile_open_regular(path);

	if (fd >= 0 && !jitfollow_owned(fd, pid)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The JIT runtime PID runs, from what it maps (jitenv.h); JIT_NONE if none. */
static enum jit_runtime jit_runtime(pid_t pid)
{
	char path[64], line[512];
	enum jit_runtime found = JIT_NONE;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		const char *file = strchr(line, '/');

		line[strcspn(line, "\n")] = '\0';
		if (file)
			found = jit_runtime_of_path(file);
	}
	if (f)
		fclose(f);
	return found;
}

/*
 * Ask a live JVM to write its perf map now (jcmd PID Compiler.perfmap, if
 * jcmd is installed), waiting at most a few seconds; its output is dropped.
 */
static void jvm_perfmap(pid_t pid)
{
	char arg[16];
	pid_t child;
	int status, i;

	snprintf(arg, sizeof(arg), "%d", (int)pid);
	child = fork();
	if (child == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp("jcmd", "jcmd", arg, "Compiler.perfmap", (char *)NULL);
		_exit(127);
	}
	for (i = 0; child > 0 && i < 100; i++) {
		if (waitpid(child, &status, WNOHANG) == child)
			return;
		usleep(50000);
	}
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
}

/*
 * /tmp/KIND-PID.EXT of PID: through the process's root (containers, with
 * the pid it has there) while it lives, else ours.
 */
static int open_jit_file(pid_t pid, const char *kind, const char *ext)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root/tmp/%s-%d.%s", (int)pid, kind,
		 (int)ns_pid(pid), ext);
	fd = open_perfmap(path, pid);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/%s-%d.%s", kind, (int)pid, ext);
		fd = open_perfmap(path, pid);
	}
	return fd;
}

/* JIT symbol files: perf maps, and jitdump files as perf-map lines. */
static int capture_perfmaps(struct recorder *r)
{
	size_t pos = 0;
	uint64_t pid, zero, v;
	int err = 0;

	while (!err && pairmap_next(r->pids, &pos, &pid, &zero, &v)) {
		enum jit_runtime runtime = procfs_alive((pid_t)pid) ? jit_runtime((pid_t)pid) : JIT_NONE;
		int named = 0, has_map = 0;
		int followed = 0;
		int fd;

		if (r->opts->jit_support && runtime == JIT_JVM)
			jvm_perfmap((pid_t)pid);
		if ((fd = open_jit_file((pid_t)pid, "perf", "map")) >= 0) {
			err = write_perfmap_file(r, (pid_t)pid, fd);
			close(fd);
			named = has_map = 1;
		}
		/* a dump it mapped was read while recording; else look in /tmp */
		if (!err)
			err = jitfollow_names(r->jits, (pid_t)pid, emit_names, r, &followed);
		if (!err && !followed && (fd = open_jit_file((pid_t)pid, "jit", "dump")) >= 0) {
			err = write_jitdump_file(r, (pid_t)pid, fd);
			close(fd);
			named = 1;
		}
		named |= followed;
		/* a runtime that could have named its code: say how */
		if (!named && runtime != JIT_NONE && r->res->nhints < RECORD_HINTS) {
			r->res->hints[r->res->nhints].pid = (pid_t)pid;
			r->res->hints[r->res->nhints++].runtime = runtime;
		}
		/* one that lives on with its newest records in its own buffer (runtime: alive) */
		if (followed && !has_map && jit_dump_hint(runtime) && r->res->nhints < RECORD_HINTS) {
			r->res->hints[r->res->nhints].pid = (pid_t)pid;
			r->res->hints[r->res->nhints].dump = 1;
			r->res->hints[r->res->nhints++].runtime = runtime;
		}
	}
	return err;
}

/* Name the kernel functions the recorded stacks use, from /proc/kallsyms. */
static int capture_ksyms(struct recorder *r)
{
	struct addrsyms *ks = NULL;
	struct pairmap *done = NULL;
	char *line = NULL;
	size_t cap = 0;
	uint32_t id;
	FILE *f;
	int err;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return 0; /* kernel frames stay [kernel.kallsyms] */
	if ((err = addrsyms_new(&ks)) || (err = pairmap_new(&done)))
		goto out;
	while (!err && getline(&line, &cap, f) > 0) {
		uint64_t addr;
		const char *name;

		if (!kallsyms_parse_line(line, &addr, &name) && addr)
			err = addrsyms_add(ks, addr, 0, name);
	}
	for (id = 0; !err && id < stacktab_count(r->stacks); id++) {
		size_t n, i;
		const uint64_t *ips = stacktab_get(r->stacks, id, &n);

		for (i = 0; ips && i < n && !err; i++) {
			struct df_record rec = { .type = DF_KSYM };
			uint64_t start, size, *seen;
			const char *name;

			if (ips[i] < 0xffff800000000000ULL || ips[i] >= PERF_CONTEXT_MAX)
				continue;
			name = addrsyms_lookup(ks, ips[i], &start, &size);
			if (!name)
				continue;
			seen = pairmap_slot(done, start, 0, 0);
			if (!seen) {
				err = -ENOMEM;
				break;
			}
			if (*seen)
				continue;
			*seen = 1;
			rec.ksym = (struct df_ksym){ .start = start, .size = size, .name = name };
			err = sink_write(r->out, &rec);
		}
	}
out:
	free(line);
	fclose(f);
	addrsyms_free(ks);
	pairmap_free(done);
	return err;
}

static int write_meta(struct recorder *r)
{
	struct df_record rec = { .type = DF_META };
	struct utsname u;
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	uname(&u);
	rec.meta = (struct df_meta){
		.freq = r->opts->freq,
		.mode = r->opts->mode == CALLGRAPH_DWARF ? DF_MODE_DWARF : DF_MODE_FP,
		.stack_size = r->opts->mode == CALLGRAPH_DWARF ? r->opts->stack_size : 0,
		.kernel = (uint32_t)r->opts->kernel,
		.offcpu = r->opts->offcpu,
		.start_realtime_ns = now_ns(CLOCK_REALTIME),
		.cmdline = r->opts->cmdline,
		.hostname = host,
		.release = u.release,
	};
	return sink_write(r->out, &rec);
}

static int record_loop(struct recorder *r)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC);
	uint64_t deadline = r->opts->duration > 0 ? start + (uint64_t)(r->opts->duration * 1e9) : 0;
	int err = 0;

	while (!*r->opts->stop) {
		int timeout = 100;

		if (deadline) {
			uint64_t t = now_ns(CLOCK_MONOTONIC);

			if (t >= deadline)
				break;
			if ((deadline - t) / 1000000 < (uint64_t)timeout)
				timeout = (int)((deadline - t) / 1000000) + 1;
		}
		err = sampler_poll(r->sampler, timeout);
		if (err < 0 && err != -EINTR)
			break;
		err = drain(r);
		if (!err)
			err = sink_flush(r->out);
		if (err)
			break;
		if (!targets_alive(r)) {
			r->res->targets_exited = 1;
			break;
		}
	}
	return err;
}

/*
 * Pages per CPU ring. A DWARF sample carries the whole stack copy, so its
 * ring must hold a few hundred of them to ride out a stall of the
 * recorder (a first look at a big binary); 32 MiB is shared among the
 * CPUs, each ring between 512 KiB and 8 MiB. --off-cpu samples every
 * switch-out too, a stack copy per switch: twice that (at 50,000 switches
 * a second of 24 KiB copies, 16 MiB is 14 ms of one CPU's ring).
 */
static size_t ring_pages(const struct record_opts *o)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	size_t pages = 128, most = 2048, total = 32u << 20;

	if (o->mode != CALLGRAPH_DWARF)
		return pages;
	if (o->offcpu != DF_OFFCPU_NONE) {
		most *= 2;
		total *= 2;
	}
	while (pages < most && (pages * 2) * 4096 * (size_t)(ncpus > 0 ? ncpus : 1) <= total)
		pages *= 2;
	return pages;
}

static int recorder_init(struct recorder *r)
{
	const struct record_opts *o = r->opts;
	struct sampler_config cfg = {
		.freq = o->freq,
		.mode = o->mode,
		.stack_size = o->stack_size,
		.kernel = o->kernel,
		.start_disabled = o->argv != NULL,
		.enable_on_exec = o->argv != NULL,
		.ring_pages = ring_pages(o),
		.off_cpu = o->offcpu != DF_OFFCPU_NONE,
	};
	int err;

	if ((err = stacktab_new(&r->stacks)) || (err = pairmap_new(&r->tids)) ||
	    (err = pairmap_new(&r->pids)) || (err = pairmap_new(&r->targets)) ||
	    (err = pairmap_new(&r->forked)) || (err = pairmap_new(&r->exited)) ||
	    (err = pairmap_new(&r->direct)) ||
	    (err = strtab_new(&r->paths)))
		return err;
	if (o->mode == CALLGRAPH_DWARF && o->unwinder)
		r->unwinder = o->unwinder;
	else if (o->mode == CALLGRAPH_DWARF && (err = unwinder_new(&r->unwinder)))
		return err;
	if ((err = jitfollow_new(o->no_jit_unwind ? NULL : r->unwinder, &r->jits)))
		return err;
	r->empty_stack = UINT32_MAX;
	if (o->offcpu && (err = offcpu_new(&r->offcpu)))
		return err;
	if (vdso_open(&r->vdso_fd, r->vdso_path, sizeof(r->vdso_path)))
		r->vdso_path[0] = '\0';
	if ((err = sampler_new(&cfg, &r->sampler)))
		return err;
	if (o->output) {
		err = df_writer_new(o->output, &r->df);
		if (err)
			return fail(r, STAGE_OUTPUT, 0, err);
		datafile_sink_init(&r->df_sink, r->df);
		r->out = &r->df_sink.sink;
	}
	if (o->sink && r->out) {
		tee_sink_init(&r->tee, r->out, o->sink);
		r->out = &r->tee.sink;
	} else if (o->sink) {
		r->out = o->sink;
	}
	return r->out ? 0 : -EINVAL;
}

static void recorder_release(struct recorder *r)
{
	sampler_free(r->sampler);
	if (r->unwinder != r->opts->unwinder)
		unwinder_free(r->unwinder);
	offcpu_free(r->offcpu);
	stacktab_free(r->stacks);
	pairmap_free(r->tids);
	pairmap_free(r->pids);
	pairmap_free(r->targets);
	pairmap_free(r->forked);
	pairmap_free(r->exited);
	pairmap_free(r->direct);
	strtab_free(r->paths);
	free(r->ids);
	jitfollow_free(r->jits);
	if (r->vdso_fd >= 0)
		close(r->vdso_fd);
}

int record_run(const struct record_opts *opts, struct record_result *res)
{
	struct recorder *r = calloc(1, sizeof(*r));
	struct df_record fin = { .type = DF_FINISH };
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), cpu0 = self_cpu_ns();
	int err, err2;

	memset(res, 0, sizeof(*res));
	res->child_status = -1;
	if (!r)
		return -ENOMEM;
	r->opts = opts;
	r->res = res;
	r->vdso_fd = -1;
	err = recorder_init(r);
	if (!err)
		err = write_meta(r);
	if (!err)
		err = opts->argv ? launch(r) : attach(r);
	if (err && r->out) {
		/* nothing was recorded: leave the user's files as they were */
		df_writer_discard(r->df);
		r->df = NULL;
		r->out = NULL;
	}
	/* the recording has started: only now does the file replace PATH */
	if (!err && r->df && (err = df_writer_commit(r->df)))
		fail(r, STAGE_OUTPUT, 0, err);
	if (!err)
		err = record_loop(r);
	if (r->sampler) {
		uint64_t stopped = now_ns(CLOCK_MONOTONIC);

		sampler_disable(r->sampler);
		/* what the kernel wrote before the disable still counts */
		err2 = r->out ? drain(r) : 0;
		/* threads blocked as the recording stops were off CPU until then */
		if (!err2 && r->out && r->offcpu)
			err2 = offcpu_close_all(r->offcpu, stopped, write_wsample, r);
		if (!err)
			err = err2;
		res->lost = sampler_lost(r->sampler);
		res->ring_bytes = sampler_ring_bytes(r->sampler);
		res->switch_err = sampler_switch_error(r->sampler);
	}
	if (r->offcpu) {
		const struct offcpu_stats *os = offcpu_stats(r->offcpu);

		res->blocked = os->blocked;
		res->preempted = os->preempted;
		res->no_stack = os->no_stack;
		res->unpaired = os->unpaired;
	}
	if (r->out && r->pids) {
		err2 = capture_perfmaps(r);
		if (!err2 && opts->kernel)
			err2 = capture_ksyms(r);
		if (!err)
			err = err2;
	}
	reap_child(r);
	if (r->child > 0)
		res->leftovers = reap_descendants();
	res->threads = r->tids ? (uint32_t)pairmap_count(r->tids) : 0;
	res->processes = r->pids ? (uint32_t)pairmap_count(r->pids) : 0;
	res->cpu_ns = self_cpu_ns() - cpu0;
	/* the span the CPU time was counted over, so the share stays <= 100% */
	res->duration_ns = now_ns(CLOCK_MONOTONIC) - t0;
	if (r->out) {
		fin.finish = (struct df_finish){ .time = now_ns(CLOCK_MONOTONIC),
						 .samples = res->samples, .lost = res->lost,
						 .recorder_cpu_ns = res->cpu_ns,
						 .duration_ns = res->duration_ns,
						 .threads = res->threads, .processes = res->processes };
		sink_write(r->out, &fin);
		err2 = sink_close(r->out);
		if (r->df) {
			int err3;

			res->bytes = df_bytes(r->df);
			err3 = df_writer_free(r->df);
			err2 = err2 ? err2 : err3;
		}
		if (err2 && !err)
			err = fail(r, STAGE_OUTPUT, 0, err2);
	}
	if (err && res->stage == STAGE_NONE)
		res->stage = err == -ENOSPC || err == -EIO || err == -EDQUOT ? STAGE_OUTPUT
									   : STAGE_INTERNAL;
	recorder_release(r);
	free(r);
	return err;
}
