/*
 * The door of the HTTP server (httpgate.h). One thread polls the
 * listening socket, an eventfd that asks it to stop, and the connections
 * waiting for their heads. A waiting connection is looked at (MSG_PEEK)
 * when poll says it has data, and, after a look that found no new byte,
 * not again for BACKOFF_MS: unread data keeps a socket readable, so
 * without the pause a trickling client would keep the thread spinning.
 */
#include "cprof/httpgate.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cprof/util.h"

#define BACKOFF_MS 50            /* between two looks at a head that did not grow */
#define ACCEPT_PAUSE_MS 100      /* after accept() failed (EMFILE...) */
#define ACCEPTS_PER_ROUND 64     /* so that the waiting connections are looked at too */
#define MS 1000000ull            /* nanoseconds */

struct waiter {
	int fd;
	socklen_t len;
	struct sockaddr_storage peer;
	uint64_t since, next;    /* accepted; not looked at before NEXT (monotonic ns) */
	size_t seen;             /* bytes of head at the last look */
};

struct httpgate {
	struct httpgate_config cfg;
	int stop;                /* eventfd: written by httpgate_free() */
	pthread_t thread;
	int started;
	struct waiter *w;        /* [cfg.max_waiting], the first N in use, oldest first */
	size_t n;
	struct pollfd *pfd;      /* [2 + cfg.max_waiting] */
	size_t *slot;            /* pfd[2 + i] is w[slot[i]] */
	char *buf;               /* [cfg.head_max] */
	uint64_t listen_next;    /* the listening socket is not polled before this */
};

/* Whether A and B are the same IP address (never for other families). */
static int same_peer(const struct waiter *a, const struct waiter *b)
{
	const struct sockaddr_in *a4 = (const void *)&a->peer, *b4 = (const void *)&b->peer;
	const struct sockaddr_in6 *a6 = (const void *)&a->peer, *b6 = (const void *)&b->peer;

	if (a->peer.ss_family != b->peer.ss_family)
		return 0;
	if (a->peer.ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->peer.ss_family == AF_INET6)
		return !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
	return 0;
}

/* End waiting connection I (closed unless passed on); the order of the rest is kept. */
static void forget(struct httpgate *g, size_t i, int close_it)
{
	if (close_it)
		close(g->w[i].fd);
	memmove(&g->w[i], &g->w[i + 1], (g->n - i - 1) * sizeof(*g->w));
	g->n--;
}

/*
 * Answer waiting connection I with STATUS and one line, and end it. What
 * the client sent is read and dropped first (at most a head's worth), so
 * that the close sends no reset that could discard the answer.
 */
static void refuse(struct httpgate *g, size_t i, const char *status, const char *line)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
			 status, strlen(line) + 1, line);
	int fd = g->w[i].fd;

	if (n > 0 && (size_t)n < sizeof(msg))
		(void)!send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	(void)!recv(fd, g->buf, g->cfg.head_max, MSG_DONTWAIT);
	forget(g, i, 1);
}

/*
 * The length of the head in BUF[0..N) (the blank line included), or 0
 * when it is not complete. Blank lines before the request line are part
 * of it (RFC 9112 lets a server skip them).
 */
