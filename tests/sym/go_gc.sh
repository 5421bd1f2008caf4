#!/bin/bash
# Go's stack switches crossed as Go's traceback crosses them (issue 21): a
# program whose GC marks a large heap again and again, its mark workers in
# long runs of runtime.systemstack on their threads' g0 stacks. A sample
# there goes on at the goroutine that called systemstack, from the
# kernel's frame-pointer chain taken with the sample (gochain.h): nearly
# all do, each with the goroutine's own callers, never another's; and at
# least 99 % of all stacks end at a Go root.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/go_lib.sh"
require_perf

go_build go_gc go_gc.go
record_ok -F 999 -o "$T/d" -- "$T/go_gc" 3
report_ok "$T/d" "$T/plain"
drain='runtime\.gcBgMarkWorker\.func2;runtime\.gcDrain'
assert_ge "samples in the mark workers' gcDrain" "$(count "$T/plain" "$drain")" 100
note "gcDrain stacks still ending at runtime.systemstack: $(share_of "$T/plain" "$drain" '^go_gc;runtime\.systemstack;') %"
# the worker's goroutine: goexit -> gcBgMarkWorker -> systemstack(func2)
whole="^go_gc;runtime\\.goexit;runtime\\.gcBgMarkWorker;runtime\\.systemstack;$drain"
assert_ge "share of gcDrain stacks crossed to the worker's goroutine" \
	"$(share_of "$T/plain" "$drain" "$whole")" 95
assert_eq "share of crossed gcDrain stacks with the worker's own callers" \
	"$(share_of "$T/plain" "^go_gc;runtime\\.goexit;.*$drain" "$whole")" 100.0
# a goroutine's root, a thread's, or where Go's traceback ends g0 (mcall, morestack)
roots='^go_gc;runtime\.(goexit|mstart|rt0_go|clone|main|mcall|morestack)(\.abi0)?(;|$)'
note "of them at mcall or morestack: $(share "$T/plain" '^go_gc;runtime\.(mcall|morestack)(;|$)') %"
assert_between "share of stacks at a Go root" "$(share_of "$T/plain" "^go_gc;.*" "$roots")" 99 100
pass
