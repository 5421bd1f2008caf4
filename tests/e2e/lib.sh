# lib.sh - helpers for the cprof end-to-end tests (bash + awk).
#
# A test is a bash script that sources this file, calls require_perf, runs the
# real cprof on a workload from tests/workloads and checks the folded output:
#
#	. "$(dirname "$0")/lib.sh"
#	require_perf
#	record_ok -g fp -F 999 -o "$T/d" -- "$WORKDIR/split_fp" 3
#	report_ok "$T/d" "$T/folded"
#	assert_between "share of chain a" \
#		"$(share "$T/folded" "$(chain_re main split_a_outer split_a_leaf)")" 47 53
#	pass
#
# Environment, set by tests/e2e/CMakeLists.txt (or by hand):
#	CPROF		the cprof binary
#	WORKDIR		directory holding the workload programs (split_fp, ...)
#	CPROF_REQUIRE_PERF=1	a refused perf_event_open is a failure, not a skip
#	KEEP_TMP=1	keep the scratch directory even when the test passes
#
# By hand, from the top of the repo after a build into build/:
#	CPROF=build/cprof WORKDIR=build/tests/workloads bash tests/e2e/split.sh fp
# or: ctest --test-dir build -L e2e --output-on-failure
#
# Every assert_* prints what it expected, what it saw and the top of the folded
# file under test ($FOLDED, set by report_ok), then exits 1.  Exit 77 is a skip
# (CTest SKIP_RETURN_CODE).
#
# Folded lines are `frame;frame;...;frame COUNT`.  Patterns are awk EREs
# matched against the stack part only (the line without its count); they are
# passed through the environment, so backslashes reach awk unchanged.  frame_re
# and chain_re build the usual ones.

set -u

TEST_NAME=$(basename "$0" .sh)
: "${CPROF:?set CPROF to the cprof binary}"
: "${WORKDIR:?set WORKDIR to the directory of the workload programs}"
: "${CPROF_REQUIRE_PERF:=0}"
: "${KEEP_TMP:=0}"

# cprof_run runs cprof under these words (e.g. RUN_UNDER=("$NOPERF")).
RUN_UNDER=()

# Upper bound on any one cprof command; a hang becomes a failure, not a CTest
# timeout with no output.
CMD_TIMEOUT=${CMD_TIMEOUT:-30}

T=$(mktemp -d "${TMPDIR:-/tmp}/cprof-e2e-$TEST_NAME.XXXXXX") || exit 1
: >"$T/.started" # when the test began (the cleanup's marker)
FOLDED=
BG_PIDS=
RC=0
CHILD_CPU=0
_lib_passed=0

_lib_cleanup()
{
	local p

	for p in $BG_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	# the perf maps and jitdumps the test's runtimes (python -X perf, node
	# --perf-basic-prof) left in /tmp, once their processes are gone
	for f in $(find /tmp -maxdepth 1 -newer "$T/.started" \( -name 'perf-*.map' -o -name 'jit-*.dump' \) \
		-user "$(id -u)" 2>/dev/null); do
		p=${f##*-}
		[ -d "/proc/${p%.*}" ] || rm -f "$f"
	done
	if [ "$_lib_passed" = 1 ] && [ "$KEEP_TMP" != 1 ]; then
		rm -rf "$T"
	else
		echo "# scratch files kept in $T"
	fi
}
trap _lib_cleanup EXIT

note()
{
	echo "# $*"
}

pass()
{
	_lib_passed=1
	echo "PASS: $TEST_NAME"
	exit 0
}

skip()
{
	_lib_passed=1
	echo "SKIPPED: $TEST_NAME: $*"
	exit 77
}

# The top of a folded file, heaviest stacks first, long lines cut.
show_top()
{
	local f=${1:-$FOLDED} n=${2:-12}

	if [ -z "$f" ] || [ ! -e "$f" ]; then
		echo "    (no folded output)"
		return
	fi
	echo "    --- $f: $(wc -l <"$f") lines, $(total "$f") samples; top $n:"
	awk '{ print $NF "\t" $0 }' "$f" | sort -t '	' -k1,1nr | head -n "$n" |
		cut -f2- | awk '{ if (length($0) > 400)
				      $0 = substr($0, 1, 200) " ... " substr($0, length($0) - 190)
				  print "    " $0 }'
}

