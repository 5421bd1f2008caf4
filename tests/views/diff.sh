#!/bin/bash
# diff.sh - cprof diff on split_nofp recorded twice as built (50/30/20) and
# once with SPLIT_UNITS=3,3,4 (30/30/40: 20 % of the time moved from chain a
# to chain c):
#   folded: "stack before after", each column equal to the folded report of
#   its input; chain a shrank, chain c grew; flamegraph.pl draws it (if
#   installed);
#   the same diff from the data files, their folded reports and their pprof
#   files (any mix) is the same;
#   svg: xmllint accepts it, split_a_leaf is blue and split_c_leaf red, it
#   opens in headless Chromium without script errors, hover shows both
#   shares and the change, search works;
#   top --shares (the runs last a fixed time, not a fixed work):
#   split_a_leaf, split_b_leaf, split_c_leaf self deltas -20/0/+20
#   within 3 points, a and c marked beyond the noise (*); each column
#   labelled (self-d and its +-, total-d and its +-);
#   gate (--shares: the runs last a fixed time, so their CPU time is the
#   machine's load): --fail-above 5 exits 5 naming split_c_leaf on the
#   shifted pair, 0 on the two recordings as built, 0 with --function matching no grower;
#   bad inputs (garbage, a folded line without count, a truncated pprof
#   file) make one line on stderr and exit 3.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
: "${BROWSER_DIR:?set BROWSER_DIR to tests/browser}"
: "${ARTIFACT_DIR:?set ARTIFACT_DIR to where screenshots go}"
command -v xmllint >/dev/null || fail "xmllint not found (apt-get install libxml2-utils)"
require_workload split_nofp
require_perf

record_ok -F 999 -o "$T/b1.data" -- "$WORKDIR/split_nofp" 2
record_ok -F 999 -o "$T/b2.data" -- "$WORKDIR/split_nofp" 2
SPLIT_UNITS=3,3,4 record_ok -F 999 -o "$T/a.data" -- "$WORKDIR/split_nofp" 2
report_ok "$T/b1.data" "$T/b1.folded"
report_ok "$T/a.data" "$T/a.folded"
report_ok "$T/a.data" "$T/a.pb.gz" -f pprof

# -- folded: both columns, each its input's counts
check_exit fold 0 "" diff "$T/b1.data" "$T/a.data"
cp "$T/fold.out" "$T/diff.folded"
FOLDED=$T/diff.folded
bad=$(awk 'NF < 3 || $(NF - 1) !~ /^[0-9]+$/ || $NF !~ /^[0-9]+$/' "$T/diff.folded")
[ -z "$bad" ] || fail "lines of the folded diff not 'stack before after'" "$bad"
awk '$(NF - 1) > 0 { c = $(NF - 1); NF -= 2; print $0 " " c }' "$T/diff.folded" >"$T/col-b"
awk '$NF > 0 { c = $NF; NF -= 2; print $0 " " c }' "$T/diff.folded" >"$T/col-a"
cmp -s "$T/col-b" "$T/b1.folded" ||
	fail "before column differs from the folded report of BEFORE" "$(diff "$T/col-b" "$T/b1.folded" | head)"
cmp -s "$T/col-a" "$T/a.folded" ||
	fail "after column differs from the folded report of AFTER" "$(diff "$T/col-a" "$T/a.folded" | head)"
# the moved stacks, by sign of the change of share (counts depend on the CPU the run got)
for leaf in split_a_leaf split_c_leaf; do
	read -r b a < <(awk -v l="$leaf" '{ tb += $(NF - 1); ta += $NF }
					  $(NF - 2) ~ ";" l "$" { b += $(NF - 1); a += $NF }
					  END { printf "%.1f %.1f\n", 100 * b / tb, 100 * a / ta }' "$T/diff.folded")
	note "$leaf: before $b %, after $a % of the samples"
	if [ "$leaf" = split_a_leaf ]; then
		assert_lt "after share of $leaf (shrank)" "$a" "$b"
	else
		assert_lt "before share of $leaf (grew)" "$b" "$a"
	fi
done
if command -v flamegraph.pl >/dev/null; then
	flamegraph.pl "$T/diff.folded" >"$T/fg.svg" || fail "flamegraph.pl rejects the folded diff"
	xmllint --noout "$T/fg.svg" || fail "flamegraph.pl's drawing of the diff is not XML"
	note "ok: flamegraph.pl draws the folded diff"
else
	note "flamegraph.pl not installed: not tried"
fi

# -- the kind of an input is read from its content: every mix gives the same diff
cp "$T/b1.folded" "$T/b1.anything"
for pair in "b1.folded a.data" "b1.anything a.pb.gz" "b1.data a.pb.gz"; do
	set -- $pair
	check_exit mix 0 "" diff "$T/$1" "$T/$2"
	cmp -s "$T/mix.out" "$T/diff.folded" ||
		fail "diff $1 $2 differs from the diff of the data files" "$(diff "$T/mix.out" "$T/diff.folded" | head)"
done
note "ok: data file, folded and pprof inputs give the same diff"

# -- top: the designed shift, beyond the noise
check_exit top 0 "" diff -f top --shares --limit 0 "$T/b1.data" "$T/a.data"
assert_eq "the top table's columns" "$(sed -n 3p "$T/top.out" | awk '{ NF = 9; print }')" \
	"self-b self-a self-d +- total-b total-a total-d +- function"
assert_text_contains <(head -n 1 "$T/top.out") "% of each side's samples (--shares)" "the table says what it compares"
delta()
{
	awk -v f="$1" 'NR > 3 && $9 == f { print $3 }' "$T/top.out"
}
for want in "split_a_leaf -20" "split_b_leaf 0" "split_c_leaf 20"; do
	set -- $want
	d=$(delta "$1")
	[ -n "$d" ] || fail "$1 missing from the top table" "$(head -n 12 "$T/top.out")"
	note "$1: self delta $d (designed $2)"
	assert_between "self delta of $1 (points)" "${d%\*}" $(($2 - 3)) $(($2 + 3))
	if [ "$2" != 0 ]; then
		case $d in *\*) ;; *) fail "$1's change of $d points not marked beyond the noise" ;; esac
	fi
