#!/bin/bash
# errors_perf - the documented exit codes that need perf_event_open to work
# (errors.sh has all the others, and runs without it):
#
#   1  record -- /nonexistent-command (names it)
#   4  record -p 1 as nobody with CAP_PERFMON: sampling is allowed, but
#      /proc/1 is unreadable without CAP_SYS_PTRACE (names /proc/1; as root
#      only, with setpriv)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_perf
cd "$T" || fail "cannot cd to $T"

check_exit nocmd 1 /nonexistent-command record -o "$T/x.data" -- /nonexistent-command

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 0711 "$T" && mkdir -m 0777 "$T/nobody"
	RUN_UNDER=(setpriv --reuid=65534 --regid=65534 --clear-groups
		   --inh-caps=+perfmon --ambient-caps=+perfmon)
	check_exit noproc 4 /proc/1 record -p 1 -d 1 -o "$T/nobody/x.data"
	RUN_UNDER=()
else
	note "NOT CHECKED: /proc unreadable (exit 4) needs root and setpriv"
fi
pass
