#!/usr/bin/env bash
# soak-serve.sh - `cprof serve` left running against a node target (JIT code
# named by its --perf-basic-prof perf map), scraped every second with
# seconds=1 for MINUTES minutes (default 30), as a fleet profiler would.
#
# Every MINUTES/10 it prints the server's RSS and its CPU over that stretch;
# at the end the RSS first/last and its peak, the CPU the server used per
# scrape, its CPU over IDLE_SECONDS (default 10) with no scrape, and the
# number of failed scrapes. The node target (bench/node-work.js) runs for the
# whole soak; everything started here is stopped on exit.
#
# Usage: scripts/soak-serve.sh [MINUTES]
#   CPROF=build/cprof MINUTES=2 scripts/soak-serve.sh      # a short look
# Exits 0 whatever the figures; non-zero only when something failed to run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CPROF=${CPROF:-$ROOT/build/cprof}
MINUTES=${1:-${MINUTES:-30}}
IDLE_SECONDS=${IDLE_SECONDS:-10}

[ -x "$CPROF" ] || { echo "soak-serve: no cprof at $CPROF (build first, or set CPROF)" >&2; exit 1; }
command -v node >/dev/null || { echo "soak-serve: node not found" >&2; exit 1; }
command -v curl >/dev/null || { echo "soak-serve: curl not found" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/cprof-soak.XXXXXX")
node_pid= srv_pid=
cleanup()
{
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	[ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
	[ -n "$node_pid" ] && rm -f "/tmp/perf-$node_pid.map"
	rm -rf "$W"
}
trap cleanup EXIT

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

node --perf-basic-prof "$ROOT/bench/node-work.js" $((MINUTES * 60 + IDLE_SECONDS + 120)) &
node_pid=$!
"$CPROF" serve -p "$node_pid" --listen 127.0.0.1:0 2>"$W/serve.err" &
srv_pid=$!
for _ in $(seq 100); do
	grep -q 'serving .* on http://' "$W/serve.err" && break
	sleep 0.1
done
base=$(sed -n 's|.*\(http://127.0.0.1:[0-9]*/debug/pprof\)/.*|\1|p' "$W/serve.err")
[ -n "$base" ] || { echo "soak-serve: cprof serve did not start: $(cat "$W/serve.err")" >&2; exit 1; }

end=$(($(date +%s) + MINUTES * 60))
step=$((MINUTES * 6))
[ "$step" -ge 1 ] || step=1
next=$(($(date +%s) + step))
scrapes=0 failed=0 rss0= peak=0
t_start=$(ticks "$srv_pid")
t_last=$t_start
echo "soak-serve: cprof serve $srv_pid on $base, node $node_pid, ${MINUTES} min of seconds=1 scrapes"
printf '%8s %8s %10s %14s\n' minute scrapes "RSS KiB" "CPU % (since)"
while [ "$(date +%s)" -lt "$end" ]; do
	c=$(curl -s -m 30 -o "$W/p" -w '%{http_code}' "$base/profile?seconds=1") || c=000
	scrapes=$((scrapes + 1))
	[ "$c" = 200 ] || failed=$((failed + 1))
	r=$(rss "$srv_pid")
	[ -n "$rss0" ] || rss0=$r
	[ "$r" -gt "$peak" ] && peak=$r
	if [ "$(date +%s)" -ge "$next" ]; then
		t=$(ticks "$srv_pid")
		printf '%8.1f %8d %10d %14.1f\n' "$(awk -v e="$end" -v n="$(date +%s)" -v m="$MINUTES" 'BEGIN { print m - (e - n) / 60 }')" \
			"$scrapes" "$r" "$(awk -v a="$t_last" -v b="$t" -v hz="$hz" -v s="$step" 'BEGIN { print 100 * (b - a) / hz / s }')"
		t_last=$t
		next=$((next + step))
	fi
done
t_end=$(ticks "$srv_pid")
rss_end=$(rss "$srv_pid")
sleep "$IDLE_SECONDS" # the idle window being measured
t_idle=$(ticks "$srv_pid")
echo "scrapes: $scrapes, failed: $failed"
echo "RSS: ${rss0} KiB after the first scrape, ${rss_end} KiB at the end ($(awk -v a="$rss0" -v b="$rss_end" 'BEGIN { printf "%.2f", b / a }')x), peak ${peak} KiB"
echo "server CPU per scrape: $(awk -v a="$t_start" -v b="$t_end" -v n="$scrapes" -v hz="$hz" 'BEGIN { printf "%.1f", 1000 * (b - a) / hz / n }') ms"
echo "server CPU idle: $(awk -v a="$t_end" -v b="$t_idle" -v hz="$hz" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / s }') % of a CPU over ${IDLE_SECONDS} s"
wc -l <"/tmp/perf-$node_pid.map" | sed 's/^/node perf map lines at the end: /'
