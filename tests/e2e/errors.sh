#!/bin/bash
# errors - bad input gives the documented exit code and a message naming the
# bad value, never a crash or a core dump; help and version work.
#
#   record -p 999999 (no such process)      non-zero, one stderr line naming 999999
#   record -F abc / -d abc / -p abc / -g bogus / --stack-size abc
#                                           2, stderr names the bad value
#   record --no-such-option, report --no-such-option, an unknown subcommand,
#   record with neither -p nor a command    2
#   record -o /nonexistent-dir/x -- true    non-zero, names the path
#   report -i /nonexistent                  3, names the file
#   report of a copy of /etc/passwd, of an empty file, and with no -i in a
#   directory without cprof.data            3
#   --help, record --help, report --help    0, usage on stdout
#   --version                               0, something on stdout
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# Running no profile, this test needs no perf_event_open; the probe is still
# run so a machine that refuses it skips the whole e2e suite consistently.
require_perf

cd "$T" || fail "cannot cd to $T"
ulimit -c unlimited 2>/dev/null

# check NAME WANT_RC NEEDLE ARGS...: cprof ARGS exits WANT_RC ("nonzero" for
# any failure), not by a signal, and stderr contains NEEDLE (if not empty).
check()
{
	local name=$1 want=$2 needle=$3

	shift 3
	cprof_run "$name" "$@"
	expect_no_crash "$name" "cprof $*"
	if [ "$want" = nonzero ]; then
		[ "$RC" != 0 ] || fail "cprof $*: exit code 0, expected a failure" \
			"stdout: $(head -c 500 "$T/$name.out")"
	else
		expect_rc "$want" "$name" "cprof $*"
	fi
	[ -s "$T/$name.err" ] || fail "cprof $*: exit code $RC but nothing on stderr"
	if [ -n "$needle" ]; then
		assert_text_contains "$T/$name.err" "$needle" \
			"cprof $*: exit $RC, stderr names '$needle'"
	else
		note "ok: cprof $*: exit $RC: $(head -n 1 "$T/$name.err")"
	fi
}

# A pid that surely names no process.
nopid=999999
while [ -e "/proc/$nopid" ]; do
	nopid=$((nopid + 1))
done
check nopid nonzero "$nopid" record -p "$nopid" -d 1 -o "$T/nopid.data"
assert_eq "stderr lines for record -p $nopid" "$(wc -l <"$T/nopid.err")" 1
note "record -p $nopid exit code: $RC (2 if a missing pid counts as a usage error)"

check badfreq 2 abc record -F abc -o "$T/x.data" -- true
check baddur 2 xyz1 record -d xyz1 -o "$T/x.data" -- true
check badpid 2 p1d record -p p1d -o "$T/x.data"
check badmode 2 bogus record -g bogus -o "$T/x.data" -- true
check badstack 2 s1ze record --stack-size s1ze -o "$T/x.data" -- true
check badopt 2 "" record --no-such-option -o "$T/x.data" -- true
check badropt 2 "" report --no-such-option -i "$T/x.data"
check badcmd 2 "" frobnicate
check notarget 2 "" record -o "$T/x.data"
check badout nonzero "/nonexistent-dir/x.data" record -o /nonexistent-dir/x.data -- true

check nofile 3 /nonexistent/cprof.data report -i /nonexistent/cprof.data
cp /etc/passwd "$T/passwd.data"
check notcprof 3 "passwd.data" report -i "$T/passwd.data"
: >"$T/empty.data"
check empty 3 "empty.data" report -i "$T/empty.data"
mkdir -p "$T/nodata"
(cd "$T/nodata" && timeout 10 "$CPROF" report >"$T/nodefault.out" 2>"$T/nodefault.err")
RC=$?
expect_no_crash nodefault "cprof report (no cprof.data in cwd)"
expect_rc 3 nodefault "cprof report (no cprof.data in cwd)"
assert_text_contains "$T/nodefault.err" cprof.data "report without -i names cprof.data"

for args in "--help" "record --help" "report --help"; do
	# shellcheck disable=SC2086 # word splitting intended
	cprof_run help $args
	expect_rc 0 help "cprof $args"
	grep -qi usage "$T/help.out" ||
		fail "cprof $args: no 'usage' on stdout" "stdout: $(head -c 500 "$T/help.out")"
	note "ok: cprof $args: exit 0, $(wc -l <"$T/help.out") lines of usage"
done
cprof_run version --version
expect_rc 0 version "cprof --version"
[ -s "$T/version.out" ] || fail "cprof --version printed nothing on stdout"
note "ok: cprof --version: $(head -n 1 "$T/version.out")"

cores=$(find "$T" -maxdepth 2 -name 'core*' | head -n 3)
[ -z "$cores" ] || fail "core dumps left behind: $cores"
pass
