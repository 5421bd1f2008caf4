#!/bin/bash
# svg.sh GEN_WIDE - the flame graph (cprof report -f svg), read by real clients.
#
# On one recording of split_nofp (50/30/20 over three chains), the SVG and the
# folded output of the same data file:
#   xmllint --noout accepts the SVG; every function of the folded output is
#   the name of a frame in it;
#   headless Chromium (svg.js): hovering split_a_leaf shows its share, a
#   search for split_b (Search button, then Ctrl-F) shows the share of
#   split_b frames, each within 3 points of the folded shares; clicking
#   split_b_outer zooms it to the full width and hides split_a_leaf, Reset
#   Zoom puts it back; a screenshot goes to $ARTIFACT_DIR/svg-flamegraph.png;
#   --inverted puts the root at the top, --title is the title, escaped;
#   --width sets the width.
# On a generated file (GEN_WIDE) of 150000 distinct stacks and 1000000
# samples: the default --minwidth keeps the SVG under 3 MB; on one of 5000
# distinct stacks next to a hot one, --minwidth 0 draws every leaf and the
# default does not.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

GEN_WIDE=${1:?usage: svg.sh GEN_WIDE}
# shellcheck source=tests/views/browser.sh
. "$(dirname "$0")/browser.sh"
require_svg_clients

require_workload split_nofp
require_perf

# The text of the first element whose XPath (local names) is PATH.
xpath()
{
	xmllint --xpath "string($2)" "$1" 2>/dev/null
}

record_ok -F 999 -o "$T/data" -- "$WORKDIR/split_nofp" 2
report_ok "$T/data" "$T/folded"
cprof_run svg report -i "$T/data" -o "$T/flame.svg"
expect_rc 0 svg "cprof report -o flame.svg"
xmllint --noout "$T/flame.svg" 2>"$T/xmllint.err" ||
	fail "xmllint rejects the SVG" "$(head -c 1000 "$T/xmllint.err")"
note "ok: xmllint --noout; $(wc -c <"$T/flame.svg") bytes for $(total "$T/folded") samples"

# Each frame's name is the first line of its <title>.
awk '/<g><title>/ { sub(/.*<g><title>/, ""); print }' "$T/flame.svg" |
	sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&amp;/\&/g' | sort -u >"$T/names"
tr ';' '\n' <"$T/folded" | sed 's/ [0-9]*$//' | sort -u >"$T/functions"
missing=$(comm -23 "$T/functions" "$T/names" | head -n 5)
[ -z "$missing" ] || fail "functions of the folded output missing from the SVG:" "$missing"
note "ok: all $(wc -l <"$T/functions") functions of the folded output are frames"

shot=$ARTIFACT_DIR/svg-flamegraph.png
rm -f "$shot"
NODE_PATH=$BROWSER_DIR/node_modules timeout -k 5 60 node "$(dirname "$0")/svg.js" \
	"$T/flame.svg" "$shot" split_a_leaf split_b_outer split_b >"$T/browser.json" \
	2>"$T/browser.err" || fail "svg.js failed" "$(head -c 2000 "$T/browser.err")"
note "browser: $(cat "$T/browser.json")"
field()
{
	node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1]));
		 console.log(String(o[process.argv[2]]))' "$T/browser.json" "$1"
}
percent()
{
	field "$1" | grep -oE '[0-9.]+%' | tail -n 1 | tr -d %
}
assert_eq "page errors" "$(field errors)" ""

a=$(share "$T/folded" "$(frame_re split_a_leaf)")
b=$(share "$T/folded" "split_b")
hover=$(percent hover)
assert_text_contains <(field hover) "split_a_leaf" "the hover details name the frame"
assert_text_contains <(field hover) "samples" "the hover details say the unit"
assert_between "hovered split_a_leaf % (folded: $a)" "$hover" \
	"$(awk -v a="$a" 'BEGIN { print a - 3 }')" "$(awk -v a="$a" 'BEGIN { print a + 3 }')"
for how in search ctrlf; do
	assert_between "$how split_b: matched % (folded: $b)" "$(percent $how)" \
		"$(awk -v b="$b" 'BEGIN { print b - 3 }')" "$(awk -v b="$b" 'BEGIN { print b + 3 }')"
done
assert_ge "frames highlighted by the search" "$(field highlighted)" 3
assert_eq "matched line after Reset Search" "$(field reset_search)" " "

