#!/bin/bash
# A Go program (goroutines, GC pressure, an inlined helper) built here with
# go build, offline: inline frames and .go:LINE positions although Go
# writes no .debug_aranges; Go's stack switches end the g0 stack (no
# runtime.newproc invented above runtime.systemstack); nearly every stack
# ends at a Go root.
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
# the root is the frame after the command name
roots='^go_stacks;runtime\.(goexit|mstart|rt0_go|clone|systemstack|morestack|mcall)(\.abi0)?(;|$)'
# Go's calls into the vDSO and its signal trampolines run on another stack
# (g0, gsignal) that the unwinder does not yet switch back from (--stats
# says "the caller is on another stack"): how many there are is the
# scheduler's and the GC's; every other stack reaches a root
leaves='(__vdso_[a-z_]+|\[vdso\]|runtime\.(nanotime1|walltime|vdsoCall[A-Za-z]*|sigtramp|sigreturn|sigreturn__sigaction)(\.abi0)?)$'
note "stacks in Go's vDSO calls and signal trampolines: $(share "$T/plain" "$leaves") %"
assert_between "share of stacks at a Go root, or in a vDSO call or signal trampoline" \
	"$(share_of "$T/plain" "^go_stacks;.*" "$roots|$leaves")" 99.05 100
pass
