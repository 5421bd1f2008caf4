#include "cprof/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof/proctab.h"
#include "cprof/unwind.h"
#include "cprof/util.h"

/*
 * One entry a thread (by tid; a process's is its main thread's, tid ==
 * pid), made on first sight and dropped at its EXIT. The P_* flags are
 * meaningful in a process's entry only.
 */
enum {
	T_NAMED = 1,             /* comm holds its name (read, announced or inherited) */
	P_MAPPED = 2,            /* its mappings are known: read from /proc, or announced
				    by the kernel since its birth or exec */
	P_KTHREAD = 4,           /* no user mappings: a kernel thread */
	P_GONE = 8,              /* its /proc could not be read */
	P_EXEC = 16,             /* exec'd: its new mappings are being announced */
	P_SAMPLED = 32,          /* a sample of it was kept */
	P_NOSTATE = 64,          /* its mappings gave the unwinder nothing to hold */
	T_EXITED = 128,          /* its EXIT was seen: forgotten soon (EXIT_LINGER_NS) */
};

/*
 * A thread is still sampled after its EXIT record, on its way out of the
 * kernel (and a sample taken before it may come in the next drain): its
 * entry is kept this long after, so that such a sample finds its process
 * as it was, not a stranger to read from /proc again.
 */
#define EXIT_LINGER_NS 1000000000ULL

struct hthread {
	char comm[16];
	uint8_t flags;
};

struct host {
	struct host_opts o;
	struct host_hooks hooks;
	struct unwinder *u;
	struct proctab *threads; /* tid -> struct hthread */
	/* the threads that exited, in time order: exq[exhead..nexq) */
	struct exited { pid_t tid; uint64_t time; } *exq;
	size_t exhead, nexq, capexq;
	int idle_named;
	struct host_stats st;
};

int host_new(const struct host_opts *o, const struct host_hooks *hooks, struct unwinder *u,
	     struct host **out)
{
	struct host *h = calloc(1, sizeof(*h));

	if (!h || proctab_new(sizeof(struct hthread), NULL, NULL, &h->threads)) {
		free(h);
		return -ENOMEM;
	}
	h->o = *o;
	h->hooks = *hooks;
	h->u = u;
	*out = h;
	return 0;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	proctab_free(h->threads);
	free(h->exq);
	free(h);
}

const struct host_stats *host_stats(const struct host *h)
{
	return &h->st;
}

static int excluded(const struct host *h, pid_t pid)
{
	size_t i;

	if (pid == h->o.self)
		return 1;
	for (i = 0; i < h->o.nexclude; i++)
		if (h->o.exclude[i] == pid)
			return 1;
	return 0;
}

/* Name thread TID of PID from /proc and announce it, once (a thread gone stays nameless). */
static int name_thread(struct host *h, pid_t pid, pid_t tid, struct hthread *t)
{
	if (t->flags & T_NAMED)
		return 0;
	t->flags |= T_NAMED;
	if (procfs_read_comm(pid, tid, t->comm, sizeof(t->comm))) {
		t->comm[0] = '\0';
		return 0;
	}
	return h->hooks.comm(pid, tid, t->comm, h->hooks.arg);
}

struct maps_ctx {
	struct host *h;
	pid_t pid;
	size_t n;
};

static int one_map(const struct proc_map *m, void *arg)
{
	struct maps_ctx *c = arg;

	c->n++;
	return c->h->hooks.map(c->pid, m, c->h->hooks.arg);
}

/* The mappings of process P (PID) from /proc, to the recorder. */
static int read_maps(struct host *h, pid_t pid, struct hthread *p, int again)
{
	struct maps_ctx c = { h, pid, 0 };
	int err = procfs_for_each_map(pid, one_map, &c);

	if (err == -ESRCH || err == -ENOENT || err == -EACCES || err == -EPERM) {
		p->flags |= P_GONE; /* exited meanwhile, or not ours: its pc alone */
		h->st.unreadable++;
		return 0;
	}
	if (err)
		return err;
	p->flags = (uint8_t)((p->flags & ~P_NOSTATE) | P_MAPPED);
	if (!c.n)
		p->flags |= P_KTHREAD; /* a zombie has none either: it runs no user code */
	else if (h->u && !unwinder_has(h->u, pid))
		p->flags |= P_NOSTATE; /* nothing it could use: do not read it at every sample */
	if (again)
		h->st.reread++;
	else
		h->st.read++;
	return 0;
}

