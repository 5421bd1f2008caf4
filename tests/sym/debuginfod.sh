#!/bin/bash
# With DEBUGINFOD_URLS set, a stripped binary's debug info comes from a
# debuginfod server (a local one on the loopback, serving a directory).
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

command -v debuginfod >/dev/null || fail "debuginfod not found (scripts/install-deps.sh installs it)"
cd "$T" || fail "no scratch directory"
mkdir srv
"${CC:-cc}" -O2 -g -o full "$SYMSRC/stripme.c" || fail "cannot build the fixture"
id=$(readelf -n full | awk '/Build ID/ { print $3 }')
objcopy --only-keep-debug full srv/full.debug
cp full prog
strip --strip-all prog

# a fresh client cache each try: the client remembers a miss
served()
{
	DEBUGINFOD_CACHE_PATH="$T/probe.$((++probes))" debuginfod-find debuginfo "$id" >/dev/null 2>&1
}
# bound_or_gone LOG: our server says it listens (in LOG), or it has exited
# (the port was taken: it cannot bind)
bound_or_gone()
{
	grep -q "started http server on IPv4" "$1" || ! kill -0 "$server" 2>/dev/null ||
		[ "$(awk '{ print $3 }' "/proc/$server/stat" 2>/dev/null)" = Z ]
}
probes=0
export DEBUGINFOD_TIMEOUT=5
# a port of our own: the next one while the one tried is taken
port=$((20000 + $$ % 20000))
for try in 1 2 3 4 5 6 7 8 9 10; do
	log=$T/debuginfod.$port.log
	start_bg server debuginfod -F srv -p "$port" -d "$T/db.sqlite" -t 1 2>"$log"
	wait_for 20 bound_or_gone "$log" || fail "the local debuginfod on port $port neither started nor exited"
	grep -q "started http server on IPv4" "$log" && break
	note "debuginfod could not use port $port: $(grep -m 1 -i "error" "$log")"
	[ "$try" = 10 ] && fail "debuginfod found no free port in 10 tries"
	port=$((port + 1))
done
export DEBUGINFOD_URLS="http://127.0.0.1:$port"
wait_for 20 served || fail "the local debuginfod on port $port never served build-id $id" "$(tail -n 5 "$log")"
export DEBUGINFOD_CACHE_PATH="$T/cache" # cprof fetches it itself

record_ok -F 999 -o "$T/d" -- "$T/prog" 1.5
report_ok "$T/d" "$T/folded"
assert_between "share in main;stripped_middle;stripped_leaf" \
	"$(share "$T/folded" "$(chain_re main 'stripped_middle[.a-z0-9]*' 'stripped_leaf[.a-z0-9]*')")" 90 100
unset DEBUGINFOD_URLS
report_ok "$T/d" "$T/without"
assert_not_contains "$T/without" stripped_leaf "names without DEBUGINFOD_URLS"
pass
