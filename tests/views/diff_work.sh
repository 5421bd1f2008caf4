#!/bin/bash
# diff_work.sh - cprof diff's verdict on a fixed-work workload (work_nofp:
# three functions over one shared leaf, work_spin, which holds nearly all
# the self time). BEFORE is "work 400 5 3 2 5 3 0"; the gate is
# --fail-above 5 (points of BEFORE's whole cost):
#   the same build twice: exit 0;
#   work_alpha 5x faster, the same work: exit 0 (its shrinking raises every
#   other function's share, not its cost);
#   work_gamma 2x slower, all of it behind the shared leaf: exit 5 (the
#   gate's code), naming work_gamma's total, not work_alpha nor work_beta;
#   twice the work at the faster build with --per 400,800: exit 0; without
#   --per: exit 5, and the output says the runs were taken to have done the
#   same work; --fail-above-pct 10 fails when work_alpha comes back (8 to
#   18 units a round), passes on the faster build;
#   every unit 1.5x slower (WORK_UNIT_STEPS), the same build: no one
#   function regressed, its share of the run did not grow: --fail-above 5
#   passes (as when the machine's load slows a run), --fail-above-pct 10
#   fails;
#   folded inputs: shares, and the output says so;
#   work_alpha present before and gone after: drawn in the differential SVG
#   (blue, as wide as its BEFORE cost), and in headless Chromium hovering it
#   shows its BEFORE cost; the top table lists it with -d;
#   Go's .abi0 suffix: "f.abi0" in one input matches "f" in the other.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
: "${BROWSER_DIR:?set BROWSER_DIR to tests/browser}"
: "${ARTIFACT_DIR:?set ARTIFACT_DIR to where screenshots go}"
command -v xmllint >/dev/null || fail "xmllint not found (apt-get install libxml2-utils)"
require_workload work_nofp
require_perf

W=$WORKDIR/work_nofp
rec()
{
	local name=$1

	shift
	record_ok -F 999 -o "$T/$name.data" -- "$W" "$@"
}
rec b1 400 5 3 2 5 3 0
rec b2 400 5 3 2 5 3 0
rec fast 400 1 3 2 1 3 0
rec slow 400 5 3 4 5 3 0
rec twice 800 1 3 2 1 3 0
rec gone 400 0 3 2 0 3 0
WORK_UNIT_STEPS=300000 rec uniform 400 5 3 2 5 3 0

check_exit same 0 "gate passed" diff --fail-above 5 "$T/b1.data" "$T/b2.data"
assert_text_contains "$T/same.err" "taken to have done the same work" "the output says the work is assumed equal"
check_exit fast 0 "gate passed" diff --fail-above 5 "$T/b1.data" "$T/fast.data"
check_exit slow 5 "regression: work_gamma: total grew" diff --fail-above 5 "$T/b1.data" "$T/slow.data"
assert_text_lacks "$T/slow.err" "work_alpha" "the gate does not name work_alpha"
assert_text_lacks "$T/slow.err" "work_beta" "the gate does not name work_beta"
check_exit per 0 "gate passed" diff --per 400,800 --fail-above 5 "$T/b1.data" "$T/twice.data"
assert_text_contains "$T/per.err" "per unit of work" "the output says costs are per unit of work"
check_exit noper 5 "work_beta" diff --fail-above 5 "$T/b1.data" "$T/twice.data"
check_exit pct 5 "the whole program" diff --fail-above-pct 10 "$T/gone.data" "$T/b1.data"
check_exit pct_fast 0 "gate passed" diff --fail-above-pct 10 "$T/b1.data" "$T/fast.data"
check_exit uniform 0 "gate passed" diff --fail-above 5 "$T/b1.data" "$T/uniform.data"
check_exit uniform_pct 5 "the whole program" diff --fail-above-pct 10 "$T/b1.data" "$T/uniform.data"

# folded inputs carry no time: shares, said so
report_ok "$T/b1.data" "$T/b1.folded"
report_ok "$T/slow.data" "$T/slow.folded"
check_exit folded 0 "" diff --fail-above 50 "$T/b1.folded" "$T/slow.folded"
assert_text_contains "$T/folded.err" "shares of each side's samples" "folded inputs: the gate says it compares shares"

# usage
check_exit usage 2 "--per" diff --per 0,5 "$T/b1.data" "$T/b2.data"
check_exit usage 2 "--per" diff --per 5 "$T/b1.data" "$T/b2.data"

# what went away: work_alpha in the differential flame graph
check_exit svg 0 "" diff -o "$T/gone.svg" "$T/b1.data" "$T/gone.data"
xmllint --noout "$T/gone.svg" || fail "xmllint rejects the differential SVG"
read -r width fill < <(awk '/<g><title>work_alpha$/ { on = 1; next }
	on && /<rect / { w = $0; sub(/.* width="/, "", w); sub(/".*/, "", w)
			 f = $0; sub(/.* fill="#/, "", f); print w, substr(f, 1, 6); exit }' "$T/gone.svg")
[ -n "$width" ] || fail "work_alpha, gone after, is not drawn in the differential SVG"
note "work_alpha: $width px wide, fill #$fill"
# it held about half of BEFORE's cost (10 of 18 units): well over 300 of 1180 pixels
assert_ge "work_alpha's width (px)" "${width%.*}" 300
r=$((16#${fill:0:2})) b=$((16#${fill:4:2}))
assert_lt "work_alpha (went away): red below blue" "$r" "$b"
check_exit top 0 "" diff -f top --limit 0 "$T/b1.data" "$T/gone.data"
row=$(awk 'NR > 3 && $9 == "work_alpha"' "$T/top.out")
[ -n "$row" ] || fail "work_alpha missing from the top table" "$(head "$T/top.out")"
case $(echo "$row" | awk '{ print $7 }') in -*\*) ;; *) fail "work_alpha's total change not a marked drop" "$row" ;; esac

if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
	mkdir -p "$ARTIFACT_DIR"
	NODE_PATH=$BROWSER_DIR/node_modules timeout -k 5 60 node "$(dirname "$0")/diff.js" \
		"$T/gone.svg" "$ARTIFACT_DIR/diff-gone.png" work_alpha work_ >"$T/browser.json" \
		2>"$T/browser.err" || fail "diff.js failed" "$(head -c 2000 "$T/browser.err")"
	note "browser: $(cat "$T/browser.json")"
	hover=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).hover)' \
		"$T/browser.json")
	echo "$hover" | grep -Eq 'before [1-9][0-9]*\.[0-9]+ ms' ||
		fail "hovering work_alpha does not show its BEFORE cost" "$hover"
	echo "$hover" | grep -q 'after 0.000 ms' || fail "hovering work_alpha does not show AFTER's 0" "$hover"
	note "ok: hover shows work_alpha's BEFORE cost: $hover"
else
	fail "chromium or playwright-core missing (apt-get install chromium; cd tests/browser && npm ci)"
fi

# Go's own pprof drops .abi0; cprof's names keep it: one function
printf 'p;main;runtime.madvise.abi0 100\np;main;work 100\n' >"$T/go.folded"
printf 'p;main;runtime.madvise 100\np;main;work 100\n' >"$T/cprof.folded"
check_exit abi 0 "" diff -f top "$T/go.folded" "$T/cprof.folded"
assert_text_lacks "$T/abi.out" "abi0" "the .abi0 suffix is not a function of its own"
assert_eq "runtime.madvise's self change" "$(awk 'NR > 3 && $9 == "runtime.madvise" { print $3 }' "$T/abi.out")" "+0.00"
pass
