#!/bin/bash
# Go's stack switches crossed as Go's traceback crosses them (issue 21): a
# program whose GC marks a large heap again and again, its mark workers in
# long runs of runtime.systemstack on their threads' g0 stacks. A sample
# there goes on at the goroutine that called systemstack when the thread
# is still in that call as the sample is unwound (gostack.h): some do, and
# every one that does has the goroutine's own callers, never another's.
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
	"$(share_of "$T/plain" "$drain" "$whole")" 5
assert_eq "share of crossed gcDrain stacks with the worker's own callers" \
	"$(share_of "$T/plain" "^go_gc;runtime\\.goexit;.*$drain" "$whole")" 100.0
pass
