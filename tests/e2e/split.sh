#!/bin/bash
# split.sh fp|dwarf - call-chain shares and order on the split workload.
#
# split spends 50/30/20% of its CPU time in three chains under main (see
# tests/workloads/split.c; perf record -g / --call-graph dwarf measure
# 50.0±0.3 / 30.0±0.3 / 20.0±0.2 on it at 999 Hz).
#
#   fp:    cprof record -g fp -F 999 -- split_fp 3     shares within 3 points
#   dwarf: cprof record -F 999 -- split_nofp 3         shares within 2 points,
#          (default -g dwarf)                           >= 99% of samples under main
#
# Both: each chain shows caller first, directly under main; the folded output
# has the shape flamegraph.pl reads (sorted, distinct, `frames COUNT`); the
# first frame is the comm; -F 999 gives about 999 samples a CPU second.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

mode=${1:-}
case $mode in
fp)
	prog=split_fp
	cg="-g fp"
	tol=3
	;;
dwarf)
	prog=split_nofp
	cg=
	tol=2
	;;
*)
	echo "usage: $0 fp|dwarf" >&2
	exit 2
	;;
esac
TEST_NAME="${mode}_split"

require_workload $prog
require_perf

# shellcheck disable=SC2086 # $cg is empty or two words
record_ok $cg -F 999 -o "$T/data" -- "$WORKDIR/$prog" 3
report_ok "$T/data" "$T/folded"
assert_folded_shape "$T/folded"

# -F 999 honoured and no samples lost: ~999 per CPU second of split.
assert_rate "$T/folded" 999

a_re=$(chain_re main split_a_outer split_a_leaf)
b_re=$(chain_re main split_b_outer split_b_mid split_b_leaf)
c_re=$(chain_re main split_c_outer split_c_leaf)
a=$(share "$T/folded" "$a_re")
b=$(share "$T/folded" "$b_re")
c=$(share "$T/folded" "$c_re")
note "shares: a=$a b=$b c=$c (want 50/30/20 +-$tol)"
assert_between "share of main;split_a_outer;split_a_leaf" "$a" $((50 - tol)) $((50 + tol))
assert_between "share of main;split_b_outer;split_b_mid;split_b_leaf" "$b" $((30 - tol)) $((30 + tol))
assert_between "share of main;split_c_outer;split_c_leaf" "$c" $((20 - tol)) $((20 + tol))

# Every sample in a leaf has its whole chain above it, in caller->callee order.
assert_ge "split_a_leaf samples with main;split_a_outer above" \
	"$(share_of "$T/folded" "$(frame_re split_a_leaf)" "$a_re")" 98
assert_ge "split_b_leaf samples with main;split_b_outer;split_b_mid above" \
	"$(share_of "$T/folded" "$(frame_re split_b_leaf)" "$b_re")" 98
assert_ge "split_c_leaf samples with main;split_c_outer above" \
	"$(share_of "$T/folded" "$(frame_re split_c_leaf)" "$c_re")" 98
assert_not_contains "$T/folded" 'split_._leaf;(.*;)?(split_._outer|split_b_mid|main)(;|$)' \
	"no chain printed leaf first (callee before caller)"

# The first frame is the comm (the program name: split sets no thread name).
assert_eq "first frame of the chain stacks" \
	"$(first_frames "$T/folded" 'split_._leaf' | tr '\n' ' ')" "$prog "

# --stats counts what the recording holds: every sample of the folded
# output, and at least as many of the recorder's stacks as folded lines
# (two recorded chains may name alike, never one chain two ways)
report_ok "$T/data" "$T/stats.folded" --stats
line=$(grep '^# samples: ' "$T/report.err") || fail "no '# samples:' line in --stats" "$(cat "$T/report.err")"
assert_eq "samples in --stats vs the folded total" \
	"$(echo "$line" | sed 's/^# samples: \([0-9]*\),.*/\1/')" "$(total "$T/folded")"
assert_ge "distinct stacks in --stats vs folded lines" \
	"$(echo "$line" | sed 's/.*distinct stacks: \([0-9]*\),.*/\1/')" "$(wc -l <"$T/folded")"

if [ "$mode" = dwarf ]; then
	assert_ge "% of samples with main in the stack" \
		"$(share "$T/folded" "$(frame_re main)")" 99
fi
pass
