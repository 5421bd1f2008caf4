#!/bin/bash
# cprof serve: Go's /debug/pprof/profile for a running split_nofp (50/30/20
# over three chains), fetched by `go tool pprof` on the URL as a fleet
# profiler would. Two concurrent scrapes (-top and -raw) share one session:
# the split within 3 points, Duration near seconds=, and the sample count
# matching the CPU time the workload spent meanwhile (from /proc: counts,
# not rates, so a busy machine does not matter). Bad parameters, an unknown
# path, a truncated request line, a target that has exited and a missing
# token get their 400/404/401 and the server goes on; a client that sends
# half a request and stalls does not delay another's profile (the 10 s
# head timeout would); SIGTERM stops it with exit code 0. (Idle CPU and
# memory over many scrapes: serve_steady.sh.)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

command -v go >/dev/null || skip "go is not installed (scripts/install-deps.sh installs golang-go)"
command -v curl >/dev/null || skip "curl is not installed"
require_workload split_nofp
require_perf

mkdir -p "$T/home" "$T/gocache"

# gopprof NAME ARGS...: go tool pprof ARGS, offline, output to $T/NAME.
gopprof()
{
	local name=$1

	shift
	HOME=$T/home GOCACHE=$T/gocache timeout -k 5 60 \
		go tool pprof -symbolize=none "$@" >"$T/$name" 2>"$T/$name.err"
}

# code NAME URL [CURL ARGS...]: the HTTP status of URL, body in $T/NAME.
code()
{
	local name=$1 url=$2

	shift 2
	curl -s -m 30 -o "$T/$name" -w '%{http_code}' "$@" "$url"
}

start_bg WL "$WORKDIR/split_nofp" 120
start_bg GONE sleep 120

# usage errors: no target, beyond the loopback without a token
cprof_run nopid serve
expect_rc 2 nopid "serve without -p"
cprof_run open serve -p "$WL" --listen 0.0.0.0:0
expect_rc 2 open "--listen 0.0.0.0 without --token-file"
assert_text_contains "$T/open.err" "--token-file" "the refusal names --token-file"

start_bg SRV "$CPROF" serve -p "$WL,$GONE" -F 999 --listen 127.0.0.1:0 2>"$T/serve.err"
wait_for 10 grep -q 'serving .* on http://127.0.0.1:[0-9]*/debug/pprof/' "$T/serve.err" ||
	fail "cprof serve did not say where it listens" "$(cat "$T/serve.err")"
PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")
BASE=http://127.0.0.1:$PORT/debug/pprof
note "listening on $BASE/"

assert_eq "index status" "$(code index "$BASE/")" 200
assert_text_contains "$T/index" "profile?seconds=" "the index names the profile endpoint"
assert_text_contains "$T/index" "$WL running" "the index names the target"

# two scrapes at once, -top and -raw, while a third at another rate gets 429
# (asked once the session has its perf events open)
sampling() { ls -l "/proc/$SRV/fd" 2>/dev/null | grep -q 'perf_event'; }
gopprof top -top "$BASE/profile?seconds=5" &
top_pid=$!
gopprof raw -raw "$BASE/profile?seconds=5" &
raw_pid=$!
wait_for 15 sampling || fail "no session started 15 s after two scrapes" "$(cat "$T/serve.err")"
ticks0=$(cpu_ticks "$WL")
assert_eq "a request at another hz meanwhile" "$(code hz "$BASE/profile?seconds=1&hz=50")" 429
assert_text_contains "$T/hz" "999 Hz is in progress" "the 429 says why"
wait "$top_pid"
top_rc=$?
wait "$raw_pid"
raw_rc=$?
ticks1=$(cpu_ticks "$WL")
for r in top:$top_rc raw:$raw_rc; do
	[ "${r#*:}" = 0 ] && continue
	grep -q 429 "$T/${r%:*}.err" ||
		fail "go tool pprof -${r%:*} failed, not with a 429" "$(head -c 1500 "$T/${r%:*}.err")"
	note "-${r%:*} got a 429"
