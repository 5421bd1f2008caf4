#!/bin/bash
# A perf map is followed while recording, not only read as the recording
# ends, so that a live view (top, serve) can name JIT code as it runs. A
# process writes the first line of its perf map, runs 2.5 s, appends a
# second line and runs 1 s more: in the data file a PERFMAP record holds the
# first line before the last SAMPLE, the appended line is there too, and
# each line is there once (what was read while recording is not read again).
. "$(dirname "$0")/../e2e/lib.sh"
require_perf
[ -x "$DFDUMP" ] || fail "DFDUMP does not name the dfdump helper (tests/sym/CMakeLists.txt)"

prog='f=/tmp/perf-$$.map; printf "1000 10 early_line\n" >"$f" || exit 1
"$0" 2.5; printf "2000 10 late_line\n" >>"$f"; "$0" 1'
record_ok -g fp -F 199 -o "$T/d" -- sh -c "$prog" "$WORKDIR/split_fp"
"$DFDUMP" "$T/d" >"$T/dump" || fail "dfdump could not read $T/d"
pid=$(sed -n 's/^PERFMAP \([0-9]*\) .*/\1/p' "$T/dump" | head -1)
[ -n "$pid" ] && rm -f "/tmp/perf-$pid.map"

early=$(grep -n ' early_line$' "$T/dump" | head -1 | cut -d: -f1)
last=$(grep -n '^SAMPLE$' "$T/dump" | tail -1 | cut -d: -f1)
[ -n "$early" ] || fail "the perf map's first line is not in the data file"
[ -n "$last" ] || fail "no SAMPLE record in the data file"
[ "$early" -lt "$last" ] ||
	fail "the perf map was read only when the recording ended (its first line at record $early, the last SAMPLE at $last)"
assert_eq "PERFMAP lines naming early_line" "$(grep -c ' early_line$' "$T/dump")" 1
assert_eq "PERFMAP lines naming late_line" "$(grep -c ' late_line$' "$T/dump")" 1
pass
