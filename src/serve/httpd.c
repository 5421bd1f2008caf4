/*
 * The HTTP endpoints of `cprof serve` (httpd.h): a table of routes, a
 * table of formats, and libmicrohttpd for the protocol. The listening
 * socket is ours: the gate (httpgate.h) accepts, waits for each request
 * head and hands the connection to libmicrohttpd (MHD_add_connection).
 * Each request is answered in its connection's thread: a profile request
 * blocks that thread for its seconds and no other. Every answer closes
 * its connection, so each connection carries one request and each
 * request head passed the gate's bounds.
 */
#include "cprof/httpd.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cprof/httpgate.h"
#include "cprof/serve.h"
#include "cprof/util.h"
#include "cprof/writer.h"

#define MAX_ID 4194304u          /* the kernel's pid_max limit */
#define DEFAULT_SECONDS 30u      /* as Go */
#define DRAIN_MS 5000            /* at the end, how long the answers in progress may take */
#define BACKLOG 64
#define HEAD_MS 10000            /* the time a request head may take, all of it */
#define HEAD_MAX 16384           /* bytes of a request head (a token is up to 4 KiB) */
#define MAX_PARAMS 64            /* query parameters (the endpoint reads seven) */
#define MAX_CONTAINER 64         /* a container's id (or its first digits), a unit's name */
#define MAX_COMM 15              /* bytes of a process name (the kernel's TASK_COMM_LEN - 1) */
#define MAX_WAITING 64           /* connections waiting for their heads */
#define MAX_PER_PEER 8           /* of those, from one address */

struct httpd {
	struct MHD_Daemon *d;
	struct httpgate *gate;
	int fd;                  /* the listening socket */
	char *unix_path;         /* the Unix socket we made, to remove at the end */
	dev_t unix_dev;
	ino_t unix_ino;
	struct serve *serve;
	char *token;
	unsigned max_seconds, max_hz;
	enum view_lang lang;
	atomic_uint active;      /* requests between their first call and their completion */
};

/* The formats of ?format=: the writer, and how the answer is labelled. */
struct format {
	const char *name;
	const char *content_type;
	const char *filename;    /* Content-Disposition attachment; NULL: inline */
};

static const struct format formats[] = {
	{ "pprof", "application/octet-stream", "profile" }, /* Go's headers */
	{ "folded", "text/plain; charset=utf-8", NULL },
	{ "svg", "image/svg+xml", NULL },
	{ "speedscope", "application/json", "profile.speedscope.json" },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
			      const char *filename, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;
	char disp[128];

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close"); /* see the top */
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (filename) {
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	}
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (status >= 400)
		MHD_add_response_header(r, "X-Go-Pprof", "1"); /* as Go marks its errors */
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A one-line plain-text answer; what the client sent is shown printable only. */
__attribute__((format(printf, 3, 4))) static enum MHD_Result
error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	char *msg = NULL, *p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	msg[n - (n > 0 && msg[n - 1] == '\n')] = '\0';
	n = (int)strlen(msg);
	p = realloc(msg, (size_t)n + 2);
	if (!p) {
		free(msg);
		return MHD_NO;
	}
	p[n] = '\n';
	p[n + 1] = '\0';
	return answer(c, status, "text/plain; charset=utf-8", NULL, p, (size_t)n + 1);
}

/* ---- /debug/pprof/profile ---- */

struct params {
	struct serve_request rq;
	const struct format *format;
	char comm[MAX_COMM + 1];
	char container[MAX_CONTAINER + 1];
};

