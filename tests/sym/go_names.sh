#!/bin/bash
# Go's functions named as Go's pprof names them: no ABI suffix (".abi0",
# ".abiinternal") that Go's linker writes into the symbol table; a C
# function whose symbol happens to end in ".abi0" keeps it (issue 21).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/go_lib.sh"
require_perf

go_build go_stacks go_stacks.go
nm "$T/go_stacks" | grep -q ' runtime\.goexit\.abi0$' ||
	fail "the Go fixture has no runtime.goexit.abi0 symbol"
record_ok -F 999 -o "$T/go.data" -- "$T/go_stacks" 1.5
report_ok "$T/go.data" "$T/go.folded"
assert_not_contains "$T/go.folded" '\.abi(0|internal)(;|$)' "no ABI suffix on a Go frame"
# their symbols are runtime.goexit.abi0 and runtime.systemstack.abi0 (the GC's work)
assert_contains "$T/go.folded" '^go_stacks;runtime\.goexit;' "goroutines begin at runtime.goexit"
assert_contains "$T/go.folded" ';runtime\.systemstack(;|$)' "runtime.systemstack, without .abi0"

# C: a function whose symbol is stripped_leaf.abi0 is not Go's and keeps its name
"${CC:-cc}" -O2 -g -o "$T/c" "$SYMSRC/stripme.c" || fail "cannot build the C fixture"
leaf=$(nm "$T/c" | awk '$3 ~ /^stripped_leaf/ { print $3; exit }') # gcc may add .constprop.0
[ -n "$leaf" ] || fail "the C fixture has no stripped_leaf"
objcopy --redefine-sym "$leaf=stripped_leaf.abi0" "$T/c" || fail "objcopy failed"
nm "$T/c" | grep -q ' stripped_leaf\.abi0$' || fail "the C fixture has no stripped_leaf.abi0"
record_ok -F 999 -o "$T/c.data" -- "$T/c" 1
report_ok "$T/c.data" "$T/c.folded"
assert_contains "$T/c.folded" ';stripped_middle[.a-z0-9]*;stripped_leaf\.abi0$' \
	"a C function named stripped_leaf.abi0 keeps its name"
pass
