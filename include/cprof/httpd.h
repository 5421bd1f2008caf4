/*
 * The HTTP face of `cprof serve`, through libmicrohttpd: Go's
 * /debug/pprof/profile endpoint and its index page, answered from the
 * profiles of serve.h by the writers of writer.h, so a scrape gets exactly
 * the bytes `cprof report --format pprof` writes.
 *
 * Each connection has a thread of its own (at most MAX_CONNECTIONS at
 * once) and is closed after TIMEOUT seconds without traffic, so a slow or
 * stalled client holds only its own thread. Bad parameters get 400 with
 * one line saying what was wrong, unknown paths 404, a missing or wrong
 * bearer token 401; nothing a client sends ends the server.
 */
#ifndef CPROF_HTTPD_H
#define CPROF_HTTPD_H

#include <stdint.h>
#include <sys/socket.h>

struct serve;

struct httpd_config {
	const struct sockaddr *addr; /* where to listen, IPv4 or IPv6 (read at start) */
	const char *token;       /* NULL, or the bearer token every request must carry (copied) */
	unsigned max_seconds;    /* the largest seconds= */
	unsigned max_hz;         /* the largest hz= (a client may not slow the targets more) */
	unsigned max_connections;
	unsigned timeout;        /* seconds a connection may be silent */
};

struct httpd;

/*
 * Listen and serve S (borrowed: it must outlive the httpd) from threads
 * of its own. Returns 0 or -errno (-EADDRINUSE...).
 */
int httpd_new(const struct httpd_config *cfg, struct serve *s, struct httpd **out);
/*
 * Stop listening, give the answers under way a few seconds to reach their
 * clients (after serve_shutdown() they are quick), then end every
 * connection and wait for their threads. Accepts NULL.
 */
void httpd_free(struct httpd *h);
/* The port listened on (the one picked when asked for port 0). */
uint16_t httpd_port(const struct httpd *h);

#endif
