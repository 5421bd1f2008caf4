#include "cprof/record.h"

#include <asm/perf_regs.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/capture.h"
#include "cprof/datafile.h"
#include "cprof/elffile.h"
#include "cprof/host.h"
#include "cprof/jitfollow.h"
#include "cprof/offcpu.h"
#include "cprof/procfs.h"
#include "cprof/pystacks.h"
#include "cprof/sink.h"
#include "cprof/stacktab.h"
#include "cprof/targets.h"
#include "cprof/unwind.h"
#include "cprof/util.h"
#include "cprof/v8stacks.h"
#include "cprof/vdso.h"

#define MAX_FRAMES 2048
#define ALIVE_NS 20000000ULL    /* how often the targets' lives are looked at */
#define FLUSH_NS 20000000ULL    /* how often the data file's buffer is written at most */
#define FOLLOW_NS 1000000000ULL /* how often the perf maps are read while recording */

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
	struct pairmap *forked;      /* tid -> 1, threads announced by FORK */
	struct pairmap *exited;      /* pid -> 1, processes to forget after a drain (0: born again) */
	struct pairmap *direct;      /* tid -> 1, threads we opened events for */
	struct strtab *paths;        /* build-id cache, by path */
	struct build_id *ids;
	uint32_t nids;
	size_t capids;
	struct targets targets;      /* the processes sampled, their lifetimes */
	struct host *host;           /* -a: which samples are kept, first sights */
	struct capture capture;      /* the names captured at the end */
	int vdso_fd;
	char vdso_path[64];          /* our vDSO image: its build-id is every process's */
	struct jitfollow *jits;      /* the jitdumps the processes map */
	struct pystacks *py;         /* Python stacks from interpreters; NULL: --no-python */
	struct v8stacks *js;         /* JavaScript frames from V8's memory; dwarf mode only */
	uint64_t chain[MAX_FRAMES];
	uint64_t fps[MAX_FRAMES];    /* the frame pointers of the user frames of chain */
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
	char host[4200];
	const char *file = path;
	int err;

	if (r->py)
		pystacks_mapped(r->py, (pid_t)pid, path);
	if (r->js)
		v8stacks_mapped(r->js, (pid_t)pid, path);
	/* a deleted file, or one in another root: binsource's name for it */
	binsource_for_mapping((pid_t)pid, path, start, start + len, host, sizeof(host));
	if (host[0])
		file = host;
	else if (!strcmp(path, "[vdso]"))
		file = r->vdso_path;
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

