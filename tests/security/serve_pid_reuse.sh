#!/bin/bash
# cprof serve and a reused pid (issue 23): a target exits and the kernel
# gives its pid to another process. The newcomer is not the target: the
# index lists the target as exited, a profile of it (pid=) is 404 saying
# so, and a profile of all targets is 404 too, not a profile of the
# newcomer. The reuse is made certain in a PID namespace of our own, where
# only this test starts processes: the target's pid is written to
# ns_last_pid (minus one) and the next process started gets it.
# shellcheck source=tests/security/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" != inner ]; then
	[ "$(id -u)" = 0 ] || skip "a PID namespace and ns_last_pid need root"
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	command -v curl >/dev/null || skip "curl is not installed"
	unshare --pid --fork --mount-proc true 2>"$T/unshare.err" ||
		skip "cannot make a PID namespace: $(head -n 1 "$T/unshare.err")"
	# the test proper, as pid 1 of a new namespace (its end ends them all)
	timeout -k 5 100 unshare --pid --fork --mount-proc bash "$0" inner
	rc=$?
	_lib_passed=1 # the inner run reports and keeps its own scratch files
	exit "$rc"
fi

require_perf
[ -w /proc/sys/kernel/ns_last_pid ] || skip "/proc/sys/kernel/ns_last_pid is not writable"

# code NAME URL: the HTTP status of URL, body in $T/NAME.
code()
{
	curl -s -m 30 -o "$T/$1" -w '%{http_code}' "$2"
}

start_bg TGT sleep 600
start_bg SRV "$CPROF" serve -p "$TGT" --listen 127.0.0.1:0 2>"$T/serve.err"
wait_for 10 grep -q 'serving .* on http://127.0.0.1:[0-9]*/debug/pprof/' "$T/serve.err" ||
	fail "cprof serve did not say where it listens" "$(cat "$T/serve.err")"
BASE=http://127.0.0.1:$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")/debug/pprof
assert_eq "index status" "$(code index "$BASE/")" 200
assert_text_contains "$T/index" "$TGT running" "the index lists the target as running"

kill "$TGT"
wait "$TGT" 2>/dev/null # reaped: its pid is free

# the next process started in this namespace gets the target's pid; only
# this script starts processes here, but try a few times all the same
for try in 1 2 3 4 5; do
	echo $((TGT - 1)) >/proc/sys/kernel/ns_last_pid
	start_bg NEW sleep 600
	[ "$NEW" = "$TGT" ] && break
	kill "$NEW"
	wait "$NEW" 2>/dev/null
done
[ "$NEW" = "$TGT" ] || fail "could not give pid $TGT to a new process (got $NEW after $try tries)"
note "pid $TGT is now a new 'sleep' process"

assert_eq "index status after the reuse" "$(code index2 "$BASE/")" 200
assert_text_contains "$T/index2" "$TGT exited" "the index lists the target as exited"
assert_eq "status of a profile of the target (pid=$TGT)" \
	"$(code one "$BASE/profile?seconds=1&pid=$TGT")" 404
assert_text_contains "$T/one" "process $TGT has exited" "the 404 says the target exited"
assert_text_contains "$T/one" "reused" "the 404 says its pid is another process's now"
assert_eq "status of a profile of all targets" "$(code all "$BASE/profile?seconds=1")" 404
assert_text_contains "$T/all" "every target process has exited" "the 404 says why"

kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"
assert_eq "exit code after SIGTERM" "$RC" 0
pass
