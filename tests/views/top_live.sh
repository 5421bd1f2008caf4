#!/bin/bash
# cprof top: the live view under tmux (a fixed-size pane, keys sent with
# send-keys, the screen read with capture-pane) and batch mode without a
# terminal, on the 50/30/20 workload. Shares, not counts: the machine may
# be busy. Each key's effect is waited for on the screen (with a deadline).
# The screen ends by itself after -d; once its target has exited it stays,
# says so, and is idle until q.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
require_workload split_nofp
require_perf
command -v tmux >/dev/null || skip "tmux is not installed"

SOCK=cprof-top-$$
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -t "${2:-top}" >"$T/screen.$1"; cat "$T/screen.$1"; }
# screen_until NAME SECONDS CMD...: capture the screen as NAME until CMD
# (run with the capture's path last) succeeds; 1 if it never does.
screen_until()
{
	local name=$1 secs=$2

	shift 2
	_capture_check() { screen "$name" >/dev/null && "$@" "$T/screen.$name"; }
	wait_for "$secs" _capture_check "$@"
}
# the three leaves' self shares within 5 points of 50/30/20 on screen FILE
split_on() {
	awk '$3 ~ /^split_[abc]_leaf$/ { v = $1; sub(/%/, "", v); w[$3] = v }
	     END { exit !(w["split_a_leaf"] != "" && w["split_b_leaf"] != "" && w["split_c_leaf"] != "" &&
			  w["split_a_leaf"] >= 45 && w["split_a_leaf"] <= 55 &&
			  w["split_b_leaf"] >= 25 && w["split_b_leaf"] <= 35 &&
			  w["split_c_leaf"] >= 15 && w["split_c_leaf"] <= 25) }' "$1"
}
# the %self (or %total, COL 2) of FUNCTION on the screen named NAME
share_on() { awk -v f="$2" -v c="${3:-1}" '$3 == f { v = $c; sub(/%/, "", v); print v; exit }' "$T/screen.$1"; }
trap 'tm kill-server 2>/dev/null; _lib_cleanup' EXIT

tm new-session -d -x 110 -y 30 -s top \
	"'$CPROF' top -F 999 -k --decay 5 -- '$WORKDIR/split_nofp' 60 2>'$T/top.err'; echo \$? >'$T/rc'; sleep 60"
screen_until first 20 split_on ||
	note "the split did not settle within 20 s (a busy machine?): checking the last screen"
