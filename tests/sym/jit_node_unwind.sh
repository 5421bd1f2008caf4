#!/bin/bash
# node --perf-prof --perf-prof-unwinding-info writes ./jit-PID.dump (in its
# working directory, not /tmp) and maps it: cprof finds it through that
# mapping, names the JavaScript functions from its code loads (with
# --no-jit-support, so no perf map helps) even once the dump is gone, and
# unwinds optimized JIT code with its unwinding info: at least 95 % of the
# samples in fibHotJs reach _start, and report --stats counts under 5 %
# truncated stacks, as with --no-jit-unwind (V8 keeps frame pointers).
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

node=$(command -v node || command -v nodejs) || fail "node not found (scripts/install-deps.sh installs it)"
cd "$T" || fail "no scratch directory"
for mode in cfi fp; do
	opt=
	[ "$mode" = fp ] && opt=--no-jit-unwind
	record_ok -F 999 -o "$T/$mode.data" --no-jit-support $opt -- \
		"$node" --perf-prof --perf-prof-unwinding-info "$SYMSRC/hot.js" 2
	dumps=$(find "$T" -maxdepth 1 -name 'jit-*.dump')
	[ -n "$dumps" ] || fail "node wrote no jit-PID.dump in its working directory"
	rm -f $dumps
	report_ok "$T/$mode.data" "$T/$mode.folded"
	assert_between "$mode: share with the JS function fibHotJs" \
		"$(share "$T/$mode.folded" 'JS:[*~^]?fibHotJs')" 50 100
	assert_ge "$mode: % of fibHotJs samples reaching _start" \
		"$(share_of "$T/$mode.folded" 'fibHotJs' '^[^;]*;_start;')" 95
	report_ok "$T/$mode.data" "$T/$mode.stats" --stats
	read -r cut all <<<"$(sed -n 's/^# truncated stacks: \([0-9]*\) of \([0-9]*\) samples.*/\1 \2/p' \
		"$T/report.err")"
	# (2 s of wall time: the CPU it gets is the scheduler's; 100 samples
	# make the 5 % bound below one of at least 5 samples)
	assert_ge "$mode: samples" "${all:-0}" 100
	assert_lt "$mode: truncated share in --stats (%)" \
		"$(awk -v c="${cut:-0}" -v a="$all" 'BEGIN { printf "%.1f\n", 100 * c / a }')" 5.01
done
pass
