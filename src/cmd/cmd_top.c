/*
 * cprof top: a live view of a running process. The recorder runs in a
 * thread of its own and writes to the live aggregator (live.h), and to a
 * data file with -o; this thread draws the aggregator's profile every
 * interval, full-screen with ncurses on a terminal, else as plain top
 * tables (batch mode).
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cprof/cmd.h"
#include "cprof/functable.h"
#include "cprof/live.h"
#include "cprof/record.h"
#include "cprof/util.h"
#include "cprof/writer.h"

static void top_usage(FILE *f, const struct command *cmd)
{
	fprintf(f,
		"Usage: cprof top [OPTIONS] -p PID[,PID...]\n"
		"       cprof top [OPTIONS] -- COMMAND [ARGS...]\n"
		"       cprof top [OPTIONS] --all-cpus [--comm NAME]   (every process)\n"
		"\n"
		"Sample the target like 'cprof record' (same unwinder and symbols) and show\n"
		"its hottest functions live, redrawn every interval. On a terminal it is a\n"
		"full-screen table; when standard output is not a terminal (or TERM=dumb)\n"
		"it prints one plain top table per interval. Stops on q, Ctrl-C or after -d\n"
		"SECONDS; when every target has exited, batch mode stops and the full-screen\n"
		"table stays, marked \"target exited\", until q.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID[,PID...]   attach to running processes\n");
	record_options_help(f, cmd);
	fprintf(f,
		"  -i, --interval SECONDS   redraw every SECONDS (default 1)\n"
		"      --decay SECONDS      the window of the default view (default 10)\n"
		"  -a, --accumulate         count since the start instead of the window\n"
		"      --limit N            batch mode: rows per table (default 20, 0: all)\n"
		"      --lang LANG          python, js or native: only that language's frames,\n"
		"                           the others' time charged to their nearest kept\n"
		"                           caller; all: every frame (default: the target's\n"
		"                           language, Python or JavaScript, if it has one)\n"
		"  -h, --help               show this help\n"
		"\n"
		"Keys: q quit, s sort by self/total, t threads of the selected function,\n"
		"c its callers and callees, k hide/show kernel frames, / filter by regex\n"
		"(empty: none), p pause, a accumulate/decay, arrows PgUp PgDn Home End move,\n"
		"Esc back to the table. NO_COLOR turns colours off.\n"
		"\n"
		"Examples:\n"
		"  cprof top -p 1234\n"
		"  cprof top -F 999 -k -- ./server --port 8080\n"
		"  cprof top -p 1234 -d 30 -o run.data > top.log   # batch mode, and a data file\n"
		"  cprof top --all-cpus -k                         # the whole host\n"
		"\n" EXIT_CODES);
}

struct top_opts {
	struct record_opts rec;
	double interval;
	unsigned decay, limit;
	int accumulate;
	enum view_lang lang;     /* --lang; VIEW_AUTO: the target's language, if any */
};

struct recorder_thread {
	struct record_opts *opts;
	struct record_result res;
	int err;
	atomic_int done;
};

