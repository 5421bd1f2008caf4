/*
 * The command layer: each command (cmd/NAME.c) parses its options, runs the
 * stages below it, prints the messages and chooses the exit code. main.c
 * only dispatches through the table of commands.
 */
#ifndef CPROF_CMD_H
#define CPROF_CMD_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cprof/view.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_RUNTIME = 1,  /* target vanished, write error, ... */
	EXIT_GATE = 5,             /* diff: the regression gate failed (not a failure to run) */
	EXIT_USAGE = 2,            /* bad option, bad number */
	EXIT_DATA = 3,             /* data file missing, unreadable or not cprof's */
	EXIT_PERM = 4,             /* perf_event_open refused */
};

#define EXIT_CODES                                                              \
	"Exit codes:\n"                                                         \
	"  0  success\n"                                                        \
	"  1  runtime failure (no such process, command not found, write error)\n" \
	"  2  usage error (unknown option, bad number)\n"                       \
	"  3  data file missing, unreadable, or not a cprof data file\n"        \
	"  4  not allowed: perf_event_open refused (see kernel.perf_event_paranoid)\n" \
	"     or the target's /proc files unreadable\n"

/*
 * The options record, top and serve share (cmd/options.c), one bit each: a
 * command's row in main.c's table says which it takes. What it takes is
 * what its getopt table accepts, what its --help lists and the defaults it
 * starts from.
 */
enum {
	ROPT_FREQ = 1u << 0,           /* -F HZ */
	ROPT_DURATION = 1u << 1,       /* -d SECONDS */
	ROPT_OUTPUT = 1u << 2,         /* -o FILE, the data file, by default one */
	ROPT_KEEP = 1u << 3,           /* -o FILE, also a data file, none by default */
	ROPT_CALLGRAPH = 1u << 4,      /* -g dwarf|fp */
	ROPT_STACK_SIZE = 1u << 5,     /* --stack-size BYTES */
	ROPT_KERNEL = 1u << 6,         /* -k */
	ROPT_OFF_CPU = 1u << 7,        /* --off-cpu */
	ROPT_WALL = 1u << 8,           /* --wall */
	ROPT_NO_JIT_SUPPORT = 1u << 9, /* --no-jit-support (without it: JIT support on) */
	ROPT_NO_JIT_UNWIND = 1u << 10, /* --no-jit-unwind */
	ROPT_CHILDREN = 1u << 11,      /* --children */
	ROPT_NO_PYTHON = 1u << 12,     /* --no-python */
	ROPT_ALL = 1u << 13,           /* -a, --all-cpus */
	ROPT_ALL_LONG = 1u << 14,      /* --all-cpus alone (top's -a is --accumulate) */
	ROPT_HOST = 1u << 15,          /* --comm, --exclude-pid, --max-processes (with -a) */
};

/* Shared setup, done by cmd_run() before a command runs (its row's setup column). */
#define CMD_STOP_SIGNALS 1u /* SIGINT, SIGTERM and SIGHUP set cmd_stop (and no longer kill) */

struct command {
	const char *name;
	/* ARGV[0] is the command's name; returns the exit code */
	int (*run)(const struct command *cmd, int argc, char **argv);
	unsigned setup;          /* CMD_*: shared setup */
	unsigned options;        /* ROPT_*: the shared options it takes */
	const char *summary;
};

int cmd_record(const struct command *cmd, int argc, char **argv);
int cmd_report(const struct command *cmd, int argc, char **argv);
int cmd_diff(const struct command *cmd, int argc, char **argv);
int cmd_top(const struct command *cmd, int argc, char **argv);
int cmd_serve(const struct command *cmd, int argc, char **argv);

/* Do CMD's setup, then run it with ARGV (ARGV[0] its name). Returns its exit code. */
int cmd_run(const struct command *cmd, int argc, char **argv);

/* Set by SIGINT, SIGTERM and SIGHUP in a CMD_STOP_SIGNALS command: the one mutable global. */
extern volatile sig_atomic_t cmd_stop;

/* A command's getopt_long table: its own options and the shared ones it takes. */
#define CMD_MAX_OPTIONS 40
struct cmd_getopt {
	struct option longopts[CMD_MAX_OPTIONS + 1];
	char optstring[2 * CMD_MAX_OPTIONS + 2];
};

/*
 * Fill G with SHORTOPTS and LONGOPTS (CMD's own, the latter ending in a
 * NULL row), then the rows of the shared options CMD takes, whose codes
 * record_option() knows. Returns 0, or EXIT_FAILURE_RUNTIME after saying
 * so when they are more than CMD_MAX_OPTIONS (a bug).
 */
int cmd_getopt_init(struct cmd_getopt *g, const struct command *cmd, const char *shortopts,
		    const struct option *longopts);

struct record_opts;
struct record_result;
struct writer;
struct writer_opts;
/* O zeroed, then the defaults of the shared options CMD takes; O->stop is cmd_stop if CMD has it. */
void record_opts_init(const struct command *cmd, struct record_opts *o);
/*
 * Option CODE (getopt_long's) with argument ARG into O, the last case of
 * CMD's option switch. Returns 0, or EXIT_USAGE after saying what is wrong
 * (an ARG out of range; a CODE that is no option of CMD's: getopt said which).
 */