# fail MESSAGE [DETAIL...]: print a loud failure and the folded top; exit 1.
fail()
{
	local l

	echo "FAIL: $TEST_NAME: $1"
	shift
	for l in "$@"; do
		echo "    $l"
	done
	[ -n "$FOLDED" ] && show_top "$FOLDED"
	exit 1
}

# Probe whether the kernel lets cprof sample: skip (77) when perf_event_open
# is refused (cprof exit code 4), unless CPROF_REQUIRE_PERF=1.
require_perf()
{
	local rc msg

	[ -x "$CPROF" ] || fail "cprof binary '$CPROF' is missing or not executable"
	[ -d "$WORKDIR" ] || fail "workload directory '$WORKDIR' is missing"
	timeout -k 5 "$CMD_TIMEOUT" "$CPROF" record -F 99 -o "$T/probe.data" \
		-- true >"$T/probe.out" 2>"$T/probe.err"
	rc=$?
	[ "$rc" = 0 ] && return 0
	msg=$(head -n 3 "$T/probe.err" | tr '\n' ' ')
	if [ "$rc" = 4 ]; then
		if [ "$CPROF_REQUIRE_PERF" = 1 ]; then
			echo "FAIL: $TEST_NAME: perf_event_open refused and CPROF_REQUIRE_PERF=1: $msg"
			exit 1
		fi
		_lib_passed=1
		echo "**********************************************************"
		echo "SKIPPED: perf_event_open refused: $msg"
		echo "  (lower kernel.perf_event_paranoid or run as root; set"
		echo "   CPROF_REQUIRE_PERF=1 to make this a failure)"
		echo "**********************************************************"
		exit 77
	fi
	note "perf probe 'cprof record -- true' exited $rc (not 0 or 4): $msg"
	note "carrying on; the test's own checks will show the failure"
}

# require_all_cpus: skip (77) when this user may not sample every CPU (cprof
# record -a exits 4 and the user is neither root nor CAP_PERFMON, with
# kernel.perf_event_paranoid above 0); a refusal to a user who may is a
# failure. Listed in tests/allowed-skips.txt by each test that calls it.
require_all_cpus()
{
	local paranoid

	cprof_run probe_all record -a -d 0.2 -o "$T/probe_all.data"
	if [ "$RC" = 4 ]; then
		paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo "?")
		if [ "$(id -u)" != 0 ] && [ "$paranoid" != "?" ] && [ "$paranoid" -gt 0 ] &&
			! grep -qw perfmon <(capsh --print 2>/dev/null); then
			skip "record -a needs root, CAP_PERFMON or kernel.perf_event_paranoid <= 0" \
				"(it is $paranoid): $(head -n 1 "$T/probe_all.err")"
		fi
		fail "record -a refused (exit 4) though this user may sample CPU-wide" \
			"$(cat "$T/probe_all.err")"
	fi
	expect_rc 0 probe_all "cprof record -a -d 0.2"
}

# cprof_run NAME ARGS...: run cprof (under RUN_UNDER) with a time limit;
# stdout and stderr go to $T/NAME.out and $T/NAME.err, the exit code to RC.
cprof_run()
{
	local name=$1

	shift
	note "cprof $*"
	timeout -k 5 "$CMD_TIMEOUT" "${RUN_UNDER[@]}" "$CPROF" "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
	[ "$RC" = 124 ] && fail "cprof $* did not finish within ${CMD_TIMEOUT}s" \
		"stderr: $(head -c 2000 "$T/$name.err")"
	return 0
}

# expect_rc WANT NAME WHAT: the last cprof_run NAME exited WANT.
expect_rc()
{
	[ "$RC" = "$1" ] && return 0
	fail "$3: exit code $RC, expected $1" \
		"stderr: $(head -c 2000 "$T/$2.err")" \
		"stdout: $(head -c 500 "$T/$2.out")"
}

