/* The harness entry point shared by the fuzzers and the corpus replays,
 * and the helpers of the parser harnesses (fuzz_common.c). */
#ifndef CPROF_FUZZ_H
#define CPROF_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's contract: run one input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Called with each line of an input: a fresh NUL-terminated copy of LEN
 * bytes, its newline included (none on a last unterminated line). */
typedef void (*fuzz_line_fn)(char *line, size_t len, void *arg);
void fuzz_each_line(const uint8_t *data, size_t size, fuzz_line_fn fn, void *arg);

/* abort() unless S is a string inside LINE (of LEN bytes) with no newline:
 * the parsers' "points into LINE" contract. WHAT names S in the message. */
void fuzz_check_in_line(const char *s, const char *line, size_t len, const char *what);

/* Look up ADDRS[0..N) and their neighbours, 0 and UINT64_MAX in T;
 * abort() if a lookup names a range that does not cover the address. */
struct addrsyms;
void fuzz_lookup_around(struct addrsyms *t, const uint64_t *addrs, size_t n);

/* Diff column COL of P with itself: abort() unless both columns total COL's
 * positive values and no function's change is significant. */
struct profile;
void fuzz_check_diff(const struct profile *p, uint32_t col);

#endif
