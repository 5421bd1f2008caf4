#!/bin/bash
# cprof serve and slow clients (issue 23): 40 connections from 127.0.0.1
# that trickle their request heads one byte a second (slow_client, bounded
# to 20 s) must not keep a well-behaved scraper from its profile, even one
# from the same address: the scrape is answered 200 while they trickle. No
# more than 8 of them (the bound per address) are held at once, and those
# held are ended with 408 once their head has taken 10 s (the whole head,
# however steadily it trickles).
# shellcheck source=tests/security/lib.sh
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
: "${SLOWCLIENT:?set SLOWCLIENT to the slow_client test program}"
require_workload split_nofp
require_perf

start_bg WL "$WORKDIR/split_nofp" 60
start_bg SRV "$CPROF" serve -p "$WL" --listen 127.0.0.1:0 2>"$T/serve.err"
wait_for 10 grep -q 'serving .* on http://127.0.0.1:[0-9]*/debug/pprof/' "$T/serve.err" ||
	fail "cprof serve did not say where it listens" "$(cat "$T/serve.err")"
PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")

start_bg SLOW "$SLOWCLIENT" "$PORT" 40 20 >"$T/slow.out" 2>"$T/slow.err"
wait_for 10 grep -q '^connected' "$T/slow.out" ||
	fail "slow_client did not connect" "$(cat "$T/slow.err")"
note "40 slow clients connected"

# a scraper from the same address, while they trickle
t0=$(date +%s.%N)
status=$(curl -s -m 8 -o "$T/profile" -w '%{http_code}' "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=1")
t1=$(date +%s.%N)
note "the scrape took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
assert_eq "status of a seconds=1 scrape among 40 slow clients (8 s deadline)" "$status" 200
[ -s "$T/profile" ] || fail "the profile is empty"

wait_exit "$SLOW" 30 "slow_client"
assert_eq "slow_client's exit code" "$RC" 0
held=$(sed -n 's/^open at 3 s: //p' "$T/slow.out")
assert_between "slow connections the server still held 3 s after they connected" "$held" 0 8
# the ones held: ended at their head's deadline (10 s) with 408, none left open
grep -q 'open after' "$T/slow.out" &&
	fail "slow connections still open when slow_client ended (20 s)" "$(grep 'open after' "$T/slow.out" | head -3)"
late=$(awk '/closed after/ && $5 >= 5 { print }' "$T/slow.out")
[ -n "$late" ] || fail "no slow connection was held for its head's 10 s" "$(head -12 "$T/slow.out")"
while read -r l; do
	t=$(awk '{ print $5 }' <<<"$l")
	assert_between "seconds a held slow connection lasted" "$t" 9.5 13
	case $l in
	*"HTTP/1.1 408"*) ;;
	*) fail "a slow connection ended at its deadline without a 408: $l" ;;
	esac
done <<<"$late"

kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"
assert_eq "exit code after SIGTERM" "$RC" 0
pass
