#!/bin/bash
# errors - every documented exit code, exactly, with a message naming the bad
# value, never a crash or a core dump; help and version work. No check here
# needs perf_event_open: each cprof runs under noperf, which makes the kernel
# refuse it, so the suite runs (and exit code 4 is tested) on any machine.
# The checks that need sampling to work are in errors_perf.sh.
#
#   0  --help, record --help, report --help (usage on stdout), --version,
#      report of a valid data file (a synthetic seed of the fuzz corpus)
#   1  record -p PID-that-does-not-exist (one stderr line naming it),
#      record -o /nonexistent-dir/x, record -o /dev/full,
#      report -o /dev/full, report >/dev/full
#   2  record -F abc / -d abc / -p abc / -g bogus / --stack-size abc (stderr
#      names the value), unknown options, an unknown subcommand, record with
#      neither -p nor a command, record with both; -a with -p, a command,
#      --children or --off-cpu; --comm or --exclude-pid without -a; a bad
#      --comm, --exclude-pid or --max-processes
#   3  report -i of a missing file, of /etc/passwd, of an empty file, of a
#      directory; report with no -i where there is no cprof.data
#   4  record -- true, record -p $$ and record -a with perf_event_open refused
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

: "${NOPERF:?set NOPERF to the noperf helper (tests/e2e/noperf.c)}"
: "${FUZZ_CORPUS:?set FUZZ_CORPUS to tests/fuzz/corpus}"
[ -x "$CPROF" ] || fail "cprof binary '$CPROF' is missing or not executable"
"$NOPERF" true || fail "the noperf helper '$NOPERF' cannot run a command"
RUN_UNDER=("$NOPERF")

cd "$T" || fail "cannot cd to $T"
ulimit -c unlimited 2>/dev/null

# 4: not allowed
check_exit noperf 4 perf_event_paranoid record -o "$T/x.data" -- true
check_exit noperf_pid 4 "$$" record -p $$ -d 1 -o "$T/x.data"
assert_text_contains "$T/noperf_pid.err" perf_event_open "record -p: names perf_event_open"
check_exit noperf_all 4 "every CPU (-a)" record -a -d 1 -o "$T/x.data"
assert_text_contains "$T/noperf_all.err" perf_event_paranoid "record -a: says what allows it"

# 1: runtime failure
nopid=999999
while [ -e "/proc/$nopid" ]; do
	nopid=$((nopid + 1))
done
check_exit nopid 1 "$nopid" record -p "$nopid" -d 1 -o "$T/nopid.data"
assert_eq "stderr lines for record -p $nopid" "$(wc -l <"$T/nopid.err")" 1
check_exit badout 1 "/nonexistent-dir/x.data" record -o /nonexistent-dir/x.data -- true
check_exit fullout 1 /dev/full record -o /dev/full -- true
seed=$FUZZ_CORPUS/seed-synthetic-full
check_exit report 0 "" report -i "$seed"
[ -s "$T/report.out" ] || fail "cprof report -i $seed printed nothing"
check_exit fullrep 1 "No space left on device" report -i "$seed" -o /dev/full
# stdout itself full
# shellcheck disable=SC2317
full_stdout()
{
	note "cprof report -i $seed >/dev/full"
	timeout -k 5 "$CMD_TIMEOUT" "${RUN_UNDER[@]}" "$CPROF" report -i "$seed" \
		>/dev/full 2>"$T/fullstdout.err"
	RC=$?
	expect_no_crash fullstdout "cprof report >/dev/full"
	expect_rc 1 fullstdout "cprof report >/dev/full"
}
full_stdout

# 2: usage
check_exit badfreq 2 abc record -F abc -o "$T/x.data" -- true
check_exit baddur 2 xyz1 record -d xyz1 -o "$T/x.data" -- true
check_exit badpid 2 p1d record -p p1d -o "$T/x.data"
check_exit badmode 2 bogus record -g bogus -o "$T/x.data" -- true
check_exit badstack 2 s1ze record --stack-size s1ze -o "$T/x.data" -- true
check_exit badopt 2 "" record --no-such-option -o "$T/x.data" -- true
check_exit badropt 2 "" report --no-such-option -i "$T/x.data"
check_exit badcmd 2 "" frobnicate
check_exit notarget 2 "" record -o "$T/x.data"
check_exit both 2 "" record -p $$ -o "$T/x.data" -- true
check_exit all_pid 2 "one of -a" record -a -p $$ -o "$T/x.data"
check_exit all_cmd 2 "one of -a" record -a -o "$T/x.data" -- true
check_exit all_children 2 "--children" record -a --children -o "$T/x.data"
check_exit all_offcpu 2 "--off-cpu" record -a --off-cpu -o "$T/x.data"
check_exit comm_alone 2 "needs -a" record --comm sh -p $$ -o "$T/x.data"
check_exit exclude_alone 2 "needs -a" record --exclude-pid 1 -p $$ -o "$T/x.data"
check_exit badcomm 2 0123456789abcdef record -a --comm 0123456789abcdef -o "$T/x.data"
check_exit badexclude 2 x1 record -a --exclude-pid 1,x1 -o "$T/x.data"
check_exit badmaxproc 2 "'1'" record -a --max-processes 1 -o "$T/x.data"

# 3: bad data file
check_exit nofile 3 /nonexistent/cprof.data report -i /nonexistent/cprof.data
cp /etc/passwd "$T/passwd.data"
check_exit notcprof 3 "passwd.data" report -i "$T/passwd.data"
: >"$T/empty.data"
check_exit empty 3 "empty.data" report -i "$T/empty.data"
mkdir -p "$T/nodata"
check_exit isdir 3 "nodata" report -i "$T/nodata"
cd "$T/nodata" || fail "cannot cd to $T/nodata"
check_exit nodefault 3 cprof.data report
cd "$T" || fail "cannot cd to $T"

# 0: help and version
for args in "--help" "record --help" "report --help"; do
	# shellcheck disable=SC2086 # word splitting intended
	check_exit help 0 "" $args
	grep -qi usage "$T/help.out" ||
		fail "cprof $args: no 'usage' on stdout" "stdout: $(head -c 500 "$T/help.out")"
done
check_exit version 0 "" --version
[ -s "$T/version.out" ] || fail "cprof --version printed nothing on stdout"
note "ok: cprof --version: $(head -n 1 "$T/version.out")"

cores=$(find "$T" -maxdepth 2 -name 'core*' | head -n 3)
[ -z "$cores" ] || fail "core dumps left behind: $cores"
pass
