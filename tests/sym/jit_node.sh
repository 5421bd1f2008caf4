#!/bin/bash
# node --perf-basic-prof writes /tmp/perf-PID.map; cprof captures it while
# recording and names the hot JavaScript function, also when node was
# launched without the flag (cprof sets it in NODE_OPTIONS), and, attached
# to a node without a perf map and recorded with -g fp (which reads no
# JavaScript functions from V8's memory: jit_node_memory.sh), the summary
# and report --stats say how to get the names.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

node=$(command -v node || command -v nodejs) || fail "node not found (scripts/install-deps.sh installs it)"
touch "$T/marker"
record_ok -F 999 -o "$T/d" -- "$node" --perf-basic-prof "$SYMSRC/hot.js" 2
# the map outlives node: remove it, the recording must not need it any more
maps=$(find /tmp -maxdepth 1 -name 'perf-*.map' -newer "$T/marker")
[ -n "$maps" ] || fail "node --perf-basic-prof wrote no /tmp/perf-PID.map"
rm -f $maps
report_ok "$T/d" "$T/folded" --annotate
assert_between "share with the JS function fibHotJs" "$(share "$T/folded" 'fibHotJs')" 50 100
assert_contains "$T/folded" '(^|;)[^;]*fibHotJs[^;]*_\[j\](;|$)' "JIT frames carry _[j] with --annotate"

# attached to a node without a perf map, -g fp: the summary says how to get
# names (it runs past the recording, killed after; attached once it runs node)
"$node" "$SYMSRC/hot.js" 20 &
npid=$!
BG_PIDS="$BG_PIDS $npid"
wait_for 10 exe_is "$npid" "$(readlink -f "$node")" || fail "process $npid did not exec $node within 10 s"
record_ok -F 99 -d 1 -g fp -o "$T/attached" -p "$npid"
assert_text_contains "$T/record.err" "PID $npid is node without a perf map" "record's hint for node"
assert_text_contains "$T/record.err" "--perf-basic-prof" "the hint names the flag"
kill "$npid" 2>/dev/null

# and so does report --stats, from the recording alone (the process is gone)
report_ok "$T/attached" "$T/attached.folded" --stats
cp "$T/report.err" "$T/attached.stats"
assert_text_contains "$T/attached.stats" "# PID $npid is node without a perf map" "report --stats hint for node"
report_ok "$T/d" "$T/d.folded" --stats
cp "$T/report.err" "$T/d.stats"
! grep -q "without a perf map" "$T/d.stats" || fail "report --stats hints at a node that wrote its map" "$(cat "$T/d.stats")"

# launched without the flag: cprof adds --perf-basic-prof to NODE_OPTIONS
record_ok -F 999 -o "$T/auto" -- "$node" "$SYMSRC/hot.js" 2
report_ok "$T/auto" "$T/auto.folded"
assert_between "share with fibHotJs, node launched without flags" \
	"$(share "$T/auto.folded" 'fibHotJs')" 50 100
pass
