#!/bin/bash
# flamegraph - cprof report feeds flamegraph.pl as it is.
#
# Optional: skipped (77) unless flamegraph.pl is on PATH or in $FLAMEGRAPH_DIR.
#   cprof record -g fp -F 999 -- split_fp 1; cprof report | flamegraph.pl
#	-> exit 0, an SVG naming split_a_leaf, split_b_leaf and split_c_leaf.
#   If stackcollapse-perf.pl and perf are there too, perf's folded output of
#   the same workload has the same distinct chains under main as cprof's.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

fg=
if [ -n "${FLAMEGRAPH_DIR:-}" ] && [ -x "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	fg=$FLAMEGRAPH_DIR/flamegraph.pl
elif command -v flamegraph.pl >/dev/null 2>&1; then
	fg=$(command -v flamegraph.pl)
fi
[ -n "$fg" ] || skip "flamegraph.pl not found (put it on PATH or set FLAMEGRAPH_DIR)"
command -v perl >/dev/null 2>&1 || skip "perl not found"

require_workload split_fp
require_perf

record_ok -g fp -F 999 -o "$T/data" -- "$WORKDIR/split_fp" 1
report_ok "$T/data" "$T/folded"
assert_folded_shape "$T/folded"
note "$fg < folded > flame.svg"
perl "$fg" --title "cprof e2e" "$T/folded" >"$T/flame.svg" 2>"$T/flame.err" ||
	fail "flamegraph.pl failed: $(head -c 1000 "$T/flame.err")"
grep -q '<svg' "$T/flame.svg" || fail "flamegraph.pl wrote no SVG" "$(head -c 500 "$T/flame.svg")"
for f in split_a_leaf split_b_leaf split_c_leaf; do
	grep -q "$f" "$T/flame.svg" || fail "the flame graph has no $f"
done
note "ok: $(wc -c <"$T/flame.svg") bytes of SVG"
[ -s "$T/flame.err" ] && fail "flamegraph.pl complained: $(head -c 1000 "$T/flame.err")"

sc=$(dirname "$fg")/stackcollapse-perf.pl
if [ -x "$sc" ] && command -v perf >/dev/null 2>&1; then
	# Compare the chains from main down that hold >= 1% of the samples:
	# what is above main (libc start code), kernel frames and the odd
	# prologue sample may legitimately differ between the two.
	chains()
	{
		awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); t += n
		       if (sub(/.*;main;/, "main;", s)) c[s] += n }
		     END { for (s in c) if (c[s] * 100 >= t) print s }' "$1" |
			grep -E '^main(;split_[a-z_]+)+$' | LC_ALL=C sort
	}
	perf record -q -g -F 999 -o "$T/perf.data" -- "$WORKDIR/split_fp" 1 >/dev/null 2>&1 &&
		perf script -i "$T/perf.data" 2>/dev/null | perl "$sc" >"$T/perf.folded" 2>/dev/null
	if [ -s "$T/perf.folded" ]; then
		chains "$T/folded" >"$T/chains.cprof"
		chains "$T/perf.folded" >"$T/chains.perf"
		diff "$T/chains.perf" "$T/chains.cprof" >"$T/chains.diff" ||
			fail "chains under main differ from perf + stackcollapse-perf.pl (< perf, > cprof)" \
				"$(head -n 20 "$T/chains.diff")"
		note "ok: same $(wc -l <"$T/chains.cprof") chains under main as perf + stackcollapse-perf.pl"
	else
		note "perf record/script failed here; chain comparison skipped"
	fi
fi
pass
