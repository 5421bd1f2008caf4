/*
 * The options record, top and serve share: one table, from which each
 * command's getopt_long rows, its optstring, the shared part of its --help
 * and its defaults are made. A command's row in main.c says which rows it
 * takes (ROPT_* bits), so what it accepts and what its help lists are the
 * same rows.
 */
#include "cprof/cmd.h"

#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "cprof/record.h"
#include "cprof/targets.h"
#include "cprof/util.h"

_Static_assert(TARGETS_DEPTH == 32 && TARGETS_DESCENDANTS == 1024,
	       "--children's help line gives these numbers");

/*
 * A setter parses ARG into O and returns 0, or EXIT_USAGE after saying
 * what is wrong. ARG NULL is the option's absence: what the setter makes
 * of it is the default of a command that takes the option. A flag is
 * called with its own name when given.
 */
typedef int (*ropt_set)(struct record_opts *o, const char *arg);

struct ropt {
	unsigned bit;            /* ROPT_*: which commands take it is in their rows */
	const char *name;        /* --NAME */
	char letter;             /* -LETTER, or 0 */
	const char *arg;         /* the argument's name in --help; NULL: a flag */
	const char *def;         /* the default argument, parsed as if given and shown
				    by --help; NULL: none (then set(NULL) is the default) */
	ropt_set set;            /* what it sets in struct record_opts */
	const char *help;        /* one paragraph, wrapped by --help */
};

static int set_freq(struct record_opts *o, const char *arg)
{
	uint64_t v;

	if (arg && parse_u64(arg, 1, 100000, &v))
		return usage_error("invalid frequency '%s' (expected 1..100000 Hz)", arg);
	o->freq = arg ? (unsigned)v : 0;
	return 0;
}

static int set_duration(struct record_opts *o, const char *arg)
{
	o->duration = 0;
	if (arg && parse_seconds(arg, &o->duration))
		return usage_error("invalid duration '%s' (expected seconds > 0)", arg);
	return 0;
}

static int set_output(struct record_opts *o, const char *arg)
{
	o->output = arg;
	return 0;
}

static int set_callgraph(struct record_opts *o, const char *arg)
{
	if (!arg || !strcmp(arg, "dwarf"))
		o->mode = CALLGRAPH_DWARF;
	else if (!strcmp(arg, "fp"))
		o->mode = CALLGRAPH_FP;
	else
		return usage_error("invalid call-graph mode '%s' (expected dwarf or fp)", arg);
	return 0;
}

static int set_stack_size(struct record_opts *o, const char *arg)
{
	uint64_t v;

	if (arg && (parse_u64(arg, 8, 65528, &v) || v % 8))
		return usage_error("invalid stack size '%s' (expected a multiple of 8 in 8..65528)",
				   arg);
	o->stack_size = arg ? (unsigned)v : 0;
	return 0;
}

static int set_kernel(struct record_opts *o, const char *given)
{
	o->kernel = !!given;
	return 0;
}

static int set_off_cpu(struct record_opts *o, const char *given)
{
	if (given && o->offcpu == DF_OFFCPU_NONE) /* --wall --off-cpu stays --wall */
		o->offcpu = DF_OFFCPU_ON;
	return 0;
}

static int set_wall(struct record_opts *o, const char *given)
{
	if (given)
		o->offcpu = DF_OFFCPU_WALL;
	return 0;
}

static int set_no_jit_support(struct record_opts *o, const char *given)
{
	o->jit_support = !given;
	return 0;
}

static int set_no_jit_unwind(struct record_opts *o, const char *given)
{
	o->no_jit_unwind = !!given;
	return 0;
}

static int set_children(struct record_opts *o, const char *given)
{
	o->children = !!given;
	return 0;
}

static int set_no_python(struct record_opts *o, const char *given)
{
	o->no_python = !!given;
	return 0;
}

static int set_all(struct record_opts *o, const char *given)
{
	o->all = !!given;
	return 0;
}

static int set_comm(struct record_opts *o, const char *arg)
{
	/* the kernel keeps 15 bytes of a name (TASK_COMM_LEN) */
	if (arg && (!*arg || strlen(arg) > 15))
		return usage_error("invalid process name '%s' (1 to 15 bytes, as in "
				   "/proc/PID/comm)", arg);
	o->comm = arg;
	return 0;
}

