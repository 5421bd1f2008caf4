/*
 * The HTTP face of `cprof serve`, through libmicrohttpd: Go's
 * /debug/pprof/profile endpoint and its index page, answered from the
 * profiles of serve.h by the writers of writer.h, so a scrape gets exactly
 * the bytes `cprof report --format pprof` writes.
 *
 * A connection is accepted by the gate (httpgate.h), which waits at most
 * 10 s for its whole request head (8 connections of one address, 64 in
 * all, wait at once; more end the oldest waiting) and answers a head over
 * 16 KiB (431) or with more than 64 query parameters (414) itself. Then
 * it has a thread of its own (at most MAX_CONNECTIONS at once) and is
 * closed after TIMEOUT seconds without traffic, or once answered, so a
 * slow or stalled client holds only its own slot. The bearer token is
 * checked first, before any body is read; bad parameters get 400 with one
 * line saying what was wrong (hz= above MAX_HZ too), unknown paths 404,
 * a missing or wrong token 401; nothing a client sends ends the server.
 */
#ifndef CPROF_HTTPD_H
#define CPROF_HTTPD_H

#include <stdint.h>
#include <sys/socket.h>

#include "cprof/view.h"

struct serve;

struct httpd_config {
	/*
	 * Where to listen (read at start): IPv4, IPv6 (only), or a Unix
	 * socket's path, made mode 0600; a stale socket there (nobody
	 * listening) is replaced, nothing else is.
	 */
	const struct sockaddr *addr;
	const char *token;       /* NULL, or the bearer token every request must carry (copied) */
	unsigned max_seconds;    /* the largest seconds= */
	unsigned max_hz;         /* the largest hz= (a client may not slow the targets more) */
	enum view_lang lang;     /* the frames kept without lang= (view.h): VIEW_ALL every one */
	unsigned max_connections;
	unsigned timeout;        /* seconds a connection may be silent */
};

struct httpd;

/*
 * Listen and serve S (borrowed: it must outlive the httpd) from threads
 * of its own. Returns 0 or -errno: -EADDRINUSE something listens there
 * already; for a Unix socket, -ELOOP a symbolic link is at the path (not
 * followed), -ENOTSOCK something else than a socket is (not replaced).
 */
int httpd_new(const struct httpd_config *cfg, struct serve *s, struct httpd **out);
/*
 * Stop listening (and remove the Unix socket made, if still there), give
 * the answers under way a few seconds to reach their clients (after
 * serve_shutdown() they are quick), then end every connection and wait
 * for their threads. Accepts NULL.
 */
void httpd_free(struct httpd *h);
/* The port listened on (the one picked when asked for port 0); 0 for a Unix socket. */
uint16_t httpd_port(const struct httpd *h);

#endif
