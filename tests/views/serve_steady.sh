#!/bin/bash
# cprof serve left running: between scrapes it is idle (once the work of
# the last one is done, a thread of it runnable in few polls of a window,
# where a spinning thread is runnable in every one), and the memory of a JIT target's scrapes stays flat: each
# recording sends the target's whole perf map, which replaces the last one
# (RSS after N back-to-back scrapes within 20 % of the RSS after the first
# few, with a perf map of PERFMAP_LINES entries).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
require_workload split_nofp
require_perf

SCRAPES=${SCRAPES:-20}
PERFMAP_LINES=${PERFMAP_LINES:-300000}

# code NAME URL: the HTTP status of URL, body in $T/NAME.
code() { curl -s -m 30 -o "$T/$1" -w '%{http_code}' "$2"; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

start_bg WL "$WORKDIR/split_nofp" 300
# a JIT runtime's perf map (node --perf-basic-prof, python -X perf): the
# recorder sends it whole at the end of every recording
awk -v n="$PERFMAP_LINES" 'BEGIN { for (i = 0; i < n; i++)
	printf "%x 40 LazyCompile:*jsFunction%d /srv/app/handler%d.js:%d\n", 0x10000000 + i * 64, i, i % 97, i % 4000 }' \
	>"/tmp/perf-$WL.map"

start_bg SRV "$CPROF" serve -p "$WL" -F 99 --listen 127.0.0.1:0 2>"$T/serve.err"
wait_for 10 grep -q 'serving .* on http://127.0.0.1:[0-9]*/debug/pprof/' "$T/serve.err" ||
	fail "cprof serve did not say where it listens" "$(cat "$T/serve.err")"
BASE=http://127.0.0.1:$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")/debug/pprof

wait_quiet "$SRV" 20 || note "serve never quiet before any profile"
note "serve before any profile: busy in $(busy_share "$SRV" 2) % of polls"
assert_eq "first scrape" "$(code first "$BASE/profile?seconds=1&format=folded")" 200
grep -q ';split_a_leaf ' "$T/first" || fail "no split_a_leaf in the first profile" "$(head -5 "$T/first")"
wait_quiet "$SRV" 20 || fail "serve still busy 20 s after its first profile"
assert_between "% of polls with a thread of serve runnable, idle after a profile" "$(busy_share "$SRV" 3)" 0 30

for i in $(seq "$SCRAPES"); do
	c=$(code scrape "$BASE/profile?seconds=1")
	[ "$c" = 200 ] || fail "scrape $i: status $c" "$(head -c 300 "$T/scrape")"
	if [ "$i" = 3 ]; then
		wait_quiet "$SRV" 20 || fail "serve still busy 20 s after scrape 3"
		rss_early=$(rss "$SRV")
	fi
done
wait_quiet "$SRV" 20 || fail "serve still busy 20 s after scrape $SCRAPES"
rss_late=$(rss "$SRV")
note "RSS after 3 scrapes ${rss_early} KiB, after $SCRAPES ${rss_late} KiB ($PERFMAP_LINES perf map lines)"
assert_between "RSS after $SCRAPES scrapes of a JIT target (KiB, within 20 % of after 3)" "$rss_late" \
	"$(awk -v r="$rss_early" 'BEGIN { printf "%d", r * 0.8 }')" \
	"$(awk -v r="$rss_early" 'BEGIN { printf "%d", r * 1.2 }')"
wait_quiet "$SRV" 20 || fail "serve still busy 20 s after its last profile"
assert_between "% of polls with a thread of serve runnable, idle after $SCRAPES profiles" "$(busy_share "$SRV" 3)" 0 30

kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"
assert_eq "exit code after SIGTERM" "$RC" 0
pass
