#!/bin/bash
# cprof top names JIT frames as the report of the same session's data file
# does: node with --perf-basic-prof, watched in batch mode with -o, its
# last table against `cprof report` of the data file top kept; and the
# samples of a process before it exec'd node keep their names. The live
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

# A process that computes, then execs node: its perf map names node's code
# again, but the samples it took before the exec keep their names (those
# of the old image), as in the report of the same data file (--lang all: a
# native function, where the default top table of node is JavaScript only).
require_workload forkexec_nofp
cprof_run exec top -F 999 -d 5 -a --limit 0 --lang all -o "$T/exec.data" -- \
	"$WORKDIR/forkexec_nofp" 1.5 "$node" --perf-basic-prof "$SYMSRC/hot.js" 8
expect_rc 0 exec "cprof top of a process that execs node"
report_ok "$T/exec.data" "$T/exec.folded"
want=$(share "$T/exec.folded" ';fe_before_exec_leaf$')
assert_between "report: share of fe_before_exec_leaf" "$want" 10 60
awk '/^# [0-9]+ samples in/ { n++ } { t[n] = t[n] $0 "\n" } END { printf "%s", t[n] }' \
	"$T/exec.out" >"$T/exec.last"
got=$(awk '$4 == "fe_before_exec_leaf" { v = $1; sub(/%/, "", v); print v + 0; exit }' "$T/exec.last")
[ -n "$got" ] || fail "fe_before_exec_leaf, sampled before the exec, missing from top's last table" \
	"$(head -20 "$T/exec.last")"
assert_between "top: self share of fe_before_exec_leaf ($got) vs the report's ($want)" "$got" \
	"$(awk -v w="$want" 'BEGIN { print w - 5 }')" "$(awk -v w="$want" 'BEGIN { print w + 5 }')"
pass