static int set_exclude_pid(struct record_opts *o, const char *arg)
{
	uint32_t *ids = (uint32_t *)o->exclude;

	if (!arg) {
		free(ids);
		o->exclude = NULL;
		o->nexclude = 0;
		return 0;
	}
	if (pid_option(arg, &ids, &o->nexclude))
		return EXIT_USAGE;
	o->exclude = (const pid_t *)ids;
	return 0;
}

/*
 * --cgroup PATH: a directory of a cgroup file system, given whole or, as
 * perf's -G, relative to where cgroup v2 (or v1's perf_event) is mounted
 * (/sys/fs/cgroup, /sys/fs/cgroup/unified, /sys/fs/cgroup/perf_event).
 */
static int set_cgroup(struct record_opts *o, const char *arg)
{
	static const char *const roots[] = { "/sys/fs/cgroup/", "/sys/fs/cgroup/unified/",
					     "/sys/fs/cgroup/perf_event/" };
	size_t i, n = arg && arg[0] != '/' ? sizeof(roots) / sizeof(roots[0]) : 1;

	free(o->cgroup);
	o->cgroup = NULL;
	if (!arg)
		return 0;
	for (i = 0; i < n; i++) {
		struct statfs fs;
		char *path = NULL;

		if (asprintf(&path, "%s%s", arg[0] == '/' ? "" : roots[i], arg) < 0)
			return usage_error("%s", "out of memory");
		if (!statfs(path, &fs) && (fs.f_type == CGROUP2_SUPER_MAGIC ||
					   fs.f_type == CGROUP_SUPER_MAGIC)) {
			o->cgroup = path;
			return 0;
		}
		free(path);
	}
	return usage_error("invalid --cgroup '%s': no such cgroup (give its directory, e.g. "
			   "/sys/fs/cgroup/system.slice/nginx.service, or a path relative to "
			   "/sys/fs/cgroup)", arg);
}

static int set_max_processes(struct record_opts *o, const char *arg)
{
	uint64_t v;

	if (arg && parse_u64(arg, 2, 1000000, &v))
		return usage_error("invalid process count '%s' (expected 2..1000000)", arg);
	o->max_processes = arg ? (size_t)v : 0;
	return 0;
}

#define ALL_HELP                                                                         \
	"every process on every CPU, those started later too, but cprof itself; "          \
	"kernel threads with -k only; needs root, CAP_PERFMON or "                          \
	"kernel.perf_event_paranoid 0 or lower"

