#!/bin/bash
# Report speed: name and fold 100,000 samples over ~5,000 distinct code
# addresses with inline expansion (the symbolizer's benchmark). The data
# file is synthetic but names a real optimised binary with DWARF: cprof's
# own build. Prints CPU seconds per report, with and without inlines and
# lines, and the share of one second of CPU they use.
#
#   scripts/bench-report.sh [BUILD_DIR]     (default: build)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
[ -x "$build/cprof" ] || { echo "bench-report: build cprof first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -Iinclude -D_GNU_SOURCE -o "$tmp/report-synth" bench/report-synth.c \
	"$build/libcprofcore.a" -ldw -lelf

# ~5,000 addresses spread over the code of the binary's functions
nm -S --defined-only "$build/cprof" | perl -ne '
	next unless /^([0-9a-f]+) ([0-9a-f]+) [tT] /;
	my ($start, $size) = (hex $1, hex $2);
	for (my $o = 1; $o < $size && $n < 5000; $o += 16) { printf "%x\n", $start + $o; $n++ }
' >"$tmp/addrs"
echo "addresses: $(wc -l <"$tmp/addrs") in $build/cprof"
"$tmp/report-synth" "$(realpath "$build/cprof")" "$tmp/synth.data" 100000 20000 <"$tmp/addrs"
echo "data file: $(stat -c %s "$tmp/synth.data") bytes, 100000 samples, 20000 stacks"

cpu() { # cpu SECONDS-VAR ARGS: best user+sys CPU of 3 runs of cprof report ARGS
	local best=999 t i
	for i in 1 2 3; do
		/usr/bin/time -o "$tmp/time" -f '%U %S' "$build/cprof" report -i "$tmp/synth.data" \
			"$@" >"$tmp/out"
		t=$(awk '{ print $1 + $2 }' "$tmp/time")
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
	done
	echo "$best"
}
[ -x /usr/bin/time ] || { echo "bench-report: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
printf '%-34s %10s %8s\n' "report" "CPU s" "stacks"
for args in "" "--no-inline" "--lines"; do
	t=$(cpu $args)
	printf '%-34s %10s %8s\n' "cprof report ${args:-(inlines, default)}" "$t" "$(wc -l <"$tmp/out")"
done

# Every format from the same recording (issue 7: each within 1.5x of folded).
printf '\n%-14s %10s %8s %12s\n' "format" "CPU s" "x folded" "bytes"
base=$(cpu)
for f in $("$build/cprof" report --help | awk '/^Formats/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
	t=$(cpu --format "$f" --limit 0)
	printf '%-14s %10s %8s %12s\n' "$f" "$t" \
		"$(awk -v a="$t" -v b="$base" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')" \
		"$(stat -c %s "$tmp/out")"
done
