#!/bin/bash
# cprof top: the live view under tmux (a fixed-size pane, keys sent with
# send-keys, the screen read with capture-pane) and batch mode without a
# terminal, on the 50/30/20 workload. Shares, not counts: the machine may
# be busy.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
require_workload split_nofp
require_perf
command -v tmux >/dev/null || skip "tmux is not installed"

SOCK=cprof-top-$$
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -t top >"$T/screen.$1"; cat "$T/screen.$1"; }
# the %self (or %total, COL 2) of FUNCTION on the screen named NAME
share_on() { awk -v f="$2" -v c="${3:-1}" '$3 == f { v = $c; sub(/%/, "", v); print v; exit }' "$T/screen.$1"; }
trap 'tm kill-server 2>/dev/null; _lib_cleanup' EXIT

tm new-session -d -x 110 -y 30 -s top \
	"'$CPROF' top -F 999 -k --decay 5 -- '$WORKDIR/split_nofp' 60 2>'$T/top.err'; echo \$? >'$T/rc'; sleep 60"
sleep 4
screen first >/dev/null
for f in split_a_leaf:50 split_b_leaf:30 split_c_leaf:20; do
	v=$(share_on first "${f%:*}")
	[ -n "$v" ] || fail "${f%:*} not on the screen" "$(cat "$T/screen.first")"
	assert_between "self share of ${f%:*} on the screen" "$v" $((${f#*:} - 5)) $((${f#*:} + 5))
done
grep -q '^cprof top  999 Hz .* samples/s .* threads .* lost .*cprof CPU' "$T/screen.first" ||
	fail "header line" "$(head -2 "$T/screen.first")"

# s: sorted by total, main (and its callers) at 100 %
tm send-keys -t top s
sleep 1.5
screen total >/dev/null
assert_eq "total share of main after s" "$(share_on total main 2)" "100.00"
assert_eq "first row's total after s" "$(awk 'NR == 4 { print $2 }' "$T/screen.total")" "100.00%"

# /: a regex keeps only the rows it matches
tm send-keys -t top / '^split_[ab]_leaf$' Enter
sleep 1.5
screen filter >/dev/null
rows=$(awk 'NR > 3 && NF >= 3 { print $3 }' "$T/screen.filter" | sort | tr '\n' ' ')
assert_eq "rows under the filter ^split_[ab]_leaf\$" "$rows" "split_a_leaf split_b_leaf "
tm send-keys -t top / Enter s
sleep 1.5

# k: kernel frames (recorded with -k) shown, then hidden
screen kernel >/dev/null
grep -q 'kernel.kallsyms' "$T/screen.kernel" || note "no kernel frame on screen yet (a quiet kernel)"
tm send-keys -t top k
sleep 1.5
screen nokernel >/dev/null
grep -q 'kernel.kallsyms' "$T/screen.nokernel" && fail "kernel frames shown after k" "$(cat "$T/screen.nokernel")"
grep -q 'kernel hidden' "$T/screen.nokernel" || fail "status line does not say kernel hidden"

# a resize reflows the table: every line fits the new width, the rows follow the height
tm resize-window -t top -x 70 -y 16
sleep 2
screen small >/dev/null
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
