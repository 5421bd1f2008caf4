/* Helpers shared by the commands: usage errors and id lists. */
#include "cprof/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "cprof: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'cprof --help' for more information.\n");
	va_end(ap);
	return EXIT_USAGE;
}

/* Parse "1,2,3" into a fresh array; NULL, or the bad token (in BAD) on failure. */
const char *parse_id_list(const char *arg, uint32_t **out, size_t *n, char bad[64])
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint32_t *ids = NULL;
	size_t k = 0;

	if (!copy)
		return arg;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		uint32_t *more;

		if (parse_u64(tok, 1, 4194304, &v)) {
			snprintf(bad, 64, "%s", tok);
			free(copy);
			free(ids);
			return bad;
		}
		more = realloc(ids, (k + 1) * sizeof(*ids));
		if (!more)
			break;
		ids = more;
		ids[k++] = (uint32_t)v;
	}
	free(copy);
	if (!k) {
		free(ids);
		return arg;
	}
	*out = ids;
	*n = k;
	return NULL;
}
