#!/bin/bash
# Defect 6 of issue 8: samples taken before an exec are named from the old
# image.  A child computes 1 s in fe_before_exec_leaf, then execs the split
# workload for 1 s: both phases are named (>= 20 samples each), the first
# under its own comm, and next to nothing is [unknown] (records used to be
# written in ring drain order, so the pre-exec samples of the exec's drain
# round followed the exec and showed as "split_nofp;[unknown]").
. "$(dirname "$0")/../e2e/lib.sh"
require_perf
require_workload forkexec_nofp split_nofp

for mode in dwarf fp; do
	wl=nofp
	[ "$mode" = fp ] && wl=fp
	record_ok -g "$mode" -F 999 -o "$T/$mode.data" -- \
		"$WORKDIR/forkexec_$wl" 1 "$WORKDIR/split_$wl" 1
	report_ok "$T/$mode.data" "$T/$mode.folded"
	before=$(chain_re fe_child fe_before_exec fe_before_exec_leaf)
	# both phases are 1 s of wall time: how much CPU each gets is the
	# scheduler's, so each only needs enough samples to be seen named
	assert_ge "$mode: samples of the pre-exec phase" "$(count "$FOLDED" "$before")" 20
	assert_ge "$mode: samples of the exec'd program, named (main;split_?_outer)" \
		"$(count "$FOLDED" "$(chain_re main 'split_[abc]_outer')")" 20
	assert_contains "$FOLDED" "$(chain_re main split_a_outer split_a_leaf)" \
		"$mode: the exec'd program is named"
	assert_eq "$mode: comm of the pre-exec samples" \
		"$(first_frames "$FOLDED" "$before" | tr '\n' ' ')" "forkexec_$wl "
	assert_lt "$mode: share of [unknown] frames" \
		"$(share "$FOLDED" "$(frame_re '\[unknown\]')")" 0.5
done
pass
