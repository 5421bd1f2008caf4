#!/bin/bash
# PLT stubs named NAME@plt (as plt_stubs.sh) in a shared library: Python
# 3.12's libpython calling libc and itself through its PLT.  Needs a pyenv
# Python 3.12 linked against libpython3.12.so; skips (77) without one
# (tests/allowed-skips.txt).
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

py=
if command -v pyenv >/dev/null; then
	v=$(pyenv versions --bare 2>/dev/null | grep -m1 '^3\.12')
	[ -n "$v" ] && py=$(pyenv root)/versions/$v/bin/python3.12
fi
[ -x "$py" ] && ldd "$py" | grep -q libpython3.12 ||
	skip "no pyenv Python 3.12 linked against libpython3.12.so"
record_ok -F 999 -o "$T/py" -- "$py" "$SYMSRC/plt_bytes.py" 2
report_ok "$T/py" "$T/py.folded"
assert_contains "$T/py.folded" '[A-Za-z_]+@plt(;|$)' "libpython's PLT stubs by name"
pass
