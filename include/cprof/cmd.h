/*
 * The command layer: each command (cmd_NAME.c) parses its options, runs the
 * stages below it, prints the messages and chooses the exit code. main.c
 * only dispatches through the table of commands.
 */
#ifndef CPROF_CMD_H
#define CPROF_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_RUNTIME = 1,  /* target vanished, write error, ... */
	EXIT_GATE = 1,             /* diff: the regression gate failed */
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

struct command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command's name */
	const char *summary;
};

int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_serve(int argc, char **argv);

struct record_opts;
struct record_result;
/* The long options of record_option(), and -p, for a getopt_long table. */
#define RECORD_LONGOPTS                                       \
	{ "pid", required_argument, NULL, 'p' },              \
	{ "freq", required_argument, NULL, 'F' },             \
	{ "duration", required_argument, NULL, 'd' },         \
	{ "output", required_argument, NULL, 'o' },           \
	{ "call-graph", required_argument, NULL, 'g' },       \
	{ "stack-size", required_argument, NULL, 'S' },       \
	{ "kernel", no_argument, NULL, 'k' },                 \
	{ "no-jit-support", no_argument, NULL, 'J' }

/*
 * Options shared by record and top: -F, -d, -o, -g, --stack-size ('S'),
 * -k, --no-jit-support ('J'). Parse option C with argument ARG into O. Returns 0, or EXIT_USAGE
 * after saying what is wrong.
 */
int record_option(int c, const char *arg, struct record_opts *o);
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
enum { OPT_VIEW_LIMIT = 1000, OPT_VIEW_TITLE, OPT_VIEW_WIDTH, OPT_VIEW_MINWIDTH };
#define VIEW_LONGOPTS                                                   \
	{ "limit", required_argument, NULL, OPT_VIEW_LIMIT },           \
	{ "title", required_argument, NULL, OPT_VIEW_TITLE },           \
	{ "width", required_argument, NULL, OPT_VIEW_WIDTH },           \
	{ "minwidth", required_argument, NULL, OPT_VIEW_MINWIDTH }

/* Parse all of ARG as a decimal number in [MIN, MAX]. Returns 0 or -EINVAL. */
int parse_double(const char *arg, double min, double max, double *out);

struct writer_opts;
/*
 * Set the view option of getopt code OPT from ARG into WO, the last case of
 * command CMD's option switch. Returns 0, or EXIT_USAGE (said on stderr)
 * for a bad ARG or an OPT that is no option of CMD's (getopt said which).
 */
int view_option(int opt, const char *arg, struct writer_opts *wo, const char *cmd);

/*
 * If ERR is resolver_load()'s error for a data file that is missing,
 * unreadable, damaged or not cprof's, say so on stderr (naming PATH) and
 * return 1 (the caller exits EXIT_DATA); else 0.
 */
int data_file_error(const char *path, int err);

#endif
