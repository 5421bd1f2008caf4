#!/bin/sh
# Install dependencies, build cprof, profile the bundled demo workload (a
# program spending 50/30/20 % of its time in three call chains, built
# without frame pointers), print its top table and write an interactive
# flame graph (SVG) and the other views of the same recording.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
out=$(mktemp -d)
./build/cprof record -F 999 -o "$out/demo.data" -- ./build/tests/workloads/split_nofp 3
echo
./build/cprof report -i "$out/demo.data" --format top --limit 12
./build/cprof report -i "$out/demo.data" -o "$out/demo.folded"
for f in svg pb.gz speedscope.json cpuprofile; do
	# each format the build has: -o's extension chooses the writer
	./build/cprof report -i "$out/demo.data" -o "$out/demo.$f" 2>/dev/null || true
done
echo
echo "== flame graph: $out/demo.svg (open it in a browser)"
echo "== also: $out/demo.folded (flamegraph.pl), $out/demo.pb.gz (go tool pprof),"
echo "         $out/demo.speedscope.json (speedscope), $out/demo.cpuprofile (Chrome DevTools)"