assert_lt "split_b_outer width before the zoom" "$(field zoom_before)" "$(field full_width)"
assert_eq "split_b_outer width zoomed" "$(field zoom_after)" "$(field full_width)"
assert_eq "split_a_leaf hidden in the zoom" "$(field hover_hidden_in_zoom)" true
assert_eq "split_b_outer width after Reset Zoom" "$(field zoom_reset)" "$(field zoom_before)"
assert_eq "Reset Zoom hidden after reset" "$(field unzoom_hidden)" true
[ -s "$shot" ] || fail "no screenshot at $shot"
note "ok: screenshot $shot ($(wc -c <"$shot") bytes)"

# --inverted: the root "all" above split_a_leaf; upright: below it.
cprof_run inv report -i "$T/data" -f svg --inverted --title 'Q <&> "x" '\''y'\' -o "$T/inv.svg"
expect_rc 0 inv "cprof report --inverted --title"
xmllint --noout "$T/inv.svg" 2>"$T/xmllint.err" ||
	fail "xmllint rejects the --inverted --title SVG" "$(head -c 1000 "$T/xmllint.err")"
yfirst()
{
	# the first rect of the frames is "all"; the leaf is found by its title
	awk -v n="$2" '/<g><title>/ { name = $0; sub(/.*<g><title>/, "", name) }
		       /<rect / && name == n { sub(/.* y="/, ""); sub(/".*/, ""); print; exit }' "$1"
}
assert_lt "upright: y of split_a_leaf < y of all" "$(yfirst "$T/flame.svg" split_a_leaf)" \
	"$(yfirst "$T/flame.svg" all)"
assert_lt "inverted: y of all < y of split_a_leaf" "$(yfirst "$T/inv.svg" all)" \
	"$(yfirst "$T/inv.svg" split_a_leaf)"
assert_eq "--title" "$(xpath "$T/inv.svg" "//*[@id='title']")" "Q <&> \"x\" 'y'"
assert_eq "default title" "$(xpath "$T/flame.svg" "//*[@id='title']")" "Flame Graph"
cprof_run wide report -i "$T/data" -f svg --width 600 -o "$T/w600.svg"
expect_rc 0 wide "cprof report --width 600"
assert_eq "--width 600" "$(xpath "$T/w600.svg" "/*/@width")" 600
assert_eq "width of all at --width 600" \
	"$(awk '/<rect .*fg:x/ { sub(/.* width="/, ""); sub(/".*/, ""); print; exit }' "$T/w600.svg")" \
	580.0

# Size: 150000 one-sample stacks fanning out below a pixel, 850000 hot samples.
"$GEN_WIDE" "$T/wide.data" 150000 850000 || fail "gen_wide failed"
report_ok "$T/wide.data" "$T/wide.folded"
assert_ge "distinct stacks of the generated file" "$(wc -l <"$T/wide.folded")" 150000
cprof_run big report -i "$T/wide.data" -o "$T/wide.svg"
expect_rc 0 big "cprof report -o wide.svg"
xmllint --noout "$T/wide.svg" || fail "xmllint rejects the wide SVG"
size=$(wc -c <"$T/wide.svg")
frames=$(grep -c '<g><title>' "$T/wide.svg")
note "wide: $size bytes, $frames frames drawn for 1000000 samples"
assert_lt "bytes of the wide SVG (default --minwidth)" "$size" 3000000
assert_ge "frames drawn in the wide SVG" "$frames" 20
# --minwidth 0 draws every frame: each of 5000 distinct stacks has its leaf,
# though 100000 hot samples make them a hundredth of a pixel wide.
"$GEN_WIDE" "$T/small.data" 5000 100000 || fail "gen_wide failed"
cprof_run small report -i "$T/small.data" -f svg -o "$T/small.svg"
expect_rc 0 small "cprof report -o small.svg"
cprof_run small0 report -i "$T/small.data" -f svg --minwidth 0 -o "$T/small0.svg"
expect_rc 0 small0 "cprof report --minwidth 0"
xmllint --noout "$T/small0.svg" || fail "xmllint rejects the --minwidth 0 SVG"
assert_lt "frames drawn for 5000 stacks, default --minwidth" \
	"$(grep -c '<g><title>' "$T/small.svg")" 5000
assert_ge "frames drawn for 5000 stacks, --minwidth 0" \
	"$(grep -c '<g><title>' "$T/small0.svg")" 5000
rm -f "$T/wide.data"
pass
