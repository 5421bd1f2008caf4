/*
 * cprof serve: Go's /debug/pprof/profile endpoint for running processes,
 * for `go tool pprof URL` and for fleet profilers that scrape it (Parca,
 * Grafana Alloy). The sessions are serve.h's, the HTTP httpd.h's; this
 * file parses the options, listens, and waits for SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/cmd.h"
#include "cprof/httpd.h"
#include "cprof/record.h"
#include "cprof/serve.h"
#include "cprof/util.h"

#define MAX_TOKEN 4096

static void serve_usage(FILE *f)
{
	fprintf(f,
		"Usage: cprof serve [OPTIONS] -p PID[,PID...]\n"
		"\n"
		"Serve CPU profiles of running processes over HTTP the way a Go program's\n"
		"net/http/pprof does, so 'go tool pprof' and fleet profilers (Parca, Grafana\n"
		"Alloy's pyroscope.scrape) can fetch them. The targets are sampled only while\n"
		"a request waits (requests at the same time share one recording), with the\n"
		"unwinder and symbols of 'cprof record' and 'cprof report', kept warm between\n"
		"requests. Stops on SIGINT or SIGTERM.\n"
		"\n"
		"Endpoints:\n"
		"  /debug/pprof/profile?seconds=N  sample N seconds (default 30), answer with\n"
		"                           the gzip'd pprof 'cprof report --format pprof'\n"
		"                           writes; also format=folded|svg|speedscope,\n"
		"                           pid=PID (one target), tid=TID, hz=HZ (at most -F)\n"
		"  /debug/pprof/            an index of the endpoints and targets\n"
		"A bad parameter gets 400 (hz= above -F too), an unknown path 404, a target\n"
		"that has exited 404, a request beyond --max-requests (or at another hz than\n"
		"the one in progress) 429, a missing or wrong token 401.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID[,PID...]   the processes to profile\n"
		"  -l, --listen ADDR:PORT   where to listen (default 127.0.0.1:6060; port 0\n"
		"                           picks a free one; [::1]:PORT for IPv6). An\n"
		"                           address beyond the loopback needs --token-file\n"
		"      --token-file FILE    every request must carry 'Authorization: Bearer\n"
		"                           TOKEN', TOKEN the first line of FILE\n"
		"      --max-seconds N      the largest seconds= (default 300)\n"
		"      --max-requests N     profiles in progress at once (default 8)\n"
		"  -F, --freq HZ            samples per second per thread (default 99), also\n"
		"                           the largest hz= a client may ask\n"
		"  -g, --call-graph MODE    dwarf (default) or fp, as for record\n"
		"      --stack-size BYTES   user stack copied per sample (default 24576)\n"
		"  -k, --kernel             keep kernel frames\n"
		"  -h, --help               show this help\n"
		"\n"
		"Examples:\n"
		"  cprof serve -p 1234 &\n"
		"  go tool pprof 'http://127.0.0.1:6060/debug/pprof/profile?seconds=10'\n"
		"  curl -o flame.svg 'http://127.0.0.1:6060/debug/pprof/profile?seconds=5&format=svg'\n"
		"  cprof serve -p 1234,5678 --listen 0.0.0.0:6060 --token-file /etc/cprof/token\n"
		"\n" EXIT_CODES);
}

struct serve_opts {
	struct record_opts rec;
	const char *listen, *token_file;
	unsigned max_seconds, max_requests;
};

enum { OPT_TOKEN_FILE = 2000, OPT_MAX_SECONDS, OPT_MAX_REQUESTS };

static int parse_serve_args(int argc, char **argv, struct serve_opts *o, uint32_t **pids,
			    size_t *npids)
{
	static const struct option longopts[] = {
		RECORD_LONGOPTS,
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "max-seconds", required_argument, NULL, OPT_MAX_SECONDS },
		{ "max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned max;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "p:l:F:g:kh", longopts, NULL)) != -1) {
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
			serve_usage(stdout);
			return -1;
		case '?':
			fprintf(stderr, "Try 'cprof serve --help' for more information.\n");
			return EXIT_USAGE;
		default:
			if (record_option(c, optarg, &o->rec))
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (serve attaches with -p PID)",
				   argv[optind]);
	if (!*npids)
		return usage_error("%s", "nothing to serve: give -p PID[,PID...]");
	o->rec.pids = (const pid_t *)*pids;
	o->rec.npids = *npids;
	return 0;
}

/* "HOST:PORT" or "[V6]:PORT" into ADDR. Returns 0, or EXIT_USAGE after saying why. */
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

	if (!colon || colon == arg || parse_u64(colon + 1, 0, 65535, &port))
		return usage_error("invalid --listen '%s' (expected ADDR:PORT, e.g. "
				   "127.0.0.1:6060 or [::1]:6060)", arg);
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

static int is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	return a->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/* The first line of PATH, without its line end, into TOKEN. Returns 0 or EXIT_USAGE. */
static int read_token(const char *path, char token[MAX_TOKEN])
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return usage_error("cannot read --token-file '%s': %s", path, strerror(errno));
	n = fgets(token, MAX_TOKEN, f) ? strcspn(token, "\r\n") : 0;
	fclose(f);
	token[n] = '\0';
	while (n && (token[n - 1] == ' ' || token[n - 1] == '\t'))
		token[--n] = '\0';
	if (!n)
		return usage_error("--token-file '%s' holds no token on its first line", path);
	return 0;
}

static void say_listening(const struct sockaddr_storage *a, uint16_t port, size_t npids)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int v6 = a->ss_family == AF_INET6;

	if (v6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, host, sizeof(host));
	fprintf(stderr, "cprof: serving %zu process%s on http://%s%s%s:%u/debug/pprof/\n", npids,
		npids == 1 ? "" : "es", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = {
		.rec = { .freq = 99, .mode = CALLGRAPH_DWARF, .stack_size = 24576 },
		.listen = "127.0.0.1:6060",
		.max_seconds = 300,
		.max_requests = 8,
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

	rc = parse_serve_args(argc, argv, &o, &pids, &npids);
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
		fprintf(stderr, "cprof: cannot start serving: %s\n", strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	struct httpd_config hc = { .addr = (const struct sockaddr *)&addr,
				   .token = o.token_file ? token : NULL,
				   .max_seconds = o.max_seconds,
				   .max_hz = o.rec.freq,
				   .max_connections = 32,
				   .timeout = 10 };
	if ((err = httpd_new(&hc, s, &h))) {
		fprintf(stderr, "cprof: cannot listen on %s: %s\n", o.listen, strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	say_listening(&addr, httpd_port(h), npids);
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
	return rc < 0 ? EXIT_OK : rc;
}