/* In the order of --help. */
static const struct ropt ropts[] = {
	{ ROPT_FREQ, "freq", 'F', "HZ", "99", set_freq,
	  "samples per second per thread; each sample interrupts the target: use 999 "
	  "for short runs, keep it low in production" },
	{ ROPT_DURATION, "duration", 'd', "SECONDS", NULL, set_duration,
	  "stop after SECONDS (decimals allowed)" },
	{ ROPT_OUTPUT, "output", 'o', "FILE", "cprof.data", set_output,
	  "data file, mode 0600: it replaces FILE once the recording has started, an "
	  "existing FILE is kept as FILE.old; a symbolic link, directory or FIFO is "
	  "refused, a character device written in place" },
	{ ROPT_KEEP, "output", 'o', "FILE", NULL, set_output,
	  "also keep a data file for 'cprof report', written as record's -o writes it" },
	{ ROPT_CALLGRAPH, "call-graph", 'g', "MODE", "dwarf", set_callgraph,
	  "dwarf: unwind a copy of the user stack with the binaries' CFI, no frame "
	  "pointers needed; fp: the kernel's frame-pointer call chains" },
	/* 24576 holds a 300-deep recursion of 64-byte frames, with room (docs/performance.md) */
	{ ROPT_STACK_SIZE, "stack-size", 0, "BYTES", "24576", set_stack_size,
	  "user stack copied per sample in dwarf mode, a multiple of 8, at most 65528" },
	{ ROPT_KERNEL, "kernel", 'k', NULL, NULL, set_kernel, "keep kernel frames" },
	{ ROPT_CHILDREN, "children", 0, NULL, NULL, set_children,
	  "with -p: also sample the descendants the processes have now (a wrapper's "
	  "workers: sh, npm, a uwsgi master's), at most 32 levels down and 1024 "
	  "processes; a process a sampled one starts later is sampled with or "
	  "without it" },
	{ ROPT_ALL, "all-cpus", 'a', NULL, NULL, set_all, ALL_HELP },
	{ ROPT_ALL_LONG, "all-cpus", 0, NULL, NULL, set_all, ALL_HELP },
	{ ROPT_HOST, "comm", 0, "NAME", NULL, set_comm,
	  "with -a: only threads named NAME or of a process named NAME" },
	{ ROPT_HOST, "exclude-pid", 0, "PID[,PID...]", NULL, set_exclude_pid,
	  "with -a: not these processes" },
	{ ROPT_HOST, "cgroup", 0, "PATH", NULL, set_cgroup,
	  "with -a: only the processes of this cgroup and the cgroups below it "
	  "(perf's -G): its directory, or a path relative to /sys/fs/cgroup" },
	{ ROPT_HOST, "max-processes", 0, "N", "256", set_max_processes,
	  "with -a: unwinding state (mappings, unwind tables) of at most N processes; "
	  "past it that of the one sampled longest ago is dropped, and read again "
	  "from /proc at its next sample" },
	{ ROPT_OFF_CPU, "off-cpu", 0, NULL, NULL, set_off_cpu,
	  "also record where each thread blocks and for how long: its stack at every "
	  "context switch and the time until it runs again (blocked: off-CPU time; "
	  "preempted while runnable: run-queue delay); 'cprof report --value off-cpu' "
	  "shows it; with -k the kernel stack says why a thread blocked: futex_wait, "
	  "pipe_read, do_nanosleep..." },
	{ ROPT_WALL, "wall", 0, NULL, NULL, set_wall,
	  "--off-cpu, and the report shows wall-clock time by default: CPU, blocked "
	  "and run-queue time together, each thread's total its lifetime" },
	{ ROPT_NO_JIT_SUPPORT, "no-jit-support", 0, NULL, NULL, set_no_jit_support,
	  "do not change a launched command's environment; by default it gets "
	  "PYTHONPERFSUPPORT=1 (CPython 3.12+ names its functions through perf "
	  "trampolines, which cprof unwinds through) and --perf-basic-prof added to "
	  "NODE_OPTIONS (Node names its JavaScript functions) and -XX:+DumpPerfMapAtExit "
	  "to JAVA_TOOL_OPTIONS (a JVM names its compiled methods); a JVM still running "
	  "at the end is asked for its perf map with 'jcmd PID Compiler.perfmap'" },
	{ ROPT_NO_PYTHON, "no-python", 0, NULL, NULL, set_no_python,
	  "do not read Python stacks from the memory of CPython 3.8-3.13 "
	  "interpreters; by default each Python frame (function, file, line) stands "
	  "in its stack where the interpreter ran it, for any process, started with "
	  "or without flags" },
	{ ROPT_NO_JIT_UNWIND, "no-jit-unwind", 0, NULL, NULL, set_no_jit_unwind,
	  "do not unwind JIT code with the unwinding info of its jitdump (node "
	  "--perf-prof --perf-prof-unwinding-info, python -X perf_jit): frame "
	  "pointers only, as without a jitdump" },
};

#define NROPTS (sizeof(ropts) / sizeof(ropts[0]))
/* getopt_long's code of a row without a letter: past every command's own codes */
#define ROPT_CODE(i) (3000 + (int)(i))

static int ropt_code(size_t i)
{
	return ropts[i].letter ? ropts[i].letter : ROPT_CODE(i);
}

void record_opts_init(const struct command *cmd, struct record_opts *o)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < NROPTS; i++)
		if (cmd->options & ropts[i].bit)
			ropts[i].set(o, ropts[i].def);
	if (cmd->setup & CMD_STOP_SIGNALS)
		o->stop = &cmd_stop;
}

int record_option(const struct command *cmd, int code, const char *arg, struct record_opts *o)
{
	size_t i;

	for (i = 0; i < NROPTS; i++)
		if ((cmd->options & ropts[i].bit) && ropt_code(i) == code)
			return ropts[i].set(o, ropts[i].arg ? arg : ropts[i].name);
	/* getopt_long said which ('?') */
	fprintf(stderr, "Try 'cprof %s --help' for more information.\n", cmd->name);
	return EXIT_USAGE;
}

void record_opts_release(struct record_opts *o)
{
	free((void *)o->exclude);
	o->exclude = NULL;
	o->nexclude = 0;
	free(o->cgroup);
	o->cgroup = NULL;
}

