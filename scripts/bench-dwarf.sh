#!/usr/bin/env bash
# bench-dwarf.sh - cprof's DWARF recording side by side with perf, on one target.
#
# Measures, in one run and on the same target program (bench/busy.c, built
# here with gcc -O2 -g and no frame pointers):
#   1. the target's work rate unprofiled, under `perf record` without call
#      graph (the kernel's own sampling cost: the floor), under `cprof record`
#      (DWARF, the default), under `perf record --call-graph dwarf`, and under
#      `cprof record -g fp` (for information); interleaved round-robin, the
#      slowdown of each as the median of its per-round ratio to the
#      unprofiled run, and, steadier on a VM whose CPU speed drifts, the
#      share of time the target's threads did not run (bench/busy.c
#      measures it) above the unprofiled run's;
#   2. the data file sizes, cprof.data against perf.data (dwarf);
#   3. the time from data file to folded stacks: `cprof report` against
#      `perf script | stackcollapse-perf.pl`;
#   4. the recorders' own CPU and the samples they lost;
# then prints the numbers in markdown tables with PASS/MISS per goal.
# Exits 0 whatever the goals say; non-zero only when something failed to run.
#
# No network needed.  Needs bash, gcc, awk, perf; uses hyperfine if present
# and FlameGraph's stackcollapse-perf.pl if on PATH or in $FLAMEGRAPH_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

RUNS=5
SECONDS_PER_RUN=5
FREQ=999
THREADS=2
MODE=mix
PERF_STACK=""          # perf's --call-graph dwarf size; empty: perf's default (8192)
CPROF_STACK=""         # cprof's --stack-size; empty: cprof's default
STACK_SIZES=""         # optional sweep of cprof --stack-size values
SWEEP_RUNS=3
REPORT_RUNS=5
IDLE_WAIT=120          # seconds to wait for a quiet machine before each run
NOISE_LIMIT=0.10       # foreign CPU (fraction of one CPU) that makes a run redone
RETRIES=3
WORK=""
KEEP=0

usage() {
	cat <<EOF
Usage: scripts/bench-dwarf.sh [OPTIONS]

Compare the cost of 'cprof record' (DWARF) with 'perf record' on one target.

Options:
  -r, --runs N            rounds of every configuration (default $RUNS)
  -s, --seconds S         length of one run in seconds (default $SECONDS_PER_RUN)
  -F, --freq HZ           sampling frequency (default $FREQ)
  -t, --threads N         busy threads of the target (default $THREADS)
  -m, --mode mix|deep     target's call chains (default $MODE; deep: 300 frames)
      --perf-stack BYTES  perf --call-graph dwarf,BYTES (default: perf's, 8192)
      --cprof-stack BYTES cprof --stack-size BYTES (default: cprof's own)
      --stack-sizes LIST  also sweep cprof --stack-size over LIST, e.g.
                          "8192 16384 32768 65528", on the mix target and on a
                          one-thread deep (300 x 64 B frames) target
      --sweep-runs N      rounds of the sweep (default $SWEEP_RUNS)
      --report-runs N     timed runs of each report pipeline (default $REPORT_RUNS)
      --idle-wait S       wait up to S s for a quiet machine per run (default $IDLE_WAIT)
      --noise-limit F     redo a run when other processes used more than F of
                          one CPU during it (default $NOISE_LIMIT)
  -w, --workdir DIR       keep binaries, data files and logs in DIR
  -k, --keep              keep the temporary work directory
  -h, --help              show this help

Environment:
  CPROF           the cprof binary (default: build/cprof of this repository,
                  built with cmake when missing)
  PERF            the perf binary (default: perf)
  FLAMEGRAPH_DIR  where stackcollapse-perf.pl is, when it is not on PATH
  HYPERFINE       the hyperfine binary; set it empty to time with a plain loop

Takes about 5 minutes with the defaults on a quiet machine (more while it
waits for other processes to leave the CPUs alone), plus as much again per
round of the sweep.
EOF
}

die() { echo "bench-dwarf: $*" >&2; exit 1; }
note() { echo "bench-dwarf: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	-r|--runs) RUNS=$2; shift 2 ;;
	-s|--seconds) SECONDS_PER_RUN=$2; shift 2 ;;
	-F|--freq) FREQ=$2; shift 2 ;;
	-t|--threads) THREADS=$2; shift 2 ;;
	-m|--mode) MODE=$2; shift 2 ;;
	--perf-stack) PERF_STACK=$2; shift 2 ;;
	--cprof-stack) CPROF_STACK=$2; shift 2 ;;
	--stack-sizes) STACK_SIZES=$2; shift 2 ;;
	--sweep-runs) SWEEP_RUNS=$2; shift 2 ;;
	--report-runs) REPORT_RUNS=$2; shift 2 ;;
	--idle-wait) IDLE_WAIT=$2; shift 2 ;;
	--noise-limit) NOISE_LIMIT=$2; shift 2 ;;
	-w|--workdir) WORK=$2; KEEP=1; shift 2 ;;
	-k|--keep) KEEP=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
