#!/bin/bash
# serve_host.sh - cprof serve -a: one endpoint for every process of the host,
# as Parca and Grafana Alloy scrape it.
#
# Two workloads with designed splits run beside whatever else the machine
# runs: split_nofp (50/30/20) and split_fp with SPLIT_UNITS=2,3,5, each as a
# copy under a name of its own (a random number in it: other tests may run
# the split programs meanwhile).
#
#   profile?seconds=3            go tool pprof -tags: comm and pid labels of
#                                both workloads
#   profile?...&comm=NOFP        only NOFP: one comm, one pid, split's three
#                                leaves >= 90 % of it
#   profile?...&pid=FP'S PID     only that pid
#   profile?...&comm=FP&lang=python   the view applied: no Python frame in a
#                                C program, so every sample is [native]
#   comm= too long, lang=perl    400; pid= of no running process 404
#   -a with -p, --comm without -a     usage errors (exit 2)
#   perf_event_open refused (noperf)  serve -a does not start: exit 4
#
# -a needs CPU-wide events: root, CAP_PERFMON or perf_event_paranoid <= 0.
# Refused to a user without them, the test skips (tests/allowed-skips.txt).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload split_nofp split_fp
require_perf
command -v go >/dev/null || fail "go not found (scripts/install-deps.sh installs golang-go)"
command -v curl >/dev/null || fail "curl not found"

cprof_run both serve -a -p 1
expect_rc 2 both "serve -a -p 1"
cprof_run comm_only serve -p 1 --comm x
expect_rc 2 comm_only "serve --comm without -a"
# refused CPU-wide events: serve -a does not start (rather than failing every scrape)
RUN_UNDER=("$NOPERF")
cprof_run refused serve -a --listen 127.0.0.1:0
RUN_UNDER=()
expect_rc 4 refused "serve -a with perf_event_open refused"
assert_text_contains "$T/refused.err" "cannot sample every CPU (-a)" "the refusal says why"
require_all_cpus

id=$(printf '%05d' $((RANDOM % 100000)))
NOFP=snofp$id FP=sfp$id
cp "$WORKDIR/split_nofp" "$T/$NOFP" && cp "$WORKDIR/split_fp" "$T/$FP" ||
	fail "cannot copy the workloads into $T"
start_bg a "$T/$NOFP" 60
start_bg b env SPLIT_UNITS=2,3,5 "$T/$FP" 60
both_running() { exe_is "$a" "$(readlink -f "$T/$NOFP")" && exe_is "$b" "$(readlink -f "$T/$FP")"; }
wait_for 10 both_running || fail "$NOFP and $FP did not start within 10 s"
note "$NOFP $a (split_nofp), $FP $b (split_fp)"

start_bg srv "$CPROF" serve -a -F 999 --listen 127.0.0.1:0 2>"$T/serve.err"
wait_for 10 grep -q 'serving every process on http://127.0.0.1:[0-9]*/debug/pprof/' \
	"$T/serve.err" || fail "cprof serve -a did not say where it listens" "$(cat "$T/serve.err")"
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")
base=http://127.0.0.1:$port/debug/pprof

# code NAME QUERY: the HTTP status of profile?QUERY, body in $T/NAME.
code()
{
	curl -s -m 30 -o "$T/$1" -w '%{http_code}' "$base/profile?$2"
}

mkdir -p "$T/home" "$T/gocache"
# gopprof NAME.VIEW: go tool pprof -VIEW of $T/NAME, into $T/NAME.VIEW.
gopprof()
{
	HOME=$T/home GOCACHE=$T/gocache timeout -k 5 60 go tool pprof -symbolize=none \
		"-${1##*.}" "$T/${1%.*}" >"$T/$1" 2>"$T/$1.err" ||
		fail "go tool pprof -${1##*.} of ${1%.*} failed" "$(head -c 1500 "$T/$1.err")"
}
# tags FILE KEY: the values of tag KEY in go tool pprof -tags output, one a line.
tags()
{
	awk -v k="$2:" '/^ [a-z]+: Total/ { on = ($1 == k); next } on && NF { print $NF }' "$1" |
		sort -u
}

