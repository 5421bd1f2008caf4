#include "cprof/jitfollow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/jitcfi.h"
#include "cprof/jitdump.h"
#include "cprof/unwind.h"

#define JITDUMP_MAX JITFOLLOW_DUMP_MAX
#define JITDUMP_TOTAL_MAX JITFOLLOW_TOTAL_MAX
#define JITDUMP_TAIL_MAX (16u << 20) /* a record longer than this is a lie */
#define JITDUMP_CHUNK 65536

/*
 * A jitdump file a process mapped, followed as it grows: its code loads
 * name JIT code (perf-map lines for the data file: the dump may be gone
 * when the recording ends) and give the unwinder their CFI before any
 * sample taken after they were written is unwound.
 */
struct jitsrc {
	pid_t pid;
	int ended;                    /* the process exec'd or exited: a new dump is another program's */
	int fd;                       /* -1: given up, or done */
	int started;                  /* its header has been read */
	int cut;                      /* given up at a cap: its later code is unnamed */
	uint64_t off;                 /* bytes read */
	struct buf tail;              /* read from the first record not yet used */
	struct buf names;             /* perf-map lines */
};


struct jitfollow {
	struct unwinder *unwinder;    /* NULL: names only */
	struct jitsrc *srcs;          /* one per program a process ran, at most */
	size_t nsrcs, capsrcs;
	uint64_t read;                /* bytes read of them all */
};

int jitfollow_new(struct unwinder *u, struct jitfollow **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->unwinder = u;
	return 0;
}

/*
 * Whether PATH's last component is a jitdump's name, jit-PID.dump (as
 * perf tells them), the file perhaps deleted since it was mapped.
 */
int jitfollow_is_dump(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t digits;

	base = base ? base + 1 : path;
	if (strncmp(base, "jit-", 4))
		return 0;
	digits = strspn(base + 4, "0123456789");
	return digits && (!strcmp(base + 4 + digits, ".dump") ||
			  !strcmp(base + 4 + digits, ".dump (deleted)"));
}

/* The dump PID follows now (not one of a program it ran before an exec). */
static struct jitsrc *jitsrc_find(struct jitfollow *f, pid_t pid)
{
	size_t i;

	for (i = 0; i < f->nsrcs; i++)
		if (f->srcs[i].pid == pid && !f->srcs[i].ended)
			return &f->srcs[i];
	return NULL;
}

/* Use the records of S's tail that are whole; the rest waits for more bytes. */
static int jitsrc_parse(struct jitfollow *f, struct jitsrc *s)
{
	const uint8_t *data = (const uint8_t *)s->tail.data;
	struct jitdump_load load;
	size_t pos = 0;
	int err = 0, got;

	if (!s->started) {
		got = jitdump_header(data, s->tail.len, &pos);
		if (got == -EAGAIN)
			return 0;
		if (got)
			return -EPROTO;
		s->started = 1;
	}
	while (!err && jitdump_next_load(data, s->tail.len, &pos, &load) > 0) {
		uint8_t *image;
		size_t len;

		err = jitdump_perfmap_line(&load, &s->names);
		if (err || !load.unwind || !f->unwinder ||
		    jitcfi_image(&load, &image, &len))
			continue;
		/* refused (over a binary, too many): that code is unwound as before */
		err = unwinder_map_jit(f->unwinder, s->pid, load.addr, load.size, image, len);
		if (err != -ENOMEM)
			err = 0;
	}
	memmove(s->tail.data, s->tail.data + pos, s->tail.len - pos);
	s->tail.len -= pos;
	return err;
}

/* Whether S's file holds more than was read of it. */
static int jitsrc_more(const struct jitsrc *s)
{
	struct stat st;

	return !fstat(s->fd, &st) && (uint64_t)st.st_size > s->off;
}

