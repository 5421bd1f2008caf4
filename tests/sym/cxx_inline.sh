#!/bin/bash
# A C++ hot loop that is an always-inline template method shows as its own
# demangled frame under its caller; no mangled name reaches the output.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

"${CXX:-g++}" -O2 -g -o "$T/cxx_inline" "$SYMSRC/cxx_inline.cc" || fail "cannot build the C++ fixture"
loop_lines=$(grep -n -e 'HOT-LINE' -e 'HOT-LOOP' "$SYMSRC/cxx_inline.cc" | cut -d: -f1 | paste -sd'|')

record_ok -F 999 -o "$T/d" -- "$T/cxx_inline" 2
report_ok "$T/d" "$T/folded"
assert_between "share under hot_driver;add_many" \
	"$(share "$T/folded" "$(chain_re main hot_driver 'calc::Accum<long>::add_many')")" 90 100
assert_not_contains "$T/folded" '(^|;)_Z' "mangled C++ names"

report_ok "$T/d" "$T/annotated" --annotate
assert_contains "$T/annotated" "$(chain_re hot_driver 'calc::Accum<long>::add_many_\[i\]')" \
	"the inlined frame carries _[i] with --annotate"

report_ok "$T/d" "$T/noinline" --no-inline
assert_not_contains "$T/noinline" 'add_many' "inline frames with --no-inline"
assert_between "share ending in hot_driver with --no-inline" \
	"$(share "$T/noinline" ';hot_driver$')" 90 100

report_ok "$T/d" "$T/raw" --no-demangle
assert_contains "$T/raw" '(^|;)_Z10hot_driver' "--no-demangle keeps the mangled name"

report_ok "$T/d" "$T/lines" --lines
call_line=$(grep -n 'a.add_many(' "$SYMSRC/cxx_inline.cc" | cut -d: -f1)
assert_between "share at the loop's lines, called from hot_driver's call line" \
	"$(share "$T/lines" "hot_driver \\(cxx_inline\\.cc:$call_line\\);calc::Accum<long>::add_many \\(cxx_inline\\.cc:($loop_lines)\\)")" \
	90 100
pass
