#include "cprof/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cprof/addrsyms.h"
#include "cprof/binsource.h"
#include "cprof/datafile.h"
#include "cprof/jitenv.h"
#include "cprof/jitfollow.h"
#include "cprof/procfs.h"
#include "cprof/sink.h"
#include "cprof/stacktab.h"
#include "cprof/util.h"

int capture_init(struct capture *c, struct sink *out, struct record_result *res,
		 struct jitfollow *jits, int jvm)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->out = out;
	c->res = res;
	c->jits = jits;
	c->jvm = jvm;
	err = pairmap_new(&c->map_idx);
	return err ? err : pairmap_new(&c->gone);
}

void capture_release(struct capture *c)
{
	pairmap_free(c->map_idx);
	pairmap_free(c->gone);
	free(c->maps);
	c->map_idx = NULL;
	c->maps = NULL;
}

/*
 * The JIT names of one file (a perf map, a jitdump's code loads as
 * perf-map lines) on their way into PERFMAP records, fed in pieces: only
 * whole lines the report can use are kept (a sparse or binary file names
 * nothing), at most RECORD_NAMES_LINES of them, in records of at most
 * RECORD_NAMES_RECORD bytes cut at line ends (a record holds 16 MiB).
 */
struct names_out {
	struct capture *c;
	pid_t pid;
	struct buf rec;               /* whole lines for the next record */
	struct buf part;              /* a line not ended yet, shorter than PERFMAP_LINE_MAX */
	size_t lines;                 /* kept */
	int skip;                     /* inside a line too long to keep */
	int cut;                      /* the line cap was reached: the rest is left out */
	int whole_only;               /* a line not ended yet is left for the next read */
};

static void names_init(struct names_out *o, struct capture *c, pid_t pid)
{
	memset(o, 0, sizeof(*o));
	o->c = c;
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
	err = sink_write(o->c->out, &rec);
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
	if (!err && o->part.len && !o->skip && !o->cut && !o->whole_only)
		err = names_line(o);
	if (!err)
		err = names_flush(o);
	*cut = o->cut;
	buf_release(&o->rec);
	buf_release(&o->part);
	return err;
}