static void *run_recorder(void *arg)
{
	struct recorder_thread *t = arg;

	t->err = record_run(t->opts, &t->res);
	atomic_store(&t->done, 1);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* ---- batch mode: the top writer's table per interval ---- */

static int run_batch(const struct top_opts *o, struct live *live, struct recorder_thread *rt)
{
	const struct writer *top = writer_find("top");
	struct writer_opts wo = { .limit = o->limit, .lang = o->lang };
	struct live_view_opts vo = { .accumulate = o->accumulate };
	double next = now_s() + o->interval;
	int done = 0, err = 0, said = 0;

	while (!done && !err) {
		struct profile *p;

		while (!(done = atomic_load(&rt->done)) && !cmd_stop && now_s() < next)
			usleep(20000);
		next += o->interval;
		if (done)
			live_sync(live, 5000); /* the naming thread takes the last records */
		if ((err = live_view(live, &vo, &p)))
			break;
		/* the first table in a language says so, once */
		if (!(err = cmd_view(&p, &wo, top, said ? NULL : stderr)))
			said |= view_auto(p) != VIEW_ALL;
		if (!err)
			err = top->write(p, &wo, stdout);
		profile_free(p);
		if (!err && (fputc('\n', stdout) == EOF || fflush(stdout)))
			err = -EIO;
		if (cmd_stop)
			break;
	}
	return err;
}

/* ---- the full-screen view ---- */

enum panel { PANEL_TABLE, PANEL_THREADS, PANEL_TREE };

struct ui {
	const struct top_opts *o;
	struct live *live;
	struct recorder_thread *rt;
	struct profile *view;
	struct functable ft;
	size_t *shown, nshown, capshown; /* rows of ft that pass the filter */
	size_t sel, first;       /* selected and first drawn of shown */
	enum panel panel;
	int sort_total, hide_kernel, paused, accumulate, color;
	int exited;              /* its targets have exited: the counts are final */
	regex_t re;
	int have_re;
	char filter[128], status[160];
	double last_t, last_cpu, rate, cpu;
	uint64_t last_samples;
	struct live_stats st;
};

static double pct(int64_t v, int64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

static int refresh_view(struct ui *u)
{
	struct live_view_opts vo = { .accumulate = u->accumulate, .hide_kernel = u->hide_kernel };
	struct writer_opts wo = { .lang = u->o->lang };
	struct profile *p;
	size_t i;
	int err;

	if ((err = live_view(u->live, &vo, &p)))
		return err;
	if ((err = cmd_view(&p, &wo, writer_find("top"), NULL))) {
		profile_free(p);
		return err;
	}
	functable_release(&u->ft);
	profile_free(u->view);
	u->view = p;
	if ((err = functable_build(&u->ft, p, 0, u->sort_total)))
		return err;
	u->nshown = 0;
	if (array_reserve(&u->shown, &u->capshown, u->ft.n + 1, sizeof(*u->shown)))
		return -ENOMEM;
	for (i = 0; i < u->ft.n; i++)
		if (!u->have_re || !regexec(&u->re, u->ft.rows[i].name, 0, NULL, 0))
			u->shown[u->nshown++] = i;
	if (u->sel >= u->nshown)
		u->sel = u->nshown ? u->nshown - 1 : 0;
	return 0;
}

static void update_rates(struct ui *u)
{
	double t = now_s(), c = cpu_s();

	live_get_stats(u->live, &u->st);
	if (t - u->last_t > 0.2) {
		u->rate = (double)(u->st.samples - u->last_samples) / (t - u->last_t);
		u->cpu = 100.0 * (c - u->last_cpu) / (t - u->last_t);
		u->last_t = t;
		u->last_cpu = c;
		u->last_samples = u->st.samples;
	}
}

/*
 * Line Y of the screen: LINE with what the target named (functions,
 * modules, threads) made printable first (util.h), so no escape sequence
 * of theirs reaches the terminal.
 */
static void put_line(int y, char *line)
{
	line[str_printable(line, strlen(line))] = '\0';
	mvaddnstr(y, 0, line, COLS);
}

static void bar(struct ui *u, int y, const char *text)
{
	attr_t a = u->color ? COLOR_PAIR(1) : A_REVERSE;
	char line[512];

	snprintf(line, sizeof(line), "%s", text);
	attron(a);
	mvhline(y, 0, ' ', COLS);
	put_line(y, line);
	attroff(a);
}

/* "%self %total function module" in the width of the screen. */
static void func_line(int y, double self, double total, const char *name,
		      const char *module, int selected)
{
	int namew = COLS - 16 - 2 - 20;
	char line[1024];

	if (namew < 10)
		namew = COLS > 26 ? COLS - 16 : 10;
	snprintf(line, sizeof(line), "%6.2f%% %6.2f%%  %-*.*s  %s", self, total, namew, namew,
		 name, module);
	if (selected)
		attron(A_REVERSE | A_BOLD);
	put_line(y, line);
	if (selected) {
		int x = getcurx(stdscr);

		if (x < COLS && x > 0)
			mvhline(y, x, ' ', COLS - x);
		attroff(A_REVERSE | A_BOLD);
	}
}

static int visible_rows(void)
{
	return LINES - 4 > 1 ? LINES - 4 : 1;
}

static void draw_table(struct ui *u, int64_t total)
{
	int rows = visible_rows(), y;
	size_t i;

	if (u->sel < u->first)
		u->first = u->sel;
	if (u->sel >= u->first + (size_t)rows)
		u->first = u->sel - (size_t)rows + 1;
	bar(u, 2, "  %self  %total  function");
	for (y = 0, i = u->first; i < u->nshown && y < rows; i++, y++) {
		const struct func_row *f = &u->ft.rows[u->shown[i]];

		func_line(3 + y, pct(f->self, total), pct(f->total, total), f->name,
			  profile_module_name(u->view, f->module), i == u->sel);
	}
}

static void draw_threads(struct ui *u, const struct func_row *f, int64_t total)
{
	size_t n = u->view->nthreads, i;
	int64_t *self = calloc(n + 1, sizeof(*self)), *tot = calloc(n + 1, sizeof(*tot));
	char line[512];
	int y = 3;

	snprintf(line, sizeof(line), "  %%self  %%total  threads of %s", f->name);
	bar(u, 2, line);
	if (self && tot) {
		functable_by_thread(&u->ft, u->view, 0, u->shown[u->sel], self, tot);
		for (i = 0; i < n && y < LINES - 1; i++) {
			const struct profile_thread *t = &u->view->threads[i];

			if (!tot[i])
				continue;
			snprintf(line, sizeof(line), "%6.2f%% %6.2f%%  %u/%u %s (%s)",
				 pct(self[i], total), pct(tot[i], total), t->pid, t->tid, t->comm,
				 t->process);
			put_line(y++, line);
		}
	}
	free(self);
	free(tot);
}

static void draw_tree(struct ui *u, const struct func_row *f, int64_t total)
{
	size_t n = u->ft.n, i, pass;
	int64_t *callers = calloc(n + 1, sizeof(*callers)), *callees = calloc(n + 1, sizeof(*callees));
	char line[512];
	int y = 3;

	bar(u, 2, "  %total  callers, the function, callees");
	if (callers && callees &&
	    !functable_neighbours(&u->ft, u->view, 0, u->shown[u->sel], callers, callees)) {
		for (pass = 0; pass < 2 && y < LINES - 1; pass++) {
			int64_t *v = pass ? callees : callers;

			if (pass) {
				snprintf(line, sizeof(line), "%6.2f%%  %s  (self %.2f%%)",
					 pct(f->total, total), f->name, pct(f->self, total));
				attron(A_BOLD);
				put_line(y++, line);
				attroff(A_BOLD);
			}
			/* the table is sorted: neighbours come out hottest first */
			for (i = 0; i < n && y < LINES - 1; i++) {
				if (!v[i])
					continue;
				snprintf(line, sizeof(line), "%6.2f%%  %s %s", pct(v[i], total),
					 pass ? "  `-> called" : ",-- caller", u->ft.rows[i].name);
				put_line(y++, line);
			}
		}
	}
	free(callers);
	free(callees);
}

/* The recording ended because every target exited (not -d, not an error). */
static int target_exited(struct recorder_thread *rt)
{
	return atomic_load(&rt->done) && !rt->err && rt->res.targets_exited;
}

static void draw(struct ui *u)
{
	int64_t total = u->view ? profile_total(u->view, 0) : 0;
	char line[512];

	erase();
	snprintf(line, sizeof(line),
		 "cprof top  %u Hz  %.0f samples/s  %u threads  %" PRIu64 " lost  cprof CPU %.1f%%"
		 "  %s %us%s%s",
		 u->o->rec.freq, u->rate, u->st.threads, u->st.lost, u->cpu,
		 u->accumulate ? "accumulated over" : "last", u->accumulate ? (unsigned)u->st.seconds
		 : u->o->decay, u->paused ? "  PAUSED" : "", u->exited ? "  (target exited)" : "");
	put_line(0, line);
	snprintf(line, sizeof(line), "sort %s  kernel %s  filter %s  %s",
		 u->sort_total ? "total" : "self", u->hide_kernel ? "hidden" : "shown",
		 u->have_re ? u->filter : "-", u->status[0] ? u->status
		 : "q quit  s sort  t threads  c callers  k kernel  / filter  p pause  a accumulate");
	put_line(1, line);
	if (u->panel == PANEL_TABLE || !u->nshown)
		draw_table(u, total);
	else if (u->panel == PANEL_THREADS)
		draw_threads(u, &u->ft.rows[u->shown[u->sel]], total);
	else
		draw_tree(u, &u->ft.rows[u->shown[u->sel]], total);
	refresh();
}

static void ask_filter(struct ui *u)
{
	char buf[128] = "";

	mvhline(LINES - 1, 0, ' ', COLS);
	mvaddstr(LINES - 1, 0, "filter (regex): ");
	echo();
	curs_set(1);
	timeout(-1);
	getnstr(buf, sizeof(buf) - 1);
	timeout(100);
	curs_set(0);
	noecho();
	if (u->have_re)
		regfree(&u->re);
	u->have_re = 0;
	u->status[0] = '\0';
	if (!buf[0])
		return;
	if (regcomp(&u->re, buf, REG_EXTENDED | REG_NOSUB)) {
		snprintf(u->status, sizeof(u->status), "bad regex '%s'", buf);
		return;
	}
	u->have_re = 1;
	snprintf(u->filter, sizeof(u->filter), "%s", buf);
	u->sel = u->first = 0;
}

/* Act on key C; 1 when the view must be rebuilt. */
static int on_key(struct ui *u, int c)
{
	size_t page = (size_t)visible_rows();

	switch (c) {
	case 'q':
	case 'Q':
		cmd_stop = 1;
		return 0;
	case 's':
		u->sort_total = !u->sort_total;
		return 1;
	case 'k':
		u->hide_kernel = !u->hide_kernel;
		return 1;
	case 'a':
		u->accumulate = !u->accumulate;
		return 1;
	case 'p':
		u->paused = !u->paused;
		return !u->paused;
	case 't':
		u->panel = u->panel == PANEL_THREADS ? PANEL_TABLE : PANEL_THREADS;
		return 0;
	case 'c':
		u->panel = u->panel == PANEL_TREE ? PANEL_TABLE : PANEL_TREE;
		return 0;
	case 27: /* Esc */
	case KEY_LEFT:
		u->panel = PANEL_TABLE;
		return 0;
	case '/':
		ask_filter(u);
		return 1;
	case KEY_UP:
		u->sel -= u->sel > 0;
		return 0;
	case KEY_DOWN:
		u->sel += u->sel + 1 < u->nshown;
		return 0;
	case KEY_PPAGE:
		u->sel = u->sel > page ? u->sel - page : 0;
		return 0;
	case KEY_NPAGE:
		u->sel = u->sel + page < u->nshown ? u->sel + page : (u->nshown ? u->nshown - 1 : 0);
		return 0;
	case KEY_HOME:
		u->sel = 0;
		return 0;
	case KEY_END:
		u->sel = u->nshown ? u->nshown - 1 : 0;
		return 0;
	default:
		return 0; /* KEY_RESIZE and others: just redraw */
	}
}

/*
 * The screen stays while its targets live; once they have all exited it
 * shows their last counts until q. The end of -d, or a recorder that
 * failed, ends it.
 */
static int run_screen(const struct top_opts *o, struct live *live, struct recorder_thread *rt)
{
	struct ui u = { .o = o, .live = live, .rt = rt, .accumulate = o->accumulate };
	double next = 0;
	int err = 0;

	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(100);
	u.color = has_colors() && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
	if (u.color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_BLACK, COLOR_CYAN);
	}
	u.last_t = now_s();
	u.last_cpu = cpu_s();
	while (!cmd_stop && !err) {
		int c, rebuild = 0;

		if (atomic_load(&rt->done) && !target_exited(rt))
			break;
		if (!u.exited && target_exited(rt)) {
			/* the last counts, named, before the screen says "target exited" */
			u.exited = 1;
			live_sync(live, 2000);
			rebuild = !u.paused;
		}
		if (now_s() >= next && !u.paused) {
			rebuild = 1;
			next = now_s() + o->interval;
		}
		if (rebuild) {
			update_rates(&u);
			err = refresh_view(&u);
		}
		if (!err)
			draw(&u);
		c = getch();
		if (c != ERR && on_key(&u, c) && !err)
			err = refresh_view(&u);
	}
	if (u.have_re)
		regfree(&u.re);
	functable_release(&u.ft);
	profile_free(u.view);
	free(u.shown);
	return err;
}

static int parse_top_args(const struct command *cmd, int argc, char **argv, struct top_opts *o,
			  uint32_t **pids, size_t *npids)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "decay", required_argument, NULL, 'D' },
		{ "accumulate", no_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'L' },
		{ "lang", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_getopt g;
	uint64_t v;
	int c, rc;

	if ((rc = cmd_getopt_init(&g, cmd, "+p:i:ah", longopts)))
		return rc;
	while ((c = getopt_long(argc, argv, g.optstring, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (pid_option(optarg, pids, npids))
				return EXIT_USAGE;
			break;
		case 'i':
			if (parse_seconds(optarg, &o->interval) || o->interval < 0.05)
				return usage_error("invalid interval '%s' (expected seconds >= 0.05)",
						   optarg);
			break;
		case 'D':
			if (parse_u64(optarg, 1, 600, &v))
				return usage_error("invalid decay '%s' (expected 1..600 seconds)", optarg);
			o->decay = (unsigned)v;
			break;
		case 'a':
			o->accumulate = 1;
			break;
		case 'L':
			if (parse_u64(optarg, 0, 1000000, &v))
				return usage_error("invalid limit '%s'", optarg);
			o->limit = (unsigned)v;
			break;
		case 'G':
			if (lang_option(optarg, &o->lang))
				return EXIT_USAGE;
			break;
		case 'h':
			top_usage(stdout, cmd);
			return -1;
		default:
			if (record_option(cmd, c, optarg, &o->rec))
				return EXIT_USAGE;
		}
	}
	return record_targets(argv + optind, *pids, *npids, "watch", &o->rec);
}

/* A full-screen terminal, or NULL for batch mode. */
static SCREEN *open_screen(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO) || !term || !strcmp(term, "dumb"))
		return NULL;
	return newterm(NULL, stdout, stdin);
}