/* A record of a Python code object, before the first stack naming it. */
static int write_pycode(const struct df_record *rec, void *arg)
{
	struct recorder *r = arg;

	return sink_write(r->out, rec);
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
	size_t n = 0, i, user = 0;
	uint32_t id;
	int err;

	/* the kernel's chain; its user part (frame pointers) is the unwinder's to use */
	for (user = 0; r->unwinder && user < s->nr_ips; user++)
		if (s->ips[user] == PERF_CONTEXT_USER)
			break;
	for (i = 0; i < (r->unwinder ? user : s->nr_ips) && n < MAX_FRAMES; i++)
		r->chain[n++] = s->ips[i];
	if (r->unwinder) {
		if (s->regs_abi != PERF_SAMPLE_REGS_ABI_NONE && n + 2 < MAX_FRAMES) {
			struct unwind_input in = { .pid = s->pid, .tid = s->tid, .regs = s->regs,
						   .stack = s->stack, .stack_size = s->stack_size,
						   .fp = user < s->nr_ips ? s->ips + user + 1 : NULL,
						   .nfp = user < s->nr_ips ? s->nr_ips - user - 1 : 0,
						   .fps = r->js ? r->fps : NULL };
			struct v8stacks_sample js = { .pid = s->pid, .fps = r->fps, .stack = s->stack,
						      .sp = s->regs[PERF_REG_X86_SP],
						      .stack_size = s->stack_size };
			size_t got = 0;

			r->chain[n++] = PERF_CONTEXT_USER;
			r->fps[0] = s->regs[PERF_REG_X86_BP]; /* if the unwinder gives the pc alone */
			err = unwinder_unwind(r->unwinder, &in, r->chain + n, MAX_FRAMES - n,
					      &got, &why);
			if (err)
				return err;
			js.first = n;
			js.nframes = got;
			n += got;
			if (r->js && (err = v8stacks_append(r->js, &js, r->chain, MAX_FRAMES, &n)))
				return err;
		} else {
			why = DF_TRUNC_NO_USER;
		}
		if (why != DF_TRUNC_NONE && why != DF_TRUNC_NO_USER)
			r->res->truncated++;
	}
	if (r->py && (err = pystacks_append(r->py, (pid_t)s->pid, (pid_t)s->tid, s->time, r->chain,
					    MAX_FRAMES, &n)))
		return err;
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
	if (r->host && (err = host_event(r->host, ev)) <= 0)
		return err; /* not recorded, or failed */
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
		if (ev->comm.exec && r->py)
			pystacks_forget(r->py, (pid_t)ev->comm.pid);
		if (ev->comm.exec && r->js)
			v8stacks_forget(r->js, (pid_t)ev->comm.pid);
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
			if ((r->unwinder || r->py) && ev->task.pid != ev->task.ppid) {
				uint64_t gone;

				/* its pid was an exited process's this drain: keep its new state */
				if (pairmap_get(r->exited, ev->task.pid, 0, &gone) &&
				    pairmap_put(r->exited, ev->task.pid, 0, 0))
					return -ENOMEM;
				err = r->unwinder ? unwinder_fork(r->unwinder, ev->task.ppid,
								  ev->task.pid) : 0;
				if (err)
					return err;
				if (r->py) /* a fork shares no reader: probed on its first sample */
					pystacks_forget(r->py, (pid_t)ev->task.pid);
				if (r->js)
					v8stacks_forget(r->js, (pid_t)ev->task.pid);
			}
		} else if (r->offcpu) {
			offcpu_exit(r->offcpu, ev->task.tid);
		}
		if (ev->type == PERF_RECORD_EXIT && ev->task.pid == ev->task.tid) {
			targets_exited(&r->targets, (pid_t)ev->task.pid);
			/* its dump is done: a process given its pid again has its own */
			if ((err = jitfollow_end(r->jits, (pid_t)ev->task.pid)))
				return err;
			/* its last samples came before it: forget it after the drain */
			if ((r->unwinder || r->py) && pairmap_put(r->exited, ev->task.pid, 0, 1))
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

/* Drain the rings (the jitdumps first: code loaded before a sample in them
 * was taken is then known), then drop the unwind state of exited processes. */
static int drain(struct recorder *r)
{
	int err = jitfollow_read_all(r->jits);
	size_t pos = 0;
	uint64_t pid, zero, v;

	if (!err)
		err = sampler_drain(r->sampler, on_event, r);
	if (!pairmap_count(r->exited))
		return err;
	while (pairmap_next(r->exited, &pos, &pid, &zero, &v)) {
		if (v && r->unwinder)
			unwinder_forget(r->unwinder, (pid_t)pid);
		if (v && r->py)
			pystacks_forget(r->py, (pid_t)pid);
		if (v && r->js)
			v8stacks_forget(r->js, (pid_t)pid);
	}
	pairmap_clear(r->exited);
	return err;
}

/* ---- the recorder's part of attaching (targets.h) ---- */

/* Thread TID of PID is named COMM, as read from /proc (a host_hooks comm). */
static int write_comm(pid_t pid, pid_t tid, const char *comm, void *arg)
{
	struct recorder *r = arg;
	struct df_record rec = { .type = DF_COMM };
	int err = note_thread(r, (uint32_t)pid, (uint32_t)tid);

	rec.comm = (struct df_comm){ .pid = pid, .tid = tid, .comm = comm,
				     .time = now_ns(CLOCK_MONOTONIC) };
	return err ? err : sink_write(r->out, &rec);
}

/* PID runs in container ID (a host_hooks container). */
static int write_container(pid_t pid, const char *id, void *arg)
{
	struct df_record rec = { .type = DF_CONTAINER, .container = { (uint32_t)pid, id } };
	return sink_write(((struct recorder *)arg)->out, &rec);
}

/* A target_hooks thread: sample TID of PID unless it is already, announce its name. */
static int attach_thread(pid_t pid, pid_t tid, void *arg)
{
	struct recorder *r = arg;
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
	if ((err = note_thread(r, pid, tid)) || (err = pairmap_put(r->direct, tid, 0, 1)))
		return err;
	if (procfs_read_comm(pid, tid, comm, sizeof(comm)))
		return 0;
	return write_comm(pid, tid, comm, r);
}

/* A target_hooks map: an executable mapping of PID, as if the kernel announced it. */
static int attach_map(pid_t pid, const struct proc_map *m, void *arg)
{
	if (!m->exec || !m->path[0] || !strcmp(m->path, "[vsyscall]"))
		return 0;
	if (m->path[0] != '/' && m->path[0] != '[')
		return 0;
	return write_mmap(arg, pid, pid, 0, m->start, m->end - m->start, m->pgoff, m->path, NULL,
			  0);
}

static int attach_drain(void *arg)
{
	return drain(arg);
}

static int attach(struct recorder *r)
{
	struct target_hooks h = { attach_thread, attach_map, attach_drain, r };

	return targets_attach(&r->targets, r->opts->pids, r->opts->npids, r->opts->children,
			      &h);
}

/* -a: every CPU, every process (host.h) but the recorder. */
static int attach_all(struct recorder *r)
{
	const struct record_opts *o = r->opts;
	struct host_opts ho = { .self = getpid(), .comm = o->comm, .exclude = o->exclude,
				.nexclude = o->nexclude, .kernel = o->kernel };
	struct host_hooks hh = { write_comm, attach_map, write_container, r };
	int err = host_new(&ho, &hh, r->unwinder, &r->host);

	if (!err && (err = sampler_add_cpus(r->sampler)))
		return fail(r, STAGE_PERF, 0, err);
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
	uint64_t follow = start + FOLLOW_NS, alive = start, flush = start;
	int err = 0;

	while (!*r->opts->stop) {
		uint64_t t;

		/* a Python stack is read as its sample is drained: keep the lag short */
		int timeout = (r->py && pystacks_stats(r->py)->processes) ||
					      (r->js && v8stacks_stats(r->js)->processes)
				      ? PYSTACKS_POLL_MS : 100;

		if (deadline) {
			t = now_ns(CLOCK_MONOTONIC);
			if (t >= deadline)
				break;
			if ((deadline - t) / 1000000 < (uint64_t)timeout)
				timeout = (int)((deadline - t) / 1000000) + 1;
		}
		err = sampler_poll(r->sampler, timeout);
		if (err < 0 && err != -EINTR)
			break;
		err = drain(r);
		/* the perf maps' new lines, for a live view to name JIT code as it runs */
		if (!err && now_ns(CLOCK_MONOTONIC) >= follow) {
			err = capture_follow(&r->capture, r->pids);
			follow = now_ns(CLOCK_MONOTONIC) + FOLLOW_NS;
		}
		/* the data file's buffer written and a live view's naming thread woken, at
		 * most every FLUSH_NS however often the rings are read */
		if (!err && (t = now_ns(CLOCK_MONOTONIC)) >= flush) {
			err = sink_flush(r->out);
			flush = t + FLUSH_NS;
		}
		if (err)
			break;
		/* a look at /proc: at most every ALIVE_NS, however often the rings are read */
		t = now_ns(CLOCK_MONOTONIC);
		if (r->host || t < alive)
			continue;
		alive = t + ALIVE_NS;
		if (!targets_alive(&r->targets)) {
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
		/* Python stacks and V8's functions are read as the sample is drained: at once
		   (-a: every 2 ms) */
		.wake_each = (!o->no_python || o->mode == CALLGRAPH_DWARF) && !o->all,
		.system_wide = o->all,
		.cgroup = o->cgroup,
	};
	int err;

	if ((err = stacktab_new(&r->stacks)) || (err = pairmap_new(&r->tids)) ||
	    (err = pairmap_new(&r->pids)) || (err = targets_init(&r->targets, r->res)) ||
	    (err = pairmap_new(&r->forked)) || (err = pairmap_new(&r->exited)) ||
	    (err = pairmap_new(&r->direct)) ||
	    (err = strtab_new(&r->paths)))
		return err;
	if (o->mode == CALLGRAPH_DWARF && o->unwinder)
		r->unwinder = o->unwinder;
	else if (o->mode == CALLGRAPH_DWARF && (err = unwinder_new(&r->unwinder)))
		return err;
	if (r->unwinder && o->all)
		unwinder_set_max_procs(r->unwinder, o->max_processes);
	if ((err = jitfollow_new(o->no_jit_unwind ? NULL : r->unwinder, &r->jits)))
		return err;
	r->empty_stack = UINT32_MAX;
	if (!o->no_python && (err = pystacks_new(write_pycode, r, &r->py)))
		return err;
	if (r->unwinder && (err = v8stacks_new(write_pycode, r, &r->js)))
		return err;
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
	if (!r->out)
		return -EINVAL;
	return capture_init(&r->capture, r->out, r->res, r->jits, o->jit_support);
}

static void recorder_release(struct recorder *r)
{
	sampler_free(r->sampler);
	host_free(r->host);
	if (r->unwinder != r->opts->unwinder)
		unwinder_free(r->unwinder);
	offcpu_free(r->offcpu);
	stacktab_free(r->stacks);
	pairmap_free(r->tids);
	pairmap_free(r->pids);
	targets_release(&r->targets);
	pairmap_free(r->forked);
	pairmap_free(r->exited);
	pairmap_free(r->direct);
	strtab_free(r->paths);
	free(r->ids);
	jitfollow_free(r->jits);
	pystacks_free(r->py);
	v8stacks_free(r->js);
	capture_release(&r->capture);
	if (r->vdso_fd >= 0)
		close(r->vdso_fd);
}

/* -a's counts into the FINISH record, for report --stats. */
static void finish_host(struct df_finish *f, const struct record_opts *o,
			const struct record_result *res)
{
	f->flags |= DF_FINISH_ALL;
	f->max_processes = (uint32_t)(o->max_processes < UINT32_MAX ? o->max_processes : UINT32_MAX);
	f->filtered = res->host_filtered;
	f->dropped = res->host_dropped;
	f->host_processes = res->host_processes;
	f->read = res->host_read;
	f->reread = res->host_reread;
	f->unreadable = res->host_unreadable;
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
		err = opts->argv ? targets_launch(&r->targets, opts->argv, opts->jit_support,
						  r->sampler)
				 : opts->all ? attach_all(r) : attach(r);
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
	if (r->py) {
		struct pystacks_note pn;

		res->python = *pystacks_stats(r->py);
		while (res->npython_notes < RECORD_HINTS &&
		       !pystacks_note(r->py, res->npython_notes, &pn))
			res->python_notes[res->npython_notes++] = pn;
	}
	if (r->js)
		res->js = *v8stacks_stats(r->js);
	if (r->host) {
		const struct host_stats *hs = host_stats(r->host);

		res->host_filtered = hs->filtered;
		res->host_processes = hs->processes;
		res->host_read = hs->read;
		res->host_reread = hs->reread;
		res->host_unreadable = hs->unreadable;
		res->host_dropped = r->unwinder ? unwinder_dropped(r->unwinder) : 0;
	}
	if (r->offcpu) {
		const struct offcpu_stats *os = offcpu_stats(r->offcpu);

		res->blocked = os->blocked;
		res->preempted = os->preempted;
		res->no_stack = os->no_stack;
		res->unpaired = os->unpaired;
	}
	if (r->out && r->pids) {
		err2 = capture_perfmaps(&r->capture, r->pids);
		if (!err2 && opts->kernel)
			err2 = capture_ksyms(&r->capture, r->stacks);
		if (!err)
			err = err2;
	}
	targets_reap(&r->targets);
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
		if (opts->all)
			finish_host(&fin.finish, opts, res);
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