# check_exit NAME WANT_RC NEEDLE ARGS...: cprof ARGS (cprof_run NAME) exits
# exactly WANT_RC, not by a signal, says something on stderr, and stderr
# contains NEEDLE (if not empty).
check_exit()
{
	local name=$1 want=$2 needle=$3

	shift 3
	cprof_run "$name" "$@"
	expect_no_crash "$name" "cprof $*"
	expect_rc "$want" "$name" "cprof $*"
	[ "$want" = 0 ] || [ -s "$T/$name.err" ] ||
		fail "cprof $*: exit code $RC but nothing on stderr"
	if [ -n "$needle" ]; then
		assert_text_contains "$T/$name.err" "$needle" \
			"cprof $*: exit $RC, stderr names '$needle'"
	else
		note "ok: cprof $*: exit $RC: $(head -n 1 "$T/$name.err")"
	fi
}

# expect_no_crash NAME WHAT: the last cprof_run NAME was not killed by a
# signal (no segfault, abort, core dump).
expect_no_crash()
{
	[ "$RC" -lt 124 ] && return 0
	fail "$2: exit code $RC, looks like a crash (signal $((RC - 128)))" \
		"stderr: $(head -c 2000 "$T/$1.err")"
}

# record_ok ARGS...: cprof record ARGS must exit 0.  Sets CHILD_CPU to the
# CHILD_CPU: CPU seconds (user + system) of the command cprof launched: those
# of cprof and everything it waited for, less the recorder CPU its summary
# line reports (large in a sanitizer build).
record_ok()
{
	local rec_cpu

	note "cprof record $*"
	(
		timeout -k 5 "$CMD_TIMEOUT" "$CPROF" record "$@" \
			>"$T/record.out" 2>"$T/record.err"
		echo $? >"$T/record.rc"
		times >"$T/record.times"
	)
	RC=$(cat "$T/record.rc")
	[ "$RC" = 124 ] && fail "cprof record $* did not finish within ${CMD_TIMEOUT}s" \
		"stderr: $(head -c 2000 "$T/record.err")"
	expect_rc 0 record "cprof record $*"
	[ -s "$T/record.err" ] && note "record stderr: $(head -c 600 "$T/record.err")"
	# times: line 1 the subshell's own user/sys, line 2 its children's,
	# as "1m2.345s 0m0.010s".
	CHILD_CPU=$(awk 'NR == 2 { t = 0
				   for (i = 1; i <= 2; i++) {
					   split($i, p, "m"); sub(/s/, "", p[2])
					   t += p[1] * 60 + p[2]
				   }
				   printf "%.2f\n", t }' "$T/record.times")
	rec_cpu=$(sed -n 's/.*recorder CPU \([0-9.]*\) s.*/\1/p' "$T/record.err" | tail -n 1)
	CHILD_CPU=$(awk -v t="$CHILD_CPU" -v r="${rec_cpu:-0}" 'BEGIN { printf "%.2f\n", t - r }')
	note "CPU time of the command cprof ran: ${CHILD_CPU}s (recorder: ${rec_cpu:-?}s)"
	return 0
}

# assert_rate FOLDED HZ: the samples, with those the kernel dropped (the
# "(N lost)" of record's summary: a busy machine can keep the recorder from
# draining its rings in time), match HZ times the CPU time of the last
# record_ok's command (within -25%/+10%), whatever else was running on the
# machine.  Catches an ignored -F and samples lost without being counted.
assert_rate()
{
	local n lost want

	lost=$(sed -n 's/^cprof: [0-9]* samples (\([0-9]*\) lost).*/\1/p' "$T/record.err" | tail -n 1)
	n=$(awk -v n="$(total "$1")" -v l="${lost:-0}" 'BEGIN { printf "%.0f\n", n + l }')
	want=$(awk -v c="$CHILD_CPU" -v f="$2" 'BEGIN { printf "%.0f\n", c * f }')
	FOLDED=$1
	assert_between "samples + ${lost:-0} lost, for ${CHILD_CPU} CPU seconds at $2 Hz (~$want)" "$n" \
		"$(awk -v w="$want" 'BEGIN { printf "%.0f\n", w * 0.75 }')" \
		"$(awk -v w="$want" 'BEGIN { printf "%.0f\n", w * 1.10 + 5 }')"
}

