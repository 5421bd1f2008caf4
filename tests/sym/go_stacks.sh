#!/bin/bash
# A Go program (goroutines, GC pressure, an inlined helper) built here with
# go build, offline: inline frames and .go:LINE positions although Go
# writes no .debug_aranges; Go's stack switches crossed (no runtime.newproc
# invented above runtime.systemstack); at least 99 % of the stacks end at
# a Go root.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/go_lib.sh"
require_perf

go_build go_stacks go_stacks.go

record_ok -F 999 -o "$T/d" -- "$T/go_stacks" 2
report_ok "$T/d" "$T/folded" --annotate --lines
assert_contains "$T/folded" 'main\.churn \(main\.go:[0-9]+\);main\.square_\[i\] \(main\.go:[0-9]+\)' \
	"main.square inlined into main.churn, with lines"
assert_contains "$T/folded" 'runtime\.mallocgc \(malloc\.go:[0-9]+\)' "runtime lines (.go:LINE)"
assert_not_contains "$T/folded" 'runtime\.newproc[^;]*;[^;]*runtime\.systemstack' \
	"a caller invented above runtime.systemstack"
# (one frame past runtime.rt0_go, the entry, while the runtime starts: a
# few samples of startup, as many as the machine makes it take; issue 21)
all_unknown=$(share "$T/folded" '^go_stacks;\[unknown\]')
at_entry=$(share "$T/folded" '^go_stacks;\[unknown\];runtime\.rt0_go')
note "[unknown] roots: $all_unknown %, of them above runtime.rt0_go: $at_entry %"
assert_lt "share of other [unknown] roots (garbage return addresses)" \
	"$(awk -v a="$all_unknown" -v b="$at_entry" 'BEGIN { printf "%.1f", a - b }')" 0.5
report_ok "$T/d" "$T/plain"
# Go's stack switches crossed as Go's traceback crosses them (issue 21):
# past runtime.systemstack the goroutine that called it, with that caller
# (the frame the kernel's frame-pointer chain lacks), never goexit in its
# place; the goroutine's own callers, never another's
assert_contains "$T/plain" 'main\.churn;runtime\.newobject;runtime\.mallocgc;.*;runtime\.systemstack;' \
	"an allocation's systemstack under the goroutine that allocated"
note "systemstack stacks: $(count "$T/plain" ';runtime\.systemstack;')"
assert_lt "share of systemstack stacks whose caller is lost (goexit above it)" \
	"$(share_of "$T/plain" ';runtime\.systemstack;' 'runtime\.goexit;runtime\.systemstack;')" 2
# (a sample in the prologue of the function systemstack called: its frame
# holds no BP yet, the chain has no way over; a few per thousand at most)
assert_lt "share of stacks that stop at runtime.systemstack" \
	"$(share "$T/plain" '^go_stacks;runtime\.systemstack(\.abi0)?(;|$)')" 0.5
# the root is the frame after the command name: a goroutine's (goexit), a
# thread's (mstart, rt0_go, clone), or where Go's own traceback ends a
# thread's system stack (mcall, morestack: the scheduler, no goroutine)
roots='^go_stacks;runtime\.(goexit|mstart|rt0_go|clone|main|mcall|morestack)(\.abi0)?(;|$)'
note "of them at mcall or morestack: $(share "$T/plain" '^go_stacks;runtime\.(mcall|morestack)(;|$)') %"
assert_between "share of stacks at a Go root" \
	"$(share_of "$T/plain" "^go_stacks;.*" "$roots")" 99 100
pass
