/*
 * fuzz_pprof - libFuzzer harness: arbitrary bytes as a pprof profile
 * (read_pprof.h), gzip'd or not, then diffed against itself (diff.h).
 *
 * A failure must be -EBADMSG, -EFBIG or -ENOMEM with no profile; a profile
 * read has only valid ids (every stack's frames, every sample's thread),
 * and its diff with itself shows no significant change.
 */
#include <errno.h>
#include <stdlib.h>

#include "cprof/diff.h"
#include "cprof/read_pprof.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL;
	size_t i, k;
	int err = read_pprof(data, size, &p);

	if (err) {
		if (p || (err != -EBADMSG && err != -EFBIG && err != -ENOMEM))
			abort();
		return 0;
	}
	for (i = 0; i < p->nstacks; i++)
		for (k = 0; k < p->stacks[i].depth; k++)
			if (p->stacks[i].frames[k] >= p->nframes)
				abort();
	for (i = 0; i < p->nsamples; i++)
		if (p->samples[i].stack >= p->nstacks || p->samples[i].thread >= p->nthreads)
			abort();
	for (i = 0; i < p->nframes; i++)
		if (p->frames[i].module != PROFILE_NONE && p->frames[i].module >= p->nmodules)
			abort();
	if (p->ncolumns)
		fuzz_check_diff(p, 0);
	profile_free(p);
	return 0;
}
