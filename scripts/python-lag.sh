#!/bin/bash
# How often a Python stack read from memory no longer matches the native
# stack of its sample (docs/python.md, "Timing"): a designed CPython
# workload alternates T ms inside a C extension (zlib.compress, under the
# Python function pack) and T ms of pure Python (pyspin). A sample whose
# native stack is in libz but whose Python stack says pyspin was read after
# the thread moved on. Prints, for each T, the samples in libz and the
# share of them under pyspin. Usage: scripts/python-lag.sh [CPROF] [PYTHON]
set -eu
cprof=${1:-build/cprof}
py=${2:-/usr/bin/python3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/switch.py" <<'PY'
import os, sys, time, zlib
T = float(sys.argv[1]) / 1000.0
blob = os.urandom(4096)
def pack(t):
    end = time.perf_counter() + t
    while time.perf_counter() < end:
        zlib.compress(blob, 9)
def pyspin(t):
    end = time.perf_counter() + t
    while time.perf_counter() < end:
        pass
end = time.time() + float(sys.argv[2])
while time.time() < end:
    pack(T)
    pyspin(T)
PY
echo "| phase T | samples in libz | of them under pyspin | read lag (mean, max) |"
echo "|---|---|---|---|"
for t in 1 3 10 30 100; do
	"$cprof" record -F 999 -o "$dir/t.data" -- "$py" "$dir/switch.py" "$t" 4 2>"$dir/err" >/dev/null
	lag=$(sed -n 's/.*read \([0-9.]*\) ms after the sample on average, \([0-9.]*\) ms at most.*/\1 ms, \2 ms/p' "$dir/err")
	"$cprof" report -i "$dir/t.data" 2>/dev/null | awk -v t="$t" -v lag="$lag" '
		{ n = $NF } /libz/ { z += n; if ($0 ~ /;pyspin;/) bad += n }
		END { printf "| %s ms | %d | %.1f %% | %s |\n", t, z, z ? 100 * bad / z : 0, lag }'
done
