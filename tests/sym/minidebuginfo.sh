#!/bin/bash
# A stripped binary carrying MiniDebugInfo (.gnu_debugdata: an xz-compressed
# symbol table, as Fedora ships them) still names its static functions.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

cd "$T" || fail "no scratch directory"
"${CC:-cc}" -O2 -g -o prog "$SYMSRC/stripme.c" || fail "cannot build the fixture"
# the recipe of gdb's manual, "MiniDebugInfo"
nm -D prog --format=posix --defined-only | awk '{ print $1 }' | sort >dynsyms
nm prog --format=posix --defined-only | awk '$2 ~ /^[TtD]$/ { print $1 }' | sort >funcsyms
comm -13 dynsyms funcsyms >keep
objcopy --only-keep-debug prog debug
objcopy -S --remove-section .gdb_index --remove-section .comment --keep-symbols=keep debug mini
strip --strip-all -R .comment prog
xz mini || fail "xz is needed to build the fixture"
objcopy --add-section .gnu_debugdata=mini.xz prog
nm prog 2>&1 | grep -q stripped_leaf && fail "the fixture still has a .symtab"

record_ok -F 999 -o "$T/d" -- "$T/prog" 1.5
report_ok "$T/d" "$T/folded"
assert_between "share in main;stripped_middle;stripped_leaf" \
	"$(share "$T/folded" "$(chain_re main 'stripped_middle[.a-z0-9]*' 'stripped_leaf[.a-z0-9]*')")" 90 100
pass