int cmd_top(const struct command *cmd, int argc, char **argv)
{
	struct top_opts o = {
		.interval = 1,
		.decay = 10,
		.limit = 20,
	};
	struct recorder_thread rt = { .opts = &o.rec };
	struct live *live = NULL;
	pthread_t thread;
	uint32_t *pids = NULL;
	size_t npids = 0;
	SCREEN *screen = NULL;
	char *cmdline = NULL;
	int rc, err;

	record_opts_init(cmd, &o.rec);
	rc = parse_top_args(cmd, argc, argv, &o, &pids, &npids);
	if (rc) {
		free(pids);
		record_opts_release(&o.rec);
		return rc < 0 ? EXIT_OK : rc;
	}
	cmdline = join_args(argc + 1, argv - 1);
	o.rec.cmdline = cmdline;
	struct live_config lc = { .freq = o.rec.freq, .kernel = o.rec.kernel, .decay = o.decay,
				  .accumulate = o.accumulate,
				  .names = { .inlines = 1, .demangle = 1 } };
	err = live_new(&lc, &live);
	if (err) {
		fprintf(stderr, "cprof: cannot start the live view: %s\n", strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	o.rec.sink = live_sink(live);
	if ((err = -pthread_create(&thread, NULL, run_recorder, &rt))) {
		fprintf(stderr, "cprof: cannot start the recorder: %s\n", strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	/* a target that cannot be sampled fails at once: say so before any screen */
	usleep(100000);
	if (!atomic_load(&rt.done))
		screen = open_screen();
	if (atomic_load(&rt.done) && rt.err)
		err = 0;
	else if (screen)
		err = run_screen(&o, live, &rt);
	else
		err = run_batch(&o, live, &rt);
	cmd_stop = 1;
	pthread_join(thread, NULL);
	if (screen) {
		endwin();
		delscreen(screen);
	}
	if (rt.err) {
		rc = record_message(&o.rec, &rt.res, rt.err);
	} else if (err) {
		fprintf(stderr, "cprof: top: %s\n", strerror(-err));
		rc = EXIT_FAILURE_RUNTIME;
	} else {
		rc = EXIT_OK;
	}
	if (!rt.err || rt.res.samples)
		fprintf(stderr, "cprof: %" PRIu64 " samples (%" PRIu64 " lost), %u threads, %.2f s%s%s; "
			"recorder CPU %.2f s\n", rt.res.samples, rt.res.lost, rt.res.threads,
			rt.res.duration_ns / 1e9, o.rec.output ? "; written to " : "",
			o.rec.output ? o.rec.output : "", rt.res.cpu_ns / 1e9);
out:
	live_free(live);
	free(cmdline);
	free(pids);
	record_opts_release(&o.rec);
	return rc;
}
