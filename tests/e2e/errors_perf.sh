#!/bin/bash
# errors_perf - the documented exit codes that need perf_event_open to work
# (errors.sh has all the others, and runs without it):
#
#   1  record -- /nonexistent-command (names it)
# (4, /proc unreadable, needs root: errors_perf_root.sh)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_perf
cd "$T" || fail "cannot cd to $T"

check_exit nocmd 1 /nonexistent-command record -o "$T/x.data" -- /nonexistent-command
pass
