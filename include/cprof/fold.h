/*
 * Folded stacks, as FlameGraph's stackcollapse-perf.pl writes them:
 * "frame;frame;...;frame COUNT", root first, one line per distinct
 * stack, lines in byte order.
 */
#ifndef CPROF_FOLD_H
#define CPROF_FOLD_H

#include <stdint.h>
#include <stdio.h>

#include "cprof/util.h"

struct folder;

int folder_new(struct folder **out);
/* A folder of NCOLUMNS counts a stack, written "STACK COUNT1 COUNT2 ...". */
int folder_new_columns(struct folder **out, size_t ncolumns);
void folder_free(struct folder *f);

/* Id of the folded stack STACK (LEN bytes, frames joined by ';'). */
int folder_intern(struct folder *f, const char *stack, size_t len, uint32_t *id);
/* Add COUNT samples to stack ID. */
int folder_add(struct folder *f, uint32_t id, uint64_t count);
/* Add COUNT to column COL of stack ID (-EINVAL: no such column). */
int folder_add_column(struct folder *f, uint32_t id, size_t col, uint64_t count);
/* Write every stack with a nonzero count, sorted. Returns 0 or -errno. */
int folder_write(const struct folder *f, FILE *out);

/*
 * Append NAME to OUT made safe for a folded line: ';' (the frame
 * separator) becomes ':', newlines become spaces, quotes are dropped as
 * stackcollapse-perf.pl drops them, and the rest is cleaned as
 * buf_put_printable() does (names come from the profiled process: other
 * control characters, C1 ones included, and bytes that are not UTF-8 become
 * '?', so no escape sequence reaches a terminal). Spaces are kept, and so are
 * parentheses: cprof demangles without argument lists, so a '(' belongs to
 * the name ("(anonymous namespace)", "lang_start::<()>", "operator()").
 */
int fold_clean_name(const char *name, struct buf *out);

#endif
