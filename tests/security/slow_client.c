/*
 * slow_client PORT N SECONDS: a client that trickles its request head, N
 * times at once, to test `cprof serve` (security.serve_slow_clients).
 *
 * Opens N (at most 256) connections to 127.0.0.1:PORT, one after the
 * other, each sending the start of a request head, then one more byte of
 * a header each second, never the blank line that would end the head. It
 * stops after SECONDS (at most 60) or once the server has closed them all,
 * and prints:
 *   connected N                    once all are open (or refused)
 *   open at 3 s: K                 how many the server still held then
 *   conn I: closed after T s: LINE what the server answered, if anything
 *   conn I: open after T s         (still open at the end)
 * Only to 127.0.0.1: it is a test of our own server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_SECONDS 60

struct conn {
	int fd;                  /* -1 once closed */
	double opened, closed;
	char line[80];           /* the first line of the answer */
	size_t got;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void finish(struct conn *c, double t)
{
	close(c->fd);
	c->fd = -1;
	c->closed = t;
}

/* Read what the server sent on C; close C when the server has. */
static void take(struct conn *c, double t)
{
	char buf[512];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	size_t i;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(c, t);
		return;
	}
	for (i = 0; i < (size_t)n && c->got + 1 < sizeof(c->line); i++) {
		if (buf[i] == '\r' || buf[i] == '\n')
			c->got = sizeof(c->line); /* the first line is complete */
		else
			c->line[c->got++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
	}
}

int main(int argc, char **argv)
{
	static const char start[] = "GET /debug/pprof/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
	static struct conn conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS];
	struct sockaddr_in to = { .sin_family = AF_INET };
	int port, n, seconds, i, open_now, reported = 0;
	double t0, t, next_drip;

	if (argc != 4 || (port = atoi(argv[1])) <= 0 || port > 65535 || (n = atoi(argv[2])) <= 0 ||
	    n > MAX_CONNS || (seconds = atoi(argv[3])) <= 0 || seconds > MAX_SECONDS) {
		fprintf(stderr, "usage: slow_client PORT N(1..%d) SECONDS(1..%d)\n", MAX_CONNS,
			MAX_SECONDS);
		return 2;
	}
	to.sin_port = htons((uint16_t)port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		struct conn *c = &conns[i];

		c->opened = now();
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			perror("socket");
			return 1;
		}
		if (connect(c->fd, (struct sockaddr *)&to, sizeof(to)) ||
		    send(c->fd, start, sizeof(start) - 1, MSG_NOSIGNAL) < 0)
			finish(c, now());
	}
	printf("connected %d\n", n);
	fflush(stdout);
	t0 = now();
	next_drip = t0 + 1;
	for (;;) {
		t = now();
		open_now = 0;
		for (i = 0; i < n; i++)
			open_now += conns[i].fd >= 0;
		if (!reported && t - t0 >= 3) {
			printf("open at 3 s: %d\n", open_now);
			fflush(stdout);
			reported = 1;
		}
		if (!open_now || t - t0 >= seconds)
			break;
		if (t >= next_drip) {
			for (i = 0; i < n; i++)
				if (conns[i].fd >= 0 && send(conns[i].fd, "a", 1, MSG_NOSIGNAL) < 0)
					finish(&conns[i], t);
			next_drip += 1;
		}
		for (i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		t = now();
		for (i = 0; i < n; i++)
			if (conns[i].fd >= 0 && pfd[i].revents)
				take(&conns[i], t);
	}
	if (!reported)
		printf("open at 3 s: 0\n");
	for (i = 0; i < n; i++) {
		struct conn *c = &conns[i];

		if (c->fd >= 0)
			printf("conn %d: open after %.1f s\n", i, now() - c->opened);
		else
			printf("conn %d: closed after %.1f s: %s\n", i, c->closed - c->opened,
			       c->got ? c->line : "(no answer)");
	}
	return 0;
}
