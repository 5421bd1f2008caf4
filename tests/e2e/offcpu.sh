#!/bin/bash
# offcpu.sh - off-CPU and wall-clock profiles (cprof record --off-cpu / --wall).
#
# 1. offcpu_nofp 5 2 (tests/workloads/offcpu.c): each worker-N computes 25 % of
#    its time, sleeps 50 % in nanosleep, blocks 25 % in read() on a pipe its
#    feeder fills late (by design; a busy machine stretches the waits, each by
#    its wake-up delays).  cprof record --wall -F 999: the report's default
#    view is wall; over the worker threads, oc_compute / oc_sleep / oc_wait,
#    each under start_thread;oc_worker, hold within 1.5 points of the shares
#    the workers measured themselves (record.out); in --value off-cpu,
#    oc_sleep / oc_wait hold within 1.5 points of the workers' own sleep /
#    (sleep + wait).  The workload runs on one CPU with two spinning hogs, so
#    computing workers are preempted.  Blocked and run-queue time are apart:
#    the off-cpu view has no oc_compute to speak of (< 2 %), the runq view
#    has oc_compute and nothing of oc_sleep (< 2 %).
# 2. mutex_nofp 3: four threads contend for one lock.  cprof record -k
#    --off-cpu: the heaviest off-CPU stack is under mx_critical;
#    pthread_mutex_lock (or its alias __pthread_mutex_lock), >= 90 % of the off-CPU time is under mx_critical,
#    and >= 90 % of that has a kernel futex frame (--annotate: futex..._[k]).
# 3. split_nofp 3 (CPU-bound, one thread): with --wall, each chain's wall time
#    is its cpu + run-queue + off-cpu time (ns, from the --value reports), and
#    its off-cpu time is under 1 % of its wall time (it never blocks; where a
#    busy machine preempts it, the run-queue time is the difference).
# 4. --value off-cpu on a recording made without --off-cpu: exit 2, naming
#    --off-cpu.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload offcpu_nofp
require_workload mutex_nofp
require_workload split_nofp
require_perf

# --- 1. compute / sleep / pipe read ---
# on one CPU with two spinning hogs, so that a computing worker is surely
# preempted (run-queue time) on any machine
command -v taskset >/dev/null || fail "taskset not found (util-linux)"
cpu=$(taskset -pc $$ | sed 's/.*: *//; s/[,-].*//')
[ -n "$cpu" ] || fail "no CPU in this shell's affinity: $(taskset -pc $$)"
start_bg hog1 taskset -c "$cpu" "$WORKDIR/split_nofp" 60
start_bg hog2 taskset -c "$cpu" "$WORKDIR/split_nofp" 60
record_ok --wall -F 999 -o "$T/oc.data" -- taskset -c "$cpu" "$WORKDIR/offcpu_nofp" 5 2
kill "$hog1" "$hog2"
# measured A [B]: A's % of what the workers measured they spent in A (and
# B: default all three), from their own line in record.out (a busy machine
# stretches each sleep and pipe wait by its wake-up delays)
measured()
{
	awk -v f="$1" -v g="${2:-}" '/^worker-/ { v["compute"] += $3; v["sleep"] += $5; v["wait"] += $7 }
		END { t = g == "" ? v["compute"] + v["sleep"] + v["wait"] : v[f] + v[g]
		      printf "%.1f\n", t ? 100 * v[f] / t : 0 }' "$T/record.out"
}
grep -q "off-CPU: [1-9]" "$T/record.err" || fail "no off-CPU summary line" "$(cat "$T/record.err")"
report_ok "$T/oc.data" "$T/wall"
assert_folded_shape "$T/wall"
workers='^worker-[0-9]+;'
for f in compute sleep wait; do
	got=$(share_of "$T/wall" "$workers" "$(ancestor_re "start_thread;oc_worker" "oc_$f")")
	seen=$(measured "$f")
	assert_between "wall share of oc_$f ($got) minus the workers' own measure $seen" \
		"$(awk -v a="$got" -v b="$seen" 'BEGIN { printf "%.1f\n", a - b }')" -1.5 1.5
done
assert_ge "% of the workers' wall time under start_thread;oc_worker" \
	"$(share_of "$T/wall" "$workers" "$(frame_re "start_thread;oc_worker")")" 98

