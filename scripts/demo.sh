#!/bin/sh
# Install dependencies, build cprof, profile the bundled demo workload (a
# program spending 50/30/20 % of its time in three call chains, built
# without frame pointers) and print the top of the folded stacks.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
out=$(mktemp -d)
./build/cprof record -F 999 -o "$out/demo.data" -- ./build/tests/workloads/split_nofp 3
./build/cprof report -i "$out/demo.data" -o "$out/demo.folded"
echo "== top stacks (samples), of $(awk '{s+=$NF} END {print s}' "$out/demo.folded") samples:"
sort -k2 -t' ' -rn "$out/demo.folded" | awk '{n=$NF; $NF=""; printf "%7d  %s\n", n, $0}' | head -n 8
echo "== folded stacks in $out/demo.folded (pipe them into flamegraph.pl)"
