#!/bin/bash
# Sample selection for every format: --comm, --since/--until (seconds from
# the start of the recording), on the threads workload (early-1 and early-2
# spin from the start, late-3 from one second on, all for 3 s).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
require_workload threads_nofp
require_perf

record_ok -F 999 -o "$T/data" -- "$WORKDIR/threads_nofp" 3
report_ok "$T/data" "$T/all"
all=$(total "$T/all")

report_ok "$T/data" "$T/late" --comm late-3
assert_eq "first frames with --comm late-3" "$(cut -d';' -f1 "$T/late" | sort -u | tr '\n' ' ')" "late-3 "
assert_eq "late-3 samples with --comm" "$(total "$T/late")" "$(count "$T/all" '^late-3;')"

report_ok "$T/data" "$T/first" --until 0.9
assert_eq "late-3 samples before 0.9 s" "$(count "$T/first" '^late-3;')" 0
# the early threads run from the start (how much CPU they get before 0.9 s
# is the scheduler's: some); late-3 is born 1 s after the workload started,
# which is after the recording started (cprof starts its clock before it
# launches the command), so all of its samples fall at 1.0 s or later
assert_ge "early-1/2 samples before 0.9 s" "$(count "$T/first" '^early-[12];')" 1
report_ok "$T/data" "$T/after" --since 1.0 --comm late-3
assert_eq "late-3 samples from 1.0 s on (all of them: $(total "$T/late"))" \
	"$(total "$T/after")" "$(total "$T/late")"
report_ok "$T/data" "$T/rest" --since 0.9
assert_eq "samples before + after 0.9 s" "$(( $(total "$T/first") + $(total "$T/rest") ))" "$all"
report_ok "$T/data" "$T/mid" --since 1.5 --until 2.5 --format top --limit 0
grep -q 'thr_late3_spin' "$T/mid" || fail "late-3's function missing from 1.5..2.5 s"

# a window that selects nothing is not an error, and a bad window is a usage error
cprof_run report report -i "$T/data" --since 100
expect_rc 0 report "report --since 100"
cprof_run report report -i "$T/data" --since 2 --until 1
expect_rc 2 report "report --since 2 --until 1"
cprof_run report report -i "$T/data" --since abc
expect_rc 2 report "report --since abc"
cprof_run report report -i "$T/data" --format nosuch
expect_rc 2 report "report --format nosuch"
pass