report_ok "$T/oc.data" "$T/off" --value off-cpu
assert_folded_shape "$T/off"
for f in sleep:wait wait:sleep; do
	got=$(share_of "$T/off" "$workers" "$(chain_re start_thread oc_worker "oc_${f%%:*}")")
	seen=$(measured "${f%%:*}" "${f#*:}")
	assert_between "off-CPU share of oc_${f%%:*} ($got) minus the workers' own ${f%%:*}/(sleep + wait) $seen" \
		"$(awk -v a="$got" -v b="$seen" 'BEGIN { printf "%.1f\n", a - b }')" -1.5 1.5
done
assert_lt "off-CPU share of oc_compute (it never blocks)" \
	"$(share_of "$T/off" "$workers" "$(frame_re oc_compute)")" 2
report_ok "$T/oc.data" "$T/cpu" --value cpu
report_ok "$T/oc.data" "$T/samples" --value samples
assert_eq "--value cpu is samples times the period" \
	"$(awk '{ t += $NF } END { printf "%.0f\n", t / 1001001 }' "$T/cpu")" "$(total "$T/samples")"
cprof_run runq report -i "$T/oc.data" --value runq
expect_rc 0 runq "cprof report --value runq"
assert_contains "$T/runq.out" "$workers.*$(frame_re oc_compute)" \
	"run-queue time of the workers under oc_compute (preempted by the hogs)"
assert_lt "run-queue share of oc_sleep (a sleeping thread is not runnable)" \
	"$(share_of "$T/runq.out" "$workers" "$(frame_re oc_sleep)")" 2

# --- 2. a contended mutex, with kernel stacks ---
record_ok -k --off-cpu -F 999 -o "$T/mx.data" -- "$WORKDIR/mutex_nofp" 3 4
report_ok "$T/mx.data" "$T/mx" --value off-cpu --annotate
top=$(sort -t ' ' -k2,2nr "$T/mx" | head -n 1)
note "heaviest off-CPU stack: ${top:0:300}"
PAT=$(chain_re mx_critical "(__)?pthread_mutex_lock") awk -v s="${top% *}" \
	'BEGIN { exit !(s ~ ENVIRON["PAT"]) }' ||
	fail "the heaviest off-CPU stack is not under mx_critical;pthread_mutex_lock"
lock=$(frame_re mx_critical)
assert_ge "% of off-CPU time under mx_critical" "$(share "$T/mx" "$lock")" 90
assert_ge "% of it with a kernel futex frame" \
	"$(share_of "$T/mx" "$lock" '(^|;)[^;]*futex[^;]*_\[k\](;|$)')" 90

# --- 3. a CPU-bound program: wall view = cpu view ---
record_ok --wall -F 999 -o "$T/split.data" -- "$WORKDIR/split_nofp" 3
# ns per chain in one --value view; an empty view (no run-queue time: nothing
# preempted the program) is 0
for v in cpu runq off-cpu wall; do
	cprof_run "split.$v" report -i "$T/split.data" --value "$v"
	expect_rc 0 "split.$v" "cprof report --value $v"
done
FOLDED=$T/split.wall.out
for c in a b c; do
	re=$(frame_re "split_${c}_outer")
	for v in cpu runq off-cpu wall; do
		printf -v "ns_${v//-/_}" '%s' "$(count "$T/split.$v.out" "$re")"
	done
	# shellcheck disable=SC2154 # set by printf -v above
	assert_eq "split_${c}_outer: wall ns = cpu $ns_cpu + runq $ns_runq + off-cpu $ns_off_cpu" \
		"$ns_wall" "$(awk -v a="$ns_cpu" -v b="$ns_runq" -v c="$ns_off_cpu" 'BEGIN { printf "%.0f\n", a + b + c }')"
	assert_ge "split_${c}_outer: wall ns (of a CPU-bound chain)" "$ns_wall" 1
	assert_lt "split_${c}_outer: off-cpu % of its wall time (it never blocks)" \
		"$(awk -v a="$ns_off_cpu" -v b="$ns_wall" 'BEGIN { printf "%.2f\n", 100 * a / b }')" 1
done

# --- 4. no off-CPU values in a plain recording ---
record_ok -F 99 -o "$T/plain.data" -- "$WORKDIR/split_nofp" 0.3
check_exit plain 2 "--off-cpu" report -i "$T/plain.data" --value off-cpu
pass
