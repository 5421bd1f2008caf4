#include "cprof/sampler.h"

#include <asm/perf_regs.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cprof/ring.h"
#include "cprof/util.h"

struct sampler {
	struct sampler_config cfg;
	struct perf_event_attr attr;
	struct perf_event_attr switch_attr; /* the context-switch source (off_cpu) */
	struct pairmap *switch_ids; /* its events' ids -> 1 */
	int switch_err;          /* it was refused: -errno */
	int cgroup_fd;           /* cfg.cgroup's directory, or -1 */
	struct event_layout layout;
	int ncpus;
	struct ring *rings;      /* per CPU; fd -1 until the first event there */
	int *fds;                /* every event fd */
	pid_t *fd_tids;          /* the thread each was opened for (0: removed) */
	size_t nfds, capfds;
	struct pollfd *pfds;
	unsigned char *hup;      /* per CPU: its polled event has hung up */
	unsigned nthreads;
	uint64_t lost;
	size_t min_ring_pages;   /* of the rings mapped so far */
	/* the records of one drain, to be handed out in time order */
	struct pending *pending;
	size_t npending, cappending;
	/* per CPU: its records of this drain are pending[next..end) by seq */
	struct cursor { size_t next, end; } *cursors;
	unsigned char *done;     /* by seq: handed out */
	uint64_t *posof;         /* by seq: its position in its ring */
	size_t capdone, capposof;
};

struct pending {
	uint64_t time;
	uint64_t pos;            /* in its ring */
	int cpu;
	size_t seq;              /* ties keep ring order */
};


static void build_attr(const struct sampler_config *cfg, struct perf_event_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->freq = 1;
	a->sample_freq = cfg->freq;
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
	if (cfg->mode == CALLGRAPH_FP || cfg->kernel)
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (cfg->mode == CALLGRAPH_DWARF) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = SAMPLER_USER_REGS;
		a->sample_stack_user = cfg->stack_size;
		/*
		 * User frames come from our unwinder; the kernel's frame-pointer
		 * chain, walked when the sample is taken, is where it goes on past
		 * a Go stack switch, whose other stack is not in the copy (gochain.h).
		 */
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
	}
	if (!cfg->kernel)
		a->exclude_callchain_kernel = 1;
	a->disabled = cfg->start_disabled;
	/* a CPU-wide event sees every task already: nothing to inherit */
	a->inherit = !cfg->system_wide;
	a->enable_on_exec = cfg->enable_on_exec;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->build_id = 1;
	a->exclude_hv = 1;
	a->exclude_guest = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	if (cfg->wake_each) {
		a->wakeup_events = 1;
	} else {
		a->wakeup_watermark = (uint32_t)(cfg->ring_pages * 4096 / 4);
		a->watermark = 1;
	}
	/* two sources share each ring: a sample says which by its event id */
	if (cfg->off_cpu)
		a->sample_type |= PERF_SAMPLE_IDENTIFIER;
}

/*
 * The context-switch source: sampled at every switch-out with the same
 * layout as the CPU samples (so one decoder reads the ring), and switch
 * records whose "out, preempted" flag tells a runnable thread from a
 * blocked one. No side-band: the cpu-clock event reports mappings and
 * tasks. Its samples fire inside schedule(), in kernel mode, so it cannot
 * exclude the kernel.
 */
static void build_switch_attr(const struct perf_event_attr *cpu, struct perf_event_attr *a)
{
	*a = *cpu;
	a->config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	a->freq = 0;
	a->sample_period = 1;
	a->mmap = a->mmap2 = a->comm = a->comm_exec = a->task = a->build_id = 0;
	a->context_switch = 1;
	a->exclude_kernel = 0;
}

/*
 * Without CAP_IPC_LOCK the kernel caps what the rings may lock; size them
 * all alike within it up front, rather than the first CPUs taking it all
 * and the last ones halved until they fit.
 */
static void fair_rings(struct sampler *s)
{
	struct rlimit rl;
	uint64_t mlock_kb = 516, memlock;
	FILE *f;

	if (geteuid() == 0)
		return;
	f = fopen("/proc/sys/kernel/perf_event_mlock_kb", "re");
	if (f) {
		if (fscanf(f, "%" SCNu64, &mlock_kb) != 1)
			mlock_kb = 516;
		fclose(f);
	}
	memlock = getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY ? 0 : rl.rlim_cur;
	s->cfg.ring_pages = ring_fair_pages(s->cfg.ring_pages, (unsigned)s->ncpus, mlock_kb,
					    memlock, (size_t)sysconf(_SC_PAGESIZE));
}