done
[ "$top_rc" = 0 ] || [ "$raw_rc" = 0 ] || fail "both concurrent scrapes failed"
if [ "$top_rc" = 0 ]; then
	for f in split_a_leaf:50 split_b_leaf:30 split_c_leaf:20; do
		v=$(awk -v f="${f%:*}" '$NF == f { v = $2; sub(/%/, "", v); print v; exit }' "$T/top")
		[ -n "$v" ] || fail "${f%:*} missing from -top" "$(cat "$T/top")"
		assert_between "flat share of ${f%:*} (go tool pprof -top)" "$v" \
			$((${f#*:} - 3)) $((${f#*:} + 3))
	done
fi
if [ "$raw_rc" = 0 ]; then
	assert_text_contains "$T/raw" "samples/count cpu/nanoseconds" "the value types of report's pprof"
	assert_text_contains "$T/raw" "pid:[$WL] tid:[$WL]" "the pid and tid labels"
	dur=$(awk '/^Duration:/ { print $2 }' "$T/raw")
	# (each end waits at most 2 s for the naming to catch up)
	assert_between "Duration of seconds=5" "$dur" 3 7.5
	n=$(awk '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		 on && $1 ~ /^[0-9]+$/ { t += $1 } END { print t + 0 }' "$T/raw")
	# the CPU the workload used from the session's start to the answers, at
	# 999 Hz: the session is most of that window (a half at least)
	hz=$(getconf CLK_TCK)
	want=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$hz" 'BEGIN { printf "%d", (b - a) / hz * 999 }')
	note "$n samples in 5 s; the workload used $(((ticks1 - ticks0))) ticks of CPU meanwhile"
	assert_between "samples vs the workload's CPU time ($want at 999 Hz)" "$n" \
		"$(awk -v w="$want" 'BEGIN { printf "%d", w * 0.5 - 30 }')" \
		"$(awk -v w="$want" 'BEGIN { printf "%d", w * 1.1 + 30 }')"
fi

# bad requests: 400/404 with one line, and the server goes on
for q in seconds=abc seconds=-1 seconds=1e9 seconds=0 hz=0 pid=x format=png; do
	assert_eq "status of ?$q" "$(code bad "$BASE/profile?$q")" 400
	assert_eq "lines of the 400 for ?$q" "$(wc -l <"$T/bad")" 1
	assert_text_contains "$T/bad" "${q%%=*}=" "the 400 for ?$q names the parameter"
done
assert_eq "status of an unknown path" "$(code unknown "$BASE/heap")" 404
assert_eq "status of a pid that is not a target" "$(code nottarget "$BASE/profile?pid=1")" 400
kill "$GONE"
wait "$GONE" 2>/dev/null
assert_eq "status for a target that has exited" "$(code gone "$BASE/profile?seconds=1&pid=$GONE")" 404
assert_text_contains "$T/gone" "$GONE has exited" "the 404 says the target exited"
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /debug/pprof/prof\r\n\r\n' >&7
reply=$(timeout 5 head -1 <&7)
exec 7>&-
case $reply in
"HTTP/1.1 400"*) note "ok: a truncated request line gets: $reply" ;;
*) fail "answer to a truncated request line: '$reply', expected HTTP/1.1 400" ;;
esac
assert_eq "index after the bad requests" "$(code index2 "$BASE/")" 200

# a client that sends half a request and stalls delays nobody
exec 8<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /debug/pprof/profile?seconds=1 HTTP/1.1\r\nHost: x\r\n' >&8
t0=$(date +%s.%N)
assert_eq "folded profile during the stall" "$(code folded "$BASE/profile?seconds=1&format=folded&tid=$WL")" 200
t1=$(date +%s.%N)
assert_between "seconds a seconds=1 profile took during the stall" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" 0.9 9
assert_folded_shape "$T/folded"
FOLDED=
grep -q ';split_a_leaf ' "$T/folded" || fail "no split_a_leaf in the folded profile"
exec 8>&-
assert_eq "svg status" "$(code svg "$BASE/profile?seconds=1&format=svg")" 200
grep -q '<svg' "$T/svg" || fail "format=svg is not an SVG" "$(head -c 300 "$T/svg")"
assert_eq "speedscope status" "$(code ss "$BASE/profile?seconds=1&format=speedscope")" 200
assert_text_contains "$T/ss" '"$schema":"https://www.speedscope.app/file-format-schema.json"' \
	"format=speedscope is speedscope's JSON"

# a bearer token, on a second server
printf 'sekrit\n' >"$T/token"
chmod 600 "$T/token" # cprof serve refuses a token others can read
start_bg SRV2 "$CPROF" serve -p "$WL" --listen 127.0.0.1:0 --token-file "$T/token" 2>"$T/serve2.err"
wait_for 10 grep -q 'serving' "$T/serve2.err" || fail "the second server did not start"
BASE2=http://127.0.0.1:$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve2.err")/debug/pprof
assert_eq "no token" "$(code tok "$BASE2/")" 401
assert_eq "wrong token" "$(code tok "$BASE2/" -H 'Authorization: Bearer wrong')" 401
assert_eq "right token" "$(code tok "$BASE2/" -H 'Authorization: Bearer sekrit')" 200
kill -TERM "$SRV2"
wait_exit "$SRV2" 10 "cprof serve (token) after SIGTERM"

kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"
assert_eq "exit code after SIGTERM" "$RC" 0
pass
