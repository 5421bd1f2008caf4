/*
 * Reading folded stacks ("comm;frame;...;frame COUNT", any tool's, e.g.
 * stackcollapse-perf.pl's or cprof report's) back into a profile. The
 * input is untrusted: every line is checked, nothing is assumed of its
 * length or bytes.
 */
#ifndef CPROF_READ_FOLDED_H
#define CPROF_READ_FOLDED_H

#include <stddef.h>

#include "cprof/profile.h"

/*
 * Parse DATA (LEN bytes, need not be NUL-terminated) into a new profile
 * *OUT (caller frees) with one column "samples" (count). A line is a stack,
 * then blanks, then a decimal count; its first frame is the thread's name,
 * the rest the frames, root first. Blank lines are skipped, trailing blanks
 * and a CR are ignored; "_[k]", "_[i]" and "_[j]" suffixes make kernel,
 * inlined and JIT frames and are dropped. Returns 0, -ENOMEM, or -EBADMSG
 * with *BAD_LINE the (1-based) line that is not "STACK COUNT" (or whose
 * count takes the total past PROFILE_MAX_TOTAL).
 */
int read_folded(const char *data, size_t len, struct profile **out, size_t *bad_line);

#endif
