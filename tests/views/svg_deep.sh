#!/bin/bash
# svg_deep.sh - a deep flame graph opens on the part that holds the time.
#
# deep_nofp (tests/workloads/deep.c): deep_hot holds 4/5 of the time one level
# above a fork, a 100-frame tower the other 1/5; below the fork a trunk of
# 220 frames, then of none. Drawn whole, the graph is 330 (110) levels,
# 5300 (1800) px tall, and a browser opens it on the tower alone. For each,
# in headless Chromium in a 1280x720 window (svg_deep.js):
#   - the SVG is at most 720 px tall and xmllint accepts it;
#   - before any click, deep_hot is drawn inside the window, at least half
#     the width wide (design 4/5), with scripts off (as an <img> shows it)
#     as well as on; hovering it shows its share of the folded output (3 pp);
#   - the tower's tip deep_spike_leaf is not drawn at first; clicks on the
#     marked frame of the last level bring it, in 1 to 5 clicks (design 3);
#     Reset Zoom then draws "all" full width (1 px for a stroke);
#   - with the trunk, the first view shows the bar of collapsed frames
#     ("N frames: all ; ...") and clicks on it page back to the root in 1 to
#     8 (design 6); without it, no bar;
#   - a search for deep_spike_leaf matches its folded share (3 pp).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

# shellcheck source=tests/views/browser.sh
. "$(dirname "$0")/browser.sh"
require_svg_clients

require_workload deep_nofp
require_perf

field()
{
	node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1]));
		 const v = process.argv[2].split(".").reduce((a, k) => a == null ? a : a[k], o);
		 console.log(v == null ? "" : String(v))' "$T/browser.json" "$1"
}
percent()
{
	field "$1" | grep -oE '[0-9.]+%' | tail -n 1 | tr -d %
}
near()
{
	assert_between "$1" "$2" "$(awk -v a="$3" 'BEGIN { print a - 3 }')" \
		"$(awk -v a="$3" 'BEGIN { print a + 3 }')"
}

for trunk in 220 0; do
	note "--- trunk of $trunk frames"
	record_ok -F 999 -o "$T/data" -- "$WORKDIR/deep_nofp" 2 "$trunk"
	report_ok "$T/data" "$T/folded"
	hot=$(share "$T/folded" "$(frame_re deep_hot)")
	leaf=$(share "$T/folded" "$(frame_re deep_spike_leaf)")
	assert_between "deep_hot % of the samples (design 80)" "$hot" 65 95
	deepest=$(awk '{ n = split($0, f, ";"); if (n > m) m = n } END { print m }' "$T/folded")
	assert_ge "frames of the deepest stack" "$deepest" $((trunk + 100))
	cprof_run svg report -i "$T/data" -o "$T/deep.svg"
	expect_rc 0 svg "cprof report -o deep.svg"
	xmllint --noout "$T/deep.svg" 2>"$T/xmllint.err" ||
		fail "xmllint rejects the SVG" "$(head -c 1000 "$T/xmllint.err")"
	shot=$ARTIFACT_DIR/svg-deep-$trunk.png
	NODE_PATH=$BROWSER_DIR/node_modules timeout -k 5 90 node "$(dirname "$0")/svg_deep.js" \
		"$T/deep.svg" "$shot" deep_hot deep_spike_leaf deep_spike_leaf >"$T/browser.json" \
		2>"$T/browser.err" || fail "svg_deep.js failed" "$(head -c 2000 "$T/browser.err")"
	note "browser: $(cat "$T/browser.json")"
	assert_eq "page errors" "$(field errors)" ""
	assert_between "height of the SVG" "$(field height)" 100 720
	assert_ge "width of deep_hot in the first view, scripts off" "$(field static_hot.width)" 590
	assert_ge "width of deep_hot in the first view" "$(field hot.width)" 590
	assert_text_contains <(field hover) "deep_hot" "the hover details name deep_hot"
	near "hovered deep_hot % (folded: $hot)" "$(percent hover)" "$hot"
	assert_eq "deep_spike_leaf drawn at first" "$(field leaf_start)" false
	assert_between "clicks on the last level to deep_spike_leaf" "$(field leaf_clicks)" 1 5
	assert_ge "width of deep_spike_leaf, zoomed" "$(field leaf.width)" 590
	assert_between "width of all after Reset Zoom (1180 px)" "$(field reset_all)" 1179 1181
	assert_eq "Reset Zoom hidden after reset" "$(field reset_hidden)" true
	if [ "$trunk" -gt 0 ]; then
		assert_text_contains <(field bar_start) "frames: all ; " "the bar of the first view"
		assert_between "clicks on the bar back to the root" "$(field bar_clicks)" 1 8
		assert_between "width of all after the bar's clicks (1180 px)" "$(field all_after_bar)" \
			1179 1181
	else
		assert_eq "the bar of the first view" "$(field bar_start)" ""
		assert_eq "clicks on the bar" "$(field bar_clicks)" 0
	fi
	near "search deep_spike_leaf: matched % (folded: $leaf)" "$(percent search)" "$leaf"
	[ -s "$shot" ] || fail "no screenshot at $shot"
done
pass
