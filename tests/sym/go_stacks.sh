#!/bin/bash
# A Go program (goroutines, GC pressure, an inlined helper) built here with
# go build, offline: inline frames and .go:LINE positions although Go
# writes no .debug_aranges; Go's stack switches end the g0 stack (no
# runtime.newproc invented above runtime.systemstack); nearly every stack
# ends at a Go root.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

go=$(command -v go) || fail "go not found (scripts/install-deps.sh installs golang-go)"
cd "$T" || fail "no scratch directory"
cp "$SYMSRC/go_stacks.go" main.go
GOCACHE=$T/gocache GOPATH=$T/gopath GOFLAGS= GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local \
	"$go" build -o go_stacks main.go || fail "cannot build the Go fixture"

record_ok -F 999 -o "$T/d" -- "$T/go_stacks" 2
report_ok "$T/d" "$T/folded" --annotate --lines
assert_contains "$T/folded" 'main\.churn \(main\.go:[0-9]+\);main\.square_\[i\] \(main\.go:[0-9]+\)' \
	"main.square inlined into main.churn, with lines"
assert_contains "$T/folded" 'runtime\.mallocgc \(malloc\.go:[0-9]+\)' "runtime lines (.go:LINE)"
assert_not_contains "$T/folded" 'runtime\.newproc[^;]*;[^;]*runtime\.systemstack' \
	"a caller invented above runtime.systemstack"
assert_lt "share of [unknown] roots (garbage return addresses)" \
	"$(share "$T/folded" '^go_stacks;\[unknown\]')" 0.5
report_ok "$T/d" "$T/plain"
# the root is the frame after the command name
roots='^go_stacks;runtime\.(goexit|mstart|rt0_go|clone|systemstack|morestack|mcall)(\.abi0)?(;|$)'
assert_between "share of stacks ending at a Go root" "$(share "$T/plain" "$roots")" 99.05 100
pass
