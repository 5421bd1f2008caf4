#include "cprof/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct safeout {
	int fd;
	FILE *stream;
	unsigned flags;
	int committed;           /* in place from the start, or renamed */
	char *path;
	char *tmp;               /* NULL: written in place (a character device) */
	int replaced;            /* the file the commit unlinked, held open; -1 */
};

/*
 * Temporary files not yet renamed into place, for a fatal signal to
 * remove (report -o FILE --stats 2>&1 | head -1 dies of SIGPIPE). The one
 * mutable global besides the signal flags: a handler has nothing else to
 * reach. Slots are claimed and released by the owning thread only.
 */
#define PENDING_MAX 16
static char *volatile pending[PENDING_MAX];

static void remove_pending(int sig)
{
	int i;

	for (i = 0; i < PENDING_MAX; i++)
		if (pending[i])
			unlink(pending[i]); /* async-signal-safe */
	/* SA_RESETHAND restored the default: die of the signal as we would have */
	raise(sig);
}

static const int fatal_sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGXFSZ };

/* Block (or unblock, OLD given back) the signals that end a run. */
static void block_fatal_signals(sigset_t *old, int block)
{
	sigset_t set;
	size_t i;

	if (!block) {
		sigprocmask(SIG_SETMASK, old, NULL);
		return;
	}
	sigemptyset(&set);
	for (i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaddset(&set, fatal_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Handle the signals that end a run, unless someone (record's Ctrl-C) already does. */
static void catch_fatal_signals(void)
{
	const int *sigs = fatal_sigs;
	struct sigaction sa = { .sa_handler = remove_pending, .sa_flags = SA_RESETHAND }, old;
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			sigaction(sigs[i], &sa, NULL);
}

static void pending_set(const char *old, char *tmp)
{
	int i;

	for (i = 0; i < PENDING_MAX; i++)
		if (pending[i] == old) {
			pending[i] = tmp;
			return;
		}
}

/* What the policy says of an existing PATH: 0 to go on, or the refusal. */
static int output_kind(mode_t mode)
{
	if (S_ISREG(mode) || S_ISCHR(mode))
		return 0;
	if (S_ISLNK(mode))
		return -ELOOP;
	if (S_ISDIR(mode))
		return -EISDIR;
	return -ENXIO;
}

/* A character device, opened in place; O_NONBLOCK so a swapped-in FIFO cannot hang us. */
static int open_in_place(struct safeout *o)
{
	struct stat st;
	int fl;

	o->fd = open(o->path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (o->fd < 0)
		return errno == ELOOP ? -ELOOP : -errno;
	if (fstat(o->fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return S_ISREG(st.st_mode) ? -EAGAIN : output_kind(st.st_mode);
	fl = fcntl(o->fd, F_GETFL);
	if (fl < 0 || fcntl(o->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	o->committed = 1;
	return 0;
}

/* Whether PATH.old is a name its directory can hold. */
static int old_name_fits(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	long max;

	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path) + 1);
		dir[slash - path + 1] = '\0';
	} else {
		strcpy(dir, ".");
	}
	max = pathconf(dir, _PC_NAME_MAX);
	return max <= 0 || strlen(slash ? slash + 1 : path) + 4 <= (size_t)max;
}

static int open_temp(struct safeout *o)
{
	size_t len = strlen(o->path) + 32;
	sigset_t mask;
	unsigned i;

	o->tmp = malloc(len);
	if (!o->tmp)
		return -ENOMEM;
	/* a signal between the file's creation and its registration would leave it */
	catch_fatal_signals();
	block_fatal_signals(&mask, 1);
	for (i = 0; i < 100; i++) {
		snprintf(o->tmp, len, "%s.%d-%u.tmp", o->path, (int)getpid(), i);
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (o->fd < 0 && errno == ENAMETOOLONG) {
			/* a name near NAME_MAX: a short one beside it */
			const char *slash = strrchr(o->path, '/');
			int dir = slash ? (int)(slash - o->path) + 1 : 0;

			snprintf(o->tmp, len, "%.*s.cprof-%d-%u.tmp", dir, o->path, (int)getpid(), i);
			o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				     0600);
		}
		if (o->fd >= 0 || errno != EEXIST)
			break;
	}
	if (o->fd < 0) {
		int err = -errno;

		block_fatal_signals(&mask, 0);
		free(o->tmp);
		o->tmp = NULL;
		return err;
	}
	pending_set(NULL, o->tmp);
	block_fatal_signals(&mask, 0);
	return 0;
}

int safeout_new(const char *path, unsigned flags, struct safeout **out)
{
	struct safeout *o = calloc(1, sizeof(*o));
	struct stat st;
	int err;

	if (!o)
		return -ENOMEM;
	o->fd = o->replaced = -1;
	o->flags = flags;
	o->path = strdup(path);
	if (!o->path) {
		err = -ENOMEM;
		goto fail;
	}
	if (lstat(path, &st) == 0) {
		if ((err = output_kind(st.st_mode)))
			goto fail;
		/* PATH.old must be a name too, or the commit would fail after the work */
		if (flags & SAFEOUT_KEEP_OLD && S_ISREG(st.st_mode) && !old_name_fits(path)) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		if (S_ISCHR(st.st_mode)) {
			err = open_in_place(o);
			if (err != -EAGAIN) /* replaced by a regular file meanwhile: aside */
				goto done;
			close(o->fd);
			o->fd = -1;
		}
	} else if (errno != ENOENT) {
		err = -errno;
		goto fail;
	}
	err = open_temp(o);
done:
	if (err)
		goto fail;
	*out = o;
	return 0;
fail:
	if (o->fd >= 0)
		close(o->fd);
	free(o->path);
	free(o);
	return err;
}

int safeout_fd(const struct safeout *o)
{
	return o->fd;
}

FILE *safeout_stream(struct safeout *o)
{
	if (!o->stream)
		o->stream = fdopen(o->fd, "w");
	return o->stream;
}

static int flush_stream(struct safeout *o)
{
	if (!o->stream)
		return 0;
	if (fflush(o->stream) || ferror(o->stream))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Hold the regular file at PATH before a rename unlinks it: freeing a big
 * file's pages (the previous recording's FILE.old) takes milliseconds the
 * recorder must spend draining its rings right after the launch; the last
 * close, at safeout_close(), frees it instead. An O_PATH descriptor holds
 * the inode without opening the file: a FIFO there does not wake its
 * writer, a device's driver is not called, and a link is not followed.
 */
static void hold_replaced(struct safeout *o, const char *path)
{
	struct stat st;
	int fd;

	if (o->replaced >= 0)
		return;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	o->replaced = fd;
}

int safeout_commit(struct safeout *o)
{
	struct stat st;
	int err;

	errno = 0;
	if ((err = flush_stream(o)))
		return err;
	if (o->committed)
		return 0;
	if (o->flags & SAFEOUT_KEEP_OLD && lstat(o->path, &st) == 0 && S_ISREG(st.st_mode)) {
		size_t len = strlen(o->path) + 5;
		char *old = malloc(len);

		if (!old)
			return -ENOMEM;
		snprintf(old, len, "%s.old", o->path);
		hold_replaced(o, old);
		/* rename never follows a link: a PATH.old link is itself replaced */
		err = rename(o->path, old) ? -errno : 0;
		free(old);
		if (err)
			return err;
	}
	if (!(o->flags & SAFEOUT_KEEP_OLD))
		hold_replaced(o, o->path);
	/* a link or FIFO planted at PATH since safeout_new is replaced, not followed */
	if (rename(o->tmp, o->path))
		return -errno;
	pending_set(o->tmp, NULL);
	o->committed = 1;
	return 0;
}

int safeout_close(struct safeout *o)
{
	int err;

	if (!o)
		return 0;
	errno = 0;
	err = flush_stream(o);
	if (o->stream) {
		if (fclose(o->stream) && !err)
			err = errno ? -errno : -EIO;
	} else if (close(o->fd) && !err) {
		err = -errno;
	}
	if (!o->committed)
		unlink(o->tmp);
	if (o->replaced >= 0)
		close(o->replaced);
	if (o->tmp)
		pending_set(o->tmp, NULL);
	free(o->tmp);
	free(o->path);
	free(o);
	return err;
}

int safefile_open_regular(const char *path)
{
	char self[64];
	struct stat st;
	int at, fd;

	at = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (at < 0)
		return -errno;
	if (fstat(at, &st)) {
		fd = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		fd = S_ISLNK(st.st_mode) ? -ELOOP : -ENXIO;
	} else {
		/* the very inode looked at, opened for reading through its descriptor */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", at);
		fd = open(self, O_RDONLY | O_CLOEXEC);
		fd = fd < 0 ? -errno : fd;
	}
	close(at);
	return fd;
}

int safefile_open_input(const char *path)
{
	struct stat st;
	int fd, fl, err;

	/* refuse by name first, so that not even an open reaches a device */
	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENXIO;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* what was opened, not what the name was a moment ago */
	if (fstat(fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -ENXIO;
		goto fail;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		err = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

const char *safefile_strerror(int err)
{
	switch (-err) {
	case ELOOP:
		return "is a symbolic link (refused: remove it or name another file)";
	case EISDIR:
		return "is a directory";
	case ENXIO:
		return "is a FIFO, socket or device, not a regular file (refused)";
	case ENAMETOOLONG:
		return "file name too long (record keeps a file already there as NAME.old, "
		       "whose name must fit too)";
	default:
		return strerror(-err);
	}
}
