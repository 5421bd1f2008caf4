#!/usr/bin/env bash
# bench-offcpu.sh - what `cprof record --off-cpu` costs a target that switches
# 50,000 times a second, side by side with perf, in one run.
#
# The target (bench/pingpong.c, built here with gcc -O2 -g, no frame
# pointers) is two threads handing a byte back and forth through pipes with
# some work at each hand-off; the work is calibrated first so that, alone,
# it switches about TARGET_SWITCHES times a second.  Then, interleaved round
# robin for ROUNDS rounds, the target runs RUN_SECONDS alone, under
# `cprof record --off-cpu` (DWARF, default -F 99 and --stack-size), and under
# `perf record -e context-switches -c 1 --call-graph dwarf` (perf's default
# 8 KiB stack copy); each profiled run's work rate is divided by the same
# round's unprofiled one, and the table gives the median ratio (1.00: no
# cost), the recorders' lost events and their own CPU.
# Exits 0 whatever the ratios; non-zero only when something failed to run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CPROF=${CPROF:-$ROOT/build/cprof}
ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-3}
TARGET_SWITCHES=${TARGET_SWITCHES:-50000}

command -v perf >/dev/null || { echo "bench-offcpu: perf not found" >&2; exit 1; }
[ -x "$CPROF" ] || { echo "bench-offcpu: no cprof at $CPROF (build first, or set CPROF)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-offcpu.XXXXXX")
trap 'rm -rf "$W"' EXIT
gcc -O2 -g -fomit-frame-pointer -pthread -o "$W/pingpong" "$ROOT/bench/pingpong.c"

# Work per hand-off for TARGET_SWITCHES switches a second (two tries).
spin=10000
for _ in 1 2 3; do
	rate=$("$W/pingpong" 1 "$spin" | awk '{ print $2 }')
	spin=$(awk -v s="$spin" -v r="$rate" -v t="$TARGET_SWITCHES" 'BEGIN { printf "%d\n", s * r / t }')
done
echo "# spin $spin steps a hand-off: $("$W/pingpong" 1 "$spin" | awk '{ print $2 }') switches/s alone"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$W/cprof.ratio"; : >"$W/perf.ratio"; : >"$W/cprof.lost"; : >"$W/perf.lost"; : >"$W/cprof.cpu"
for round in $(seq "$ROUNDS"); do
	base=$("$W/pingpong" "$RUN_SECONDS" "$spin" | awk '{ print $1 }')
	c=$("$CPROF" record --off-cpu -o "$W/c.data" -- "$W/pingpong" "$RUN_SECONDS" "$spin" \
		2>"$W/c.err" | awk '{ print $1 }')
	p=$(perf record -q -e context-switches -c 1 --call-graph dwarf -o "$W/p.data" -- \
		"$W/pingpong" "$RUN_SECONDS" "$spin" 2>"$W/p.err" | awk '{ print $1 }')
	awk -v a="$c" -v b="$base" 'BEGIN { printf "%.3f\n", a / b }' >>"$W/cprof.ratio"
	awk -v a="$p" -v b="$base" 'BEGIN { printf "%.3f\n", a / b }' >>"$W/perf.ratio"
	sed -n 's/.*samples (\([0-9]*\) lost).*/\1/p' "$W/c.err" | head -n 1 >>"$W/cprof.lost"
	sed -n 's/.*recorder CPU \([0-9.]*\) s.*/\1/p' "$W/c.err" | head -n 1 >>"$W/cprof.cpu"
	# perf says "Processed N events and lost M chunks!" when it lost some
	{ sed -n 's/.*lost \([0-9]*\) chunks.*/\1/p' "$W/p.err"; echo 0; } | head -n 1 >>"$W/perf.lost"
	echo "# round $round: alone $base rounds/s; cprof $c ($(tail -n 1 "$W/cprof.ratio")), perf $p ($(tail -n 1 "$W/perf.ratio"))"
done
cr=$(median <"$W/cprof.ratio")
pr=$(median <"$W/perf.ratio")
echo
echo "| recorder | target work rate, share of unprofiled (median of $ROUNDS) | lost (per run) |"
echo "|---|---|---|"
echo "| cprof record --off-cpu | $cr | $(tr '\n' ' ' <"$W/cprof.lost")events |"
echo "| perf record -e context-switches -c 1 --call-graph dwarf | $pr | $(tr '\n' ' ' <"$W/perf.lost")chunks |"
echo
echo "cprof / perf work rate: $(awk -v a="$cr" -v b="$pr" 'BEGIN { printf "%.2f\n", a / b }') (>= 1: the target suffers no more under cprof); cprof recorder CPU per run: $(tr '\n' ' ' <"$W/cprof.cpu")s"
