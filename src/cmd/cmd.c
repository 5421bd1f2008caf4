/* What the commands share: their setup, usage errors, id lists, data file errors. */
#include "cprof/cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/safefile.h"
#include "cprof/util.h"
#include "cprof/writer.h"

volatile sig_atomic_t cmd_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	cmd_stop = 1;
}

int cmd_run(const struct command *cmd, int argc, char **argv)
{
	if (cmd->setup & CMD_STOP_SIGNALS) {
		struct sigaction sa = { .sa_handler = on_stop_signal };

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	return cmd->run(cmd, argc, argv);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "cprof: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'cprof --help' for more information.\n");
	va_end(ap);
	return EXIT_USAGE;
}

/* Parse "1,2,3" into a fresh array; NULL, or the bad token (in BAD) on failure. */
const char *parse_id_list(const char *arg, uint32_t **out, size_t *n, char bad[64])
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint32_t *ids = NULL;
	size_t k = 0;

	if (!copy)
		return arg;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		uint32_t *more;

		if (parse_u64(tok, 1, 4194304, &v)) {
			snprintf(bad, 64, "%s", tok);
			free(copy);
			free(ids);
			return bad;
		}
		more = realloc(ids, (k + 1) * sizeof(*ids));
		if (!more)
			break;
		ids = more;
		ids[k++] = (uint32_t)v;
	}
	free(copy);
	if (!k) {
		free(ids);
		return arg;
	}
	*out = ids;
	*n = k;
	return NULL;
}

int pid_option(const char *arg, uint32_t **pids, size_t *n)
{
	char badbuf[64];
	const char *bad;

	free(*pids);
	*pids = NULL;
	bad = parse_id_list(arg, pids, n, badbuf);
	return bad ? usage_error("invalid PID '%s'", bad) : 0;
}

const char *data_file_strerror(int err)
{
	switch (-err) {
	case EPROTO:
		return "is not a cprof data file";
	case EPROTONOSUPPORT:
		return "was written by a newer cprof (unsupported format version)";
	case EILSEQ:
		return "is damaged: format version 0 is not a valid version";
	case EOVERFLOW:
		return "is damaged: header size out of range";
	default:
		return NULL;
	}
}

int data_file_error(const char *path, int err)
{
	const char *why = data_file_strerror(err);

	if (why)
		fprintf(stderr, "cprof: '%s' %s\n", path, why);
	else if (err == -ENOENT || err == -EACCES || err == -EISDIR || err == -EIO ||
		 err == -EBADMSG || err == -ENXIO)
		fprintf(stderr, "cprof: cannot read data file '%s': %s\n", path,
			err == -EBADMSG ? "corrupt record" : safefile_strerror(err));
	else
		return 0;
	return 1;
}

int parse_double(const char *arg, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= min && v <= max))
		return -EINVAL;
	*out = v;
	return 0;
}

int view_option(int opt, const char *arg, struct writer_opts *wo, const char *cmd)
{
	uint64_t v;

	switch (opt) {
	case OPT_VIEW_LIMIT:
		if (parse_u64(arg, 0, 1000000000, &v))
			return usage_error("invalid limit '%s' (expected a number >= 0)", arg);
		wo->limit = (unsigned)v;
		return 0;
	case OPT_VIEW_TITLE:
		wo->title = arg;
		return 0;
	case OPT_VIEW_WIDTH:
		if (parse_u64(arg, 100, 100000, &v))
			return usage_error("invalid width '%s' (expected 100..100000 pixels)", arg);
		wo->width = (unsigned)v;
		return 0;
	case OPT_VIEW_LANG:
		return lang_option(arg, &wo->lang);
	case OPT_VIEW_MINWIDTH:
		if (parse_double(arg, 0, 10000, &wo->minwidth))
			return usage_error("invalid minimum width '%s' (expected 0..10000 pixels)",
					   arg);
		return 0;
	default:
		fprintf(stderr, "Try 'cprof %s --help' for more information.\n", cmd);
		return EXIT_USAGE;
	}
}

int lang_option(const char *arg, enum view_lang *lang)
{
	if (view_lang_parse(arg, lang))
		return usage_error("invalid language '%s' (expected python, js, native or all)", arg);
	return 0;
}

int cmd_view(struct profile **p, const struct writer_opts *wo, const struct writer *w,
	     FILE *note)
{
	enum view_lang lang = wo->lang;
	struct profile *v;
	int err;

	if (lang == VIEW_AUTO)
		lang = !strcmp(w->name, "top") ? view_auto(*p) : VIEW_ALL;
	if (lang == VIEW_ALL)
		return 0;
	if ((err = view_lang(*p, lang, &v)))
		return err;
	profile_free(*p);
	*p = v;
	if (wo->lang == VIEW_AUTO && note)
		fprintf(note, "cprof: a top table of %s frames only, the time of the code they "
			"call charged to them (--lang all: every frame)\n",
			lang == VIEW_PYTHON ? "Python" : "JavaScript (JIT)");
	return 0;
}

int cmd_output_open(struct cmd_output *out, const char *path)
{
	int err = 0;

	*out = (struct cmd_output){ .path = path, .f = stdout };
	if (!path)
		return 0;
	err = safeout_new(path, 0, &out->so);
	if (!err && !(out->f = safeout_stream(out->so)))
		err = -errno;
	if (!err)
		return 0;
	fprintf(stderr, "cprof: cannot write '%s': %s\n", path, safefile_strerror(err));
	safeout_close(out->so);
	out->so = NULL;
	return EXIT_FAILURE_RUNTIME;
}

static int is_write_error(int err)
{
	return err == -ENOSPC || err == -EIO || err == -EDQUOT || err == -EPIPE;
}

int cmd_output_close(struct cmd_output *out, int err)
{
	int werr, werr2;

	if (out->so) {
		werr = err ? 0 : safeout_commit(out->so);
		werr2 = safeout_close(out->so);
		werr = werr ? werr : werr2;
		out->so = NULL;
	} else {
		werr = fflush(stdout) || ferror(stdout) ? -(errno ? errno : EIO) : 0;
	}
	if (!werr || (err && !is_write_error(err)))
		return 0;
	fprintf(stderr, "cprof: cannot write %s%s%s: %s\n", out->path ? "'" : "",
		out->path ? out->path : "standard output", out->path ? "'" : "",
		safefile_strerror(werr));
	return EXIT_FAILURE_RUNTIME;
}
