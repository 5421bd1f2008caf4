#!/bin/bash
# cprof top names JIT frames as the report of the same session's data file
# does: node with --perf-basic-prof, watched in batch mode with -o, its
# last table against `cprof report` of the data file top kept. The live
# view and the report replay the records through one replay and namer.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
require_perf
node=$(command -v node || command -v nodejs) || fail "node not found (scripts/install-deps.sh installs it)"

cprof_run batch top -F 999 -d 4 --limit 0 -o "$T/data" -- \
	"$node" --perf-basic-prof "$SYMSRC/hot.js" 8
expect_rc 0 batch "cprof top in batch mode"
report_ok "$T/data" "$T/folded"
want=$(share "$T/folded" 'fibHotJs')
assert_between "report: share of stacks with fibHotJs" "$want" 50 100

# the last table of the run (rows: %self %total samples function module);
# node names it "JS:*fibHotJs FILE:LINE:COL" (optimised) or "JS:^..." (baseline)
awk '/^# [0-9]+ samples in/ { n++ } { t[n] = t[n] $0 "\n" } END { printf "%s", t[n] }' \
	"$T/batch.out" >"$T/last"
got=$(awk '$4 ~ /^JS:.fibHotJs$/ { v = $2; sub(/%/, "", v); if (v + 0 > m + 0) m = v } END { print m }' \
	"$T/last")
[ -n "$got" ] || fail "fibHotJs, named by the report, missing from top's table" "$(head -20 "$T/last")"
grep -q "JS:.fibHotJs $SYMSRC/hot.js" "$T/folded" ||
	fail "the report does not name fibHotJs as top does" "$(head -c 600 "$T/folded")"
assert_between "top: total share of fibHotJs ($got) vs the report's ($want)" "$got" \
	"$(awk -v w="$want" 'BEGIN { print w - 10 }')" 100

# and while node runs: the perf map is read as it grows, so a table drawn
# during the recording (the third of four, at about 3 s) names it too
awk '/^# [0-9]+ samples in/ { n++ } n == 3' "$T/batch.out" >"$T/third"
[ -s "$T/third" ] || fail "no third table" "$(head -c 600 "$T/batch.out")"
mid=$(awk '$4 ~ /^JS:.fibHotJs$/ { v = $2; sub(/%/, "", v); if (v + 0 > m + 0) m = v } END { print m + 0 }' \
	"$T/third")
assert_between "top, third table, during the run: total share of fibHotJs" "$mid" 50 100
pass