case "$MODE" in mix|deep) ;; *) die "bad mode '$MODE' (mix or deep)" ;; esac
for v in "$RUNS" "$SWEEP_RUNS" "$THREADS" "$FREQ" "$REPORT_RUNS" "$RETRIES"; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: '$v'"
done

# ---- tools ----------------------------------------------------------------

PERF=${PERF:-perf}
command -v "$PERF" >/dev/null || die "perf not found (set PERF)"
command -v gcc >/dev/null || die "gcc not found"

if [ -z "${CPROF:-}" ]; then
	CPROF=$ROOT/build/cprof
	if [ ! -x "$CPROF" ]; then
		note "building cprof in $ROOT/build"
		if ! { cmake -S "$ROOT" -B "$ROOT/build" >/dev/null &&
			cmake --build "$ROOT/build" -j2 --target cprof >/dev/null; }; then
			die "cannot build cprof"
		fi
	fi
fi
[ -x "$CPROF" ] || die "cprof binary '$CPROF' not found or not executable"

COLLAPSE=""
if command -v stackcollapse-perf.pl >/dev/null; then
	COLLAPSE=$(command -v stackcollapse-perf.pl)
elif [ -n "${FLAMEGRAPH_DIR:-}" ] && [ -f "$FLAMEGRAPH_DIR/stackcollapse-perf.pl" ]; then
	COLLAPSE=$FLAMEGRAPH_DIR/stackcollapse-perf.pl
fi
HYPERFINE=${HYPERFINE-$(command -v hyperfine || true)}

if [ -z "$WORK" ]; then
	WORK=$(mktemp -d /tmp/bench-dwarf.XXXXXX)
else
	mkdir -p "$WORK"
	WORK=$(cd "$WORK" && pwd)
fi
cleanup() {
	if [ "$KEEP" = 1 ]; then
		note "work files kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

BUSY=$WORK/busy
gcc -O2 -g -fomit-frame-pointer -fasynchronous-unwind-tables -pthread \
	-o "$BUSY" "$ROOT/bench/busy.c" || die "cannot build bench/busy.c"

"$PERF" record -q -e cpu-clock -o "$WORK/probe.data" -- true >/dev/null 2>&1 ||
	die "'$PERF record -e cpu-clock' does not work here"
rm -f "$WORK/probe.data"

# ---- one measured run -------------------------------------------------------

# Busy and idle jiffies of the whole machine, from /proc/stat.
cpu_jiffies() {
	awk '$1 == "cpu" { idle = $5 + $6; t = 0; for (i = 2; i <= NF; i++) t += $i;
		print t - idle, idle; exit }' /proc/stat
}

# Wait until the other processes leave the CPUs alone (under NOISE_LIMIT of
# one CPU for a second), at most IDLE_WAIT seconds.
wait_idle() {
	local waited=0 b0 b1 hz
	hz=$(getconf CLK_TCK)
	while :; do
		read -r b0 _ < <(cpu_jiffies)
		sleep 1
		read -r b1 _ < <(cpu_jiffies)
		if awk -v b=$((b1 - b0)) -v hz="$hz" -v lim="$NOISE_LIMIT" \
			'BEGIN { exit !(b / hz <= lim) }'; then
			return 0
		fi
		waited=$((waited + 1))
		if [ "$waited" -ge "$IDLE_WAIT" ]; then
			note "machine still busy after ${IDLE_WAIT}s; measuring anyway"
			return 0
		fi
	done
}

