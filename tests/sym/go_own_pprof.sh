#!/bin/bash
# Go's own CPU profile (runtime/pprof) and cprof's of the same run agree:
# `cprof diff --fail-above 1 go-own.pb.gz cprof.pb.gz` passes (issue 20).
# What one tool writes and the other does not must not count as change:
# the .abi0 suffixes, runtime.goexit at the root of every goroutine (Go's
# profile leaves it out), runtime.asyncPreempt (Go's profile charges to
# it samples of the loop the preemption signal interrupted). Before they
# were dropped, the gate named runtime.goexit (+94 pp) and main.loopWork.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/go_lib.sh"
require_perf

go_build own go_own_pprof.go
record_ok -F 999 -o "$T/cprof.data" -- "$T/own" 4 "$T/go-own.pb.gz"
[ -s "$T/go-own.pb.gz" ] || fail "the Go program wrote no profile"
cprof_run report report -i "$T/cprof.data" -o "$T/cprof.pb.gz"
expect_rc 0 report "cprof report -o cprof.pb.gz"
cprof_run top diff -f top --limit 0 "$T/go-own.pb.gz" "$T/cprof.pb.gz"
expect_rc 0 top "cprof diff -f top of Go's own profile and cprof's"
for f in main.hashWork main.loopWork; do
	awk -v f="$f" '$9 == f && $5 > 0 && $6 > 0 { ok = 1 } END { exit !ok }' "$T/top.out" ||
		fail "$f has no total in one of the profiles" "$(head -c 3000 "$T/top.out")"
done
cprof_run gate diff --fail-above 1 "$T/go-own.pb.gz" "$T/cprof.pb.gz"
[ "$RC" = 0 ] || { cat "$T/top.out" >&2; fail "the gate failed on one run's two profiles: $(grep regression "$T/gate.err")"; }
grep -q 'gate passed' "$T/gate.err" || fail "the gate did not say it passed"
pass
