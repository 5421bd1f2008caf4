#!/bin/bash
# host.sh - record -a: every process of the host, each under its own name.
#
# Two workloads with designed splits run beside unrelated processes (a shell
# busy loop, and whatever else the machine runs): split_nofp with its
# default 50/30/20 and split_fp with SPLIT_UNITS=2,3,5 (20/30/50), both
# started before the recording (their mappings read from /proc on first
# sight). A third, split_nofp again, is started once the recording runs and
# ends before it does (its mappings announced by the kernel). Each runs as
# a copy under a name of its own (NOFP, FP, LATE, a random number in each),
# as other tests may run split_nofp on the machine meanwhile.
#
#   record -a            report --comm NAME: each split within 5 points under
#                        its own process, main >= 95 %; --pid the same samples;
#                        LATE named, with its chains; the busy loop
#                        sampled; cprof itself and kernel threads not
#   record -a --comm N   only N's samples
#   --exclude-pid P,Q    not P's nor Q's
#   --max-processes 2    the unwinding state of 3 busy processes through a
#                        budget of 2: dropped and read again (the summary
#                        counts it, and so does report --stats), each split
#                        still within 5 points
#   top --all-cpus --comm NOFP   batch mode: the three leaves, >= 90 % together
#
# -a needs CPU-wide events: root, CAP_PERFMON or perf_event_paranoid <= 0.
# Refused to a user without them, the test skips (tests/allowed-skips.txt).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload split_nofp split_fp
require_perf

require_all_cpus

id=$(printf '%05d' $((RANDOM % 100000)))
NOFP=hnofp$id FP=hfp$id LATE=hlate$id
cp "$WORKDIR/split_nofp" "$T/$NOFP" && cp "$WORKDIR/split_fp" "$T/$FP" &&
	cp "$WORKDIR/split_nofp" "$T/$LATE" || fail "cannot copy the workloads into $T"
a_re=$(chain_re main split_a_outer split_a_leaf)
b_re=$(chain_re main split_b_outer split_b_mid split_b_leaf)
c_re=$(chain_re main split_c_outer split_c_leaf)

# 60 s: outlives every recording below however slow the machine; killed after.
start_bg busy sh -c 'while :; do :; done'
start_bg a "$T/$NOFP" 60
start_bg b env SPLIT_UNITS=2,3,5 "$T/$FP" 60
both_running() { exe_is "$a" "$(readlink -f "$T/$NOFP")" && exe_is "$b" "$(readlink -f "$T/$FP")"; }
wait_for 10 both_running || fail "$NOFP and $FP did not start within 10 s"
note "$NOFP $a (split_nofp, 50/30/20), $FP $b (split_fp, 20/30/50), busy loop $busy"

# tolerance N W: the bound, in points, of a share designed at W % measured
# over N samples: 5, or 4 standard deviations of a binomial share if wider
# (a machine busy with other work gives each process fewer samples)
tolerance()
{
	awk -v n="$1" -v w="$2" 'BEGIN { p = w / 100; t = 400 * sqrt(p * (1 - p) / n)
					 printf "%.1f", (t > 5 ? t : 5) }'
}