RESULTS=$WORK/results.tsv
printf 'set\tround\tconfig\ttry\trate\tbusy_cpu\ttree_cpu\tforeign_cpu\tbytes\tsamples\tlost\trec_cpu\trec_pct\ttrunc\titers\tstolen\n' >"$RESULTS"

# The command line of a configuration; data go to $2.
config_cmd() {
	local cfg=$1 data=$2 mode=$3 threads=$4
	local target=("$BUSY" "$SECONDS_PER_RUN" "$threads" "$mode")
	case "$cfg" in
	base) CMD=("${target[@]}") ;;
	floor) CMD=("$PERF" record -e cpu-clock -F "$FREQ" -o "$data" -- "${target[@]}") ;;
	perf-dwarf)
		CMD=("$PERF" record -e cpu-clock -F "$FREQ" --call-graph "dwarf${PERF_STACK:+,$PERF_STACK}"
			-o "$data" -- "${target[@]}") ;;
	cprof-dwarf)
		CMD=("$CPROF" record -F "$FREQ" ${CPROF_STACK:+--stack-size "$CPROF_STACK"}
			-o "$data" -- "${target[@]}") ;;
	cprof-fp) CMD=("$CPROF" record -g fp -F "$FREQ" -o "$data" -- "${target[@]}") ;;
	cprof-s*)
		CMD=("$CPROF" record -F "$FREQ" --stack-size "${cfg#cprof-s}" -o "$data" -- "${target[@]}") ;;
	*) die "unknown configuration $cfg" ;;
	esac
}

# Samples perf lost in a perf.data file: the LOST records (ring full) and
# the LOST_SAMPLES ones (samples the kernel dropped).  The full dump is slow,
# so only when --stats shows some.
perf_lost() {
	if ! "$PERF" report --stats -i "$1" 2>/dev/null | grep -q 'LOST'; then
		echo 0
		return
	fi
	"$PERF" report -D -i "$1" 2>/dev/null | awk '
		/PERF_RECORD_LOST/ && match($0, /lost( samples)? ?:[0-9]+/) {
			v = substr($0, RSTART, RLENGTH); sub(/.*:/, "", v); n += v }
		END { print n + 0 }'
}

