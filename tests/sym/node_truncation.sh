#!/bin/bash
# A Node recording whose stacks reach _start is not called truncated:
# report --stats counts at most 5 % truncated stacks (88-95 % before),
# and the report prints no truncation warning.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

node=$(command -v node || command -v nodejs) || fail "node not found (scripts/install-deps.sh installs it)"
record_ok -F 999 -o "$T/d" -- "$node" "$SYMSRC/hot.js" 2
report_ok "$T/d" "$T/folded"
assert_eq "truncation warning" "$(grep -c 'truncated stacks' "$T/report.err")" 0
assert_ge "share of stacks reaching _start or a thread root" \
	"$(share "$T/folded" '^[^;]*;(_start|clone3?|start_thread|\[ld-linux[^;]*\])(;|$)')" 95
report_ok "$T/d" "$T/stats" --stats
read -r cut all <<<"$(sed -n 's/^# truncated stacks: \([0-9]*\) of \([0-9]*\) samples.*/\1 \2/p' "$T/report.err")"
# (2 s of wall time: the CPU it gets is the scheduler's; 100 samples
# make the 5 % bound below one of at least 5 samples)
assert_ge "samples" "${all:-0}" 100
assert_lt "truncated share in --stats (%)" \
	"$(awk -v c="$cut" -v a="$all" 'BEGIN { printf "%.1f\n", 100 * c / a }')" 5.01
pass
