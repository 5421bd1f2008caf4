#!/bin/bash
# cpuprofile.sh - a function's time in the cpuprofile is its samples times
# the sampling period, in every thread of a program with more busy threads
# than CPUs.
#
# The format has one timeline, and the tools that open it charge a sample
# with the time to the next one: when the threads' samples shared the
# timeline, each worker of threads_nofp on 2 CPUs got about half of its time.
# threads_nofp (early-1, early-2 and late-3 spinning in thr_*_spin) runs on
# CPUs 0 and 1; cpuprofile_times.js computes each thread's function times
# from the timeDeltas as Chrome DevTools and VS Code do. Checked, per worker:
#   - its spin function's time, by both rules, within 2 % of the number of
#     its samples in the folded --per-tid output times the period (1001001 ns
#     at -F 999), and the thread's whole time within 2 % of all its samples';
#   - the cpuprofile holds as many samples of the function as folded does;
#   - --tid TID gives a cpuprofile of that thread alone.
# Skipped (77) when node is missing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

command -v node >/dev/null 2>&1 || skip "node not found"
require_workload threads_nofp
require_perf

pin=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	pin=(taskset -c 0,1) # three busy threads, two CPUs
else
	note "taskset missing or one CPU: the workers share whatever CPUs there are"
fi
record_ok -F 999 -o "$T/threads.data" -- "${pin[@]}" "$WORKDIR/threads_nofp" 2 0.3
period_us=1001.001
report_ok "$T/threads.data" "$T/threads.folded" --per-tid
cprof_run cp report -i "$T/threads.data" -f cpuprofile -o "$T/threads.cpuprofile"
expect_rc 0 cp "cprof report -f cpuprofile"
node "$(dirname "$0")/cpuprofile_times.js" "$T/threads.cpuprofile" >"$T/times" 2>"$T/times.err" ||
	fail "cpuprofile_times.js failed (exit $?)" "$(head -c 2000 "$T/times.err")"

# within2 WHAT GOT WANT: GOT within 2 % of WANT
within2()
{
	assert_between "$1 (us; want $3)" "$2" \
		"$(awk -v w="$3" 'BEGIN { print w * 0.98 }')" "$(awk -v w="$3" 'BEGIN { print w * 1.02 }')"
}

for w in early-1:thr_early1_spin early-2:thr_early2_spin late-3:thr_late3_spin; do
	name=${w%%:*} fn=${w#*:}
	thread=$(awk -F '\t' -v n="$name" 'index($1, n "-") == 1 { print $1; exit }' "$T/times")
	[ -n "$thread" ] || fail "no thread $name in the cpuprofile" "$(cut -f1 "$T/times" | sort -u | tr '\n' ' ')"
	# the folded samples of the thread, and those with FN as the leaf
	all=$(awk -v t="$thread;" 'index($0, t) == 1 { n += $NF } END { print n + 0 }' "$T/threads.folded")
	self=$(awk -v t="$thread;" -v f="$fn" 'index($0, t) == 1 {
		s = $0; sub(/ [0-9]+$/, "", s); k = split(s, fr, ";"); if (fr[k] == f) n += $NF }
		END { print n + 0 }' "$T/threads.folded")
	assert_ge "$thread: samples of $fn" "$self" 50
	got=$(awk -F '\t' -v t="$thread" -v f="$fn" '$1 == t && $2 == f { print $3 }' "$T/times")
	assert_eq "$thread: samples of $fn in the cpuprofile" "$got" "$self"
	want=$(awk -v n="$self" -v p=$period_us 'BEGIN { printf "%.1f\n", n * p }')
	within2 "$thread: $fn's self time, Chrome DevTools" \
		"$(awk -F '\t' -v t="$thread" -v f="$fn" '$1 == t && $2 == f { print $4 }' "$T/times")" "$want"
	within2 "$thread: $fn's self time, VS Code" \
		"$(awk -F '\t' -v t="$thread" -v f="$fn" '$1 == t && $2 == f { print $5 }' "$T/times")" "$want"
	want=$(awk -v n="$all" -v p=$period_us 'BEGIN { printf "%.1f\n", n * p }')
	within2 "$thread: the thread's time, Chrome DevTools" \
		"$(awk -F '\t' -v t="$thread" '$1 == t { s += $4 } END { print s }' "$T/times")" "$want"
done

# one thread's own timeline: --tid
tid=${thread##*/}
cprof_run one report -i "$T/threads.data" -f cpuprofile --tid "$tid" -o "$T/one.cpuprofile"
expect_rc 0 one "cprof report -f cpuprofile --tid $tid"
node "$(dirname "$0")/cpuprofile_times.js" "$T/one.cpuprofile" >"$T/one.times" 2>"$T/times.err" ||
	fail "cpuprofile_times.js failed on one.cpuprofile" "$(head -c 2000 "$T/times.err")"
# (by tid: a thread sampled before it renamed itself is there under its
# first name too, threads_nofp-PID/TID)
assert_eq "thread ids of the --tid $tid cpuprofile" \
	"$(cut -f1 "$T/one.times" | grep -v '^(idle)$' | sed 's|.*/||' | sort -u | tr '\n' ' ')" "$tid "
pass