# run_one SET ROUND CONFIG MODE THREADS: run, retrying when another process
# took more than NOISE_LIMIT of a CPU meanwhile; append a line to RESULTS.
run_one() {
	local set=$1 round=$2 cfg=$3 mode=$4 threads=$5
	local data=$WORK/$set.$cfg.$round.data out=$WORK/$set.$cfg.$round.out
	local err=$WORK/$set.$cfg.$round.err try=0 hz b0 b1 times
	local rate iters stolen busy_cpu tree_cpu foreign bytes samples lost rec_cpu rec_pct trunc
	hz=$(getconf CLK_TCK)
	while :; do
		try=$((try + 1))
		rm -f "$data" "$data.old"
		config_cmd "$cfg" "$data" "$mode" "$threads"
		wait_idle
		read -r b0 _ < <(cpu_jiffies)
		local TIMEFORMAT='%3U %3S'
		{ time "${CMD[@]}" >"$out" 2>"$err"; } 2>"$WORK/time" ||
			{ cat "$err" >&2; die "run failed: ${CMD[*]}"; }
		read -r b1 _ < <(cpu_jiffies)
		times=$(cat "$WORK/time")
		rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' "$out")
		iters=$(sed -n 's/.* iterations=\([0-9]*\).*/\1/p' "$out")
		stolen=$(sed -n 's/.* stolen=\([0-9.]*\).*/\1/p' "$out")
		busy_cpu=$(sed -n 's/.* cpu=\([0-9.]*\).*/\1/p' "$out")
		[ -n "$rate" ] || { cat "$out" "$err" >&2; die "no rate from: ${CMD[*]}"; }
		tree_cpu=$(echo "$times" | awk '{ print $1 + $2 }')
		# machine busy time not spent by this run's process tree
		foreign=$(awk -v b=$((b1 - b0)) -v hz="$hz" -v t="$tree_cpu" -v s="$SECONDS_PER_RUN" \
			'BEGIN { f = (b / hz - t) / s; printf "%.3f", f < 0 ? 0 : f }')
		if awk -v f="$foreign" -v lim="$NOISE_LIMIT" 'BEGIN { exit !(f <= lim) }' ||
			[ "$try" -gt "$RETRIES" ]; then
			break
		fi
		note "  $cfg round $round: other processes took $foreign CPU; again"
	done
	bytes=0 samples=- lost=- rec_cpu=- rec_pct=- trunc=-
	[ -f "$data" ] && bytes=$(stat -c %s "$data")
	case "$cfg" in
	cprof-*)
		read -r samples lost rec_cpu rec_pct < <(sed -n \
			's/^cprof: \([0-9]*\) samples (\([0-9]*\) lost).*recorder CPU \([0-9.]*\) s (\([0-9.]*\)%).*/\1 \2 \3 \4/p' \
			"$err") || { cat "$err" >&2; die "no cprof summary line"; }
		trunc=$("$CPROF" report -i "$data" --stats 2>&1 >/dev/null |
			sed -n 's/^# truncated stacks: \([0-9]*\) of.*/\1/p')
		trunc=${trunc:-0}
		;;
	floor|perf-dwarf)
		samples=$(sed -n 's/.*(\([0-9]*\) samples).*/\1/p' "$err")
		lost=$(perf_lost "$data")
		# perf's own CPU: the process tree's less the target's
		rec_cpu=$(awk -v t="$tree_cpu" -v b="$busy_cpu" 'BEGIN { printf "%.2f", t - b }')
		rec_pct=$(awk -v c="$rec_cpu" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.1f", 100 * c / s }')
		;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$round" "$cfg" \
		"$try" "$rate" "$busy_cpu" "$tree_cpu" "$foreign" "$bytes" "${samples:--}" \
		"${lost:--}" "$rec_cpu" "$rec_pct" "$trunc" "$iters" "$stolen" >>"$RESULTS"
	note "  round $round $(printf '%-13s' "$cfg") rate $rate/s, stolen $stolen%, data $bytes B, foreign CPU $foreign"
}

# run_set SET MODE THREADS CONFIGS...: RUNS rounds, each configuration once per
# round, the order rotated every round so that none always comes first.
run_set() {
	local set=$1 mode=$2 threads=$3 r i n
	shift 3
	local cfgs=("$@")
	n=${#cfgs[@]}
	for ((r = 1; r <= RUNS; r++)); do
		for ((i = 0; i < n; i++)); do
			run_one "$set" "$r" "${cfgs[$(((i + r - 1) % n))]}" "$mode" "$threads"
		done
		# keep the last round's data files, for the report timings
		if [ "$r" -lt "$RUNS" ]; then
			rm -f "$WORK/$set".*".$r.data" "$WORK/$set".*".$r.data.old"
		fi
	done
}

# ---- statistics ---------------------------------------------------------------

AWK_LIB='
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	if (n == 0) return "nan"
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function lo(a, n,    i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]; return m }
function hi(a, n,    i, m) { m = a[1]; for (i = 2; i <= n; i++) if (a[i] > m) m = a[i]; return m }
'

# med SET CONFIG FIELD: the median of a column over the rounds
med() {
	awk -F'\t' -v set="$1" -v cfg="$2" -v col="$3" "$AWK_LIB"'
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == set && $3 == cfg && $c[col] != "-" { v[++n] = $c[col] }
		END { m = median(v, n)
			if (m == "nan") print "-"; else if (m == int(m)) print m; else printf "%.2f\n", m }' "$RESULTS"
}

