#!/bin/bash
# Issue 19, node attach: a node started without --perf-basic-prof, attached
# (record -p), has its JavaScript functions named from V8's memory by the
# v8dbg_* metadata of its own binary (docs/node.md):
#  - hot.js: fibHotJs in >= 90 % of the samples (the workload runs nothing
#    else once started; the rest: its start before the attach, V8's own
#    threads, a sample in a frameless stub), called by driveJsWork in
#    >= 95 % of them; its script named; the top table's first row; no hint
#    that its functions are unnamed;
#  - closures.js: closures made and dropped under heavy allocation, whose
#    JSFunction objects V8's collector moves between a sample and its read:
#    a frame is never named after another function (driveA only runs
#    closureAWork: no driveA;closureBWork), and each is named in >= 75 %
#    of the samples of its caller (it does 40 times its caller's own work;
#    the caller also compiles it: eval, and V8 collects garbage).
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

node=$(command -v node || command -v nodejs) || fail "node not found (scripts/install-deps.sh installs it)"
nm -D "$(readlink -f "$node")" 2>/dev/null | grep -q ' v8dbg_off_fp_function$' ||
	skip "this node exports no V8 postmortem metadata (v8dbg_* symbols)"

# attach NAME SCRIPT: run SCRIPT under node without flags, record 2 s of it
attach()
{
	local name=$1 pid

	"$node" "$SYMSRC/$2" 30 &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_for 10 exe_is "$pid" "$(readlink -f "$node")" || fail "process $pid did not exec $node"
	record_ok -F 999 -d 2 -o "$T/$name.data" -p "$pid"
	cp "$T/record.err" "$T/$name.err"
	kill "$pid" 2>/dev/null
	report_ok "$T/$name.data" "$T/$name.folded"
}

attach hot hot.js
assert_between "% of the samples in fibHotJs" "$(share "$T/hot.folded" "$(frame_re fibHotJs)")" 90 100
assert_ge "% of them called by driveJsWork" \
	"$(share_of "$T/hot.folded" "$(frame_re fibHotJs)" "$(chain_re driveJsWork fibHotJs)")" 95
assert_text_lacks "$T/hot.err" "without a perf map" "no hint: the functions are named"
cprof_run top report -i "$T/hot.data" -f top -o "$T/hot.top"
expect_rc 0 top "report -f top"
assert_eq "the top table's first function" "$(awk '$1 ~ /%$/ { print $4; exit }' "$T/hot.top")" fibHotJs
cprof_run json report -i "$T/hot.data" -f speedscope -o "$T/hot.json"
expect_rc 0 json "report -f speedscope"
assert_text_contains "$T/hot.json" "\"name\":\"fibHotJs\",\"file\":\"$SYMSRC/hot.js\"" \
	"fibHotJs's script is named"
cprof_run stats report -i "$T/hot.data" --stats -o "$T/hot.stats.folded"
expect_rc 0 stats "report --stats"
assert_text_lacks "$T/stats.err" "without a perf map" "report --stats gives no hint either"

attach closures closures.js
for f in A B; do
	assert_ge "samples in drive$f" "$(count "$T/closures.folded" "$(frame_re drive$f)")" 100
	assert_ge "% of drive$f's samples in closure${f}Work" \
		"$(share_of "$T/closures.folded" "$(frame_re drive$f)" "$(chain_re drive$f closure${f}Work)")" 75
done
assert_eq "samples of driveA named closureBWork below" \
	"$(count "$T/closures.folded" "$(ancestor_re driveA closureBWork)")" 0
assert_eq "samples of driveB named closureAWork below" \
	"$(count "$T/closures.folded" "$(ancestor_re driveB closureAWork)")" 0
pass