int sampler_new(const struct sampler_config *cfg, struct sampler **out)
{
	struct sampler *s = calloc(1, sizeof(*s));
	int i, err = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->cgroup_fd = -1;
	if (cfg->cgroup && cfg->system_wide &&
	    (s->cgroup_fd = open(cfg->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err = -errno;
		goto fail;
	}
	s->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (s->ncpus < 1)
		s->ncpus = 1;
	fair_rings(s); /* before the attr: its wakeup watermark is a share of the ring */
	build_attr(&s->cfg, &s->attr);
	build_switch_attr(&s->attr, &s->switch_attr);
	if (cfg->off_cpu && (err = pairmap_new(&s->switch_ids)))
		goto fail;
	err = -ENOMEM;
	s->layout.sample_type = s->attr.sample_type;
	s->layout.regs_mask = s->attr.sample_regs_user;
	s->layout.sample_id_all = 1;
	s->rings = calloc(s->ncpus, sizeof(*s->rings));
	s->pfds = calloc(s->ncpus, sizeof(*s->pfds));
	s->hup = calloc(s->ncpus, 1);
	s->cursors = calloc(s->ncpus, sizeof(*s->cursors));
	if (!s->rings || !s->pfds || !s->hup || !s->cursors)
		goto fail;
	for (i = 0; i < s->ncpus; i++)
		s->rings[i].fd = -1;
	*out = s;
	return 0;
fail:
	sampler_free(s);
	return err;
}

void sampler_free(struct sampler *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; s->rings && i < (size_t)s->ncpus; i++)
		ring_release(&s->rings[i]);
	for (i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	free(s->fds);
	free(s->fd_tids);
	free(s->pending);
	free(s->cursors);
	free(s->done);
	free(s->posof);
	free(s->rings);
	free(s->pfds);
	free(s->hup);
	pairmap_free(s->switch_ids);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	free(s);
}

static int perf_open(struct perf_event_attr *a, pid_t tid, int cpu, unsigned long flags)
{
	long fd = syscall(SYS_perf_event_open, a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC | flags);

	return fd < 0 ? -errno : (int)fd;
}

/* An event of S for TID (-1: every task) on CPU; -1 with a cgroup: the cgroup's tasks only. */
static int sampler_open(struct sampler *s, struct perf_event_attr *a, pid_t tid, int cpu)
{
	if (tid == -1 && s->cgroup_fd >= 0)
		return perf_open(a, s->cgroup_fd, cpu, PERF_FLAG_PID_CGROUP);
	return perf_open(a, tid, cpu, 0);
}

static int remember_fd(struct sampler *s, int fd, pid_t tid)
{
	size_t cap = s->capfds;

	if (array_reserve(&s->fds, &s->capfds, s->nfds + 1, sizeof(*s->fds)) ||
	    array_reserve(&s->fd_tids, &cap, s->nfds + 1, sizeof(*s->fd_tids)))
		return -ENOMEM;
	s->fds[s->nfds] = fd;
	s->fd_tids[s->nfds++] = tid;
	return 0;
}

static int ring_owner(const struct sampler *s, int fd)
{
	int cpu;

	for (cpu = 0; cpu < s->ncpus; cpu++)
		if (s->rings[cpu].fd == fd)
			return 1;
	return 0;
}

int sampler_remove_thread(struct sampler *s, pid_t tid)
{
	size_t i = 0;
	int found = 0;

	while (i < s->nfds) {
		if (s->fd_tids[i] != tid) {
			i++;
			continue;
		}
		found = 1;
		/* disabling stops the event and the events its children inherited */
		ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
		if (ring_owner(s, s->fds[i])) {
			s->fd_tids[i++] = 0; /* its ring lives on for the other events */
			continue;
		}
		close(s->fds[i]);
		s->fds[i] = s->fds[s->nfds - 1];
		s->fd_tids[i] = s->fd_tids[s->nfds - 1];
		s->nfds--;
	}
	if (found && s->nthreads)
		s->nthreads--;
	return found ? 0 : -ENOENT;
}

/* Open on one CPU, relaxing attr bits older or stricter kernels refuse. */
static int open_one(struct sampler *s, pid_t tid, int cpu)
{
	int fd = sampler_open(s, &s->attr, tid, cpu);

	if (fd == -EINVAL && s->attr.build_id) {
		s->attr.build_id = 0; /* before 5.12: no build-ids in MMAP2 */
		fd = sampler_open(s, &s->attr, tid, cpu);
	}
	if ((fd == -EACCES || fd == -EPERM) && !s->attr.exclude_kernel && !s->cfg.kernel) {
		/* perf_event_paranoid 2 allows user-space-only sampling */
		s->attr.exclude_kernel = 1;
		fd = sampler_open(s, &s->attr, tid, cpu);
		if (fd < 0)
			s->attr.exclude_kernel = 0;
	}
	return fd;
}

/*
 * The context-switch event of TID on CPU, into that CPU's ring. A refusal
 * is remembered, not returned: the CPU recording goes on without it.
 * Returns 0 or -ENOMEM.
 */
static int add_switch_event(struct sampler *s, pid_t tid, int cpu)
{
	uint64_t id;
	int fd, err;

	if (!s->cfg.off_cpu || s->switch_err)
		return 0;
	fd = sampler_open(s, &s->switch_attr, tid, cpu);
	if (fd == -ESRCH)
		return 0;
	if (fd < 0) {
		s->switch_err = fd;
		return 0;
	}
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, s->rings[cpu].fd) < 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0) {
		s->switch_err = -errno;
		close(fd);
		return 0;
	}
	if ((err = remember_fd(s, fd, tid))) {
		close(fd);
		return err;
	}
	return pairmap_put(s->switch_ids, id, 0, 1);
}

