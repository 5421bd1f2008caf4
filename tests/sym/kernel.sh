#!/bin/bash
# -k adds named kernel frames (from /proc/kallsyms captured at record time)
# below the user stack of a syscall-heavy program; without -k none appear.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

"${CC:-cc}" -O2 -g -o "$T/syscalls" "$SYMSRC/syscalls.c" || fail "cannot build the fixture"
record_ok -k -F 999 -o "$T/k.data" -- "$T/syscalls" 1.5
report_ok "$T/k.data" "$T/k.folded" --annotate
assert_between "share with kernel frames under read_stat_many" \
	"$(share "$T/k.folded" "$(ancestor_re read_stat_many '[^;]*_\[k\]')")" 50 100
assert_contains "$T/k.folded" '(^|;)(entry_SYSCALL_64[a-z_]*|do_syscall_64)_\[k\](;|$)' \
	"the syscall entry is named"
assert_between "share of unnamed kernel frames" "$(share "$T/k.folded" 'kernel\.kallsyms')" 0 5

record_ok -F 999 -o "$T/u.data" -- "$T/syscalls" 1
report_ok "$T/u.data" "$T/u.folded" --annotate
assert_not_contains "$T/u.folded" '_\[k\]' "kernel frames without -k"
pass
