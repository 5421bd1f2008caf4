#!/bin/bash
# A process in another root (here a chroot) maps files that are not at
# those paths for the report: cprof reads them through /proc/PID/root while
# recording and keeps a copy by build-id, so the report names its frames
# after the process is gone.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

export CPROF_CACHE_DIR="$T/cache"
mkdir -p "$T/root/opt/fixture"
"${CC:-cc}" -static -O2 -g -o "$T/root/opt/fixture/prog" "$SYMSRC/stripme.c" ||
	fail "cannot build the static fixture (libc6-dev's libc.a missing?)"
[ -e /opt/fixture/prog ] && fail "/opt/fixture/prog exists on this machine; the test needs it absent"

record_ok -F 999 -o "$T/d" -- chroot "$T/root" /opt/fixture/prog 1.5
report_ok "$T/d" "$T/folded"
assert_between "share in main;stripped_middle;stripped_leaf" \
	"$(share "$T/folded" "$(chain_re main 'stripped_middle[.a-z0-9]*' 'stripped_leaf[.a-z0-9]*')")" 90 100
[ -n "$(find "$T/cache" -type f)" ] || fail "nothing was kept in the build-id cache $T/cache"
pass