/* Parameter NAME as a number in [MIN, MAX] into *OUT (left alone when absent); 0 or -EINVAL. */
static int number_param(struct MHD_Connection *c, const char *name, uint64_t min, uint64_t max,
			const char *what, unsigned *out)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	uint64_t n;

	if (!v)
		return 0;
	if (parse_u64(v, min, max, &n)) {
		error(c, MHD_HTTP_BAD_REQUEST, "%s=%.64s: expected %s from %llu to %llu", name, v,
		      what, (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}

/*
 * comm= (a process or thread name), container= (an id's first digits) and
 * lang= (view.h) into P; 0 or -EINVAL after a 400.
 */
static int name_params(struct httpd *h, struct MHD_Connection *c, struct params *p)
{
	const char *comm = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "comm");
	const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
	const char *cont = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "container");
	size_t len = comm ? strlen(comm) : 0, clen = cont ? strlen(cont) : 0;

	p->rq.lang = h->lang;
	if (comm && (!len || len > MAX_COMM)) {
		error(c, MHD_HTTP_BAD_REQUEST, "comm=%.64s: expected a name of 1 to %d bytes, as in "
		      "/proc/PID/comm", comm, MAX_COMM);
		return -EINVAL;
	}
	if (comm) {
		memcpy(p->comm, comm, len + 1);
		p->rq.comm = p->comm;
	}
	if (cont && (!clen || clen > MAX_CONTAINER)) {
		error(c, MHD_HTTP_BAD_REQUEST, "container=%.72s: expected an id (or its first "
		      "digits) or a unit of 1 to %d bytes", cont, MAX_CONTAINER);
		return -EINVAL;
	}
	if (cont) {
		memcpy(p->container, cont, clen + 1);
		p->rq.container = p->container;
	}
	if (lang && view_lang_parse(lang, &p->rq.lang)) {
		error(c, MHD_HTTP_BAD_REQUEST, "lang=%.64s: expected python, js, native or all", lang);
		return -EINVAL;
	}
	return 0;
}

static int parse_params(struct httpd *h, struct MHD_Connection *c, struct params *p)
{
	const char *fmt = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	size_t i;

	p->rq.seconds = DEFAULT_SECONDS < h->max_seconds ? DEFAULT_SECONDS : h->max_seconds;
	p->format = &formats[0];
	if (number_param(c, "seconds", 1, h->max_seconds, "whole seconds", &p->rq.seconds) ||
	    number_param(c, "hz", 1, h->max_hz, "samples per second (at most the server's -F)",
			 &p->rq.freq) ||
	    number_param(c, "pid", 1, MAX_ID, "a process id", &p->rq.pid) ||
	    number_param(c, "tid", 1, MAX_ID, "a thread id", &p->rq.tid) ||
	    name_params(h, c, p))
		return -EINVAL;
	if (!fmt)
		return 0;
	for (i = 0; i < NFORMATS; i++)
		if (!strcmp(fmt, formats[i].name)) {
			p->format = &formats[i];
			return 0;
		}
	error(c, MHD_HTTP_BAD_REQUEST, "format=%.64s: expected pprof, folded, svg or speedscope",
	      fmt);
	return -EINVAL;
}

/*
 * The timeline formats want samples in time; the counts have none, so
 * each row becomes one event of its whole weight, one after the other.
 */
static int add_timeline(struct profile *p)
{
	uint32_t cpu = profile_column(p, "cpu"), samples = profile_column(p, "samples");
	uint64_t t = 0;
	size_t i;
	int err = 0;

	if (cpu >= 32 || samples >= 32)
		return -EINVAL; /* live profiles have both, first */
	for (i = 0; i < p->nsamples && !err; i++) {
		struct profile_event e = { .time = t, .sample = (uint32_t)i,
					   .weight = (uint64_t)profile_value(p, i, cpu),
					   .count = (uint32_t)profile_value(p, i, samples),
					   .columns = 1u << cpu | 1u << samples };

		err = profile_add_event(p, &e);
		t += e.weight;
	}
	return err;
}

static int render(const struct profile *p, const struct format *f, char **body, size_t *len)
{
	const struct writer *w = writer_find(f->name);
	struct writer_opts wo = WRITER_OPTS_INIT;
	FILE *out = open_memstream(body, len);
	int err;

	if (!out)
		return -errno;
	err = w ? w->write(p, &wo, out) : -ENOENT;
	if (fclose(out) && !err)
		err = -EIO;
	if (err) {
		free(*body);
		*body = NULL;
	}
	return err;
}