# slowdown SET CONFIG [MINUS]: "median lo hi" of the per-round slowdown in %
# against the unprofiled run of the same round; with MINUS, of the difference
# between CONFIG's slowdown and MINUS's, in percentage points.  Rounds in
# which some run stayed noisy (other processes above NOISE_LIMIT) are left
# out, unless every round was.  With METRIC=stolen, the difference of the
# share of time stolen from the target's threads (see bench/busy.c) instead,
# in percentage points: the time profiling took from the target, whatever
# the speed of the CPU.
slowdown() {
	awk -F'\t' -v set="$1" -v cfg="$2" -v minus="${3:-}" -v lim="$NOISE_LIMIT" \
		-v metric="${METRIC:-rate}" "$AWK_LIB"'
		function sd(c, r) {
			if (metric == "stolen") return st[c, r] - st["base", r]
			return 100 * (1 - rate[c, r] / rate["base", r])
		}
		NR == 1 { next }
		$1 == set { rate[$3, $2] = $5; st[$3, $2] = $16
			if ($2 > rounds) rounds = $2; if ($8 > lim) noisy[$2] = 1 }
		END {
			for (r = 1; r <= rounds; r++) if (!(r in noisy)) quiet++
			for (r = 1; r <= rounds; r++) {
				if (quiet && (r in noisy)) continue
				if (!((cfg, r) in rate) || !(("base", r) in rate)) continue
				if (minus != "" && !((minus, r) in rate)) continue
				s = sd(cfg, r)
				if (minus != "") s -= sd(minus, r)
				v[++n] = s
			}
			if (!n) { print "- - -"; exit }
			printf "%.2f %.2f %.2f\n", median(v, n), lo(v, n), hi(v, n)
		}' "$RESULTS"
}

# Rounds of SET used by slowdown(): "used total"
rounds_used() {
	awk -F'\t' -v set="$1" -v lim="$NOISE_LIMIT" '
		NR > 1 && $1 == set { all[$2] = 1; if ($8 > lim) noisy[$2] = 1 }
		END { for (r in all) { t++; if (!(r in noisy)) q++ } print (q ? q : t), t }' "$RESULTS"
}

# Share of samples whose stack reaches the thread's root (_start, clone/clone3),
# in percent, from folded lines ("comm;root;...;leaf count").
folded_complete() {
	awk '{ n = $NF; total += n; split($0, f, ";");
		if (f[2] ~ /^(_start|__?clone3?|clone3?)$/) ok += n }
		END { printf "%.1f\n", total ? 100 * ok / total : 0 }'
}

# The same from `perf script` output (a header line, frames leaf first, a
# blank line per sample: the last frame is the root).
perf_script_complete() {
	awk 'function count() { total++; sub(/\+0x[0-9a-f]+$/, "", last);
			if (last ~ /^(_start|__?clone3?|clone3?)$/) ok++ }
		/^[^ \t]/ { if (inside) count(); inside = 1; last = ""; next }
		/^[ \t]+[0-9a-f]+ / { last = $2; next }
		/^$/ { if (inside) count(); inside = 0 }
		END { if (inside) count(); printf "%.1f\n", total ? 100 * ok / total : 0 }'
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.1f", 100 * a / b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.1f", a / b }'; }
human() {
	awk -v b="$1" 'BEGIN { if (b == "-") print "-"; else if (b >= 10485760) printf "%.1f MiB", b / 1048576;
		else if (b >= 10240) printf "%.1f KiB", b / 1024; else printf "%d B", b }'
}
verdict() {
	case "$1" in "- "*|*" - "*|*nan*) echo "n/a"; return ;; esac
	if awk "BEGIN { exit !($1) }" 2>/dev/null; then echo PASS; else echo MISS; fi
}

# time_cmd NAME SHELL-COMMAND: median wall seconds of REPORT_RUNS runs
time_cmd() {
	local name=$1 cmd=$2 i t0 t1
	if [ -n "$HYPERFINE" ]; then
		"$HYPERFINE" --style none --warmup 1 --runs "$REPORT_RUNS" \
			--export-csv "$WORK/hf.$name.csv" "$cmd" >/dev/null 2>"$WORK/hf.$name.err" ||
			{ cat "$WORK/hf.$name.err" >&2; die "timing failed: $cmd"; }
		awk -F, 'NR == 2 { print $4 }' "$WORK/hf.$name.csv"
		return
	fi
	bash -c "$cmd" || die "timing failed: $cmd"
	for ((i = 0; i < REPORT_RUNS; i++)); do
		t0=$(date +%s.%N)
		bash -c "$cmd" || die "timing failed: $cmd"
		t1=$(date +%s.%N)
		echo "$t0 $t1"
	done | awk "$AWK_LIB"'{ v[++n] = $2 - $1 } END { print median(v, n) }'
}

