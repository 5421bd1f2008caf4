/*
 * Reading a pprof profile (gzip'd profile.proto, as cprof report writes
 * it) back into a profile: each sample type a column, each location's
 * lines frames (the calls inlined into a function marked inlined), the
 * "thread", "pid" and "tid" labels a thread. The input is untrusted: ids
 * and string indexes are checked, the inflated size is bounded.
 */
#ifndef CPROF_READ_PPROF_H
#define CPROF_READ_PPROF_H

#include <stddef.h>

#include "cprof/profile.h"

/*
 * What a profile may cost (a gzip bomb, a protobuf of empty messages is
 * refused): inflated, at most READ_PPROF_INFLATE_RATIO times the gzip'd
 * file plus READ_PPROF_SLACK, and never past READ_PPROF_MAX_BYTES (a real
 * profile inflates 5 to 10 times); decoded, at most READ_PPROF_UNPACK_RATIO
 * times the protobuf plus READ_PPROF_SLACK (a real one takes 7 to 9).
 */
#define READ_PPROF_MAX_BYTES (512u << 20)
#define READ_PPROF_INFLATE_RATIO 64
#define READ_PPROF_UNPACK_RATIO 16
#define READ_PPROF_SLACK (1u << 20)

/*
 * Parse DATA (LEN bytes, gzip'd or plain protobuf) into a new profile *OUT
 * (caller frees). Returns 0, -ENOMEM, -EFBIG (larger than the bounds above
 * once inflated or decoded) or -EBADMSG (not a valid gzip stream or
 * profile: a truncated file, an unknown id, a string index out of range,
 * a negative value or a column total past PROFILE_MAX_TOTAL).
 */
int read_pprof(const void *data, size_t len, struct profile **out);

#endif
