#!/bin/bash
# The false-alarm rate of cprof diff: N pairs of recordings of the same
# build (the split workload, 50/30/20, as built) and, for each pair, whether
# `cprof diff -f top` marks any function's self or total change beyond the
# noise ('*'), and whether `--fail-above PP` fails. The method (diff.h,
# docs/diff.md) aims at no marked change in at least 95 % of trials.
#
#   scripts/bench-diff-noise.sh [-n PAIRS] [-s SECONDS] [-F HZ] [-p PP] [BUILD_DIR]
#
# Defaults: 40 pairs of 1 s recordings at 999 Hz, gate at 1 point, build/.
# Needs perf_event_open (root or a low kernel.perf_event_paranoid). Prints
# one line per trial on stderr and a markdown summary on stdout; exits 0
# whatever the rate (it is a measurement, not a test).
set -eu
cd "$(dirname "$0")/.."
pairs=40 secs=1 hz=999 pp=1
while getopts n:s:F:p: o; do
	case $o in
	n) pairs=$OPTARG ;;
	s) secs=$OPTARG ;;
	F) hz=$OPTARG ;;
	p) pp=$OPTARG ;;
	*) echo "usage: $0 [-n PAIRS] [-s SECONDS] [-F HZ] [-p PP] [BUILD_DIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}
cprof=$build/cprof
split=$build/tests/workloads/split_nofp
[ -x "$cprof" ] && [ -x "$split" ] ||
	{ echo "bench-diff-noise: build cprof and the workloads first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

alarms=0 gates=0 samples=0 maxd=0
for i in $(seq 1 "$pairs"); do
	for side in b a; do
		"$cprof" record -F "$hz" -o "$tmp/$side.data" -- "$split" "$secs" 2>"$tmp/record.err" ||
			{ cat "$tmp/record.err" >&2; exit 1; }
	done
	"$cprof" diff -f top --limit 0 "$tmp/b.data" "$tmp/a.data" >"$tmp/top"
	marked=$(awk 'NR > 2 && ($3 ~ /\*$/ || $6 ~ /\*$/) { n++ } END { print n + 0 }' "$tmp/top")
	d=$(awk 'NR > 2 { v = $3; sub(/\*$/, "", v); v = v < 0 ? -v : v; if (v > m) m = v }
		 END { printf "%.2f\n", m }' "$tmp/top")
	n=$(awk 'NR == 1 { print $3 + $6 }' "$tmp/top")
	rc=0
	"$cprof" diff --fail-above "$pp" "$tmp/b.data" "$tmp/a.data" 2>/dev/null || rc=$?
	[ "$marked" -gt 0 ] && alarms=$((alarms + 1))
	[ "$rc" = 1 ] && gates=$((gates + 1))
	samples=$((samples + n))
	maxd=$(awk -v a="$maxd" -v b="$d" 'BEGIN { print (b > a ? b : a) }')
	echo "trial $i: $n samples, largest self change $d pp, $marked marked, gate rc $rc" >&2
done
rate=$(awk -v a="$alarms" -v n="$pairs" 'BEGIN { printf "%.1f", 100 * a / n }')
grate=$(awk -v a="$gates" -v n="$pairs" 'BEGIN { printf "%.1f", 100 * a / n }')
cat <<MD
| pairs | seconds, Hz | samples a pair | largest self change | trials with a change marked | gate (--fail-above $pp) failed |
|---|---|---|---|---|---|
| $pairs | $secs s, $hz Hz | $((samples / pairs)) | $maxd pp | $alarms ($rate %) | $gates ($grate %) |
MD