# ---- the comparison -------------------------------------------------------------

CONFIGS=(base floor cprof-dwarf perf-dwarf cprof-fp)
NCPU=$(nproc)
START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
CPROF_STACK_SHOWN=${CPROF_STACK:-$("$CPROF" record --help | sed -n 's/.*(default \([0-9]*\),.*/\1/p')}
CPROF_STACK_SHOWN=${CPROF_STACK_SHOWN:-?}
PERF_STACK_SHOWN=${PERF_STACK:-8192}

note "target: busy $SECONDS_PER_RUN s, $THREADS threads, $MODE; $RUNS rounds of ${CONFIGS[*]}"
run_set main "$MODE" "$THREADS" "${CONFIGS[@]}"

CPROF_DATA=$WORK/main.cprof-dwarf.$RUNS.data
PERF_DATA=$WORK/main.perf-dwarf.$RUNS.data

note "timing the reports on round $RUNS's data files"
CPROF_REPORT_CMD="'$CPROF' report -i '$CPROF_DATA' >/dev/null"
if [ -n "$COLLAPSE" ]; then
	PERF_REPORT_CMD="'$PERF' script -i '$PERF_DATA' 2>/dev/null | perl '$COLLAPSE' >/dev/null"
	PERF_REPORT_NAME="perf script \\| stackcollapse-perf.pl"
else
	PERF_REPORT_CMD="'$PERF' script -i '$PERF_DATA' >/dev/null 2>&1"
	PERF_REPORT_NAME="perf script > /dev/null (stackcollapse-perf.pl not found: perf script alone)"
fi
T_CPROF=$(time_cmd cprof "$CPROF_REPORT_CMD")
T_PERF=$(time_cmd perf "$PERF_REPORT_CMD")

# stacks that reach the thread's root, in each tool's own output
COMPLETE_CPROF=$("$CPROF" report -i "$CPROF_DATA" 2>/dev/null | folded_complete)
COMPLETE_PERF=$("$PERF" script -i "$PERF_DATA" 2>/dev/null | perf_script_complete)
COMPLETE_FP=$("$CPROF" report -i "$WORK/main.cprof-fp.$RUNS.data" 2>/dev/null | folded_complete)

# ---- the tables ------------------------------------------------------------------

label() {
	case "$1" in
	base) echo "unprofiled" ;;
	floor) echo "perf record -F $FREQ, no call graph (floor)" ;;
	cprof-dwarf) echo "cprof record -F $FREQ (dwarf, $CPROF_STACK_SHOWN B)" ;;
	perf-dwarf) echo "perf record -F $FREQ --call-graph dwarf ($PERF_STACK_SHOWN B)" ;;
	cprof-fp) echo "cprof record -g fp -F $FREQ (info; no frame pointers)" ;;
	cprof-s*) echo "cprof --stack-size ${1#cprof-s}" ;;
	esac
}

read -r S_FLOOR _ _ < <(slowdown main floor)
read -r S_CPROF _ _ < <(slowdown main cprof-dwarf)
read -r S_PERF _ _ < <(slowdown main perf-dwarf)
read -r D_FLOOR D_FLOOR_LO D_FLOOR_HI < <(slowdown main cprof-dwarf floor)
read -r D_PERF _ _ < <(slowdown main cprof-dwarf perf-dwarf)
read -r ST_FLOOR _ _ < <(METRIC=stolen slowdown main floor)
read -r ST_CPROF _ _ < <(METRIC=stolen slowdown main cprof-dwarf)
read -r ST_PERFD _ _ < <(METRIC=stolen slowdown main perf-dwarf)
read -r TD_FLOOR TD_FLOOR_LO TD_FLOOR_HI < <(METRIC=stolen slowdown main cprof-dwarf floor)
read -r TD_PERF _ _ < <(METRIC=stolen slowdown main cprof-dwarf perf-dwarf)
B_CPROF=$(med main cprof-dwarf bytes)
B_PERF=$(med main perf-dwarf bytes)
N_CPROF=$(med main cprof-dwarf samples)
N_PERF=$(med main perf-dwarf samples)
SIZE_RATIO=$(ratio "$B_PERF" "$B_CPROF")
REPORT_RATIO=$(ratio "$T_PERF" "$T_CPROF")
REDONE=$(awk -F'\t' 'NR > 1 && $4 > 1 { n++ } END { print n + 0 }' "$RESULTS")
NOISY=$(awk -F'\t' -v lim="$NOISE_LIMIT" 'NR > 1 && $8 > lim { n++ } END { print n + 0 }' "$RESULTS")