static unsigned status_of(int err)
{
	switch (err) {
	case -ENOENT:
		return MHD_HTTP_BAD_REQUEST;
	case -ESRCH:
		return MHD_HTTP_NOT_FOUND;
	case -EBUSY:
		return MHD_HTTP_TOO_MANY_REQUESTS;
	case -ECANCELED:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static enum MHD_Result serve_profile_page(struct httpd *h, struct MHD_Connection *c)
{
	struct params p = { 0 };
	struct profile *prof = NULL;
	char why[256] = "", *body = NULL;
	size_t len = 0;
	int err;

	if (parse_params(h, c, &p))
		return MHD_YES; /* the 400 is queued */
	err = serve_profile(h->serve, &p.rq, &prof, why, sizeof(why));
	if (err)
		return error(c, status_of(err), "%s", why);
	if (p.format->filename && strcmp(p.format->name, "pprof"))
		err = add_timeline(prof);
	if (!err)
		err = render(prof, p.format, &body, &len);
	profile_free(prof);
	if (err)
		return error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write the profile: %s",
			     strerror(-err));
	return answer(c, MHD_HTTP_OK, p.format->content_type, p.format->filename, body, len);
}

/* ---- /debug/pprof/ ---- */

static enum MHD_Result serve_index(struct httpd *h, struct MHD_Connection *c)
{
	struct buf b;
	char line[512];
	size_t i, n = serve_ntargets(h->serve);
	int err;

	buf_init(&b);
	snprintf(line, sizeof(line),
		 "<html><head><title>/debug/pprof/</title></head><body>\n"
		 "<h1>/debug/pprof/</h1>\n<p>cprof serve: CPU profiles of %s</p>\n"
		 "<ul>\n", serve_all(h->serve) ? "every process of this host (pid=, comm= or container= "
		 "narrows one)." : "these processes:");
	err = buf_puts(&b, line);
	for (i = 0; i < n && !err; i++) {
		int alive;
		uint32_t pid = serve_target(h->serve, i, &alive);

		snprintf(line, sizeof(line),
			 "<li>%u %s (<a href=\"profile?pid=%u\">profile?pid=%u</a>)</li>\n", pid,
			 alive ? "running" : "exited", pid, pid);
		err = buf_puts(&b, line);
	}
	snprintf(line, sizeof(line),
		 "</ul>\n<table>\n"
		 "<tr><td><a href=\"profile?seconds=%u\">profile</a></td><td>CPU profile: "
		 "samples for seconds=N (default %u, at most %u), gzip'd pprof for go tool pprof. "
		 "Also format=folded|svg|speedscope, pid=, tid=, comm=, container=, "
		 "lang=python|js|native|all, "
		 "hz= (at most %u).</td></tr>\n"
		 "</table>\n</body></html>\n",
		 DEFAULT_SECONDS, DEFAULT_SECONDS, h->max_seconds, h->max_hz);
	if (!err)
		err = buf_puts(&b, line);
	if (err) {
		buf_release(&b);
		return error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", NULL, b.data, b.len);
}

/* ---- dispatch ---- */

struct route {
	const char *path;
	enum MHD_Result (*serve)(struct httpd *h, struct MHD_Connection *c);
};

static const struct route routes[] = {
	{ "/debug/pprof/", serve_index },
	{ "/debug/pprof", serve_index },
	{ "/debug/pprof/profile", serve_profile_page },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/*
 * Whether the Authorization header is "Bearer TOKEN". The time taken
 * depends on the token's length only, never on how much of it a guess got
 * right, nor on the guess's length.
 */
static int authorized(const struct httpd *h, struct MHD_Connection *c)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n, i, len;
	unsigned diff = 0;

	if (!h->token)
		return 1;
	if (!auth || strncmp(auth, "Bearer ", 7))
		return 0;
	auth += 7;
	n = strlen(h->token);
	len = strnlen(auth, n + 1);
	diff = len != n;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)((i < len ? auth[i] : 0) ^ h->token[i]);
	return !diff;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **state)
{
	struct httpd *h = cls;
	size_t i;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (!*state) { /* counted once, until on_completed() */
		*state = h;
		atomic_fetch_add(&h->active, 1);
	}
	/*
	 * Answered on the first call, when the head is in and no byte of a
	 * body has been read: the token first, so that a client without it
	 * learns nothing, and a body is never taken (the answer closes the
	 * connection).
	 */
	if (!authorized(h, c))
		return error(c, MHD_HTTP_UNAUTHORIZED,
			     "a bearer token is required (Authorization: Bearer TOKEN)");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "%.16s: only GET is served", method);
	for (i = 0; i < NROUTES; i++)
		if (!strcmp(url, routes[i].path))
			return routes[i].serve(h, c);
	return error(c, MHD_HTTP_NOT_FOUND, "%.128s: no such endpoint (see /debug/pprof/)", url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode why)
{
	struct httpd *h = cls;

	(void)c;
	(void)why;
	if (*state)
		atomic_fetch_sub(&h->active, 1);
	*state = NULL;
}

/* The gate's hand-over: libmicrohttpd takes FD (and closes it, also when it refuses it). */
static void pass(void *arg, int fd, const struct sockaddr *peer, socklen_t len)
{
	struct httpd *h = arg;

	MHD_add_connection(h->d, fd, peer, len);
}

/*
 * Listen on the Unix socket at SUN: mode 0600, and only where nothing is,
 * or a socket nobody listens on any more (left by a server that ended).
 * A link there is not followed, anything else not replaced.
 */
static int listen_unix(struct httpd *h, const struct sockaddr_un *sun)
{
	const char *path = sun->sun_path;
	struct stat st;
	mode_t mask;
	int fd, probe, rc;

	if (!lstat(path, &st)) {
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (!S_ISSOCK(st.st_mode))
			return -ENOTSOCK;
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			return -errno;
		rc = connect(probe, (const struct sockaddr *)sun, sizeof(*sun)) ? errno : EADDRINUSE;
		close(probe);
		if (rc != ECONNREFUSED)
			return -rc; /* EADDRINUSE: a server is there; EACCES... */
		if (unlink(path) && errno != ENOENT)
			return -errno;
	} else if (errno != ENOENT) {
		return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	mask = umask(0177); /* born 0600: there is no moment it is open to others */
	rc = bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) ? -errno : 0;
	umask(mask);
	if (!rc && lstat(path, &st))
		rc = -errno;
	if (!rc && !(h->unix_path = strdup(path)))
		rc = -ENOMEM;
	if (rc) {
		close(fd);
		return rc == -EEXIST ? -EADDRINUSE : rc;
	}
	h->unix_dev = st.st_dev;
	h->unix_ino = st.st_ino;
	return fd;
}

static int listen_inet(const struct sockaddr *addr)
{
	socklen_t len = addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, rc = 0;

	if (fd < 0)
		return -errno;
	/* a restart binds while the last run's connections are in TIME_WAIT; never beside a listener */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (addr->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, addr, len))
		rc = -errno;
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

int httpd_new(const struct httpd_config *cfg, struct serve *s, struct httpd **out)
{
	struct httpd *h = calloc(1, sizeof(*h));
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET;
	struct httpgate_config gc = { .head_ms = HEAD_MS, .head_max = HEAD_MAX,
				      .max_params = MAX_PARAMS, .max_waiting = MAX_WAITING,
				      .max_per_peer = MAX_PER_PEER, .pass = pass, .arg = h };
	int err = -ENOMEM;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->serve = s;
	h->max_seconds = cfg->max_seconds;
	h->max_hz = cfg->max_hz;
	h->lang = cfg->lang;
	if (cfg->token && !(h->token = strdup(cfg->token)))
		goto fail;
	h->fd = cfg->addr->sa_family == AF_UNIX
			? listen_unix(h, (const struct sockaddr_un *)cfg->addr)
			: listen_inet(cfg->addr);
	if (h->fd < 0) {
		err = h->fd;
		goto fail;
	}
	if (listen(h->fd, BACKLOG)) {
		err = -errno;
		goto fail;
	}
	errno = 0;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_END);
	if (!h->d) {
		err = errno ? -errno : -ENOMEM;
		goto fail;
	}
	gc.listen_fd = h->fd;
	if ((err = httpgate_new(&gc, &h->gate)))
		goto fail;
	*out = h;
	return 0;
fail:
	httpd_free(h);
	return err;
}

void httpd_free(struct httpd *h)
{
	struct stat st;
	unsigned ms;

	if (!h)
		return;
	/* take no new connection; let the answers under way reach their clients */
	httpgate_free(h->gate);
	if (h->fd >= 0)
		close(h->fd);
	if (h->unix_path && !lstat(h->unix_path, &st) && st.st_dev == h->unix_dev &&
	    st.st_ino == h->unix_ino)
		unlink(h->unix_path); /* ours still, not a file put there since */
	if (h->d) {
		for (ms = 0; atomic_load(&h->active) && ms < DRAIN_MS; ms += 20)
			usleep(20000);
		MHD_stop_daemon(h->d);
	}
	free(h->unix_path);
	free(h->token);
	free(h);
}

uint16_t httpd_port(const struct httpd *h)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);

	if (getsockname(h->fd, (struct sockaddr *)&a, &len))
		return 0;
	if (a.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a)->sin_port);
	if (a.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a)->sin6_port);
	return 0;
}