/* The JIT names of PID's file were cut: the command says so. */
static void note_cut(struct capture *c, pid_t pid)
{
	if (!c->res->jit_cut++)
		c->res->jit_cut_pid = pid;
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

/* The perf map of PID as read so far (one per process, kept by C). */
struct perfmap_src {
	pid_t pid;
	dev_t dev;
	ino_t ino;
	uint64_t off;                 /* read up to here: the end of its last whole line */
	uint64_t read;                /* bytes read of it, of RECORD_PERFMAP_MAX */
	size_t lines;                 /* kept, of RECORD_NAMES_LINES */
	int cut;                      /* at a cap: read no more */
};

/* PID's perf map state, made on first use; NULL if out of memory. */
static struct perfmap_src *perfmap_src(struct capture *c, pid_t pid)
{
	uint64_t *idx = pairmap_slot(c->map_idx, (uint64_t)pid, 0, UINT64_MAX);
	struct perfmap_src *m;

	if (!idx)
		return NULL;
	if (*idx != UINT64_MAX)
		return &c->maps[*idx];
	if (array_reserve(&c->maps, &c->capmaps, c->nmaps + 1, sizeof(*c->maps)))
		return NULL;
	*idx = c->nmaps;
	m = &c->maps[c->nmaps++];
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	return m;
}

/*
 * What M's perf map, open at FD, holds past what was read of it: at most
 * LIMIT bytes and within the caps (record.h). Only whole lines, unless
 * LAST (the recording ends): then an unended last line too. A file other
 * than the one read before, or shorter than what was read of it (it was
 * written anew), is read from its start.
 */
static int perfmap_read(struct capture *c, struct perfmap_src *m, int fd, int last,
			uint64_t limit)
{
	uint64_t room = RECORD_PERFMAP_TOTAL - c->perfmap_read, done = 0, pos, whole;
	struct names_out o;
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int err = 0, cut;

	if (m->cut || fstat(fd, &st) < 0)
		return 0;
	if (st.st_dev != m->dev || st.st_ino != m->ino || (uint64_t)st.st_size < m->off)
		m->off = 0;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	if (room > RECORD_PERFMAP_MAX - m->read)
		room = RECORD_PERFMAP_MAX - m->read;
	if (limit > room)
		limit = room;
	names_init(&o, c, m->pid);
	o.lines = m->lines;
	o.whole_only = !last;
	pos = whole = m->off;
	while (!err && !o.cut && done < limit) {
		const char *nl;

		n = pread(fd, chunk, limit - done < sizeof(chunk) ? (size_t)(limit - done) : sizeof(chunk),
			  (off_t)pos);
		if (n <= 0)
			break;
		done += (uint64_t)n;
		pos += (uint64_t)n;
		m->read += (uint64_t)n;
		c->perfmap_read += (uint64_t)n;
		if ((nl = memrchr(chunk, '\n', (size_t)n)))
			whole = pos - (uint64_t)n + (uint64_t)(nl - chunk) + 1;
		err = names_feed(&o, chunk, (size_t)n);
	}
	err = names_end(&o, err, &cut);
	m->off = last ? pos : whole;
	m->lines = o.lines;
	if (!err && (cut || (done >= room && !fstat(fd, &st) && (uint64_t)st.st_size > pos))) {
		m->cut = 1;
		note_cut(c, m->pid);
	}
	return err;
}

int capture_follow(struct capture *c, const struct pairmap *pids)
{
	uint64_t pid, zero, v, budget = CAPTURE_FOLLOW_MAX;
	size_t pos = 0;
	int err = 0;

	while (!err && budget && pairmap_next(pids, &pos, &pid, &zero, &v)) {
		uint64_t before = c->perfmap_read, dead;
		struct perfmap_src *m;
		int fd;

		/* a process seen gone is not looked at again: its map is read at the end */
		if (pairmap_get(c->gone, pid, 0, &dead))
			continue;
		if (!procfs_alive((pid_t)pid)) {
			err = pairmap_put(c->gone, pid, 0, 1);
			continue;
		}
		if ((fd = binsource_open_jit_file((pid_t)pid, "perf", "map")) < 0)
			continue;
		m = perfmap_src(c, (pid_t)pid);
		err = m ? perfmap_read(c, m, fd, 0, budget) : -ENOMEM;
		close(fd);
		budget -= c->perfmap_read - before < budget ? c->perfmap_read - before : budget;
	}
	return err;
}

/* A jitdump file's code loads, as perf-map lines (jitfollow.h). */
static int write_jitdump_file(struct capture *c, pid_t pid, int fd)
{
	struct buf text;
	int err, cut;

	buf_init(&text);
	err = jitfollow_file_names(c->jits, fd, &text, &cut);
	if (!err)
		err = emit_names(pid, &text, cut, c);
	buf_release(&text);
	return err;
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

/* JIT symbol files: perf maps, and jitdump files as perf-map lines. */
int capture_perfmaps(struct capture *c, const struct pairmap *pids)
{
	size_t pos = 0;
	uint64_t pid, zero, v;
	int err = 0;

	while (!err && pairmap_next(pids, &pos, &pid, &zero, &v)) {
		enum jit_runtime runtime = procfs_alive((pid_t)pid) ? jit_runtime((pid_t)pid) : JIT_NONE;
		uint64_t idx;
		int named = 0, has_map = 0;
		int followed = 0;
		int fd;

		/* read while recording: what was read is in the data file already */
		if (pairmap_get(c->map_idx, pid, 0, &idx) && idx < c->nmaps)
			named = has_map = 1;
		if (c->jvm && runtime == JIT_JVM) {
			jvm_perfmap((pid_t)pid);
			if (named)
				c->maps[idx].off = 0; /* written anew: all of it */
		}
		if ((fd = binsource_open_jit_file((pid_t)pid, "perf", "map")) >= 0) {
			struct perfmap_src *m = perfmap_src(c, (pid_t)pid);

			err = m ? perfmap_read(c, m, fd, 1, UINT64_MAX) : -ENOMEM;
			close(fd);
			named = has_map = 1;
		}
		/* a dump it mapped was read while recording; else look in /tmp */
		if (!err)
			err = jitfollow_names(c->jits, (pid_t)pid, emit_names, c, &followed);
		if (!err && !followed && (fd = binsource_open_jit_file((pid_t)pid, "jit", "dump")) >= 0) {
			err = write_jitdump_file(c, (pid_t)pid, fd);
			close(fd);
			named = 1;
		}
		named |= followed;
		/* a runtime that could have named its code: say how */
		if (!named && runtime != JIT_NONE && c->res->nhints < RECORD_HINTS) {
			c->res->hints[c->res->nhints].pid = (pid_t)pid;
			c->res->hints[c->res->nhints++].runtime = runtime;
		}
		/* one that lives on with its newest records in its own buffer (runtime: alive) */
		if (followed && !has_map && jit_dump_hint(runtime) && c->res->nhints < RECORD_HINTS) {
			c->res->hints[c->res->nhints].pid = (pid_t)pid;
			c->res->hints[c->res->nhints].dump = 1;
			c->res->hints[c->res->nhints++].runtime = runtime;
		}
	}
	return err;
}

/* A kallsyms_fn: every kernel function into the table ARG. */
static int add_ksym(uint64_t addr, const char *name, void *arg)
{
	return addrsyms_add(arg, addr, 0, name);
}

/* Name the kernel functions the recorded stacks use, from /proc/kallsyms. */
int capture_ksyms(struct capture *c, const struct stacktab *stacks)
{
	struct addrsyms *ks = NULL;
	struct pairmap *done = NULL;
	uint32_t id;
	int err;

	if ((err = addrsyms_new(&ks)) || (err = pairmap_new(&done)))
		goto out;
	/* unreadable: kernel frames stay [kernel.kallsyms] (adding fails only for memory) */
	err = kallsyms_read("/proc/kallsyms", add_ksym, ks);
	if (err != -ENOMEM)
		err = 0;
	for (id = 0; !err && id < stacktab_count(stacks); id++) {
		size_t n, i;
		const uint64_t *ips = stacktab_get(stacks, id, &n);

		n = ips ? df_native_len(ips, n) : 0;
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
			err = sink_write(c->out, &rec);
		}
	}
out:
	addrsyms_free(ks);
	pairmap_free(done);
	return err;
}
