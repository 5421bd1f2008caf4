#!/usr/bin/env bash
# bench-offcpu.sh - what `cprof record --off-cpu` costs a target that switches
# 50,000 times a second, side by side with perf, in one run.
#
# The target (bench/pingpong.c, built here with gcc -O2 -g, no frame
# pointers) is two threads handing a byte back and forth through pipes with
# some work at each hand-off; the work is calibrated first so that, alone,
# it switches about TARGET_SWITCHES times a second.  Both threads are pinned
# to CPU PIN_CPU (taskset; PIN_CPU= to let them float): unpinned, the work
# rate swings 0.5-2x from run to run with where the scheduler puts the two
# threads, whoever records them.  Then, interleaved round robin for ROUNDS
# rounds, the target runs RUN_SECONDS alone, under `cprof record --off-cpu`
# (DWARF, default -F 99 and --stack-size) and under
# `perf record -e context-switches -c 1 --call-graph dwarf` (perf's default
# 8 KiB stack copy); each profiled run's work rate is divided by the same
# round's unprofiled one.  The table gives the median ratio (1.00: no
# cost), what each recorder lost (cprof: the records of every kind its
# LOST records count, and the switch-outs whose stack was lost; perf: the
# context-switch samples `perf report --stats` counts as lost), and
# cprof's own CPU.
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
PIN_CPU=${PIN_CPU-0}
if [ -n "$PIN_CPU" ]; then
	command -v taskset >/dev/null || { echo "bench-offcpu: taskset not found (PIN_CPU= to run unpinned)" >&2; exit 1; }
	printf '#!/bin/sh\nexec taskset -c %s "%s" "$@"\n' "$PIN_CPU" "$W/pingpong" >"$W/target"
else
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$W/pingpong" >"$W/target"
fi
chmod +x "$W/target"

# Work per hand-off for TARGET_SWITCHES switches a second (two tries).
spin=10000
for _ in 1 2 3; do
	rate=$("$W/target" 1 "$spin" | awk '{ print $2 }')
	spin=$(awk -v s="$spin" -v r="$rate" -v t="$TARGET_SWITCHES" 'BEGIN { printf "%d\n", s * r / t }')
done
echo "# spin $spin steps a hand-off, pinned to CPU ${PIN_CPU:-none}: $("$W/target" 1 "$spin" | awk '{ print $2 }') switches/s alone"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$W/cprof.ratio"; : >"$W/perf.ratio"; : >"$W/cprof.lost"; : >"$W/perf.lost"; : >"$W/cprof.cpu"
: >"$W/cprof.nostack"
for round in $(seq "$ROUNDS"); do
	base=$("$W/target" "$RUN_SECONDS" "$spin" | awk '{ print $1 }')
	c=$("$CPROF" record --off-cpu -o "$W/c.data" -- "$W/target" "$RUN_SECONDS" "$spin" \
		2>"$W/c.err" | awk '{ print $1 }')
	p=$(perf record -q -e context-switches -c 1 --call-graph dwarf -o "$W/p.data" -- \
		"$W/target" "$RUN_SECONDS" "$spin" 2>"$W/p.err" | awk '{ print $1 }')
	awk -v a="$c" -v b="$base" 'BEGIN { printf "%.3f\n", a / b }' >>"$W/cprof.ratio"
	awk -v a="$p" -v b="$base" 'BEGIN { printf "%.3f\n", a / b }' >>"$W/perf.ratio"
	# "N samples and context-switch records (P% of them) were lost", or none
	{ sed -n 's/.*warning: \([0-9]*\) samples and context-switch records (\([0-9.]*\)% of them).*/\1 (\2%)/p' \
		"$W/c.err"; echo "0 (0%)"; } | head -n 1 >>"$W/cprof.lost"
	# "B blocked intervals (..), P preemptions (..); N without their stack"
	awk '/off-CPU:/ { n = 0; if (match($0, /[0-9]+ without their stack/)) n = substr($0, RSTART) + 0
		printf "%.2f%%\n", 100 * n / ($3 + $7) }' "$W/c.err" >>"$W/cprof.nostack"
	sed -n 's/.*recorder CPU \([0-9.]*\) s.*/\1/p' "$W/c.err" | head -n 1 >>"$W/cprof.cpu"
	# perf -q prints nothing of its losses: its own report counts them, per event
	perf report -i "$W/p.data" --stats 2>/dev/null | awk '
		/context-switches stats/ { cs = 1 } cs && /SAMPLE events:/ { s = $3 }
		cs && /LOST_SAMPLES events:/ { l = $3 }
		END { printf "%d (%.1f%%)\n", l, (s + l) ? 100 * l / (s + l) : 0 }' >>"$W/perf.lost"
	echo "# round $round: alone $base rounds/s; cprof $c ($(tail -n 1 "$W/cprof.ratio"), lost $(tail -n 1 "$W/cprof.lost")), perf $p ($(tail -n 1 "$W/perf.ratio"), lost $(tail -n 1 "$W/perf.lost"))"
done
cr=$(median <"$W/cprof.ratio")
pr=$(median <"$W/perf.ratio")
echo
echo "| recorder | target work rate, share of unprofiled (median of $ROUNDS) | lost, per run |"
echo "|---|---|---|"
echo "| cprof record --off-cpu | $cr | records: $(tr '\n' ' ' <"$W/cprof.lost"); switch-outs without stack: $(tr '\n' ' ' <"$W/cprof.nostack")|"
echo "| perf record -e context-switches -c 1 --call-graph dwarf | $pr | context-switch samples: $(tr '\n' ' ' <"$W/perf.lost")|"
echo
echo "cprof / perf work rate: $(awk -v a="$cr" -v b="$pr" 'BEGIN { printf "%.2f\n", a / b }') (>= 1: the target suffers no more under cprof); cprof recorder CPU per run: $(tr '\n' ' ' <"$W/cprof.cpu")s"
