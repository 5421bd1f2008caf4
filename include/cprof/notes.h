/*
 * What `cprof report` and `cprof diff` say of a recording besides its
 * profile: warnings about binaries, the --stats section, a line when many
 * stacks are truncated. The resolver returns these as data (resolver.h);
 * here they become text.
 */
#ifndef CPROF_NOTES_H
#define CPROF_NOTES_H

#include <stdio.h>

#include "cprof/resolver.h"

/*
 * resolver_load() OPTS into *OUT, then say on F what it found: its
 * warnings, then the --stats section if STATS, else a line when many
 * stacks were truncated. ST keeps its counts; its arrays are released.
 * Returns what resolver_load() returned.
 */
int notes_load(const struct resolve_opts *opts, struct profile **out, struct report_stats *st,
	       int stats, FILE *f);

#endif
