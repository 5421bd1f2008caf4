#!/bin/bash
# The top table (report --format top) against the folded output of the same
# recording: every function's self share equals the share of folded stacks
# ending in it, its total share the share of stacks holding it (recursion
# counted once), the sort orders hold, and on a terminal every line fits
# its width with long names cut by an ellipsis, never in a file.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
require_workload split_nofp
require_perf

record_ok -F 999 -o "$T/data" -- "$WORKDIR/split_nofp" 2
report_ok "$T/data" "$T/folded"
report_ok "$T/data" "$T/top" --format top --limit 0
FOLDED=$T/top

# leaf and total shares per function from the folded file (frame 1 is the comm)
awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); t += n
       if (k > 1) self[f[k]] += n
       delete seen
       for (i = 2; i <= k; i++) if (!(f[i] in seen)) { seen[f[i]] = 1; tot[f[i]] += n } }
     END { for (x in tot) printf "%s\t%.4f\t%.4f\n", x, 100 * self[x] / t, 100 * tot[x] / t }' \
	"$T/folded" | sort >"$T/want"
# rows of the table: "%self %total samples function module"
awk 'NR > 2 { self = $1; total = $2; sub(/%/, "", self); sub(/%/, "", total)
	      name = substr($0, 29, 36); sub(/ +$/, "", name)
	      printf "%s\t%s\t%s\n", name, self, total }' "$T/top" | sort >"$T/got"
[ "$(wc -l <"$T/got")" -ge 8 ] || fail "top table has $(wc -l <"$T/got") rows, expected every function"
join -t "$(printf '\t')" "$T/want" "$T/got" >"$T/joined"
[ "$(wc -l <"$T/joined")" = "$(wc -l <"$T/got")" ] ||
	fail "functions of the top table missing from the folded output" "$(cut -f1 "$T/got" | head)"
bad=$(awk -F'\t' '{ if ($2 - $4 > 0.006 || $4 - $2 > 0.006 || $3 - $5 > 0.006 || $5 - $3 > 0.006) print }' "$T/joined")
[ -z "$bad" ] || fail "self/total shares differ from the folded output (name want-self want-total got-self got-total)" "$bad"
for f in split_a_leaf split_b_leaf split_c_leaf main; do
	grep -q "^$f	" "$T/joined" || fail "$f missing from the top table"
done
note "self shares: $(grep '_leaf' "$T/joined" | cut -f1,4 | tr '\n\t' '  ')"

# sorted by self, then by total with --sort total: main and its callers
# first, at >= 99 % (a launched program spends a few samples in the loader
# before main and in the C runtime's start and exit code around it; every
# stack without main is under the loader or _start)
awk 'NR > 2 { v = $1; sub(/%/, "", v); if (NR > 3 && v + 0 > prev + 0) { print "unsorted at " NR; exit 1 } prev = v }' \
	"$T/top" || fail "top table not sorted by self"
report_ok "$T/data" "$T/top-total" -f top --sort total --limit 5
awk 'NR == 3 { v = $2; sub(/%/, "", v); exit !(v + 0 >= 99) }' "$T/top-total" ||
	fail "first total share with --sort total below 99 %" "$(sed -n 3p "$T/top-total")"
awk 'NR > 2 && $4 == "main" { v = $2; sub(/%/, "", v); found = v + 0 >= 99 } END { exit !found }' \
	"$T/top-total" || fail "main not in the first rows with --sort total at >= 99 %" "$(cat "$T/top-total")"
# (a sample taken as the program is exec'd may name nothing: at most 0.5 %)
stray=$(grep -v -E ';main(;| )' "$T/folded" | grep -v -e ';\[ld-linux' -e ';_dl_' -e '^[^;]*;_start;' || true)
[ -z "$stray" ] || note "stacks neither under main nor under the loader or _start:" $stray
assert_between "% of samples neither under main nor under the loader or _start" \
	"$(printf '%s\n' "$stray" | awk -v t="$(total "$T/folded")" 'NF { n += $NF } END { printf "%.2f", 100 * n / t }')" 0 0.5
assert_eq "rows with --limit 5" "$(awk 'NR > 2' "$T/top-total" | wc -l)" 5
grep -q '^# [0-9]* samples in [0-9.]* s at 999 Hz, 1 thread, [0-9]* lost' "$T/top" ||
	fail "header line: $(head -1 "$T/top")"

# recursion counted once: the recursive function's total share <= 100 %
require_workload recurse_nofp
record_ok -F 999 -o "$T/rec" -- "$WORKDIR/recurse_nofp" 1
report_ok "$T/rec" "$T/rec-top" -f top --sort total --limit 0
over=$(awk 'NR > 2 { v = $2; sub(/%/, "", v); if (v + 0 > 100.0001) print }' "$T/rec-top")
[ -z "$over" ] || fail "total share over 100 % (recursion counted more than once)" "$over"

# a terminal of 60 columns: every line fits; long names are cut with an ellipsis
# (--lang all: the corpus has JIT frames, whose top table is theirs by default)
corpus=$(dirname "$0")/../fuzz/corpus/seed-synthetic-full
script -qec "stty cols 60; '$CPROF' report -i '$corpus' -f top --lang all --limit 0 2>/dev/null" /dev/null |
	tr -d '\r' >"$T/tty"
wide=$(awk '{ s = $0; gsub(/[\200-\277]/, "", s); if (length(s) > 60) print }' "$T/tty")
[ -z "$wide" ] || fail "lines wider than 60 columns on a terminal" "$wide"
grep -q '…' "$T/tty" || fail "no name cut with an ellipsis on a 60-column terminal"
"$CPROF" report -i "$corpus" -f top --lang all --limit 0 >"$T/file" 2>/dev/null
grep -q '…' "$T/file" && fail "names cut in a file"
grep -q 'entry_SYSCALL_64_after_hwframe  ' "$T/file" ||
	fail "long name not whole in a file"
pass