int sampler_add_thread(struct sampler *s, pid_t tid)
{
	int cpu, err = 0, opened = 0;

	for (cpu = 0; cpu < s->ncpus; cpu++) {
		struct ring *r = &s->rings[cpu];
		int fd = open_one(s, tid, cpu);

		if (fd == -ENODEV || fd == -EINVAL) {
			if (cpu > 0)
				continue; /* offline CPU */
		}
		if (fd < 0) {
			err = fd;
			break;
		}
		err = remember_fd(s, fd, tid);
		if (err) {
			close(fd);
			break;
		}
		opened++;
		if (r->fd < 0) {
			size_t pages = s->cfg.ring_pages;

			/* an unprivileged user may lock only so much: halve until it fits */
			while ((err = ring_init(r, fd, pages)) && (err == -EPERM || err == -ENOMEM) &&
			       pages > 16)
				pages /= 2;
			if (err) {
				err = -ENOBUFS;
				break;
			}
			/* what fitted is the size of every later ring too */
			s->cfg.ring_pages = pages;
			if (!s->min_ring_pages || pages < s->min_ring_pages)
				s->min_ring_pages = pages;
			s->pfds[cpu].fd = fd;
			s->pfds[cpu].events = POLLIN;
		} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
			err = -errno;
			break;
		}
		if ((err = add_switch_event(s, tid, cpu)))
			break;
	}
	if (!err && opened)
		s->nthreads++;
	return err;
}

int sampler_probe_cpus(void)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_SOFTWARE,
				     .config = PERF_COUNT_SW_CPU_CLOCK, .disabled = 1,
				     .exclude_hv = 1 };
	int cpu = sched_getcpu(), fd;

	/* the CPU we run on is online; the kernel checks the paranoia level at the open */
	fd = perf_open(&a, -1, cpu < 0 ? 0 : cpu, 0);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int sampler_add_cpus(struct sampler *s)
{
	if (!s->cfg.system_wide)
		return -EINVAL;
	return sampler_add_thread(s, -1);
}

static int ioctl_all(struct sampler *s, unsigned long req)
{
	size_t i;

	for (i = 0; i < s->nfds; i++)
		if (ioctl(s->fds[i], req, 0) < 0)
			return -errno;
	return 0;
}

int sampler_enable(struct sampler *s)
{
	return ioctl_all(s, PERF_EVENT_IOC_ENABLE);
}

int sampler_disable(struct sampler *s)
{
	return ioctl_all(s, PERF_EVENT_IOC_DISABLE);
}

int sampler_poll(struct sampler *s, int timeout_ms)
{
	struct pollfd pfds[s->ncpus];
	int i, n = 0, ready;

	/*
	 * A ring is polled through its first event; once that event's task
	 * has exited it reports POLLHUP for ever, though other tasks' samples
	 * still arrive: stop polling it (the caller drains every ring at each
	 * timeout anyway) rather than spin.
	 */
	for (i = 0; i < s->ncpus; i++)
		if (s->rings[i].fd >= 0 && !s->hup[i])
			pfds[n++] = s->pfds[i];
	if (!n) {
		struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };

		return nanosleep(&ts, NULL) ? -errno : 0;
	}
	ready = poll(pfds, n, timeout_ms);
	if (ready < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (!(pfds[i].revents & (POLLHUP | POLLERR)))
			continue;
		for (int cpu = 0; cpu < s->ncpus; cpu++)
			if (s->pfds[cpu].fd == pfds[i].fd)
				s->hup[cpu] = 1;
	}
	return ready;
}

