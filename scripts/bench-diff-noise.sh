#!/bin/bash
# The false-alarm and detection rates of cprof diff's gate, on the
# fixed-work workload (tests/workloads/work.c: three functions over one
# shared leaf). Each trial records the same build twice (BEFORE, SAME) and
# once with work_gamma doing 10 % more work (REGRESSED: "work R 5 3 11 5 3 0"
# against "work R 5 3 10 5 3 0", +1/26 of the whole, all of it behind the
# shared leaf), then asks:
#   false alarm: does `cprof diff --fail-above PP BEFORE SAME` fail?
#   detection:   does `cprof diff --fail-above PP BEFORE REGRESSED` fail,
#                naming work_gamma?
# With -o OLD_CPROF the same files go through an older cprof too (its gate's
# code was 1), the method beside the new one.
#
#   scripts/bench-diff-noise.sh [-n PAIRS] [-r ROUNDS] [-F HZ] [-p PP] [-o OLD_CPROF] [BUILD_DIR]
#
# Defaults: 20 trials, 240 rounds (about 1.5 s a recording), 999 Hz, gate at
# 1 point, build/. Needs perf_event_open (root or a low
# kernel.perf_event_paranoid). One line per trial on stderr, a markdown
# table on stdout; exits 0 whatever the rates (a measurement, not a test).
set -eu
cd "$(dirname "$0")/.."
pairs=20 rounds=240 hz=999 pp=1 old=
while getopts n:r:F:p:o: o; do
	case $o in
	n) pairs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	F) hz=$OPTARG ;;
	p) pp=$OPTARG ;;
	o) old=$OPTARG ;;
	*) echo "usage: $0 [-n PAIRS] [-r ROUNDS] [-F HZ] [-p PP] [-o OLD_CPROF] [BUILD_DIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}
cprof=$build/cprof
work=$build/tests/workloads/work_nofp
[ -x "$cprof" ] && [ -x "$work" ] ||
	{ echo "bench-diff-noise: build cprof and the workloads first (cmake --build $build)" >&2; exit 1; }
[ -z "$old" ] || [ -x "$old" ] || { echo "bench-diff-noise: '$old' is not executable" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

record()
{
	"$cprof" record -F "$hz" -o "$tmp/$1.data" -- "$work" "$rounds" 5 3 "$2" 5 3 0 \
		2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; exit 1; }
}

# gate BINARY FAILCODE PAIR: 1 if BINARY's gate failed on the pair (naming
# work_gamma for the regressed one), else 0
gate()
{
	local rc=0

	"$1" diff --fail-above "$pp" "$tmp/b.data" "$tmp/$3.data" 2>"$tmp/gate.err" >/dev/null || rc=$?
	if [ "$rc" = "$2" ] && { [ "$3" = same ] || grep -q 'work_gamma' "$tmp/gate.err"; }; then
		echo 1
	else
		echo 0
	fi
}

fa=0 det=0 ofa=0 odet=0 samples=0
for i in $(seq 1 "$pairs"); do
	record b 10
	record same 10
	record reg 11
	a=$(gate "$cprof" 5 same) d=$(gate "$cprof" 5 reg)
	fa=$((fa + a)) det=$((det + d))
	line="trial $i: new: false alarm $a, detected $d"
	if [ -n "$old" ]; then
		a=$(gate "$old" 1 same) d=$(gate "$old" 1 reg)
		ofa=$((ofa + a)) odet=$((odet + d))
		line="$line; old: false alarm $a, detected $d"
	fi
	n=$("$cprof" diff -f top "$tmp/b.data" "$tmp/same.data" | awk 'NR == 2 { print $3 }')
	samples=$((samples + n))
	echo "$line ($n samples)" >&2
done
pct()
{
	awk -v a="$1" -v n="$pairs" 'BEGIN { printf "%d/%d (%.0f %%)", a, n, 100 * a / n }'
}
cat <<MD
| method | trials | rounds, Hz | samples a recording | false alarms (same build, --fail-above $pp) | detected (work_gamma +10 %) |
|---|---|---|---|---|---|
| new: CPU time, self or total, noise from time slices | $pairs | $rounds, $hz Hz | $((samples / pairs)) | $(pct "$fa") | $(pct "$det") |
MD
[ -z "$old" ] ||
	echo "| old: self shares, binomial (Wald) noise | $pairs | $rounds, $hz Hz | $((samples / pairs)) | $(pct "$ofa") | $(pct "$odet") |"