/* Whether P's mappings are to be read (again) before its sample is unwound. */
static int needs_maps(const struct host *h, pid_t pid, const struct hthread *p)
{
	if (p->flags & (P_GONE | T_EXITED))
		return 0; /* on its way out: as it is known */
	if (!(p->flags & P_MAPPED))
		return 1;
	/* the unwinder dropped it for its budget */
	return h->u && !(p->flags & (P_KTHREAD | P_NOSTATE)) && !unwinder_has(h->u, pid);
}

/* ---- the container of a process (/proc/PID/cgroup) ---- */

#define CGROUP_READ_MAX 4096     /* a process's cgroup file: a line per hierarchy */

static int all_hex(const char *s, size_t n)
{
	size_t i;

	if (n < 12 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The container id in path component C (N bytes) into *ID, *IDN; 1 if it is one. */
static int component_id(const char *c, size_t n, const char **id, size_t *idn)
{
	static const char *const prefix[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };
	static const char scope[] = ".scope";
	size_t i, lp, ls = sizeof(scope) - 1;

	if (n == 64 && all_hex(c, n)) {
		*id = c;
		*idn = n;
		return 1;
	}
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		lp = strlen(prefix[i]);
		if (n > lp + ls && !memcmp(c, prefix[i], lp) && !memcmp(c + n - ls, scope, ls) &&
		    all_hex(c + lp, n - lp - ls)) {
			*id = c + lp;
			*idn = n - lp - ls;
			return 1;
		}
	}
	return 0;
}

int host_container_parse(const char *text, size_t n, char *out, size_t size)
{
	const char *end = text + n, *line = text, *nl, *unit = NULL, *id = NULL;
	size_t unitn = 0, idn = 0;

	for (; line < end && (nl = memchr(line, '\n', (size_t)(end - line))); line = nl + 1) {
		/* "hierarchy:controllers:path": the path after the second ':' */
		const char *p = memchr(line, ':', (size_t)(nl - line)), *c, *ce;

		if (p)
			p = memchr(p + 1, ':', (size_t)(nl - p - 1));
		if (!p)
			continue;
		/* components from the deepest up: the first container wins in the line */
		for (ce = nl; ce > p + 1 && !id; ce = c - 1) {
			for (c = ce; c > p + 1 && c[-1] != '/'; c--)
				;
			if (component_id(c, (size_t)(ce - c), &id, &idn))
				break;
			if (!unit && ce - c > 8 && ce - c < (ptrdiff_t)size &&
			    !memcmp(ce - 8, ".service", 8)) {
				unit = c;
				unitn = (size_t)(ce - c);
			}
		}
		if (id)
			break;
	}
	if (!id) {
		id = unit;
		idn = unitn;
	}
	if (!id || !size || idn >= size) {
		if (size)
			out[0] = '\0';
		return 0;
	}
	memcpy(out, id, idn);
	out[idn] = '\0';
	return 1;
}

/* Tell the recorder the container of PID, if it runs in one (bounded read, no links). */
static int announce_container(struct host *h, pid_t pid)
{
	char path[64], text[CGROUP_READ_MAX], id[HOST_CONTAINER_MAX];
	ssize_t n = 0, got;
	int fd;

	if (!h->hooks.container)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0; /* gone, or not ours: no container known */
	while ((size_t)n < sizeof(text) &&
	       (got = read(fd, text + n, sizeof(text) - (size_t)n)) > 0)
		n += got;
	close(fd);
	if (!host_container_parse(text, (size_t)n, id, sizeof(id)))
		return 0;
	h->st.containers++;
	return h->hooks.container(pid, id, h->hooks.arg);
}

static int on_sample(struct host *h, const struct event_sample *s)
{
	pid_t pid = (pid_t)s->pid, tid = (pid_t)s->tid;
	struct hthread *p, *t;
	int err;

	if (excluded(h, pid))
		goto drop;
	if (!pid) { /* the idle task */
		if (!h->o.kernel)
			goto drop;
		if (!h->idle_named && (err = h->hooks.comm(0, 0, "swapper", h->hooks.arg)))
			return err;
		h->idle_named = 1;
		goto keep;
	}
	if (!(p = proctab_get(h->threads, pid, NULL)) ||
	    (tid != pid && !(t = proctab_get(h->threads, tid, NULL))))
		return -ENOMEM;
	if (tid == pid)
		t = p;
	if ((err = name_thread(h, pid, pid, p)) || (err = name_thread(h, pid, tid, t)))
		return err;
	if (h->o.comm && strcmp(t->comm, h->o.comm) && strcmp(p->comm, h->o.comm))
		goto drop;
	if (needs_maps(h, pid, p) && (err = read_maps(h, pid, p, (p->flags & P_MAPPED) != 0)))
		return err;
	p->flags &= (uint8_t)~P_EXEC;
	if ((p->flags & P_KTHREAD) && !h->o.kernel)
		goto drop;
	if (!(p->flags & P_SAMPLED)) {
		p->flags |= P_SAMPLED;
		h->st.processes++;
		if ((err = announce_container(h, pid)))
			return err;
	}
keep:
	h->st.kept++;
	return 1;
drop:
	h->st.filtered++;
	return 0;
}

static int on_comm(struct host *h, const struct event_comm *c)
{
	struct hthread *t = proctab_get(h->threads, (pid_t)c->tid, NULL), *p = t;

	if (!t || (c->pid != c->tid && !(p = proctab_get(h->threads, (pid_t)c->pid, NULL))))
		return -ENOMEM;
	snprintf(t->comm, sizeof(t->comm), "%s", c->comm);
	t->flags |= T_NAMED;
	/* a new image: the kernel announces its mappings now */
	if (c->exec)
		p->flags = (uint8_t)((p->flags & (T_NAMED | P_SAMPLED)) | P_MAPPED | P_EXEC);
	return 1;
}

static int on_fork(struct host *h, const struct event_task *f)
{
	struct hthread *t, *parent = proctab_find(h->threads, (pid_t)f->ptid);
	struct hthread *pproc = proctab_find(h->threads, (pid_t)f->ppid);

	proctab_drop(h->threads, (pid_t)f->tid); /* a pid given again */
	if (!(t = proctab_get(h->threads, (pid_t)f->tid, NULL)))
		return -ENOMEM;
	if (parent && (parent->flags & T_NAMED)) {
		memcpy(t->comm, parent->comm, sizeof(t->comm));
		t->flags |= T_NAMED;
	}
	/*
	 * A new process has a copy of its parent's mappings: known if the
	 * parent's are, and held by the unwinder (which copies them).
	 */
	if (f->pid != f->ppid && pproc && (pproc->flags & P_MAPPED) &&
	    ((pproc->flags & P_KTHREAD) || !h->u || unwinder_has(h->u, (pid_t)f->ppid)))
		t->flags |= pproc->flags & (P_MAPPED | P_KTHREAD);
	return 1;
}

/*
 * A mapping of a process whose unwinding state was dropped: the unwinder
 * would hold this one alone, so its whole address space is read again
 * before its next sample.
 */
static void on_mmap(struct host *h, const struct event_mmap *m)
{
	struct hthread *p = proctab_find(h->threads, (pid_t)m->pid);

	if (p && h->u && (p->flags & P_MAPPED) && !(p->flags & (P_EXEC | P_KTHREAD)) &&
	    !unwinder_has(h->u, (pid_t)m->pid))
		p->flags &= (uint8_t)~P_MAPPED;
}

/* Thread TID exited at TIME: forgotten EXIT_LINGER_NS later. */
static int note_exit(struct host *h, pid_t tid, uint64_t time)
{
	struct hthread *t = proctab_find(h->threads, tid);

	if (!t)
		return 1;
	t->flags |= T_EXITED;
	if (h->exhead && h->exhead * 2 >= h->nexq) {
		memmove(h->exq, h->exq + h->exhead, (h->nexq - h->exhead) * sizeof(*h->exq));
		h->nexq -= h->exhead;
		h->exhead = 0;
	}
	if (array_reserve(&h->exq, &h->capexq, h->nexq + 1, sizeof(*h->exq)))
		return -ENOMEM;
	h->exq[h->nexq++] = (struct exited){ tid, time };
	return 1;
}

/* Forget the threads that exited EXIT_LINGER_NS before NOW. */
static void forget_exited(struct host *h, uint64_t now)
{
	for (; h->exhead < h->nexq && h->exq[h->exhead].time + EXIT_LINGER_NS < now; h->exhead++) {
		struct hthread *t = proctab_find(h->threads, h->exq[h->exhead].tid);

		/* unless its tid names a newcomer now */
		if (t && (t->flags & T_EXITED))
			proctab_drop(h->threads, h->exq[h->exhead].tid);
	}
}

int host_event(struct host *h, const struct event *ev)
{
	forget_exited(h, event_time(ev));
	switch (ev->type) {
	case PERF_RECORD_SAMPLE:
		return on_sample(h, &ev->sample);
	case PERF_RECORD_COMM:
		return on_comm(h, &ev->comm);
	case PERF_RECORD_FORK:
		return on_fork(h, &ev->task);
	case PERF_RECORD_EXIT:
		return note_exit(h, (pid_t)ev->task.tid, ev->task.time);
	case PERF_RECORD_MMAP2:
		on_mmap(h, &ev->mmap);
		return 1;
	default:
		return 1;
	}
}