/* -a's options: with it only, and not those it has no meaning with. */
static int all_targets(char **args, size_t npids, struct record_opts *o)
{
	if (!o->all && (o->comm || o->nexclude || o->cgroup))
		return usage_error("%s needs -a (--all-cpus)", o->comm      ? "--comm"
							       : o->cgroup ? "--cgroup"
									   : "--exclude-pid");
	if (!o->all)
		return 0;
	if (*args || npids)
		return usage_error("%s", "give one of -a, -p PID or a command");
	if (o->children)
		return usage_error("%s", "--children is for -p: -a samples every process already");
	if (o->offcpu != DF_OFFCPU_NONE)
		return usage_error("%s", "--off-cpu and --wall are not supported with -a yet");
	return 0;
}

int record_targets(char **args, const uint32_t *pids, size_t npids, const char *verb,
		   struct record_opts *o)
{
	if (all_targets(args, npids, o))
		return EXIT_USAGE;
	if (o->all)
		return 0;
	if (*args && npids)
		return usage_error("%s", "give either -p PID or a command, not both");
	if (!*args && !npids)
		return usage_error("nothing to %s: give -p PID, -a or -- COMMAND", verb);
	o->argv = *args ? args : NULL;
	o->pids = (const pid_t *)pids;
	o->npids = npids;
	return 0;
}

int cmd_getopt_init(struct cmd_getopt *g, const struct command *cmd, const char *shortopts,
		    const struct option *longopts)
{
	size_t n = 0, len = strlen(shortopts), i;

	if (len >= sizeof(g->optstring))
		goto too_many;
	memcpy(g->optstring, shortopts, len + 1);
	for (; longopts[n].name; n++) {
		if (n >= CMD_MAX_OPTIONS)
			goto too_many;
		g->longopts[n] = longopts[n];
	}
	for (i = 0; i < NROPTS; i++) {
		if (!(cmd->options & ropts[i].bit))
			continue;
		if (n >= CMD_MAX_OPTIONS || len + 3 > sizeof(g->optstring))
			goto too_many;
		g->longopts[n++] = (struct option){ ropts[i].name,
						    ropts[i].arg ? required_argument : no_argument,
						    NULL, ropt_code(i) };
		if (ropts[i].letter) {
			g->optstring[len++] = ropts[i].letter;
			if (ropts[i].arg)
				g->optstring[len++] = ':';
			g->optstring[len] = '\0';
		}
	}
	g->longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	return 0;
too_many:
	fprintf(stderr, "cprof: internal error: %s has more than %d options\n", cmd->name,
		CMD_MAX_OPTIONS);
	return EXIT_FAILURE_RUNTIME;
}

#define HELP_COLUMN 27 /* where the text of an option starts */
#define HELP_WIDTH 79  /* the longest line */

/* The words of TEXT from column *COL on, wrapped at HELP_WIDTH under HELP_COLUMN. */
static void help_words(FILE *f, const char *text, int *col)
{
	while (*text) {
		size_t len = strcspn(text, " ");

		if (*col > HELP_COLUMN && *col + 1 + (int)len > HELP_WIDTH) {
			fprintf(f, "\n%*s", HELP_COLUMN, "");
			*col = HELP_COLUMN;
		} else if (*col > HELP_COLUMN) {
			fputc(' ', f);
			(*col)++;
		}
		fprintf(f, "%.*s", (int)len, text);
		*col += (int)len;
		text += len;
		text += strspn(text, " ");
	}
}

void record_options_help(FILE *f, const struct command *cmd)
{
	size_t i;

	for (i = 0; i < NROPTS; i++) {
		const struct ropt *r = &ropts[i];
		char left[64], text[1024];
		int col;

		if (!(cmd->options & r->bit))
			continue;
		if (r->letter)
			col = snprintf(left, sizeof(left), "  -%c, --%s", r->letter, r->name);
		else
			col = snprintf(left, sizeof(left), "      --%s", r->name);
		if (r->arg)
			col += snprintf(left + col, sizeof(left) - (size_t)col, " %s", r->arg);
		fputs(left, f);
		if (col > HELP_COLUMN - 2) {
			fputc('\n', f);
			col = 0;
		}
		fprintf(f, "%*s", HELP_COLUMN - col, "");
		col = HELP_COLUMN;
		if (r->def)
			snprintf(text, sizeof(text), "%s (default %s)", r->help, r->def);
		else
			snprintf(text, sizeof(text), "%s", r->help);
		help_words(f, text, &col);
		fputc('\n', f);
	}
}