# splits NAME FOLDED WA WB WC: the shares of the three chains in FOLDED
splits()
{
	local name=$1 f=$2 n chain want re tol

	n=$(total "$f")
	assert_ge "$name: samples" "$n" 100
	for chain in a:$3 b:$4 c:$5; do
		want=${chain#*:}
		re=${chain%:*}_re
		tol=$(tolerance "$n" "$want")
		assert_between "$name: share of chain ${chain%:*} ($want +-$tol)" \
			"$(share "$f" "${!re}")" "$(awk -v w="$want" -v t="$tol" 'BEGIN { print w - t }')" \
			"$(awk -v w="$want" -v t="$tol" 'BEGIN { print w + t }')"
	done
	assert_ge "$name: % of samples under main" "$(share "$f" "$(frame_re main)")" 95
}

# --- every process, one born and gone during the recording
note "cprof record -a -F 999 -d 6 (in the background)"
"$CPROF" record -a -F 999 -d 6 -o "$T/all.data" >"$T/all.out" 2>"$T/all.err" &
rec=$!
BG_PIDS="$BG_PIDS $rec"
# the data file is put in place once the events are open
wait_for 10 test -e "$T/all.data" || fail "record -a did not start within 10 s" "$(cat "$T/all.err")"
"$T/$LATE" 1 || fail "$LATE failed"
kill -0 "$rec" 2>/dev/null || fail "the recording ended before $LATE did: the machine is too slow"
wait "$rec"
RC=$?
expect_rc 0 all "cprof record -a"
note "record stderr: $(cat "$T/all.err")"
assert_text_contains "$T/all.err" "-a: samples of " "the summary of -a"

report_ok "$T/all.data" "$T/all.folded" --per-pid
first_frames "$T/all.folded" . >"$T/first"
note "processes sampled: $(wc -l <"$T/first"); $(head -n 20 "$T/first" | tr '\n' ' ')"
assert_text_contains "$T/first" "$NOFP-$a" "split_nofp among the processes"
assert_text_contains "$T/first" "$FP-$b" "split_fp among the processes"
assert_text_contains "$T/first" "sh-$busy" "the unrelated busy loop among the processes"
assert_text_lacks "$T/first" "cprof-$rec" "cprof does not sample itself"
if grep -E '^(swapper|kworker/|ksoftirqd/|migration/|rcu_|kthreadd)' "$T/first"; then
	fail "kernel threads sampled without -k"
fi

report_ok "$T/all.data" "$T/nofp.folded" --comm "$NOFP"
assert_eq "processes of report --comm $NOFP" "$(first_frames "$T/nofp.folded" .)" "$NOFP"
splits "split_nofp (--comm)" "$T/nofp.folded" 50 30 20
report_ok "$T/all.data" "$T/nofp.pid" --pid "$a"
assert_eq "samples of report --pid $a and --comm $NOFP" "$(total "$T/nofp.pid")" \
	"$(total "$T/nofp.folded")"
report_ok "$T/all.data" "$T/fp.folded" --comm "$FP"
splits "split_fp (--comm)" "$T/fp.folded" 20 30 50

# born after the start, gone before the end: named, its chains named too
report_ok "$T/all.data" "$T/late.folded" --comm "$LATE"
assert_eq "processes of report --comm $LATE" "$(first_frames "$T/late.folded" .)" "$LATE"
# named with its chains: a few samples suffice (a busy machine gives it fewer)
assert_ge "$LATE: samples" "$(total "$T/late.folded")" 20
for re in "$a_re" "$b_re" "$c_re"; do
	assert_contains "$T/late.folded" "$re" "$LATE: chain /$re/"
done
assert_ge "$LATE: % of samples under main" "$(share "$T/late.folded" "$(frame_re main)")" 95

# --- narrowed: one name; two processes left out
cprof_run comm record -a -F 999 -d 2 --comm "$NOFP" -o "$T/comm.data"
expect_rc 0 comm "cprof record -a --comm $NOFP"
report_ok "$T/comm.data" "$T/comm.folded" --per-pid
assert_eq "processes of record -a --comm $NOFP" "$(first_frames "$T/comm.folded" .)" \
	"$NOFP-$a"
cprof_run excl record -a -F 999 -d 2 --exclude-pid "$a,$busy" -o "$T/excl.data"
expect_rc 0 excl "cprof record -a --exclude-pid"
report_ok "$T/excl.data" "$T/excl.folded" --per-pid
first_frames "$T/excl.folded" . >"$T/excl.first"
assert_text_contains "$T/excl.first" "$FP-$b" "split_fp still sampled"
assert_text_lacks "$T/excl.first" "$NOFP-$a" "an excluded process left out"
assert_text_lacks "$T/excl.first" "sh-$busy" "the other excluded process left out"

# --- the unwinding budget: 3 busy processes (and others) through 2
cprof_run budget record -a -F 999 -d 4 --max-processes 2 -o "$T/budget.data"
expect_rc 0 budget "cprof record -a --max-processes 2"
note "record stderr: $(cat "$T/budget.err")"
assert_text_contains "$T/budget.err" "dropped past --max-processes 2" "the summary counts the dropped state"
# ... and so does report --stats, from the FINISH record
cprof_run bstats report -i "$T/budget.data" --stats -o "$T/bstats.folded"
expect_rc 0 bstats "cprof report --stats"
note "report --stats: $(grep '^# -a' "$T/bstats.err" | tr '\n' '|')"
dropped=$(sed -n 's/^# -a: unwinding state of \([0-9]*\) processes dropped past --max-processes 2,.*/\1/p' \
	"$T/bstats.err")
assert_ge "unwinding states dropped (report --stats)" "${dropped:-0}" 1
kept=$(sed -n 's/^# -a: samples of \([0-9]*\) processes recorded; \([0-9]*\) samples not .*/\1 \2/p' \
	"$T/bstats.err")
assert_ge "processes with samples (report --stats)" "${kept% *}" 3
assert_ge "samples not recorded, cprof's own at least (report --stats)" "${kept#* }" 1
report_ok "$T/budget.data" "$T/budget.nofp" --comm "$NOFP"
splits "split_nofp (--max-processes 2)" "$T/budget.nofp" 50 30 20
report_ok "$T/budget.data" "$T/budget.fp" --comm "$FP"
splits "split_fp (--max-processes 2)" "$T/budget.fp" 20 30 50

# --- top: the same sampling, live (batch mode)
cprof_run top top --all-cpus --comm "$NOFP" -F 999 -d 3 --limit 0
expect_rc 0 top "cprof top --all-cpus --comm $NOFP"
assert_top_leaves "$T/top.out" 90
pass
