#!/bin/bash
# Defect 7 of issue 8: a command launched by `record -- COMMAND` dies with
# cprof, even when cprof is SIGKILLed; a process attached with -p is never
# touched. What the command leaves running when it ends (a background job,
# a daemon that left its session with setsid) is stopped when the
# recording ends, and the summary says so; an attached process's children
# are left alone.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

alive()
{
	kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

gone()
{
	! alive "$1"
}

# launched: the command writes its pid, then becomes a long sleep
start_bg rec "$CPROF" record -F 99 -o "$T/launched.data" -- \
	sh -c "echo \$\$ >'$T/child.pid'; exec sleep 300"
wait_for 10 test -s "$T/child.pid" || fail "the launched command did not start"
child=$(cat "$T/child.pid")
BG_PIDS="$BG_PIDS $child"
alive "$child" || fail "launched command $child is not running"
kill -9 "$rec"
wait "$rec" 2>/dev/null
wait_for 5 gone "$child" || fail "launched command $child still runs after cprof was SIGKILLed"
note "ok: launched command died with cprof"

# attached: never signalled, even when cprof is killed
start_bg target sleep 300
start_bg rec2 "$CPROF" record -F 99 -o "$T/attached.data" -p "$target"
# (the data file replaces its name once the recording has started)
wait_for 10 test -s "$T/attached.data" || fail "cprof -p did not start"
kill -9 "$rec2"
wait "$rec2" 2>/dev/null
# a kill that cprof's death set off would land within 2 s
! wait_for 2 gone "$target" || fail "attached process $target died with cprof"
note "ok: attached process still runs"

# left behind by the command: a background job and a setsid daemon
record_ok -F 99 -o "$T/left.data" -- sh -c \
	"sleep 300 & echo \$! >'$T/bg.pid'; setsid sh -c 'echo \$\$ >\"$T/daemon.pid\"; exec sleep 300' &
	 until [ -s '$T/daemon.pid' ]; do sleep 0.05; done"
bg=$(cat "$T/bg.pid") daemon=$(cat "$T/daemon.pid")
BG_PIDS="$BG_PIDS $bg $daemon"
gone "$bg" || fail "the command's background job $bg outlived the recording"
gone "$daemon" || fail "the command's setsid daemon $daemon outlived the recording"
assert_text_contains "$T/record.err" "stopped 2 processes the command left running" "the summary's note"
note "ok: what the command left running was stopped"

# a child of an attached process is not cprof's to stop
start_bg parent sh -c "sleep 300 & echo \$! >'$T/achild.pid'; wait"
wait_for 5 test -s "$T/achild.pid" || fail "the attached parent did not start its child"
achild=$(cat "$T/achild.pid")
BG_PIDS="$BG_PIDS $achild"
record_ok -F 99 -d 0.3 -o "$T/att2.data" -p "$parent"
alive "$achild" || fail "the attached process's child $achild was stopped"
alive "$parent" || fail "the attached process $parent was stopped"
note "ok: an attached process's child still runs"
pass
