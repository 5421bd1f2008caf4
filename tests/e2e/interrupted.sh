#!/bin/bash
# interrupted - a recording cut short still gives a readable profile.
#
#   1. cprof record -o f -- split_fp 30; SIGINT to cprof once f holds
#	samples -> cprof exits 0 within 5 s, report -i f prints folded stacks
#	of split.
#   2. cprof record -p PID -d 20 on split_fp; SIGTERM to cprof once f
#	holds samples -> the same.
#   3. cprof record -p PID -d 20 on split_fp; SIGKILL to the target once f
#	holds samples -> cprof sees its only target gone and exits 0 within
#	5 s; the report prints stacks.
#   4. cprof record -o f -- split_fp 30; SIGKILL to cprof itself once f
#	holds samples -> report -i f still reads what was written (a warning
#	about the truncated file on stderr is fine) and prints stacks.
# "Holds samples": the report of the file as it is being written has 40
# samples in split's leaves (waited for, 15 s at most).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

wl= # pids set by start_bg
rec=

require_workload split_fp
require_perf

# Job control: background jobs get their own process group and the default
# SIGINT disposition, as under an interactive shell (without it bash starts
# them with SIGINT ignored).
set -m

# check_report DATA WHAT: the report of DATA exits 0 and has split's stacks.
check_report()
{
	report_ok "$1" "$1.folded"
	assert_folded_shape "$1.folded"
	assert_ge "$2: samples in split_._leaf" \
		"$(count "$1.folded" "$(frame_re 'split_._leaf')")" 20
}

# holds_samples DATA: the report of DATA, still being written, has 40
# samples in split's leaves.
holds_samples()
{
	"$CPROF" report -i "$1" >"$T/partial.folded" 2>/dev/null
	[ "$(count "$T/partial.folded" "$(frame_re 'split_._leaf')")" -ge 40 ]
}

# wait_samples DATA WHAT: wait until DATA holds samples, else fail.
wait_samples()
{
	wait_for 15 holds_samples "$1" || fail "$2: $1 holds no samples 15 s later" \
		"stderr: $(head -c 1000 "$T/record.err")"
}

# children PID: the child processes of PID.
children()
{
	cat "/proc/$1/task/$1/children" 2>/dev/null
}

# 1. SIGINT to cprof running a command.
note "1: cprof record -o int.data -- split_fp 30; SIGINT to cprof once it holds samples"
start_bg rec "$CPROF" record -o "$T/int.data" -- "$WORKDIR/split_fp" 30 \
	>"$T/record.out" 2>"$T/record.err"
wait_samples "$T/int.data" "cprof record -- split_fp"
kids=$(children "$rec")
BG_PIDS="$BG_PIDS $kids"
[ -n "$kids" ] || fail "cprof record -- split_fp: no child process once it recorded" \
	"stderr: $(head -c 1000 "$T/record.err")"
kill -INT "$rec"
wait_exit "$rec" 5 "cprof record after SIGINT"
expect_rc 0 record "cprof record after SIGINT"
for k in $kids; do
	kill -0 "$k" 2>/dev/null && note "after SIGINT to cprof its child $k is still running (killing it)"
	kill -9 "$k" 2>/dev/null
done
check_report "$T/int.data" "after SIGINT"

# 2. SIGTERM to cprof attached with -p.
start_bg wl "$WORKDIR/split_fp" 30
note "2: cprof record -p $wl -d 20 -o term.data; SIGTERM to cprof once it holds samples"
start_bg rec "$CPROF" record -p "$wl" -d 20 -o "$T/term.data" \
	>"$T/record.out" 2>"$T/record.err"
wait_samples "$T/term.data" "cprof record -p"
kill -TERM "$rec"
wait_exit "$rec" 5 "cprof record -p after SIGTERM"
expect_rc 0 record "cprof record -p after SIGTERM"
kill -0 "$wl" 2>/dev/null || fail "the attached target $wl died with cprof (it must be left running)"
kill -9 "$wl"
check_report "$T/term.data" "after SIGTERM"

# 3. The attached target is SIGKILLed.
start_bg wl "$WORKDIR/split_fp" 30
note "3: cprof record -p $wl -d 20 -o tgt.data; SIGKILL to the target once it holds samples"
start_bg rec "$CPROF" record -p "$wl" -d 20 -o "$T/tgt.data" \
	>"$T/record.out" 2>"$T/record.err"
wait_samples "$T/tgt.data" "cprof record -p"
kill -9 "$wl"
wait_exit "$rec" 5 "cprof record -p after its target was killed"
expect_rc 0 record "cprof record -p after its target was killed"
check_report "$T/tgt.data" "after the target was killed"

# 4. SIGKILL to cprof itself: no chance to finish the file.
note "4: cprof record -o kill.data -- split_fp 30; SIGKILL to cprof once it holds samples"
start_bg rec "$CPROF" record -o "$T/kill.data" -- "$WORKDIR/split_fp" 30 \
	>"$T/record.out" 2>"$T/record.err"
wait_samples "$T/kill.data" "cprof record -- split_fp"
kids=$(children "$rec")
BG_PIDS="$BG_PIDS $kids"
kill -9 "$rec"
wait "$rec" 2>/dev/null
for k in $kids; do
	kill -9 "$k" 2>/dev/null
done
[ -s "$T/kill.data" ] || fail "cprof killed while recording left an empty or no data file"
note "kill.data: $(wc -c <"$T/kill.data") bytes"
check_report "$T/kill.data" "after SIGKILL to cprof"
pass
