#!/bin/bash
# errors_perf_root - exit code 4 of record -p 1 as nobody with CAP_PERFMON:
# sampling is allowed, but /proc/1 is unreadable without CAP_SYS_PTRACE
# (names /proc/1).  Apart from errors_perf.sh because it needs root (to
# drop to nobody with setpriv): skips (77) otherwise (tests/allowed-skips.txt).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_perf
[ "$(id -u)" = 0 ] || skip "needs root, to run cprof as nobody with CAP_PERFMON"
command -v setpriv >/dev/null || fail "setpriv not found (util-linux)"
cd "$T" || fail "cannot cd to $T"

chmod 0711 "$T" && mkdir -m 0777 "$T/nobody"
RUN_UNDER=(setpriv --reuid=65534 --regid=65534 --clear-groups
	   --inh-caps=+perfmon --ambient-caps=+perfmon)
check_exit noproc 4 /proc/1 record -p 1 -d 1 -o "$T/nobody/x.data"
RUN_UNDER=()
pass