int record_option(const struct command *cmd, int code, const char *arg, struct record_opts *o);
/*
 * The targets of a recording into O: the processes PIDS (-p), the
 * command ARGS (what follows the options, NULL-terminated) or every
 * process (-a, already in O), one of them. Returns 0, or EXIT_USAGE after
 * saying why ("nothing to VERB" for none, an option -a lacks or forbids).
 */
int record_targets(char **args, const uint32_t *pids, size_t npids, const char *verb,
		   struct record_opts *o);
/* Free what the options parsed into O hold (--exclude-pid's list). */
void record_opts_release(struct record_opts *o);
/* The --help lines of the shared options CMD takes. */
void record_options_help(FILE *f, const struct command *cmd);
/* Say why a recording failed (RES->stage, ERR); returns the exit code. */
int record_message(const struct record_opts *o, const struct record_result *res, int err);
/* ARGV[0..ARGC) joined by spaces (caller frees), NULL on ENOMEM. */
char *join_args(int argc, char **argv);

/* "cprof: MESSAGE" and the --help hint on stderr; returns EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int usage_error(const char *fmt, ...);

/*
 * Parse "1,2,3" (each 1..4194304) into a fresh array the caller frees.
 * Returns NULL, or on failure the bad token (copied into BAD) or ARG.
 */
const char *parse_id_list(const char *arg, uint32_t **out, size_t *n, char bad[64]);
/* -p ARG: *PIDS (caller frees) replaced by its list. Returns 0, or EXIT_USAGE after saying why. */
int pid_option(const char *arg, uint32_t **pids, size_t *n);

/* The options of the views that report and diff share, as getopt_long codes and rows. */
enum { OPT_VIEW_LIMIT = 1000, OPT_VIEW_TITLE, OPT_VIEW_WIDTH, OPT_VIEW_MINWIDTH, OPT_VIEW_LANG };
#define VIEW_LONGOPTS                                                   \
	{ "lang", required_argument, NULL, OPT_VIEW_LANG },             \
	{ "limit", required_argument, NULL, OPT_VIEW_LIMIT },           \
	{ "title", required_argument, NULL, OPT_VIEW_TITLE },           \
	{ "width", required_argument, NULL, OPT_VIEW_WIDTH },           \
	{ "minwidth", required_argument, NULL, OPT_VIEW_MINWIDTH }

/* --lang NAME into *LANG. Returns 0, or EXIT_USAGE after saying what is wrong. */
int lang_option(const char *arg, enum view_lang *lang);
/* The help lines of --lang, for the usage texts. */
#define LANG_HELP \
	"      --lang LANG      python, js or native: only that language's frames, the time\n" \
	"                       of the others charged to their nearest kept caller;\n" \
	"                       all: every frame. Default: every frame, but the top\n" \
	"                       table of a profile with Python (else JavaScript)\n" \
	"                       frames shows that language's\n"
/*
 * Replace *P with its view by WO->lang (view.h) for the writer W (VIEW_AUTO:
 * the language of the profile for the top table, every frame for the
 * others); when the top table's default chose a language, say so on NOTE
 * (NULL: silent). Returns 0 or -ENOMEM (*P then unchanged).
 */
int cmd_view(struct profile **p, const struct writer_opts *wo, const struct writer *w,
	     FILE *note);

/* Parse all of ARG as a decimal number in [MIN, MAX]. Returns 0 or -EINVAL. */
int parse_double(const char *arg, double min, double max, double *out);

struct profile;
struct writer;
struct writer_opts;
/*
 * Set the view option of getopt code OPT from ARG into WO, the last case of
 * command CMD's option switch. Returns 0, or EXIT_USAGE (said on stderr)
 * for a bad ARG or an OPT that is no option of CMD's (getopt said which).
 */
int view_option(int opt, const char *arg, struct writer_opts *wo, const char *cmd);

/* Where a command writes what it made: a file by name, or standard output. */
struct cmd_output {
	const char *path;        /* NULL: standard output */
	struct safeout *so;      /* PATH's, written aside (safefile.h) */
	FILE *f;                 /* write here */
};

/*
 * Open OUT on PATH (NULL: standard output) under safefile.h's rules: PATH
 * is replaced only by cmd_output_close() of a run that succeeded. Returns
 * 0, or EXIT_FAILURE_RUNTIME after saying "cannot write 'PATH'".
 */
int cmd_output_open(struct cmd_output *out, const char *path);
/*
 * Finish OUT. ERR is the run's result: 0 puts PATH in place (or flushes
 * standard output), anything else drops what was written. Returns
 * EXIT_FAILURE_RUNTIME after saying "cannot write" when the output failed
 * and ERR is 0 or a write error too (a full disk, a closed pipe); else 0,
 * ERR left to the caller to say.
 */
int cmd_output_close(struct cmd_output *out, int err);

/*
 * If ERR is resolver_load()'s error for a data file that is missing,
 * unreadable, damaged or not cprof's, say so on stderr (naming PATH) and
 * return 1 (the caller exits EXIT_DATA); else 0.
 */
int data_file_error(const char *path, int err);
/* What resolver_load()'s ERR says of the file ("is not a cprof data file"), or NULL. */
const char *data_file_strerror(int err);

/*
 * Read the profile in PATH into *OUT (caller frees), of the kind its
 * content says: a cprof data file, or a format of reader.h. Says what is
 * wrong on stderr; returns an exit code (EXIT_DATA: the input's fault).
 */
int input_load(const char *path, struct profile **out);
/* The same, a data file's samples kept in time too (profile events): cprof diff's noise. */
int input_load_timeline(const char *path, struct profile **out);

#endif