static int by_time(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* P was handed out: give its ring back the space of the records done before it. */
static void hand_back(struct sampler *s, const struct pending *p)
{
	struct cursor *c = &s->cursors[p->cpu];
	size_t from = c->next;

	s->done[p->seq] = 1;
	while (c->next < c->end && s->done[c->next])
		c->next++;
	if (c->next != from)
		ring_release_to(&s->rings[p->cpu],
				c->next < c->end ? s->posof[c->next] : s->rings[p->cpu].head);
}

/*
 * One drain round hands out the records of every ring in time order, side
 * band and samples together, as perf's ordered events do: a thread's FORK
 * lands in its parent's CPU ring and its first COMM or MMAP in its own,
 * and the samples a process took on one CPU before it exec'd on another
 * must be unwound and written before the exec's COMM. Records are not
 * copied: each is found again in its ring by position, and a ring's space
 * goes back to the kernel as soon as every record before it was handed
 * out, not at the end of the round (at 50,000 context switches a second a
 * round's unwinding is several milliseconds of ring).
 */
int sampler_drain(struct sampler *s, sampler_fn fn, void *arg)
{
	const struct perf_event_header *hdr;
	struct event ev;
	uint64_t id;
	size_t i;
	int cpu, err = 0;

	s->npending = 0;
	for (cpu = 0; cpu < s->ncpus; cpu++) {
		struct ring *r = &s->rings[cpu];
		uint64_t pos;

		s->cursors[cpu].next = s->cursors[cpu].end = s->npending;
		if (r->fd < 0)
			continue;
		ring_begin(r);
		for (pos = r->pos; (hdr = ring_next(r)); pos = r->pos) {
			if (event_decode(&s->layout, hdr, &ev))
				continue; /* malformed: skip it */
			if (array_reserve(&s->pending, &s->cappending, s->npending + 1,
					  sizeof(*s->pending))) {
				err = -ENOMEM;
				goto out;
			}
			s->pending[s->npending] = (struct pending){ event_time(&ev), pos, cpu,
								    s->npending };
			s->npending++;
		}
		s->cursors[cpu].end = s->npending;
	}
	if (array_reserve(&s->done, &s->capdone, s->npending + 1, 1) ||
	    array_reserve(&s->posof, &s->capposof, s->npending + 1, sizeof(*s->posof))) {
		err = -ENOMEM;
		goto out;
	}
	memset(s->done, 0, s->npending);
	for (i = 0; i < s->npending; i++)
		s->posof[i] = s->pending[i].pos;
	if (s->npending > 1)
		qsort(s->pending, s->npending, sizeof(*s->pending), by_time);
	for (i = 0; i < s->npending && !err; i++) {
		hdr = ring_at(&s->rings[s->pending[i].cpu], s->pending[i].pos);
		if (hdr && !event_decode(&s->layout, hdr, &ev)) {
			if (ev.type == PERF_RECORD_LOST)
				s->lost += ev.lost.lost;
			if (ev.type == PERF_RECORD_SAMPLE && s->switch_ids)
				ev.sample.context_switch =
					pairmap_get(s->switch_ids, ev.sample.id, 0, &id);
			err = fn(&ev, arg);
		}
		hand_back(s, &s->pending[i]);
	}
out:
	for (cpu = 0; cpu < s->ncpus; cpu++)
		if (s->rings[cpu].fd >= 0)
			ring_end(&s->rings[cpu]);
	return err;
}

int sampler_switch_error(const struct sampler *s)
{
	return s->switch_err;
}

const struct event_layout *sampler_layout(const struct sampler *s)
{
	return &s->layout;
}

unsigned sampler_nr_threads(const struct sampler *s)
{
	return s->nthreads;
}

uint64_t sampler_lost(const struct sampler *s)
{
	return s->lost;
}

size_t sampler_ring_bytes(const struct sampler *s)
{
	return s->min_ring_pages * (size_t)sysconf(_SC_PAGESIZE);
}

const char *sampler_strerror(int err)
{
	switch (-err) {
	case EACCES:
	case EPERM:
		return "permission denied: lower kernel.perf_event_paranoid "
		       "(sysctl kernel.perf_event_paranoid=1) or run with CAP_PERFMON (or as root)";
	case ESRCH:
		return "no such process";
	case ENOENT:
	case EOPNOTSUPP:
		return "the cpu-clock software event is not supported by this kernel";
	case ENOBUFS:
		return "cannot map a ring buffer: raise the locked-memory limit ('ulimit -l') "
		       "or kernel.perf_event_mlock_kb";
	case EMFILE:
	case ENFILE:
		return "too many open files: raise the limit with 'ulimit -n'";
	case ENOMEM:
		return "out of memory (or perf_event_mlock_kb too small for the ring buffers)";
	case ENOSYS:
		return "perf_event_open is not available (kernel built without perf events?)";
	default:
		return strerror(-err);
	}
}

const char *sampler_switch_strerror(int err)
{
	switch (-err) {
	case EACCES:
	case EPERM:
		return "its samples are taken inside the kernel's scheduler: set "
		       "kernel.perf_event_paranoid to 1 or lower, or run with CAP_PERFMON (or as root)";
	case ENOENT:
	case EOPNOTSUPP:
	case EINVAL:
		return "this kernel has no context-switch records for a thread (Linux 4.17 or "
		       "later is needed)";
	default:
		return sampler_strerror(err);
	}
}