# report_ok DATA OUT [ARGS...]: cprof report -i DATA ARGS > OUT must exit 0
# with some output; OUT becomes $FOLDED.
report_ok()
{
	local data=$1 out=$2

	shift 2
	cprof_run report report -i "$data" "$@"
	expect_rc 0 report "cprof report -i $data $*"
	cp "$T/report.out" "$out"
	FOLDED=$out
	[ -s "$out" ] || fail "cprof report -i $data $* printed nothing" \
		"stderr: $(head -c 2000 "$T/report.err")"
	[ -s "$T/report.err" ] && note "report stderr: $(head -c 600 "$T/report.err")"
	note "report: $(wc -l <"$out") stacks, $(total "$out") samples"
}

# ERE matching FRAME as a whole frame.
frame_re()
{
	printf '(^|;)%s(;|$)' "$1"
}

# ERE matching the frames given as consecutive frames, caller first.
chain_re()
{
	local IFS=';'

	printf '(^|;)%s(;|$)' "$*"
}

# ERE matching frame A with frame B somewhere below it (A an ancestor of B).
ancestor_re()
{
	printf '(^|;)%s;(.*;)?%s(;|$)' "$1" "$2"
}

# total FOLDED: number of samples.
total()
{
	awk '{ t += $NF } END { printf "%.0f\n", t }' "$1"
}

# count FOLDED PATTERN: samples whose stack matches PATTERN.
count()
{
	PAT=$2 awk '{ s = $0; sub(/ [0-9]+$/, "", s)
		      if (s ~ ENVIRON["PAT"]) m += $NF }
		    END { printf "%.0f\n", m }' "$1"
}

# share FOLDED PATTERN: percentage (one decimal) of samples matching PATTERN.
share()
{
	PAT=$2 awk '{ s = $0; sub(/ [0-9]+$/, "", s); t += $NF
		      if (s ~ ENVIRON["PAT"]) m += $NF }
		    END { printf "%.1f\n", t ? 100 * m / t : 0 }' "$1"
}

# share_of FOLDED SELECT PATTERN: percentage of the samples matching SELECT
# that also match PATTERN (100.0 when none match SELECT).
share_of()
{
	SEL=$2 PAT=$3 awk '{ s = $0; sub(/ [0-9]+$/, "", s)
			     if (s !~ ENVIRON["SEL"]) next
			     t += $NF; if (s ~ ENVIRON["PAT"]) m += $NF }
			   END { printf "%.1f\n", t ? 100 * m / t : 100 }' "$1"
}

# first_frames FOLDED PATTERN: the distinct first frames (comm, comm-PID...)
# of stacks matching PATTERN, one a line.
first_frames()
{
	PAT=$2 awk '{ s = $0; sub(/ [0-9]+$/, "", s)
		      if (s !~ ENVIRON["PAT"]) next
		      sub(/;.*/, "", s); print s }' "$1" | sort -u
}

_lib_cmp()
{
	awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"
}

# assert_between NAME VALUE LO HI: LO <= VALUE <= HI (numbers, may be decimal).
assert_between()
{
	if _lib_cmp "$2" '>=' "$3" && _lib_cmp "$2" '<=' "$4"; then
		note "ok: $1 = $2 (want $3..$4)"
		return 0
	fi
	fail "$1 = $2, expected between $3 and $4"
}

# assert_ge NAME VALUE MIN
assert_ge()
{
	if _lib_cmp "$2" '>=' "$3"; then
		note "ok: $1 = $2 (want >= $3)"
		return 0
	fi
	fail "$1 = $2, expected at least $3"
}

# assert_lt NAME VALUE MAX
assert_lt()
{
	if _lib_cmp "$2" '<' "$3"; then
		note "ok: $1 = $2 (want < $3)"
		return 0
	fi
	fail "$1 = $2, expected less than $3"
}