/* Read what was added to S's file since the last time, and use it. */
static int jitsrc_read(struct jitfollow *f, struct jitsrc *s)
{
	ssize_t n;
	int err = 0;

	while (!err && s->fd >= 0) {
		if (s->off >= JITDUMP_MAX || f->read >= JITDUMP_TOTAL_MAX ||
		    s->tail.len > JITDUMP_TAIL_MAX) {
			/* a record that long lies; a dump at a cap is cut if it has more */
			s->cut = s->tail.len > JITDUMP_TAIL_MAX || jitsrc_more(s);
			err = -EFBIG;
			break;
		}
		if ((err = buf_reserve(&s->tail, JITDUMP_CHUNK)))
			return err;
		n = pread(s->fd, s->tail.data + s->tail.len, JITDUMP_CHUNK, (off_t)s->off);
		if (n <= 0)
			break; /* the runtime has written no more yet */
		s->tail.len += (size_t)n;
		s->off += (uint64_t)n;
		f->read += (uint64_t)n;
		err = jitsrc_parse(f, s);
	}
	if (err && err != -ENOMEM) {
		/* not a jitdump, or one that lies: keep what it named */
		close(s->fd);
		s->fd = -1;
		buf_release(&s->tail);
		err = 0;
	}
	return err;
}

/* Every followed jitdump, read up to its present end. */
int jitfollow_read_all(struct jitfollow *f)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < f->nsrcs; i++)
		err = jitsrc_read(f, &f->srcs[i]);
	return err;
}

/* PID exec'd or exited: its dump has no more code for it; what it named stays. */
int jitfollow_end(struct jitfollow *f, pid_t pid)
{
	struct jitsrc *s = jitsrc_find(f, pid);
	int err;

	if (!s)
		return 0;
	err = jitsrc_read(f, s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->ended = 1;
	buf_release(&s->tail);
	return err;
}

/*
 * PID mapped the jitdump FILE (the name we can read it by): follow it.
 * It is opened by binsource's rules (no link, no FIFO, inside a
 * container's root) and only if owned by us, root or the process.
 */
int jitfollow_add(struct jitfollow *f, pid_t pid, const char *file)
{
	struct jitsrc *s;
	int fd, err = 0;

	if (jitsrc_find(f, pid))
		return 0;
	fd = binsource_open_data(file);
	if (fd < 0)
		return 0;
	if (!binsource_jit_owned(fd, pid) ||
	    (err = array_reserve(&f->srcs, &f->capsrcs, f->nsrcs + 1, sizeof(*f->srcs)))) {
		close(fd);
		return err;
	}
	s = &f->srcs[f->nsrcs++];
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->fd = fd;
	buf_init(&s->tail);
	buf_init(&s->names);
	return jitsrc_read(f, s);
}

void jitfollow_free(struct jitfollow *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nsrcs; i++) {
		if (f->srcs[i].fd >= 0)
			close(f->srcs[i].fd);
		buf_release(&f->srcs[i].tail);
		buf_release(&f->srcs[i].names);
	}
	free(f->srcs);
	free(f);
}


int jitfollow_names(struct jitfollow *f, pid_t pid, jitfollow_fn fn, void *arg, int *followed)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < f->nsrcs; i++) {
		struct jitsrc *s = &f->srcs[i];

		if (s->pid != pid)
			continue;
		*followed = 1;
		if (!(err = jitsrc_read(f, s)))
			err = fn(pid, &s->names, s->cut, arg);
	}
	return err;
}

int jitfollow_file_names(struct jitfollow *f, int fd, struct buf *names, int *cut)
{
	uint64_t room = JITDUMP_TOTAL_MAX - f->read;
	struct buf dump;
	struct stat st;
	ssize_t n;
	int err = 0;

	*cut = 0;
	if (room > JITDUMP_MAX)
		room = JITDUMP_MAX;
	buf_init(&dump);
	while (!err && dump.len < room && !(err = buf_reserve(&dump, JITDUMP_CHUNK))) {
		size_t want = room - dump.len < JITDUMP_CHUNK ? (size_t)(room - dump.len) : JITDUMP_CHUNK;

		n = pread(fd, dump.data + dump.len, want, (off_t)dump.len);
		if (n <= 0)
			break;
		dump.len += (size_t)n;
		f->read += (uint64_t)n;
	}
	*cut = !err && dump.len >= room && !fstat(fd, &st) && (uint64_t)st.st_size > dump.len;
	if (!err && dump.len)
		err = jitdump_to_perfmap((const uint8_t *)dump.data, dump.len, names);
	if (err == -EPROTO)
		err = 0; /* not a jitdump: nothing to keep */
	buf_release(&dump);
	return err;
}
