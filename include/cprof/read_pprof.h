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

/* At most this many bytes once inflated (a gzip bomb is refused). */
#define READ_PPROF_MAX_BYTES (512u << 20)

/*
 * Parse DATA (LEN bytes, gzip'd or plain protobuf) into a new profile *OUT
 * (caller frees). Returns 0, -ENOMEM, -EFBIG (larger than
 * READ_PPROF_MAX_BYTES inflated) or -EBADMSG (not a valid gzip stream or
 * profile: a truncated file, an unknown id, a string index out of range,
 * a negative value or a column total past PROFILE_MAX_TOTAL).
 */
int read_pprof(const void *data, size_t len, struct profile **out);

#endif