assert_eq "index status" "$(curl -s -m 30 -o "$T/index" -w '%{http_code}' "$base/")" 200
assert_text_contains "$T/index" "every process of this host" "the index says what is served"

# --- the host: both workloads, each with its labels
assert_eq "status of profile?seconds=3" "$(code all.pb.gz seconds=3)" 200
gopprof all.pb.gz.tags
note "comm tags: $(tags "$T/all.pb.gz.tags" comm | head -n 30 | tr '\n' ' ')"
tags "$T/all.pb.gz.tags" comm >"$T/all.comm"
tags "$T/all.pb.gz.tags" pid >"$T/all.pid"
assert_text_contains "$T/all.comm" "$NOFP" "a comm label of $NOFP"
assert_text_contains "$T/all.comm" "$FP" "a comm label of $FP"
assert_eq "pid label of $NOFP" "$(grep -cx "$a" "$T/all.pid")" 1
assert_eq "pid label of $FP" "$(grep -cx "$b" "$T/all.pid")" 1
assert_ge "processes in the host's profile" "$(wc -l <"$T/all.pid")" 2

# --- one process by name, and by pid
assert_eq "status of ?comm=$NOFP" "$(code nofp.pb.gz "seconds=3&comm=$NOFP")" 200
gopprof nofp.pb.gz.tags
gopprof nofp.pb.gz.top
assert_eq "comm labels of ?comm=$NOFP" "$(tags "$T/nofp.pb.gz.tags" comm | tr '\n' ' ')" "$NOFP "
assert_eq "pid labels of ?comm=$NOFP" "$(tags "$T/nofp.pb.gz.tags" pid | tr '\n' ' ')" "$a "
leaves=$(awk '$6 ~ /^split_[abc]_leaf$/ { v = $2; sub(/%/, "", v); s += v; n++ }
	      END { printf "%d %.1f\n", n, s }' "$T/nofp.pb.gz.top")
note "?comm=$NOFP: $(grep -E 'split_|flat%' "$T/nofp.pb.gz.top" | tr -s ' ' | tr '\n' '|')"
assert_eq "leaves in ?comm=$NOFP (go tool pprof -top)" "${leaves% *}" 3
assert_ge "flat % of the three leaves together in ?comm=$NOFP" "${leaves#* }" 90

assert_eq "status of ?pid=$b" "$(code fp.pb.gz "seconds=2&pid=$b")" 200
gopprof fp.pb.gz.tags
assert_eq "pid labels of ?pid=$b" "$(tags "$T/fp.pb.gz.tags" pid | tr '\n' ' ')" "$b "

# --- lang=: the view of view.h on what is served
assert_eq "status of ?comm=$FP&lang=python" "$(code py.pb.gz "seconds=2&comm=$FP&lang=python")" 200
gopprof py.pb.gz.top
note "lang=python: $(sed -n '/flat%/,$p' "$T/py.pb.gz.top" | tr -s ' ' | tr '\n' '|')"
assert_eq "frames of a C program's lang=python view" \
	"$(awk '/flat%/ { on = 1; next } on { print $NF }' "$T/py.pb.gz.top" | tr '\n' ' ')" "[native] "

# --- bad requests
assert_eq "status of ?comm= of 16 bytes" "$(code bad "seconds=1&comm=0123456789abcdef")" 400
assert_text_contains "$T/bad" "comm=" "the 400 names comm="
assert_eq "status of ?lang=perl" "$(code bad "seconds=1&lang=perl")" 400
assert_text_contains "$T/bad" "lang=" "the 400 names lang="
gone=$(sh -c 'echo $$') # a process that has exited (and been reaped)
assert_eq "status of ?pid= of a process that exited" "$(code gone "seconds=1&pid=$gone")" 404
kill -0 "$srv" || fail "cprof serve -a ended" "$(cat "$T/serve.err")"
kill "$srv"
wait "$srv"
RC=$?
expect_rc 0 serve "cprof serve -a stopped by SIGTERM"
pass