# assert_eq NAME VALUE WANT (string comparison)
assert_eq()
{
	if [ "$2" = "$3" ]; then
		note "ok: $1 = $2"
		return 0
	fi
	fail "$1 = '$2', expected '$3'"
}

# assert_contains FOLDED PATTERN WHAT: some stack matches PATTERN.
assert_contains()
{
	local n

	n=$(count "$1" "$2")
	if [ "$n" -gt 0 ]; then
		note "ok: $3 ($n samples match /$2/)"
		return 0
	fi
	FOLDED=$1
	fail "$3: no stack matches /$2/"
}

# assert_not_contains FOLDED PATTERN WHAT: no stack matches PATTERN.
assert_not_contains()
{
	local n

	n=$(count "$1" "$2")
	if [ "$n" = 0 ]; then
		note "ok: $3 (nothing matches /$2/)"
		return 0
	fi
	FOLDED=$1
	fail "$3: $n samples match /$2/, expected none" \
		"$(PAT=$2 awk '{ s = $0; sub(/ [0-9]+$/, "", s)
			       if (s ~ ENVIRON["PAT"]) print substr($0, 1, 300) }' "$1" | head -n 3)"
}

# assert_text_contains FILE FIXED_STRING WHAT: FILE (stderr, help...) has it.
assert_text_contains()
{
	if grep -qF -- "$2" "$1"; then
		note "ok: $3"
		return 0
	fi
	fail "$3: '$2' not found in $1" "it has: $(head -c 1000 "$1")"
}

# assert_text_lacks FILE FIXED_STRING WHAT: FILE does not have it.
assert_text_lacks()
{
	if ! grep -qF -- "$2" "$1"; then
		note "ok: $3"
		return 0
	fi
	fail "$3: '$2' found in $1" "it has: $(head -c 1000 "$1")"
}

# assert_folded_shape FOLDED: what flamegraph.pl and stackcollapse-perf.pl's
# users rely on: every line `frames COUNT` with frames free of spaces (true
# for our C workloads) and a positive count, one line per distinct stack, the
# lines sorted bytewise.
assert_folded_shape()
{
	local bad

	FOLDED=$1
	[ -s "$1" ] || fail "folded output $1 is empty"
	bad=$(grep -nvE '^[^ ;][^ ]* [1-9][0-9]*$' "$1" | head -n 3)
	[ -z "$bad" ] || fail "lines not of the form 'frame;...;frame COUNT':" "$bad"
	bad=$(grep -nE ';;|;$|^;' "$1" | sed 's/ [0-9]*$//' | head -n 3)
	[ -z "$bad" ] || fail "empty frame names in:" "$bad"
	bad=$(sed 's/ [0-9]*$//' "$1" | LC_ALL=C sort | uniq -d | head -n 3)
	[ -z "$bad" ] || fail "stacks listed more than once:" "$bad"
	LC_ALL=C sort -c "$1" 2>"$T/sort.err" ||
		fail "lines are not sorted (LC_ALL=C sort -c): $(cat "$T/sort.err")"
	note "ok: $(wc -l <"$1") lines in folded shape, sorted, distinct"
}

# start_bg VAR CMD ARGS...: start CMD in the background, its pid in VAR; it
# is SIGKILLed when the test ends if still running.
start_bg()
{
	local var=$1

	shift
	"$@" &
	printf -v "$var" '%s' "$!"
	BG_PIDS="$BG_PIDS $!"
}

# cgroups_empty DIR...: the cgroups DIR... hold no process (a cgroup file's
# size is 0 whatever it holds: read it)
cgroups_empty()
{
	local d

	for d in "$@"; do
		[ -z "$(cat "$d/cgroup.procs" 2>/dev/null)" ] || return 1
	done
}

# cgroups_remove DIR...: kill the background processes (start_bg), wait up
# to 5 s until the cgroups DIR... hold none and remove them; says so when it
# cannot.
cgroups_remove()
{
	local p

	for p in $BG_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	wait_for 5 cgroups_empty "$@"
	rmdir "$@" 2>/dev/null || echo "# could not remove $*"
}

