#!/bin/bash
# Frames in a PLT stub are named NAME@plt from the PLT relocations, as perf
# names them: a C program calling a one-line library function through the
# PLT (built with the default, not -fno-plt), for 1.5 s of its CPU time.
# (Python 3.12's libpython through its PLT: plt_stubs_python.sh.)
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

cd "$T" || fail "no scratch directory"
"${CC:-cc}" -O2 -g -fPIC -shared -o libplt.so "$SYMSRC/plt_lib.c" &&
	"${CC:-cc}" -O2 -g -o plt "$SYMSRC/plt_main.c" -L. -lplt -Wl,-rpath,"$T" ||
	fail "cannot build the fixture"
objdump -d plt | grep -q '<plt_tiny@plt>:' || fail "the fixture does not call plt_tiny through the PLT"

record_ok -F 999 -o "$T/d" -- "$T/plt" 1.5
report_ok "$T/d" "$T/folded"
# the stub is one jmp of the few instructions per call: 2-10 % of the ~1500
# samples of 1.5 CPU seconds
assert_ge "samples in main;plt_caller;plt_tiny@plt" \
	"$(count "$T/folded" "$(chain_re main plt_caller 'plt_tiny@plt')\$")" 5
assert_not_contains "$T/folded" 'plt_caller;\[plt\]' "stub frames named after the binary"
pass
