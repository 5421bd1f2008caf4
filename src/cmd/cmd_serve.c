/*
 * cprof serve: Go's /debug/pprof/profile endpoint for running processes,
 * for `go tool pprof URL` and for fleet profilers that scrape it (Parca,
 * Grafana Alloy). The sessions are serve.h's, the HTTP httpd.h's; this
 * file parses the options, listens, and waits for SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cprof/cmd.h"
#include "cprof/httpd.h"
#include "cprof/record.h"
#include "cprof/safefile.h"
#include "cprof/serve.h"
#include "cprof/util.h"

#define MAX_TOKEN 4096

static void serve_usage(FILE *f, const struct command *cmd)
{
	fprintf(f,
		"Usage: cprof serve [OPTIONS] -p PID[,PID...]\n"
		"       cprof serve [OPTIONS] -a [--comm NAME] [--exclude-pid PID[,PID...]]\n"
		"\n"
		"Serve CPU profiles of running processes over HTTP the way a Go program's\n"
		"net/http/pprof does, so 'go tool pprof' and fleet profilers (Parca, Grafana\n"
		"Alloy's pyroscope.scrape) can fetch them. The targets are sampled only while\n"
		"a request waits (requests at the same time share one recording), with the\n"
		"unwinder and symbols of 'cprof record' and 'cprof report', kept warm between\n"
		"requests. With -a, one endpoint for the whole host: every process is\n"
		"sampled during a request, each sample labelled with its pid, comm and\n"
		"container, and pid=, comm= or container= narrows one request. Stops on\n"
		"SIGINT or SIGTERM.\n"
		"\n"
		"Endpoints:\n"
		"  /debug/pprof/profile?seconds=N  sample N seconds (default 30), answer with\n"
		"                           the gzip'd pprof 'cprof report --format pprof'\n"
		"                           writes; also format=folded|svg|speedscope,\n"
		"                           pid=PID (one target; with -a any process),\n"
		"                           comm=NAME (threads of that name or of a process\n"
		"                           of it), container=ID (a container whose id\n"
		"                           begins so, or a systemd unit; with -a),\n"
		"                           tid=TID, hz=HZ (at most -F),\n"
		"                           lang=python|js|native|all (as --lang)\n"
		"  /debug/pprof/            an index of the endpoints and targets\n"
		"A bad parameter gets 400 (hz= above -F too), an unknown path 404, a target\n"
		"that has exited 404, a request beyond --max-requests (or at another hz than\n"
		"the one in progress) 429, a missing or wrong token 401, a request head not\n"
		"complete 10 s after the connection 408, more than 64 query parameters 414.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID[,PID...]   the processes to profile\n"
		"      --lang LANG          python, js or native: only that language's frames,\n"
		"                           the time of the others charged to their nearest\n"
		"                           kept caller; all: every frame (the default); a\n"
		"                           request's lang= overrides it\n"
		"  -l, --listen ADDR:PORT   where to listen (default 127.0.0.1:6060, which\n"
		"                           every local user can reach; port 0 picks a free\n"
		"                           one; [::1]:PORT for IPv6). An address beyond the\n"
		"                           loopback needs --token-file\n"
		"  -l, --listen unix:PATH   a Unix socket instead, mode 0600: only its owner\n"
		"                           (and root) can connect. A socket nobody listens\n"
		"                           on is replaced, nothing else (links not followed)\n"
		"      --token-file FILE    every request must carry 'Authorization: Bearer\n"
		"                           TOKEN', TOKEN the first line of FILE. FILE must be\n"
		"                           ours or root's, not group-writable, and others\n"
		"                           may neither read nor write it (chmod 600)\n"
		"      --max-seconds N      the largest seconds= (default 300)\n"
		"      --max-requests N     profiles in progress at once (default 8)\n");
	record_options_help(f, cmd);
	fprintf(f,
		"  -h, --help               show this help\n"
		"\n"
		"Examples:\n"
		"  cprof serve -p 1234 &\n"
		"  go tool pprof 'http://127.0.0.1:6060/debug/pprof/profile?seconds=10'\n"
		"  curl -o flame.svg 'http://127.0.0.1:6060/debug/pprof/profile?seconds=5&format=svg'\n"
		"  cprof serve -p 1234 --listen unix:/run/cprof.sock &\n"
		"  curl --unix-socket /run/cprof.sock -o cpu.pprof \\\n"
		"       'http://localhost/debug/pprof/profile?seconds=10'\n"
		"  cprof serve -p 1234,5678 --listen 0.0.0.0:6060 --token-file /etc/cprof/token\n"
		"  cprof serve -a --listen unix:/run/cprof.sock &   # the host, for Parca/Alloy\n"
		"  curl --unix-socket /run/cprof.sock -o pg.pprof \\\n"
		"       'http://localhost/debug/pprof/profile?seconds=10&comm=postgres'\n"
		"\n" EXIT_CODES
		"  (serve: 1 also when the address is in use or something not a socket is at\n"
		"  unix:PATH; 2 also for a --token-file others may read or write, or not ours)\n");
}

struct serve_opts {
	struct record_opts rec;
	const char *listen, *token_file;
	unsigned max_seconds, max_requests;
	enum view_lang lang;
};

enum { OPT_TOKEN_FILE = 2000, OPT_MAX_SECONDS, OPT_MAX_REQUESTS, OPT_LANG };

static int parse_serve_args(const struct command *cmd, int argc, char **argv,
			    struct serve_opts *o, uint32_t **pids, size_t *npids)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		/* record's, refused with a word on why */
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-jit-support", no_argument, NULL, 'J' },
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "max-seconds", required_argument, NULL, OPT_MAX_SECONDS },
		{ "max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
		{ "lang", required_argument, NULL, OPT_LANG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_getopt g;
	unsigned max;
	uint64_t v;
	int c, rc;

	if ((rc = cmd_getopt_init(&g, cmd, "p:l:h", longopts)))
		return rc;
	while ((c = getopt_long(argc, argv, g.optstring, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (pid_option(optarg, pids, npids))
				return EXIT_USAGE;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case OPT_TOKEN_FILE:
			o->token_file = optarg;
			break;
		case OPT_LANG:
			if (lang_option(optarg, &o->lang))
				return EXIT_USAGE;
			break;
		case OPT_MAX_SECONDS:
		case OPT_MAX_REQUESTS:
			max = c == OPT_MAX_SECONDS ? 86400 : 64;
			if (parse_u64(optarg, 1, max, &v))
				return usage_error("invalid --%s '%s' (expected 1..%u)",
						   c == OPT_MAX_SECONDS ? "max-seconds" : "max-requests",
						   optarg, max);
			*(c == OPT_MAX_SECONDS ? &o->max_seconds : &o->max_requests) = (unsigned)v;
			break;
		case 'd':
		case 'o':
		case 'J':
			return usage_error("%s", "serve takes no -d, -o or --no-jit-support: each "
					   "request says how long, and nothing is written");
		case 'h':
			serve_usage(stdout, cmd);
			return -1;
		default:
			if (record_option(cmd, c, optarg, &o->rec))
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (serve attaches with -p PID, or -a)",
				   argv[optind]);
	if (!*npids && !o->rec.all)
		return usage_error("%s", "nothing to serve: give -p PID[,PID...] or -a");
	return record_targets(argv + argc, *pids, *npids, "serve", &o->rec);
}

/* "HOST:PORT", "[V6]:PORT" or "unix:PATH" into ADDR. Returns 0, or EXIT_USAGE after saying why. */
static int parse_listen(const char *arg, struct sockaddr_storage *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *res = NULL;
	char host[256];
	const char *colon = strrchr(arg, ':');
	size_t n;
	uint64_t port;
	int rc;

	if (!strncmp(arg, "unix:", 5)) {
		struct sockaddr_un *sun = (struct sockaddr_un *)addr;

		if (!arg[5] || strlen(arg + 5) >= sizeof(sun->sun_path))
			return usage_error("invalid --listen '%s' (expected unix:PATH, PATH of 1 to "
					   "%zu bytes)", arg, sizeof(sun->sun_path) - 1);
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, arg + 5);
		return 0;
	}
	if (!colon || colon == arg || parse_u64(colon + 1, 0, 65535, &port))
		return usage_error("invalid --listen '%s' (expected ADDR:PORT, e.g. "
				   "127.0.0.1:6060 or [::1]:6060, or unix:PATH)", arg);
	n = (size_t)(colon - arg);
	if (arg[0] == '[' && n >= 2 && arg[n - 1] == ']') {
		arg++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return usage_error("invalid --listen '%s' (address too long)", arg);
	memcpy(host, arg, n);
	host[n] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc || !res)
		return usage_error("cannot listen on '%s': %s", host, gai_strerror(rc));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Whether only this machine can reach A (a Unix socket is this machine's too). */
static int is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_UNIX)
		return 1;
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	return a->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/*
 * The first line of PATH, without its line end, into TOKEN. PATH must be
 * a regular file of ours (or root's) that others can neither read nor
 * write and the group cannot write. Returns 0 or EXIT_USAGE after saying
 * why in one line.
 */
static int read_token(const char *path, char token[MAX_TOKEN])
{
	int fd = safefile_open_input(path);
	struct stat st;
	FILE *f = NULL;
	size_t n = 0;
	int rc = EXIT_USAGE;

	if (fd < 0) {
		fprintf(stderr, "cprof: cannot read --token-file '%s': %s\n", path,
			safefile_strerror(fd));
		return EXIT_USAGE;
	}
	if (fstat(fd, &st)) {
		fprintf(stderr, "cprof: cannot read --token-file '%s': %s\n", path, strerror(errno));
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		fprintf(stderr, "cprof: --token-file '%s' belongs to uid %u, not to us (uid %u) nor "
			"root: refused\n", path, (unsigned)st.st_uid, (unsigned)geteuid());
	} else if (st.st_mode & 027) {
		fprintf(stderr, "cprof: --token-file '%s' is %s (mode %04o): refused; chmod 600 it\n",
			path, st.st_mode & 007 ? "open to other users" : "writable by its group",
			(unsigned)(st.st_mode & 07777));
	} else if (!(f = fdopen(fd, "r"))) {
		fprintf(stderr, "cprof: cannot read --token-file '%s': %s\n", path, strerror(errno));
	} else {
		fd = -1; /* F's now */
		n = fgets(token, MAX_TOKEN, f) ? strcspn(token, "\r\n") : 0;
		token[n] = '\0';
		while (n && (token[n - 1] == ' ' || token[n - 1] == '\t'))
			token[--n] = '\0';
		if (n)
			rc = 0;
		else
			fprintf(stderr, "cprof: --token-file '%s' holds no token on its first line\n",
				path);
	}
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* One line saying why listening on WHERE failed (ERR from httpd_new). */
static void say_cannot_listen(const char *where, int err)
{
	switch (-err) {
	case EADDRINUSE:
		fprintf(stderr, "cprof: cannot listen on %s: the address is in use (another server "
			"listens there); pick another with --listen, e.g. --listen 127.0.0.1:0 "
			"or --listen unix:PATH\n", where);
		break;
	case ELOOP:
		fprintf(stderr, "cprof: cannot listen on %s: a symbolic link is there (refused: "
			"not followed, not replaced)\n", where);
		break;
	case ENOTSOCK:
		fprintf(stderr, "cprof: cannot listen on %s: a file that is not a socket is there "
			"(refused: not replaced)\n", where);
		break;
	default:
		fprintf(stderr, "cprof: cannot listen on %s: %s\n", where, strerror(-err));
	}
}

static void say_listening(const struct sockaddr_storage *a, uint16_t port, size_t npids, int all)
{
	char host[INET6_ADDRSTRLEN] = "?", what[64];
	int v6 = a->ss_family == AF_INET6;

	if (all)
		snprintf(what, sizeof(what), "every process");
	else
		snprintf(what, sizeof(what), "%zu process%s", npids, npids == 1 ? "" : "es");
	if (a->ss_family == AF_UNIX) {
		fprintf(stderr, "cprof: serving %s on unix:%s "
			"(curl --unix-socket PATH http://localhost/debug/pprof/)\n", what,
			((const struct sockaddr_un *)a)->sun_path);
		return;
	}
	if (v6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, host, sizeof(host));
	fprintf(stderr, "cprof: serving %s on http://%s%s%s:%u/debug/pprof/\n", what,
		v6 ? "[" : "", host, v6 ? "]" : "", port);
}

int cmd_serve(const struct command *cmd, int argc, char **argv)
{
	struct serve_opts o = {
		.listen = "127.0.0.1:6060",
		.max_seconds = 300,
		.max_requests = 8,
		.lang = VIEW_ALL,
	};
	struct sockaddr_storage addr = { 0 };
	struct serve *s = NULL;
	struct httpd *h = NULL;
	char token[MAX_TOKEN] = "";
	uint32_t *pids = NULL;
	size_t npids = 0, i;
	char *cmdline = NULL;
	sigset_t sigs;
	int rc, err, sig;

	/*
	 * A server that runs for months: every recording hands over a JIT
	 * target's whole perf map (tens of MiB through the queue and the
	 * symbol table). glibc raises its mmap threshold after each such block
	 * is freed and then carves the next ones out of the heap, which
	 * fragments and only grows; a fixed threshold keeps blocks of 1 MiB and
	 * more in mappings of their own, given back when freed.
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	record_opts_init(cmd, &o.rec);
	rc = parse_serve_args(cmd, argc, argv, &o, &pids, &npids);
	if (!rc)
		rc = parse_listen(o.listen, &addr);
	if (!rc && o.token_file)
		rc = read_token(o.token_file, token);
	if (!rc && !o.token_file && !is_loopback(&addr))
		rc = usage_error("--listen %s is beyond the loopback: give --token-file too",
				 o.listen);
	if (rc)
		goto out;
	for (i = 0; i < npids; i++)
		if (kill((pid_t)pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "cprof: no such process: %u\n", pids[i]);
			rc = EXIT_FAILURE_RUNTIME;
			goto out;
		}
	cmdline = join_args(argc + 1, argv - 1);
	o.rec.cmdline = cmdline;

	/* the threads started below inherit the mask: the signals come to sigwait only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct serve_config sc = { .rec = &o.rec, .max_requests = o.max_requests };
	if ((err = serve_new(&sc, &s))) {
		rc = EXIT_FAILURE_RUNTIME;
		if (o.rec.all) {
			fprintf(stderr, "cprof: cannot sample every CPU (-a): perf_event_open: %s\n",
				sampler_strerror(err));
			if (err == -EACCES || err == -EPERM)
				rc = EXIT_PERM;
		} else if (err == -ESRCH) {
			fprintf(stderr, "cprof: a target process exited before serving began\n");
		} else {
			fprintf(stderr, "cprof: cannot start serving: %s\n", strerror(-err));
		}
		goto out;
	}
	struct httpd_config hc = { .addr = (const struct sockaddr *)&addr,
				   .token = o.token_file ? token : NULL,
				   .max_seconds = o.max_seconds,
				   .max_hz = o.rec.freq,
				   .lang = o.lang,
				   .max_connections = 32,
				   .timeout = 10 };
	if ((err = httpd_new(&hc, s, &h))) {
		say_cannot_listen(o.listen, err);
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	say_listening(&addr, httpd_port(h), npids, o.rec.all);
	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		; /* a closed terminal does not stop a server */
	fprintf(stderr, "cprof: stopping\n");
	rc = EXIT_OK;
out:
	if (s)
		serve_shutdown(s);
	httpd_free(h);
	serve_free(s);
	free(cmdline);
	free(pids);
	record_opts_release(&o.rec);
	return rc < 0 ? EXIT_OK : rc;
}
