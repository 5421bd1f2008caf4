#!/bin/bash
# cprof beside Go's own CPU profile of the same run (issue 21): go_agree.go
# (handler -> workA 2/3, workB 1/3 of the spinning, churn allocating so the
# collector runs) writes its runtime/pprof profile at 500 Hz while cprof
# records it at 999 Hz; go tool pprof reads both. The designed functions'
# flat shares agree within 3 points, their cumulative shares within 5.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/go_lib.sh"
require_perf

go_build go_agree go_agree.go
record_ok -F 999 -o "$T/d" -- "$T/go_agree" 6 "$T/own.pb"
cprof_run pprof report -i "$T/d" -o "$T/cprof.pb.gz"
expect_rc 0 pprof "cprof report -o cprof.pb.gz"
mkdir -p "$T/home"
for p in own cprof; do
	f=$T/$p.pb
	[ "$p" = cprof ] && f=$T/cprof.pb.gz
	HOME=$T/home GOCACHE=$T/gocache timeout -k 5 60 go tool pprof -top -symbolize=none "$f" \
		>"$T/$p.top" 2>"$T/$p.err" || fail "go tool pprof -top of $p's profile failed" \
		"$(head -c 1500 "$T/$p.err")"
done
note "Go's own: $(grep -E 'main\.' "$T/own.top" | tr -s ' ' | tr '\n' '|')"
note "cprof's:  $(grep -E 'main\.' "$T/cprof.top" | tr -s ' ' | tr '\n' '|')"

# pct TOP FUNC COLUMN: FUNC's flat% (2) or cum% (5) in go tool pprof -top's table
pct() { awk -v f="$2" -v c="$3" '$6 == f { v = $c; sub(/%/, "", v); print v + 0; found = 1 }
				 END { if (!found) print 0 }' "$1"; }

# the designed ones must be there, as designed, in Go's own profile
assert_between "Go's own cum % of main.workA of main.handler's" \
	"$(awk -v a="$(pct "$T/own.top" main.workA 5)" -v h="$(pct "$T/own.top" main.handler 5)" \
		'BEGIN { printf "%.1f", 100 * a / h }')" 60 72
for f in main.spin main.churn; do
	own=$(pct "$T/own.top" "$f" 2)
	got=$(pct "$T/cprof.top" "$f" 2)
	assert_between "flat % of $f: cprof's ($got) beside Go's own ($own)" "$got" \
		"$(awk -v o="$own" 'BEGIN { print o - 3 }')" "$(awk -v o="$own" 'BEGIN { print o + 3 }')"
done
for f in main.handler main.workA main.workB main.churn main.spin; do
	own=$(pct "$T/own.top" "$f" 5)
	got=$(pct "$T/cprof.top" "$f" 5)
	assert_between "cum % of $f: cprof's ($got) beside Go's own ($own)" "$got" \
		"$(awk -v o="$own" 'BEGIN { print o - 5 }')" "$(awk -v o="$own" 'BEGIN { print o + 5 }')"
done
pass
