/*
 * The door of `cprof serve`'s HTTP server: one thread accepts the
 * connections and holds each until its whole request head has arrived,
 * then passes it on (to libmicrohttpd, httpd.c). The head is looked at
 * with MSG_PEEK and left in the socket for the server to read.
 *
 * So the server sees only clients that have asked, and a client that
 * trickles its head holds nothing but a slot here, and not for long:
 *   - a head must be complete within HEAD_MS of the accept (the whole
 *     head, not each byte), else it gets 408 and the connection ends;
 *   - at most MAX_WAITING connections wait, MAX_PER_PEER of them from one
 *     IP address: a new connection beyond either bound ends the oldest
 *     waiting one (of that address, or of all), so a flood of slow clients
 *     churns among itself while a client that sends its head at once gets
 *     through;
 *   - a head longer than HEAD_MAX bytes gets 431, a request line with
 *     more than MAX_PARAMS query parameters 414 (libmicrohttpd 0.9.75
 *     closes such a connection without an answer when its memory pool
 *     cannot hold the parameters).
 * A peer on a Unix socket has no address: the per-peer bound does not
 * apply to it.
 */
#ifndef CPROF_HTTPGATE_H
#define CPROF_HTTPGATE_H

#include <sys/socket.h>

#define HTTPGATE_HEAD_MAX 65536u /* the largest head_max */

struct httpgate_config {
	int listen_fd;           /* a listening stream socket; borrowed, made non-blocking */
	unsigned head_ms;        /* milliseconds a request head may take, from the accept */
	unsigned head_max;       /* bytes a request head may have, 64..HTTPGATE_HEAD_MAX */
	unsigned max_params;     /* query parameters a request line may have */
	unsigned max_waiting;    /* connections waiting for their head, >= 1 */
	unsigned max_per_peer;   /* of those, from one IP address, >= 1 */
	/*
	 * A connection whose head is complete: FD is PASS's from then on (to
	 * close). Called from the gate's thread.
	 */
	void (*pass)(void *arg, int fd, const struct sockaddr *peer, socklen_t len);
	void *arg;
};

struct httpgate;

/* Start the gate's thread on CFG (copied). Returns 0 or -errno. */
int httpgate_new(const struct httpgate_config *cfg, struct httpgate **out);
/*
 * Stop the thread (no connection is passed on after this returns) and
 * close the connections still waiting. Leaves the listening socket open.
 * Accepts NULL.
 */
void httpgate_free(struct httpgate *g);

#endif