for f in split_a_leaf:50 split_b_leaf:30 split_c_leaf:20; do
	v=$(share_on first "${f%:*}")
	[ -n "$v" ] || fail "${f%:*} not on the screen" "$(cat "$T/screen.first")"
	assert_between "self share of ${f%:*} on the screen" "$v" $((${f#*:} - 5)) $((${f#*:} + 5))
done
grep -q '^cprof top  999 Hz .* samples/s .* threads .* lost .*cprof CPU' "$T/screen.first" ||
	fail "header line" "$(head -2 "$T/screen.first")"

# s: sorted by total, main (and its callers) at 100 %
# (>= 99 % once the loader's first samples have left the 5 s window)
tm send-keys -t top s
screen_until total 5 grep -q 'sort total' || fail "no 'sort total' after s" "$(cat "$T/screen.total")"
main_ge99() { awk '$3 == "main" { v = $2; sub(/%/, "", v); ok = v + 0 >= 99 } END { exit !ok }' "$1"; }
screen_until total 15 main_ge99 || note "main's total not at 99 % within 15 s"
assert_between "total share of main after s" "$(share_on total main 2)" 99 100
assert_between "first row's total after s" "$(awk 'NR == 4 { v = $2; sub(/%/, "", v); print v }' "$T/screen.total")" 99 100

# /: a regex keeps only the rows it matches
tm send-keys -t top / '^split_[ab]_leaf$' Enter
screen_until filter 5 grep -qF 'filter ^split_[ab]_leaf$' ||
	fail "the status line does not show the filter" "$(cat "$T/screen.filter")"
rows=$(awk 'NR > 3 && NF >= 3 { print $3 }' "$T/screen.filter" | sort | tr '\n' ' ')
assert_eq "rows under the filter ^split_[ab]_leaf\$" "$rows" "split_a_leaf split_b_leaf "
tm send-keys -t top / Enter s

# k: kernel frames (recorded with -k) shown, then hidden
screen_until kernel 5 grep -q 'sort self  kernel shown  filter - ' ||
	fail "filter and sort not back to none and self" "$(cat "$T/screen.kernel")"
grep -q 'kernel.kallsyms' "$T/screen.kernel" || note "no kernel frame on screen yet (a quiet kernel)"
tm send-keys -t top k
screen_until nokernel 5 grep -q 'kernel hidden' || fail "status line does not say kernel hidden"
grep -q 'kernel.kallsyms' "$T/screen.nokernel" && fail "kernel frames shown after k" "$(cat "$T/screen.nokernel")"

# a resize reflows the table: every line fits the new width, the rows follow the height
tm resize-window -t top -x 70 -y 16
# reflowed: at most 16 lines, none wider than 70 columns, the table drawn
fits() { awk '{ s = $0; gsub(/[\200-\277]/, "", s); if (length(s) > 70) w = 1 }
	      /split_a_leaf/ { t = 1 } END { exit !(NR <= 16 && !w && t) }' "$1"; }
screen_until small 5 fits || note "the screen was not reflowed within 5 s: checking the last one"
wide=$(awk '{ s = $0; gsub(/[\200-\277]/, "", s); if (length(s) > 70) print }' "$T/screen.small")
[ -z "$wide" ] || fail "lines wider than 70 columns after the resize" "$wide"
[ "$(wc -l <"$T/screen.small")" -le 16 ] || fail "more lines than the pane has"
grep -q 'split_a_leaf' "$T/screen.small" || fail "table gone after the resize" "$(cat "$T/screen.small")"
pane_w=$(awk 'NR == 4 { print length($0) }' "$T/screen.first")
small_w=$(awk 'NR == 4 { print length($0) }' "$T/screen.small")
[ "$small_w" -lt "$pane_w" ] || fail "rows not reflowed: $small_w columns, $pane_w before"

# q: cprof exits 0 and the launched workload is gone
# the workload this cprof launched: the child of the pane's cprof, not another test's
wl=$(pgrep -x split_nofp -P "$(pgrep -x cprof -P "$(tm display -p -t top '#{pane_pid}')" | head -1)" | head -1)
[ -n "$wl" ] || fail "no launched split_nofp found under the pane's cprof top"
tm send-keys -t top q
for _ in $(seq 50); do [ -s "$T/rc" ] && break; sleep 0.2; done
assert_eq "exit code after q" "$(cat "$T/rc" 2>/dev/null)" 0
[ -n "$wl" ] && kill -0 "$wl" 2>/dev/null && fail "the launched workload $wl outlived cprof top"

# -d ends the full-screen view by itself, exit code 0, the workload gone
tm new-session -d -x 110 -y 30 -s dur \
	"'$CPROF' top -F 99 -d 2 -- '$WORKDIR/split_nofp' 60 2>'$T/dur.err'; echo \$? >'$T/rc.dur'; sleep 60"
wait_for 20 test -s "$T/rc.dur" || fail "cprof top -d 2 still runs 20 s later" "$(screen dur dur)"
assert_eq "exit code of the full-screen top after -d 2" "$(cat "$T/rc.dur")" 0

# a target that exits: the last counts stay, marked, at no CPU, until q
tm new-session -d -x 110 -y 30 -s gone \
	"'$CPROF' top -F 99 -- '$WORKDIR/split_nofp' 1 2>'$T/gone.err'; echo \$? >'$T/rc.gone'; sleep 60"
screen_until gone 20 grep -q '(target exited)' || fail "no '(target exited)' after the target exited" \
	"$(cat "$T/screen.gone")"
grep -q 'split_a_leaf' "$T/screen.gone" || fail "the table is gone once the target exited" \
	"$(cat "$T/screen.gone")"
top_pid=$(pgrep -x cprof -P "$(tm display -p -t gone '#{pane_pid}')" | head -1)
[ -n "$top_pid" ] || fail "no cprof top under the pane"
wait_quiet "$top_pid" 20 || fail "cprof top still busy 20 s after its target exited"
assert_between "% of polls with a thread of cprof top runnable after its target exited" \
	"$(busy_share "$top_pid" 2)" 0 30
tm send-keys -t gone q
wait_for 10 test -s "$T/rc.gone" || fail "q did not end cprof top after its target exited"
assert_eq "exit code after q (target exited)" "$(cat "$T/rc.gone")" 0

# batch mode (no terminal): tables whose shares agree with record/report
cprof_run batch top -F 999 -d 3 --limit 0 -o "$T/data" -- "$WORKDIR/split_nofp" 3
expect_rc 0 batch "cprof top in batch mode"
[ "$(grep -c '^# [0-9]* samples in' "$T/batch.out")" -ge 2 ] ||
	fail "expected a table per interval" "$(head -c 800 "$T/batch.out")"
report_ok "$T/data" "$T/folded"
# the last table of the run, against the data file it kept
awk '/^# [0-9]+ samples in/ { n++ } { t[n] = t[n] $0 "\n" } END { printf "%s", t[n] }' \
	"$T/batch.out" >"$T/last"
for f in split_a_leaf split_b_leaf split_c_leaf; do
	got=$(awk -v f="$f" '$4 == f { v = $1; sub(/%/, "", v); print v }' "$T/last")
	want=$(share "$T/folded" ";$f\$")
	[ -n "$got" ] || fail "$f missing from the batch table" "$(cat "$T/last")"
	assert_between "$f: batch share $got vs report $want" "$got" \
		"$(awk -v w="$want" 'BEGIN { print w - 5 }')" "$(awk -v w="$want" 'BEGIN { print w + 5 }')"
done
pass
