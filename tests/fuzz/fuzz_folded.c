/*
 * fuzz_folded - libFuzzer harness: arbitrary bytes as folded stacks
 * (read_folded.h), then diffed against themselves (diff.h).
 *
 * Checks the contracts, not only crashes: a failure is -EBADMSG with a line
 * number inside the input, or -ENOMEM; a profile read has one column, only
 * valid ids, frames of a nonempty stack, and its diff with itself has both
 * columns equal to the input's total and no significant change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/diff.h"
#include "cprof/read_folded.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL;
	size_t line = 0, lines = 1, i;
	int err = read_folded((const char *)data, size, &p, &line);

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (err) {
		if (p || (err != -EBADMSG && err != -ENOMEM) ||
		    (err == -EBADMSG && (line < 1 || line > lines)))
			abort();
		return 0;
	}
	if (!p || p->ncolumns != 1)
		abort();
	for (i = 0; i < p->nsamples; i++)
		if (p->samples[i].stack >= p->nstacks || p->samples[i].thread >= p->nthreads ||
		    profile_value(p, i, 0) < 0)
			abort();
	fuzz_check_diff(p, 0);
	profile_free(p);
	return 0;
}