# wait_exit PID SECONDS WHAT: wait for our child PID to end; its exit status
# goes to RC.  Fails (after SIGKILL) if it is still running after SECONDS.
wait_exit()
{
	local pid=$1 i=0 n

	n=$(awk -v s="$2" 'BEGIN { print int(s * 20) }')
	while kill -0 "$pid" 2>/dev/null; do
		# A zombie still answers kill -0; wait reaps it below.
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
		i=$((i + 1))
		if [ "$i" -gt "$n" ]; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			fail "$3: still running ${2}s later"
		fi
		sleep 0.05
	done
	wait "$pid"
	RC=$?
}

# wait_for SECONDS CMD ARGS...: poll CMD until it succeeds; 1 on time-out.
wait_for()
{
	local n i=0

	n=$(awk -v s="$1" 'BEGIN { print int(s * 20) }')
	shift
	until "$@"; do
		i=$((i + 1))
		[ "$i" -gt "$n" ] && return 1
		sleep 0.05
	done
	return 0
}

# exe_is PID PATH: PID runs PATH (its exec is done); PATH as readlink -f
# gives it.
exe_is()
{
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]
}

# fifo_waiting PID: PID is blocked opening a FIFO until the other end is
# opened (its wchan in /proc).
fifo_waiting()
{
	case $(cat "/proc/$1/wchan" 2>/dev/null) in
	fifo_open | wait_for_partner) return 0 ;;
	esac
	return 1
}

# cpu_ticks PID: user + system clock ticks PID has used.
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# threads_running PID: how many of PID's threads are running or runnable.
threads_running()
{
	cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{ sub(/.*\) /, ""); if ($1 == "R") n++ } END { print n + 0 }'
}

# _quiet PID: no thread of PID runnable in 3 polls in a row.
_quiet()
{
	local i

	for i in 1 2 3; do
		[ "$(threads_running "$1")" = 0 ] || return 1
		sleep 0.05
	done
}

# wait_quiet PID SECONDS: wait until no thread of PID has been runnable
# for 3 polls in a row (work handed to it has been done); 1 on time-out.
wait_quiet()
{
	wait_for "$2" _quiet "$1"
}

# busy_share PID SECONDS: over the next SECONDS (polled every 50 ms), the
# % of polls in which a thread of PID was running or runnable. A thread
# that spins is runnable at every poll however busy the machine is, where
# its share of the CPU would shrink with the machine's load.
busy_share()
{
	local n i busy=0

	n=$(awk -v s="$2" 'BEGIN { print int(s * 20) }')
	for ((i = 0; i < n; i++)); do
		[ "$(threads_running "$1")" = 0 ] || busy=$((busy + 1))
		sleep 0.05
	done
	awk -v b="$busy" -v n="$n" 'BEGIN { printf "%.1f", 100 * b / n }'
}

# assert_top_leaves TOP_OUT MIN: the last table of top's batch output (the
# lines after its last '#' header) has split's three leaves, with MIN % of
# self time or more together.
assert_top_leaves()
{
	local leaves

	awk '/^#/ { n = 0; delete l; next } { l[++n] = $0 } END { for (i = 1; i <= n; i++) print l[i] }' \
		"$1" >"$1.last"
	note "top's last table: $(head -n 8 "$1.last" | tr -s ' ' | tr '\n' '|')"
	leaves=$(awk '$4 ~ /^split_[abc]_leaf$/ { v = $1; sub(/%/, "", v); s += v; n++ }
		      END { printf "%d %.1f\n", n, s }' "$1.last")
	assert_eq "leaves in top's table" "${leaves% *}" 3
	assert_ge "%self of the three leaves together in top" "${leaves#* }" "$2"
}

# require_workload NAME...: the workload programs exist in $WORKDIR.
require_workload()
{
	local w

	for w in "$@"; do
		[ -x "$WORKDIR/$w" ] ||
			fail "workload $WORKDIR/$w is missing (not built?)"
	done
}
