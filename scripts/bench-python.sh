#!/usr/bin/env bash
# bench-python.sh - what reading Python stacks from memory costs the
# recorder (issue 19), side by side in one run.
#
# The target is a Python script of 4 threads, each looping over a 17-frame
# recursion whose leaf spins in bytecode (busy.py below; with the GIL, about
# one CPU between them), run by $PYTHON (Debian's /usr/bin/python3 by
# default) for RUN_SECONDS. At each rate of RATES, interleaved round robin
# for ROUNDS rounds, it is recorded by
#   cprof record -F HZ              Python stacks read from memory (default)
#   cprof record -F HZ --no-python  the same recording without them
#   perf record -F HZ -B -N         no call graph: the floor of sampling (-B -N: no
#                                   build-id pass, which aborts perf 6.1 here)
# The table gives, per rate and recorder, the median over the rounds of the
# recorder's CPU time (cprof: its summary's "recorder CPU"; perf: its CPU
# and the target's, less the target's own rusage, which busy.py prints),
# that per sample, the samples lost (every run's), the bytes of the
# data file per sample, and for cprof's Python reading the share of samples
# given a Python stack and the lag from a sample to its read (the summary's
# average; the largest maximum). The goal of the issue: no sample lost at
# 999 Hz, and the Python reading at most 2x the recorder CPU of --no-python.
# py-spy is not in Debian 12 (and PyPI is not reachable here): not run.
# Exits 0 whatever the numbers; non-zero only when something failed to run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CPROF=${CPROF:-$ROOT/build/cprof}
PYTHON=${PYTHON:-/usr/bin/python3}
ROUNDS=${ROUNDS:-5}
RUN_SECONDS=${RUN_SECONDS:-5}
RATES=${RATES:-99 999}

die() { echo "bench-python: $*" >&2; exit 1; }
[ -x "$CPROF" ] || die "no cprof at $CPROF (build first, or set CPROF)"
command -v perf >/dev/null || die "perf not found"
[ -x "$PYTHON" ] || die "no python at $PYTHON (set PYTHON)"
W=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-python.XXXXXX")
trap 'rm -rf "$W"' EXIT

cat >"$W/busy.py" <<'EOF'
import resource, sys, threading, time

def leaf(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xffff
    return x

def middle(depth, n):
    return leaf(n) if depth == 0 else middle(depth - 1, n) + 1

def worker(end):
    while time.monotonic() < end:
        middle(15, 2000)

end = time.monotonic() + float(sys.argv[1])
threads = [threading.Thread(target=worker, args=(end,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
r = resource.getrusage(resource.RUSAGE_SELF)
print("%.3f" % (r.ru_utime + r.ru_stime))
EOF

# CPU seconds of the children of the subshell that ran the command (bash's `times`, line 2).
children_cpu()
{
	awk 'NR == 2 { t = 0
		       for (i = 1; i <= 2; i++) { split($i, p, "m"); sub(/s/, "", p[2]); t += p[1] * 60 + p[2] }
		       printf "%.3f\n", t }' "$1"
}

# One recording; appends "cpu samples lost bytes pystacks lagavg lagmax" to $W/NAME-HZ.
run()
{
	local name=$1 hz=$2 size
	shift 2
	if [ "$name" = perf ]; then
		(perf record -q -B -N -F "$hz" -o "$W/p.data" -- "$PYTHON" "$W/busy.py" "$RUN_SECONDS" \
			>"$W/target.out" 2>"$W/rec.err"; times >"$W/times") || die "perf record failed: $(head -c 500 "$W/rec.err")"
		size=$(stat -c %s "$W/p.data")
		perf report -i "$W/p.data" --stats 2>/dev/null | awk -v c="$(children_cpu "$W/times")" \
			-v t="$(cat "$W/target.out")" -v b="$size" '
			/SAMPLE events:/ && !s { s = $3 } /LOST_SAMPLES events:/ && !l { l = $3 }
			END { printf "%.3f %d %d %.1f - - -\n", c - t, s, l, s ? b / s : 0 }' >>"$W/$name-$hz"
		return
	fi
	"$CPROF" record -F "$hz" "$@" -o "$W/c.data" -- "$PYTHON" "$W/busy.py" "$RUN_SECONDS" \
		>"$W/target.out" 2>"$W/rec.err" || die "cprof record failed: $(head -c 500 "$W/rec.err")"
	size=$(stat -c %s "$W/c.data")
	awk -v b="$size" '
		/^cprof: [0-9]+ samples/ { s = $2; l = $4; sub(/\(/, "", l)
			if (match($0, /recorder CPU [0-9.]+/)) c = substr($0, RSTART + 13, RLENGTH - 13) }
		/Python stacks of/ { p = $5; match($0, /read [0-9.]+ ms after/); a = substr($0, RSTART + 5) + 0
			match($0, /on average, [0-9.]+ ms at most/); m = substr($0, RSTART + 12) + 0 }
		END { if (p == "") { p = "-"; a = "-"; m = "-" } else p = sprintf("%.1f", s ? 100 * p / s : 0)
		      printf "%s %d %d %.1f %s %s %s\n", c, s, l, s ? b / s : 0, p, a, m }' \
		"$W/rec.err" >>"$W/$name-$hz"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v k="$2" '{ print $k }' "$1"; }

echo "# $PYTHON ($("$PYTHON" -c 'import sys; print(sys.version.split()[0])')), 4 threads, ${RUN_SECONDS}s a run, $ROUNDS rounds; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
	for hz in $RATES; do
		run python "$hz"
		run nopython "$hz" --no-python
		run perf "$hz"
	done
	echo "# round $round: $(for hz in $RATES; do for n in python nopython perf; do
		printf '%s@%s %ss ' "$n" "$hz" "$(tail -n 1 "$W/$n-$hz" | cut -d' ' -f1)"; done; done)"
done

echo
echo "| rate | recorder | recorder CPU, s (median) | µs per sample | samples (median) | lost, each run | bytes/sample | Python stacks | read lag avg / max, ms |"
echo "|---|---|---|---|---|---|---|---|---|"
for hz in $RATES; do
	for n in python nopython perf; do
		f=$W/$n-$hz
		case $n in
		python) label="cprof record";;
		nopython) label="cprof record --no-python";;
		perf) label="perf record (no -g)";;
		esac
		cpu=$(col "$f" 1 | median)
		per=$(awk '{ if ($2) print 1e6 * $1 / $2 }' "$f" | median)
		lag="-"
		[ "$n" = python ] && lag="$(col "$f" 6 | median) / $(col "$f" 7 | sort -g | tail -n 1)"
		printf '| %s Hz | %s | %.3f | %.1f | %s | %s | %.0f | %s | %s |\n' "$hz" "$label" "$cpu" \
			"$per" "$(col "$f" 2 | median)" "$(col "$f" 3 | tr '\n' ' ' | sed 's/ $//')" \
			"$(col "$f" 4 | median)" "$([ "$n" = python ] && echo "$(col "$f" 5 | median) %" || echo -)" "$lag"
	done
done
echo
for hz in $RATES; do
	# the ratio of each round's two cprof recordings, then their median
	echo "$hz Hz: recorder CPU with Python / without, median of the rounds: $(paste -d' ' "$W/python-$hz" "$W/nopython-$hz" |
		awk '{ if ($8 > 0) printf "%.2f\n", $1 / $8 }' | median) (goal <= 2); per sample: $(paste -d' ' "$W/python-$hz" "$W/nopython-$hz" |
		awk '{ if ($2 && $9 && $8 > 0) printf "%.2f\n", ($1 / $2) / ($8 / $9) }' | median)"
done
