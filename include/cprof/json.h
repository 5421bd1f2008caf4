/*
 * JSON text for the writers: string literals that are always valid JSON,
 * whatever bytes a symbol, file name or thread name holds.
 */
#ifndef CPROF_JSON_H
#define CPROF_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write S to OUT as a quoted JSON string: quotes, backslashes and control
 * characters (C0, DEL and C1: no escape sequence reaches a terminal that shows
 * the JSON) escaped, valid UTF-8 kept, every byte that is not part of a
 * valid UTF-8 sequence replaced by U+FFFD. Errors show in ferror(OUT).
 */
void json_put_string(FILE *out, const char *s);
/* The same for the LEN bytes at S (which may hold NULs: they are escaped). */
void json_put_mem(FILE *out, const char *s, size_t len);

#endif