echo
echo "## cprof DWARF benchmark"
echo
echo "- date: $START_DATE; host: $(hostname), $NCPU CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "- kernel $(uname -r); $("$PERF" --version); $("$CPROF" --version) ($CPROF, built" \
	"$(date -u -r "$CPROF" '+%Y-%m-%d %H:%M UTC'); source tree at" \
	"$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'))"
echo "- target: bench/busy.c (gcc -O2 -g, no frame pointers), $THREADS threads, mode $MODE," \
	"$SECONDS_PER_RUN s per run; $RUNS rounds, configurations interleaved round-robin"
read -r USED TOTAL < <(rounds_used main)
echo "- slowdown: median over rounds of 1 - rate/rate(unprofiled of the same round) [min..max];" \
	"runs redone because other processes took over $NOISE_LIMIT CPU: $REDONE;" \
	"runs still noisy after $RETRIES retries: $NOISY; rounds used: $USED of $TOTAL"
echo
echo "### 1. Target slowdown and recorder cost"
echo
echo "| configuration | work rate /s | slowdown % [range] | time stolen, pp [range] | samples | lost | recorder CPU s (% of run) | truncated |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for cfg in "${CONFIGS[@]}"; do
	rate=$(med main "$cfg" rate)
	if [ "$cfg" = base ]; then
		sd="-" ic="(itself $(med main base stolen)%)"
	else
		read -r m l h < <(slowdown main "$cfg")
		sd="$m [$l..$h]"
		read -r m l h < <(METRIC=stolen slowdown main "$cfg")
		ic="$m [$l..$h]"
	fi
	rc=$(med main "$cfg" rec_cpu)
	rp=$(med main "$cfg" rec_pct)
	rcs="-"
	[ "$rc" != "-" ] && rcs="$rc ($rp%)"
	printf '| %s | %.0f | %s | %s | %s | %s | %s | %s |\n' "$(label "$cfg")" "$rate" "$sd" "$ic" \
		"$(med main "$cfg" samples)" "$(med main "$cfg" lost)" "$rcs" "$(med main "$cfg" trunc)"
done
echo
echo "Slowdown: loss of work per wall second, what a user of the target sees (on a machine"
echo "whose CPUs the target fills, the recorder's CPU comes out of it); it moves with the speed"
echo "the (virtual) CPUs happen to run at. Time stolen: the share of its threads' wall time the"
echo "target did not run, less the unprofiled run's, in percentage points (interrupts, stack"
echo "copies, preemption by the recorder); it does not depend on the CPU's speed."
echo "perf's recorder CPU is its process tree's CPU less the target's (its end-of-run build-id"
echo "pass included); cprof's is from its summary line. Other columns: medians over the rounds."
echo
echo "### 2. Data file size (median over rounds)"
echo
echo "| file | size | bytes/sample |"
echo "|---|---:|---:|"
echo "| cprof.data | $(human "$B_CPROF") | $(ratio "$B_CPROF" "$N_CPROF") |"
echo "| perf.data (dwarf) | $(human "$B_PERF") | $(ratio "$B_PERF" "$N_PERF") |"
echo "| ratio perf/cprof | ${SIZE_RATIO}x | |"
echo
echo "### 3. Data file to folded stacks (round $RUNS's files, median of $REPORT_RUNS runs$([ -n "$HYPERFINE" ] && echo ", hyperfine"))"
echo
echo "| pipeline | seconds | stacks reaching _start/clone |"
echo "|---|---:|---:|"
printf '| cprof report | %.3f | %s%% |\n' "$T_CPROF" "$COMPLETE_CPROF"
printf '| %s | %.3f | %s%% |\n' "$PERF_REPORT_NAME" "$T_PERF" "$COMPLETE_PERF"
echo "| ratio perf/cprof | ${REPORT_RATIO}x | |"
echo
echo "(cprof -g fp on this frame-pointer-less target: ${COMPLETE_FP}% of stacks reach the root.)"

echo
echo "### Goals"
echo
echo "| goal | measured | verdict |"
echo "|---|---:|---|"
echo "| cprof slowdown within 0.5 pp of the floor (work rate) | $D_FLOOR pp [$D_FLOOR_LO..$D_FLOOR_HI] ($S_CPROF% vs $S_FLOOR%) | $(verdict "$D_FLOOR <= 0.5") |"
echo "| the same, by time stolen | $TD_FLOOR pp [$TD_FLOOR_LO..$TD_FLOOR_HI] ($ST_CPROF vs $ST_FLOOR pp) | $(verdict "$TD_FLOOR <= 0.5") |"
echo "| cprof slowdown no worse than perf --call-graph dwarf (work rate) | $D_PERF pp ($S_CPROF% vs $S_PERF%) | $(verdict "$D_PERF <= 0") |"
echo "| the same, by time stolen | $TD_PERF pp ($ST_CPROF vs $ST_PERFD pp) | $(verdict "$TD_PERF <= 0") |"
echo "| cprof.data at least 50x smaller than perf.data | ${SIZE_RATIO}x | $(verdict "$SIZE_RATIO >= 50") |"
echo "| cprof report at least 10x faster | ${REPORT_RATIO}x | $(verdict "$REPORT_RATIO >= 10") |"

# ---- the optional stack-size sweep ------------------------------------------------

if [ -n "$STACK_SIZES" ]; then
	RUNS=$SWEEP_RUNS
	SWEEP=(base)
	for s in $STACK_SIZES; do
		[[ "$s" =~ ^[0-9]+$ ]] || die "bad stack size '$s'"
		SWEEP+=("cprof-s$s")
	done
	note "stack-size sweep, mix target: ${SWEEP[*]}"
	run_set sweep-mix mix "$THREADS" "${SWEEP[@]}"
	note "stack-size sweep, deep target (1 thread, 300 x 64 B frames): ${SWEEP[*]}"
	run_set sweep-deep deep 1 "${SWEEP[@]}"

	for set in sweep-mix sweep-deep; do
		echo
		if [ "$set" = sweep-mix ]; then
			echo "### Stack-size sweep: mix target ($THREADS threads)"
		else
			echo "### Stack-size sweep: deep target (1 thread, main -> deep_loop -> deep_down x300 -> deep_bottom)"
		fi
		echo
		echo "| --stack-size | slowdown % [range] | time stolen, pp [range] | recorder CPU s (% of run) | lost | data/sample B | truncated % | reach _start/clone % |"
		echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
		for s in $STACK_SIZES; do
			cfg=cprof-s$s
			read -r m l h < <(slowdown "$set" "$cfg")
			read -r t tl th < <(METRIC=stolen slowdown "$set" "$cfg")
			ic="$t [$tl..$th]"
			n=$(med "$set" "$cfg" samples)
			f=$WORK/$set.$cfg.$RUNS.data
			reach=$("$CPROF" report -i "$f" 2>/dev/null | folded_complete)
			printf '| %s | %s [%s..%s] | %s | %s (%s%%) | %s | %s | %s | %s |\n' "$s" "$m" "$l" "$h" "$ic" \
				"$(med "$set" "$cfg" rec_cpu)" "$(med "$set" "$cfg" rec_pct)" \
				"$(med "$set" "$cfg" lost)" "$(ratio "$(med "$set" "$cfg" bytes)" "$n")" \
				"$(pct "$(med "$set" "$cfg" trunc)" "$n")" "$reach"
		done
	done
	echo
	echo "Sweep: $SWEEP_RUNS rounds each, the columns as in table 1; truncated and reach from the last round."
fi

echo
echo "Per-run numbers: $RESULTS$([ "$KEEP" = 1 ] || echo " (removed; keep with -k)")"
