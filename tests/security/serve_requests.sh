#!/bin/bash
# cprof serve and what a client may ask (issue 23), on a server with -F 99
# and a bearer token:
#   - hz= above the server's -F (hz=100000 slowed the targets 14-59x and
#     blocked every other scraper) is 400 naming the maximum, and the next
#     scrape at the default rate is served; hz=99 itself is allowed;
#   - a URL with 500 query parameters is answered 414 with a body (it got
#     its connection closed with no answer), 64 parameters are served;
#   - the token is checked before any body is read: a POST announcing a
#     1 MB body it never sends gets 401 at once without the token (it
#     waited for the body), 405 at once with it.
# shellcheck source=tests/security/lib.sh
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
require_workload split_nofp
require_perf

# code NAME URL [CURL ARGS...]: the HTTP status of URL, body in $T/NAME.
code()
{
	local name=$1 url=$2

	shift 2
	curl -s -m 30 -o "$T/$name" -w '%{http_code}' "$@" "$url"
}

# raw_status NAME: send stdin as the request, print the status line the
# server answers within 5 s (empty if none).
raw_status()
{
	local reply

	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	cat >&7
	reply=$(timeout 5 head -n 1 <&7 | tr -d '\r')
	exec 7>&-
	printf '%s' "$reply"
}

printf 'sekrit\n' >"$T/token"
chmod 600 "$T/token"
start_bg WL "$WORKDIR/split_nofp" 60
start_bg SRV "$CPROF" serve -p "$WL" -F 99 --listen 127.0.0.1:0 --token-file "$T/token" \
	2>"$T/serve.err"
wait_for 10 grep -q 'serving .* on http://127.0.0.1:[0-9]*/debug/pprof/' "$T/serve.err" ||
	fail "cprof serve did not say where it listens" "$(cat "$T/serve.err")"
PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")
BASE=http://127.0.0.1:$PORT/debug/pprof
AUTH=(-H 'Authorization: Bearer sekrit')

# the rate a client may ask
for hz in 100000 100; do
	assert_eq "status of hz=$hz (server -F 99)" "$(code hz "$BASE/profile?seconds=1&hz=$hz" "${AUTH[@]}")" 400
	assert_eq "lines of the 400 for hz=$hz" "$(wc -l <"$T/hz")" 1
	assert_text_contains "$T/hz" "hz=$hz" "the 400 names the parameter"
	assert_text_contains "$T/hz" "to 99" "the 400 names the maximum"
done
assert_eq "a scrape at the default rate after them" \
	"$(code dflt "$BASE/profile?seconds=1&format=folded" "${AUTH[@]}")" 200
assert_eq "status of hz=99, the maximum" \
	"$(code max "$BASE/profile?seconds=1&hz=99&format=folded" "${AUTH[@]}")" 200

# many query parameters
q=$(seq 0 499 | awk '{ printf "%sp%d=%d", (NR > 1 ? "&" : ""), $1, $1 }')
assert_eq "status of a URL with 500 parameters" "$(code many "$BASE/profile?$q" "${AUTH[@]}")" 414
assert_text_contains "$T/many" "parameters" "the 414 says why"
q=$(seq 0 63 | awk '{ printf "%sp%d=%d", (NR > 1 ? "&" : ""), $1, $1 }')
assert_eq "status of the index with 64 parameters" "$(code some "$BASE/?$q" "${AUTH[@]}")" 200

# the token before the body
post='POST /debug/pprof/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n'
assert_eq "answer to a POST without the token, its body unsent" \
	"$(printf "$post\r\n" | raw_status)" "HTTP/1.1 401 Unauthorized"
assert_eq "answer to a POST with the token, its body unsent" \
	"$(printf "${post}Authorization: Bearer sekrit\r\n\r\n" | raw_status)" \
	"HTTP/1.1 405 Method Not Allowed"
assert_eq "wrong token of the right length" "$(code tok "$BASE/" -H 'Authorization: Bearer sekrat')" 401
assert_eq "the token and more" "$(code tok "$BASE/" -H 'Authorization: Bearer sekrit2')" 401
assert_eq "the index with the token" "$(code tok "$BASE/" "${AUTH[@]}")" 200

kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"
assert_eq "exit code after SIGTERM" "$RC" 0
pass
