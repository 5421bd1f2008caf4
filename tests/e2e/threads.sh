#!/bin/bash
# threads.sh fp|dwarf - attach with -p to a running multi-threaded process.
#
# threads_{fp,nofp} runs workers "early-1" and "early-2" from the start and
# "late-3" one second later (tests/workloads/threads.c).  We attach as soon as
# the early workers run, so two threads exist before cprof starts and one is
# born under it.
#
#   fp:    cprof record -g fp -F 999 -p PID -d 3
#   dwarf: cprof record -F 999 -p PID -d 3          (default -g dwarf)
#
# Asserts, for each worker: its spin function is sampled, with the thread's
# start routine above it (>= 98% of its samples) and the thread's own name as
# first frame (>= 98%); with --per-tid the three spin functions show three
# distinct TIDs, each one a thread of PID and none PID itself; with --per-pid
# the first frame is `name-PID`.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

wl= # pids set by start_bg
rec=

mode=${1:-}
case $mode in
fp)
	prog=threads_fp
	cg="-g fp"
	TEST_NAME=fp_attach_threads
	;;
dwarf)
	prog=threads_nofp
	cg=
	TEST_NAME=dwarf_threads
	;;
*)
	echo "usage: $0 fp|dwarf" >&2
	exit 2
	;;
esac

require_workload $prog
require_perf

# 6 s: outlives the 3 s recording however slowly cprof starts; killed after.
start_bg wl env WORKLOAD_READY=1 "$WORKDIR/$prog" 6 1.0 >"$T/ready"
wait_for 5 test -s "$T/ready" || fail "$prog printed no pid within 5 s"
pid=$(head -n 1 "$T/ready")
assert_eq "pid printed by $prog" "$pid" "$wl"
note "$prog pid $pid, threads now: $(cd "/proc/$pid/task" && echo *)"

note "cprof record $cg -F 999 -p $pid -d 3 -o $T/data"
# shellcheck disable=SC2086 # $cg is empty or two words
start_bg rec "$CPROF" record $cg -F 999 -p "$pid" -d 3 -o "$T/data" \
	>"$T/record.out" 2>"$T/record.err"
# The late thread is born ~1 s after the early ones; list the threads once
# it is, to check the TIDs cprof reports against.
ntasks()
{
	ls "/proc/$pid/task" >"$T/tids" && [ "$(wc -l <"$T/tids")" -ge "$1" ]
}
wait_for 10 ntasks 4 || fail "$prog has not started its late thread within 10 s (threads: $(cat "$T/tids"))"
note "threads of $pid: $(tr '\n' ' ' <"$T/tids")"
wait_exit "$rec" 20 "cprof record -p $pid -d 3"
expect_rc 0 record "cprof record -p $pid -d 3"
[ -s "$T/record.err" ] && note "record stderr: $(head -c 600 "$T/record.err")"
kill "$wl" 2>/dev/null

report_ok "$T/data" "$T/folded"
assert_folded_shape "$T/folded"

for w in early1:early-1 early2:early-2 late3:late-3; do
	fn=${w%%:*}
	name=${w#*:}
	spin=$(frame_re "thr_${fn}_spin")
	assert_contains "$T/folded" "$spin" "thread $name's spin function thr_${fn}_spin sampled"
	# enough for the 98 % checks below to see one stray sample in 50
	assert_ge "samples of thr_${fn}_spin" "$(count "$T/folded" "$spin")" 50
	assert_ge "% of thr_${fn}_spin samples under thr_${fn}_main" \
		"$(share_of "$T/folded" "$spin" "$(ancestor_re "thr_${fn}_main" "thr_${fn}_spin")")" 98
	assert_ge "% of thr_${fn}_spin samples whose first frame is '$name'" \
		"$(share_of "$T/folded" "$spin" "^$name;")" 98
done

# --per-pid: first frame comm-PID.
report_ok "$T/data" "$T/folded.pid" --per-pid
assert_folded_shape "$T/folded.pid"
for w in early1:early-1 early2:early-2 late3:late-3; do
	fn=${w%%:*}
	name=${w#*:}
	assert_ge "--per-pid: % of thr_${fn}_spin samples under '$name-$pid'" \
		"$(share_of "$T/folded.pid" "$(frame_re "thr_${fn}_spin")" "^$name-$pid;")" 98
done

# --per-tid: first frame comm-PID/TID; the three workers are three threads.
report_ok "$T/data" "$T/folded.tid" --per-tid
assert_folded_shape "$T/folded.tid"
first_frames "$T/folded.tid" 'thr_(early1|early2|late3)_spin' >"$T/tid-frames"
note "--per-tid first frames of the spin stacks: $(tr '\n' ' ' <"$T/tid-frames")"
bad=$(grep -vE "^(early-1|early-2|late-3)-$pid/[0-9]+\$" "$T/tid-frames")
[ -z "$bad" ] || fail "--per-tid first frames not of the form name-$pid/TID: $bad"
sed 's|.*/||' "$T/tid-frames" | sort -u >"$T/tids-seen"
assert_eq "distinct TIDs running the spin functions" "$(wc -l <"$T/tids-seen")" 3
while read -r tid; do
	[ "$tid" != "$pid" ] || fail "--per-tid: a worker is reported with TID = PID $pid"
	grep -qx "$tid" "$T/tids" || fail "--per-tid: TID $tid is not a thread of $pid ($(tr '\n' ' ' <"$T/tids"))"
done <"$T/tids-seen"
for name in early-1 early-2 late-3; do
	[ "$(grep -c "^$name-" "$T/tid-frames")" = 1 ] ||
		fail "--per-tid: want exactly one TID named $name" "$(cat "$T/tid-frames")"
done
note "ok: three workers, three TIDs of $pid"
pass