done
check_exit top2 0 "" diff -f top "$T/b1.folded" "$T/a.pb.gz"
# the same counts, the same shares; the noise differs (no timestamps in folded text)
assert_eq "top deltas of the folded/pprof pair" \
	"$(awk 'NR > 3 { print $3, $7, $9 }' "$T/top2.out" | tr -d '*' | sort)" \
	"$(awk 'NR > 3 { print $3, $7, $9 }' "$T/top.out" | head -n 25 | tr -d '*' | sort)"

# -- svg: red and blue, well-formed, alive in Chromium
check_exit svg 0 "" diff -o "$T/diff.svg" "$T/b1.data" "$T/a.data"
xmllint --noout "$T/diff.svg" 2>"$T/xmllint.err" ||
	fail "xmllint rejects the differential SVG" "$(head -c 1000 "$T/xmllint.err")"
fill()
{
	awk -v n="$1" '/<g><title>/ { name = $0; sub(/.*<g><title>/, "", name) }
		       /<rect / && name == n { sub(/.* fill="#/, ""); print substr($0, 1, 6); exit }' "$2"
}
rgb()
{
	printf '%d %d %d\n' "0x${1:0:2}" "0x${1:2:2}" "0x${1:4:2}"
}
read -r r g b < <(rgb "$(fill split_a_leaf "$T/diff.svg")")
note "split_a_leaf fill: $r $g $b"
assert_lt "split_a_leaf (shrank): red below blue" "$r" "$b"
read -r r g b < <(rgb "$(fill split_c_leaf "$T/diff.svg")")
note "split_c_leaf fill: $r $g $b"
assert_lt "split_c_leaf (grew): blue below red" "$b" "$r"
check_exit neg 0 "" diff -f svg --negate "$T/b1.data" "$T/a.data"
xmllint --noout "$T/neg.out" || fail "xmllint rejects the --negate SVG"
read -r r g b < <(rgb "$(fill split_c_leaf "$T/neg.out")")
assert_lt "--negate: split_c_leaf still red (colours say the change)" "$b" "$r"

if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
	mkdir -p "$ARTIFACT_DIR"
	NODE_PATH=$BROWSER_DIR/node_modules timeout -k 5 60 node "$(dirname "$0")/diff.js" \
		"$T/diff.svg" "$ARTIFACT_DIR/diff-flamegraph.png" split_c_leaf split_c >"$T/browser.json" \
		2>"$T/browser.err" || fail "diff.js failed" "$(head -c 2000 "$T/browser.err")"
	note "browser: $(cat "$T/browser.json")"
	field()
	{
		node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1]));
			 console.log(String(o[process.argv[2]]))' "$T/browser.json" "$1"
	}
	assert_eq "page errors" "$(field errors)" ""
	assert_text_contains <(field hover) "before" "hover shows BEFORE's share"
	assert_text_contains <(field hover) "after" "hover shows AFTER's share"
	assert_text_contains <(field hover) " pp" "hover shows the change in points"
	assert_text_contains <(field search) "Matched" "search in the differential flame graph"
	assert_eq "fill restored after Reset Search" "$(field fill_after_reset)" "$(field fill)"
else
	fail "chromium or playwright-core missing (apt-get install chromium; cd tests/browser && npm ci)"
fi

# -- the gate
check_exit gate 5 "split_c_leaf" diff --shares --fail-above 5 "$T/b1.data" "$T/a.data"
assert_eq "gate output on stdout without -f" "$(cat "$T/gate.out")" ""
! grep -q split_a_leaf "$T/gate.err" || fail "the gate names split_a_leaf, which shrank" "$(cat "$T/gate.err")"
check_exit same 0 "gate passed" diff --shares --fail-above 5 "$T/b1.data" "$T/b2.data"
check_exit only 0 "gate passed" diff --shares --fail-above 5 --function '^split_b' "$T/b1.data" "$T/a.data"
check_exit top_gate 5 "split_c_leaf" diff -f top --shares --fail-above 5 "$T/b1.data" "$T/a.data"
[ -s "$T/top_gate.out" ] || fail "-f top with --fail-above wrote no table"

# -- bad input: one line, exit 3
head -c 4096 /dev/urandom >"$T/garbage"
printf 'comm;main;work 12\ncomm;main;idle\n' >"$T/nocount.folded"
head -c "$(($(wc -c <"$T/a.pb.gz") / 2))" "$T/a.pb.gz" >"$T/trunc.pb.gz"
for bad in "garbage:line" "nocount.folded:line 2" "trunc.pb.gz:pprof"; do
	check_exit bad 3 "${bad#*:}" diff "$T/${bad%%:*}" "$T/a.data"
	assert_eq "lines on stderr for ${bad%%:*}" "$(wc -l <"$T/bad.err")" 1
done
check_exit usage 2 "" diff "$T/a.data"
check_exit usage 2 "" diff --fail-above x "$T/a.data" "$T/a.data"
pass
