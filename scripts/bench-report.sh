#!/bin/bash
# Report speed: name and fold 100,000 samples over ~5,000 distinct code
# addresses with inline expansion (the symbolizer's benchmark). The data
# file is synthetic but names a real optimised binary with DWARF: cprof's
# own build. Prints CPU seconds per report, with and without inlines and
# lines, and the share of one second of CPU they use.
#
# Then real recordings, side by side with perf on the same workloads
# (node busy in its C++ runtime, a g++ -O2 compile), both at -F 999 with
# whole stacks (cprof's DWARF unwinding, perf --call-graph dwarf): CPU
# seconds of `cprof report` (inline frames on) against `perf script
# --no-inline` and `perf script | stackcollapse-perf.pl` as ratios, and the
# report's peak RSS (/usr/bin/time %M, the report process alone) against
# the symbol tables of the binaries it names. cprof is measured twice, with
# a cache directory of its own ($CPROF_CACHE_DIR, one per workload): cold,
# emptied before each run (the report inflates compressed debug files into
# it), and warm (it reads them from there).
#
#   scripts/bench-report.sh [BUILD_DIR]     (default: build)
#   FLAMEGRAPH_DIR=~/FlameGraph scripts/bench-report.sh   # the stackcollapse column
#   BENCH_REAL=0 scripts/bench-report.sh    # the synthetic recording only
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
[ -x "$build/cprof" ] || { echo "bench-report: build cprof first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -Iinclude -D_GNU_SOURCE -o "$tmp/report-synth" bench/report-synth.c \
	-Wl,--start-group "$build"/libcprof_*.a -Wl,--end-group -ldw -lelf

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

[ "${BENCH_REAL:-1}" = 1 ] || exit 0
command -v perf >/dev/null || { echo "bench-report: no perf: real recordings skipped" >&2; exit 0; }
collapse=${FLAMEGRAPH_DIR:+$FLAMEGRAPH_DIR/stackcollapse-perf.pl}
[ -n "$collapse" ] && [ -x "$collapse" ] || collapse=

best() { # best CMD...: best user+sys CPU seconds of 3 runs of CMD (a shell command line)
	local best=999 t i
	for i in 1 2 3; do
		/usr/bin/time -o "$tmp/time" -f '%U %S' bash -c "$1" >/dev/null 2>&1
		t=$(awk '{ print $1 + $2 }' "$tmp/time")
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
	done
	echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0) ? a / b : 0 }'; }
# loaded BINARY...: "SYMTAB DWARF", the bytes of the tables the report reads
# for these binaries, as libdwfl picks them: .symtab (the binary's, else its
# separate debug file's), else .dynsym; the DWARF of the binary, else of
# its debug file (uncompressed)
loaded() {
	local f id dbg
	for f in "$@"; do
		[ -f "$f" ] || continue
		id=$(readelf -n "$f" 2>/dev/null | awk '/Build ID/ { print $3 }')
		dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
		[ -n "$id" ] && [ -f "$dbg" ] || dbg=/nonexistent
		perl bench/elf-tables.pl "$f" "$dbg" | paste -s -d ' '
	done | awk '{ sym += $1 ? $1 : $4 ? $4 : $2; dwarf += $3 ? $3 : $6 }
		    END { printf "%d %d\n", sym, dwarf }'
}

# cprof_runs CACHE FILE [cold]: "BEST_CPU_S MAX_RSS_KIB" of 3 runs of cprof
# report -i FILE with CPROF_CACHE_DIR=CACHE, emptied before each run if cold
cprof_runs() {
	local best=999 rss=0 t i
	for i in 1 2 3; do
		[ "${3:-}" = cold ] && rm -rf "$1/inflated"
		CPROF_CACHE_DIR=$1 /usr/bin/time -o "$tmp/time" -f '%U %S %M' "$build/cprof" report \
			-i "$2" >"$tmp/out" 2>/dev/null
		t=$(awk '{ print $1 + $2 }' "$tmp/time")
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
		rss=$(awk -v a="$rss" '{ print ($3 > a) ? $3 : a }' "$tmp/time")
	done
	echo "$best $rss"
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

node=$(command -v node || true)
gxx=$(command -v g++ || true)
printf '\n%-8s %7s %11s %13s %11s %13s %11s %17s %12s %10s %9s %11s\n' workload samples \
	"cprof s w/c" "perf --no-inl" "ratio w/c" "perf|collapse" "ratio w/c" "RSS MiB warm/cold" \
	"symtab MiB" "DWARF MiB" "x warm" "x cold"
for w in node gxx; do
	case $w in
	node) [ -n "$node" ] || continue; cmd=("$node" bench/node-work.js 4) ;;
	gxx) [ -n "$gxx" ] || continue; cmd=("$gxx" -O2 -c -o "$tmp/gxx.o" bench/gxx-work.cc) ;;
	esac
	echo "recording $w ..." >&2
	cache=$tmp/cache-$w
	CPROF_CACHE_DIR=$cache "$build/cprof" record -F 999 -o "$tmp/$w.cprof" -- "${cmd[@]}" \
		>/dev/null 2>&1
	perf record -q -e cpu-clock -F 999 --call-graph dwarf -o "$tmp/$w.perf" -- "${cmd[@]}" \
		>/dev/null 2>&1
	read -r cc crss <<<"$(cprof_runs "$cache" "$tmp/$w.cprof" cold)"
	read -r c rss <<<"$(cprof_runs "$cache" "$tmp/$w.cprof")"
	p=$(best "perf script -i '$tmp/$w.perf' --no-inline")
	if [ -n "$collapse" ]; then
		k=$(best "perf script -i '$tmp/$w.perf' | '$collapse'")
		kr="$(ratio "$k" "$c")/$(ratio "$k" "$cc")"
	else
		k=- kr="(no FLAMEGRAPH_DIR)"
	fi
	read -r sym dwarf <<<"$(loaded $(perf buildid-list -i "$tmp/$w.perf" --with-hits 2>/dev/null |
		awk '$2 ~ /^\// { print $2 }'))"
	printf '%-8s %7s %11s %13s %11s %13s %11s %17s %12s %10s %9s %11s\n' "$w" \
		"$(awk '{ t += $NF } END { print t }' "$tmp/out")" "$c/$cc" "$p" \
		"$(ratio "$p" "$c")/$(ratio "$p" "$cc")" "$k" "$kr" \
		"$(mib "$((rss * 1024))")/$(mib "$((crss * 1024))")" "$(mib "$sym")" "$(mib "$dwarf")" \
		"$(ratio "$((rss * 1024))" "$((sym + dwarf))")" "$(ratio "$((crss * 1024))" "$((sym + dwarf))")"
done
