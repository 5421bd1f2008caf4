#!/bin/bash
# The false-alarm and detection rates of cprof diff's gate, on fixed-work
# programs in four languages, each three functions over one shared leaf
# (main -> work_alpha/work_beta/work_gamma -> work_spin, 10, 6 and 10 units
# a round; a C workload tests/workloads/work.c, the others written below):
#   c       tests/workloads/work.c (the leaf a multiply-add chain)
#   node    JavaScript under node --perf-basic-prof (JIT; the leaf builds and
#           parses JSON, so the collector runs)
#   python  CPython 3.12+ -X perf (the leaf formats and hashes strings)
#   go      a Go program (the leaf is crypto/sha256 over 1 KiB)
# Each trial records a program twice as built (BEFORE, SAME) and once with
# work_gamma doing 10 % more work (REGRESSED: 11 units, not 10: +1/26 of
# the whole's units, all of it behind the shared leaf), then asks:
#   false alarm: does `cprof diff --fail-above PP BEFORE SAME` fail?
#   detection:   does `cprof diff --fail-above PP BEFORE REGRESSED` fail,
#                naming work_gamma?
# Every -o OLD_CPROF reads the same files too (its gate's code: 5 if its
# --help says so, else 1), the older methods beside the new one.
#
#   scripts/bench-diff-noise.sh [-n PAIRS] [-s SECONDS] [-F HZ] [-p 'PP...']
#                               [-l LANGS] [-o OLD_CPROF]... [BUILD_DIR]
#
# Defaults: 20 trials a language, recordings of about 15 s of CPU (the
# work is calibrated once per language to take SECONDS of CPU time), 999
# Hz, gates at 1 and 2 points (whole numbers), LANGS "c node python go" (a
# language whose runtime is missing is left out, said on stderr), build/.
# KEEP=1 keeps the scratch directory. Needs perf_event_open
# (root or a low kernel.perf_event_paranoid). One line per trial on
# stderr (with what tripped a false alarm, and how far the same build's
# whole cost moved), a markdown table on stdout and the time it took;
# exits 0 whatever the rates (a measurement, run by hand, not a test).
set -eu
cd "$(dirname "$0")/.."
pairs=20 secs=15 hz=999 pp="1 2" langs="c node python go" olds=()
while getopts n:s:F:p:l:o: o; do
	case $o in
	n) pairs=$OPTARG ;;
	s) secs=$OPTARG ;;
	F) hz=$OPTARG ;;
	p) pp=$OPTARG ;;
	l) langs=$OPTARG ;;
	o) [ -x "$OPTARG" ] || { echo "bench-diff-noise: '$OPTARG' is not executable" >&2; exit 1; }
	   olds+=("$OPTARG") ;;
	*) echo "usage: $0 [-n PAIRS] [-s SECONDS] [-F HZ] [-p 'PP...'] [-l LANGS] [-o OLD_CPROF]... [BUILD_DIR]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}
