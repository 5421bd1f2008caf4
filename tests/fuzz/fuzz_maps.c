/*
 * fuzz_maps - libFuzzer harness: arbitrary bytes as /proc/PID/maps.
 *
 * Each line goes through procfs_parse_maps_line; a mapping it accepts must
 * have start <= end, exec 0 or 1, and a path inside the line without its
 * newline, as the recorder's attach relies on.
 */
#include <errno.h>
#include <stdlib.h>

#include "cprof/procfs.h"

#include "fuzz.h"

static void one_line(char *line, size_t len, void *arg)
{
	struct proc_map m;
	int err = procfs_parse_maps_line(line, &m);

	(void)arg;
	if (err == -EINVAL)
		return;
	if (err || m.start > m.end || (m.exec != 0 && m.exec != 1))
		abort();
	fuzz_check_in_line(m.path, line, len, "maps path");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_line(data, size, one_line, NULL);
	return 0;
}
