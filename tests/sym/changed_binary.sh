#!/bin/bash
# A binary rebuilt after the recording (another build-id) is not used to
# name frames: they show as [module+0xoffset] and a warning names the file.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

"${CC:-cc}" -O2 -g -o "$T/prog" "$SYMSRC/stripme.c" || fail "cannot build the fixture"
record_ok -F 999 -o "$T/d" -- "$T/prog" 1
# different code, so a different build-id, at the same path
"${CC:-cc}" -O0 -g -o "$T/prog" "$SYMSRC/stripme.c" || fail "cannot rebuild the fixture"
report_ok "$T/d" "$T/folded"
assert_text_contains "$T/report.err" "$T/prog" "a warning names the changed file"
assert_not_contains "$T/folded" stripped_leaf "names from the changed file"
assert_contains "$T/folded" '(^|;)\[prog\+0x[0-9a-f]+\](;|$)' "frames of the changed file as [prog+0xoffset]"
pass