cprof=$build/cprof
[ -x "$cprof" ] && [ -x "$build/tests/workloads/work_nofp" ] ||
	{ echo "bench-diff-noise: build cprof and the workloads first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
start=$(date +%s)

cat >"$tmp/work.js" <<'JS'
// work ROUNDS A B C: fixed work, three functions over one shared leaf
const [rounds, a, b, c] = process.argv.slice(2).map(Number);
let sink = 0;
function work_spin(x) {
	let o = { id: x, name: "n" + (x % 97), tags: [x & 7, x & 15, x & 31], v: x / 3 };
	for (let i = 0; i < 40; i++)
		o = JSON.parse(JSON.stringify(o)), o.id = (o.id * 1103515245 + 12345) % 2147483648;
	return o.id;
}
function work_alpha(n) { let x = sink; for (let i = 0; i < n; i++) x ^= work_spin(x + 1); sink = x; }
function work_beta(n) { let x = sink; for (let i = 0; i < n; i++) x ^= work_spin(x + 2); sink = x; }
function work_gamma(n) { let x = sink; for (let i = 0; i < n; i++) x ^= work_spin(x + 3); sink = x; }
for (let r = 0; r < rounds; r++) { work_alpha(a); work_beta(b); work_gamma(c); }
if (sink === 0.5) console.log(sink);
JS
cat >"$tmp/work.py" <<'PY'
# work ROUNDS A B C: fixed work, three functions over one shared leaf
import sys
rounds, a, b, c = (int(v) for v in sys.argv[1:5])
sink = 0
def work_spin(x):
    s = str(x)
    for i in range(60):
        s = "%x" % (hash(s + "k") & 0xffffffff)
    return int(s, 16)
def work_alpha(n):
    global sink
    for i in range(n): sink ^= work_spin(sink + 1)
def work_beta(n):
    global sink
    for i in range(n): sink ^= work_spin(sink + 2)
def work_gamma(n):
    global sink
    for i in range(n): sink ^= work_spin(sink + 3)
for r in range(rounds):
    work_alpha(a); work_beta(b); work_gamma(c)
PY
cat >"$tmp/work.go" <<'GO'
// work ROUNDS A B C: fixed work, three functions over one shared leaf
package main

import (
	"crypto/sha256"
	"os"
	"strconv"
)

var buf [1024]byte
var sink uint64

//go:noinline
func work_spin(x uint64) uint64 {
	for i := 0; i < 8; i++ {
		buf[i] = byte(x >> (8 * i))
	}
	for i := 0; i < 4; i++ {
		s := sha256.Sum256(buf[:])
		copy(buf[:32], s[:])
	}
	return uint64(buf[0]) | uint64(buf[1])<<8 | uint64(buf[2])<<16
}

//go:noinline
func work_alpha(n int) { for i := 0; i < n; i++ { sink ^= work_spin(sink + 1) } }

//go:noinline
func work_beta(n int) { for i := 0; i < n; i++ { sink ^= work_spin(sink + 2) } }

//go:noinline
func work_gamma(n int) { for i := 0; i < n; i++ { sink ^= work_spin(sink + 3) } }

func main() {
	var v [4]int
	for i := range v {
		v[i], _ = strconv.Atoi(os.Args[i+1])
	}
	for r := 0; r < v[0]; r++ {
		work_alpha(v[1])
		work_beta(v[2])
		work_gamma(v[3])
	}
}
GO

python=
for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3.1[2-9] \
	"$(command -v python3.12 || true)" "$(command -v python3.13 || true)"; do
	[ -x "$p" ] && [ "${p#*/shims/}" = "$p" ] && { python=$p; break; }
done

# cmd LANG: the command line of LANG's workload before its ROUNDS A B C; 1 if it cannot run
cmd()
{
	case $1 in
	c) echo "$build/tests/workloads/work_nofp" ;;
	node) command -v node >/dev/null && echo "node --perf-basic-prof $tmp/work.js" ;;
	python) [ -n "$python" ] && echo "$python -X perf $tmp/work.py" ;;
	go) [ -x "$tmp/work-go" ] && echo "$tmp/work-go" ;;
	esac
}
if command -v go >/dev/null; then
	(cd "$tmp" && GOCACHE=$tmp/gocache GOPATH=$tmp/gopath GO111MODULE=off GOPROXY=off \
		GOTOOLCHAIN=local go build -o work-go work.go) || echo "bench-diff-noise: go build failed" >&2
fi

# record LANG NAME ROUNDS C: LANG's workload (ROUNDS rounds, work_gamma C units) into NAME.data
record()
{
	# shellcheck disable=SC2046 # the command line is words
	"$cprof" record -F "$hz" -o "$tmp/$2.data" -- $(cmd "$1") "$3" 10 6 "$4" \
		>/dev/null 2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; exit 1; }
}

