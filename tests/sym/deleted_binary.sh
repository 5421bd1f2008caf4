#!/bin/bash
# A binary deleted while its process runs (an upgrade) is read through
# /proc/PID/map_files while recording and kept by build-id for the report.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

export CPROF_CACHE_DIR="$T/cache"
"${CC:-cc}" -O2 -g -o "$T/prog" "$SYMSRC/stripme.c" || fail "cannot build the fixture"
start_bg pid "$T/prog" 4
# deleted once it runs: its exec done (before that, removing it fails the exec)
wait_for 10 exe_is "$pid" "$T/prog" ||
	fail "process $pid did not exec $T/prog within 10 s (exe: $(readlink "/proc/$pid/exe"))"
rm "$T/prog"
record_ok -F 999 -d 1.5 -o "$T/d" -p "$pid"
report_ok "$T/d" "$T/folded"
assert_between "share in main;stripped_middle;stripped_leaf" \
	"$(share "$T/folded" "$(chain_re main 'stripped_middle[.a-z0-9]*' 'stripped_leaf[.a-z0-9]*')")" 90 100
pass