static size_t head_length(const char *buf, size_t n)
{
	size_t i = 0;

	while (i < n && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	for (; i + 1 < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The query parameters of the request line that starts HEAD (of LEN bytes). */
static size_t count_params(const char *head, size_t len)
{
	const char *p = head, *end = head + len, *q;
	size_t n = 1;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	q = memchr(p, '\n', (size_t)(end - p));
	end = q ? q : end;
	q = memchr(p, '?', (size_t)(end - p));
	if (!q)
		return 0;
	for (q++; q < end; q++)
		n += *q == '&';
	return n;
}

/* Look at waiting connection I: pass it on, refuse it, or leave it waiting. */
static void look(struct httpgate *g, size_t i, uint64_t now)
{
	struct waiter *w = &g->w[i];
	ssize_t got = recv(w->fd, g->buf, g->cfg.head_max, MSG_PEEK | MSG_DONTWAIT);
	size_t len;
	char line[128];

	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
		forget(g, i, 1); /* gone before it asked */
		return;
	}
	if (got < 0 || (size_t)got == w->seen) {
		w->next = now + BACKOFF_MS * MS;
		return;
	}
	w->seen = (size_t)got;
	len = head_length(g->buf, (size_t)got);
	if (!len) {
		if ((size_t)got < g->cfg.head_max)
			return;
		snprintf(line, sizeof(line), "the request head is longer than %u bytes",
			 g->cfg.head_max);
		refuse(g, i, "431 Request Header Fields Too Large", line);
		return;
	}
	if (count_params(g->buf, len) > g->cfg.max_params) {
		snprintf(line, sizeof(line), "too many query parameters: at most %u",
			 g->cfg.max_params);
		refuse(g, i, "414 URI Too Long", line);
		return;
	}
	g->cfg.pass(g->cfg.arg, w->fd, (const struct sockaddr *)&w->peer, w->len);
	forget(g, i, 0);
}

/* Take connection FD from PEER into the waiting ones, making room as the bounds say. */
static void admit(struct httpgate *g, int fd, const struct sockaddr_storage *peer, socklen_t len,
		  uint64_t now)
{
	struct waiter nw = { .fd = fd, .len = len, .peer = *peer, .since = now };
	size_t i, same = 0, oldest = SIZE_MAX;

	for (i = 0; i < g->n; i++)
		if (same_peer(&g->w[i], &nw) && !same++)
			oldest = i;
	if (same >= g->cfg.max_per_peer)
		forget(g, oldest, 1);
	if (g->n >= g->cfg.max_waiting)
		forget(g, 0, 1);
	g->w[g->n++] = nw;
}

static void accept_some(struct httpgate *g, uint64_t now)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int i, fd;

	for (i = 0; i < ACCEPTS_PER_ROUND; i++) {
		len = sizeof(peer);
		fd = accept4(g->cfg.listen_fd, (struct sockaddr *)&peer, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			admit(g, fd, &peer, len, now);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) /* EMFILE...: let some close first */
			g->listen_next = now + ACCEPT_PAUSE_MS * MS;
		return;
	}
}

static void *gate_main(void *arg)
{
	struct httpgate *g = arg;
	uint64_t deadline = (uint64_t)g->cfg.head_ms * MS;

	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), wake = UINT64_MAX;
		size_t i, np = 2, k;
		char line[128];
		int timeout;

		for (i = 0; i < g->n;) { /* the ones whose time is up */
			if (now - g->w[i].since < deadline) {
				i++;
				continue;
			}
			snprintf(line, sizeof(line), "the request head took longer than %u ms",
				 g->cfg.head_ms);
			refuse(g, i, "408 Request Timeout", line);
		}
		g->pfd[0] = (struct pollfd){ .fd = g->stop, .events = POLLIN };
		g->pfd[1] = (struct pollfd){ .fd = g->listen_next > now ? -1 : g->cfg.listen_fd,
					     .events = POLLIN };
		if (g->listen_next > now)
			wake = g->listen_next;
		for (i = 0; i < g->n; i++) {
			uint64_t until = g->w[i].since + deadline;

			if (g->w[i].next > now) {
				until = g->w[i].next < until ? g->w[i].next : until;
			} else {
				g->slot[np - 2] = i;
				g->pfd[np++] = (struct pollfd){ .fd = g->w[i].fd, .events = POLLIN };
			}
			wake = until < wake ? until : wake;
		}
		timeout = wake == UINT64_MAX ? -1 : (int)((wake - now) / MS + 1);
		if (poll(g->pfd, np, timeout) < 0 && errno != EINTR)
			break;
		if (g->pfd[0].revents)
			break;
		now = now_ns(CLOCK_MONOTONIC);
		/* from the last, so that forgetting one moves none still to be looked at */
		for (k = np; k-- > 2;)
			if (g->pfd[k].revents)
				look(g, g->slot[k - 2], now);
		if (g->pfd[1].revents)
			accept_some(g, now);
	}
	return NULL;
}

int httpgate_new(const struct httpgate_config *cfg, struct httpgate **out)
{
	struct httpgate *g = calloc(1, sizeof(*g));
	int fl, err;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	g->stop = -1;
	if (cfg->head_max < 64 || cfg->head_max > HTTPGATE_HEAD_MAX || !cfg->max_waiting ||
	    !cfg->max_per_peer || !cfg->pass) {
		err = -EINVAL;
		goto fail;
	}
	g->w = calloc(cfg->max_waiting + 1, sizeof(*g->w));
	g->pfd = calloc(cfg->max_waiting + 2, sizeof(*g->pfd));
	g->slot = calloc(cfg->max_waiting + 1, sizeof(*g->slot));
	g->buf = malloc(cfg->head_max);
	if (!g->w || !g->pfd || !g->slot || !g->buf) {
		err = -ENOMEM;
		goto fail;
	}
	fl = fcntl(cfg->listen_fd, F_GETFL);
	if (fl < 0 || fcntl(cfg->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    (g->stop = eventfd(0, EFD_CLOEXEC)) < 0) {
		err = -errno;
		goto fail;
	}
	if ((err = -pthread_create(&g->thread, NULL, gate_main, g)))
		goto fail;
	g->started = 1;
	*out = g;
	return 0;
fail:
	httpgate_free(g);
	return err;
}

void httpgate_free(struct httpgate *g)
{
	uint64_t one = 1;

	if (!g)
		return;
	if (g->started) {
		(void)!write(g->stop, &one, sizeof(one));
		pthread_join(g->thread, NULL);
	}
	while (g->n)
		forget(g, g->n - 1, 1);
	if (g->stop >= 0)
		close(g->stop);
	free(g->w);
	free(g->pfd);
	free(g->slot);
	free(g->buf);
	free(g);
}
