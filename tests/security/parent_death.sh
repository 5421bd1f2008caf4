#!/bin/bash
# Defect 7 of issue 8: a command launched by `record -- COMMAND` dies with
# cprof, even when cprof is SIGKILLed; a process attached with -p is never
# touched.
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
wait_for 10 test -s "$T/attached.data" || fail "cprof -p did not start"
sleep 0.3
kill -9 "$rec2"
wait "$rec2" 2>/dev/null
sleep 0.3
alive "$target" || fail "attached process $target died with cprof"
note "ok: attached process still runs"
pass