# rounds LANG: rounds that take about $secs seconds of CPU (from a run of at least 2 s):
# the machine may be shared, and the samples count CPU time
rounds()
{
	local r=4 ms TIMEFORMAT=%3U+%3S

	while :; do
		# shellcheck disable=SC2046
		ms=$({ time $(cmd "$1") "$r" 10 6 10 >/dev/null; } 2>&1 | awk -F+ '{ printf "%d", ($1 + $2) * 1000 }')
		[ "$ms" -ge 2000 ] && break
		r=$((r * 4))
	done
	echo $((r * secs * 1000 / ms))
}

# gate BINARY FAILCODE PAIR PP: 1 if BINARY's gate at PP failed on the pair
# (naming work_gamma for the regressed one), else 0
gate()
{
	local rc=0

	"$1" diff --fail-above "$4" "$tmp/b.data" "$tmp/$3.data" 2>"$tmp/gate.err" >/dev/null || rc=$?
	if [ "$rc" = "$2" ] && { [ "$3" = same ] || grep -q 'work_gamma' "$tmp/gate.err"; }; then
		# what tripped a false alarm, on stderr
		[ "$3" != same ] || grep -m 1 'regression' "$tmp/gate.err" | cut -c 1-240 >&2
		echo 1
	else
		echo 0
	fi
}

pct()
{
	awk -v a="$1" -v n="$2" 'BEGIN { printf "%d/%d (%.0f %%)", a, n, 100 * a / n }'
}

codes=()
for o in "${olds[@]}"; do
	if "$o" diff --help 2>&1 | grep -q '^  5  the gate failed'; then codes+=(5); else codes+=(1); fi
done
bins=("$cprof" "${olds[@]}") codes=(5 "${codes[@]}")
echo "| language | method | --fail-above | trials | s a recording, Hz | samples a recording | false alarms (same build) | detected (work_gamma +10 %) |"
echo "|---|---|---|---|---|---|---|---|"
for lang in $langs; do
	if ! cmd "$lang" >/dev/null; then
		echo "bench-diff-noise: $lang: its runtime is missing, left out" >&2
		continue
	fi
	r=$(rounds "$lang")
	echo "$lang: $r rounds a recording" >&2
	samples=0 wall=0 fa=() det=()
	for t in $(seq 1 "$pairs"); do
		t0=$(date +%s%N)
		record "$lang" b "$r" 10
		t1=$(date +%s%N)
		record "$lang" same "$r" 10
		record "$lang" reg "$r" 11
		wall=$((wall + (t1 - t0) / 1000000))
		line="$lang trial $t:"
		for i in "${!bins[@]}"; do
			for p in $pp; do
				a=$(gate "${bins[i]}" "${codes[i]}" same "$p") d=$(gate "${bins[i]}" "${codes[i]}" reg "$p")
				fa[i * 100 + ${p%.*}]=$((${fa[i * 100 + ${p%.*}]:-0} + a))
				det[i * 100 + ${p%.*}]=$((${det[i * 100 + ${p%.*}]:-0} + d))
				line="$line ${bins[i]} at $p: false alarm $a, detected $d;"
			done
		done
		"$cprof" diff -f top "$tmp/b.data" "$tmp/same.data" >"$tmp/top.txt"
		n=$(awk 'NR == 2 { print $3 }' "$tmp/top.txt")
		w=$(sed -n '2s/.*(\([-+][0-9.]* %\).*/\1/p' "$tmp/top.txt")
		samples=$((samples + n))
		echo "$line ($n samples; the same build's whole: $w)" >&2
	done
	s=$(awk -v w="$wall" -v n="$pairs" 'BEGIN { printf "%.1f", w / n / 1000 }')
	for i in "${!bins[@]}"; do
		for p in $pp; do
			echo "| $lang | ${bins[i]} | $p | $pairs | $s s, $hz Hz | $((samples / pairs)) |" \
				"$(pct "${fa[i * 100 + ${p%.*}]:-0}" "$pairs") | $(pct "${det[i * 100 + ${p%.*}]:-0}" "$pairs") |"
		done
	done
done
echo
echo "bench-diff-noise: $(($(date +%s) - start)) s in all"
