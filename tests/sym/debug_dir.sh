#!/bin/bash
# A stripped binary whose debug file sits in a .build-id tree given with
# --debug-dir, or is named by its .gnu_debuglink, is named as well as the
# unstripped one.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

"${CC:-cc}" -O2 -g -o "$T/full" "$SYMSRC/stripme.c" || fail "cannot build the fixture"
id=$(readelf -n "$T/full" | awk '/Build ID/ { print $3 }')
[ -n "$id" ] || fail "the fixture has no build-id"
mkdir -p "$T/debug/.build-id/${id:0:2}"
objcopy --only-keep-debug "$T/full" "$T/debug/.build-id/${id:0:2}/${id:2}.debug"
cp "$T/full" "$T/stripped"
strip --strip-all "$T/stripped"
nm "$T/stripped" 2>&1 | grep -q stripped_leaf && fail "strip left the symbols in"

record_ok -F 999 -o "$T/full.data" -- "$T/full" 1.5
report_ok "$T/full.data" "$T/full.folded"
record_ok -F 999 -o "$T/stripped.data" -- "$T/stripped" 1.5
report_ok "$T/stripped.data" "$T/stripped.folded" --debug-dir "$T/debug"

want=$(chain_re main 'stripped_middle[.a-z0-9]*' 'stripped_leaf[.a-z0-9]*')
assert_between "unstripped: share in main;stripped_middle;stripped_leaf" "$(share "$T/full.folded" "$want")" 90 100
assert_between "stripped + --debug-dir: same share" "$(share "$T/stripped.folded" "$want")" 90 100

# .gnu_debuglink: the debug file named by the binary, beside it in .debug/
mkdir -p "$T/linked/.debug"
objcopy --only-keep-debug "$T/full" "$T/linked/.debug/linked.debug"
strip --strip-all -o "$T/linked/linked" "$T/full"
objcopy --add-gnu-debuglink="$T/linked/.debug/linked.debug" "$T/linked/linked"
record_ok -F 999 -o "$T/linked.data" -- "$T/linked/linked" 1.5
report_ok "$T/linked.data" "$T/linked.folded"
assert_between "stripped + .gnu_debuglink: same share" "$(share "$T/linked.folded" "$want")" 90 100

report_ok "$T/stripped.data" "$T/nodebug.folded"
assert_not_contains "$T/nodebug.folded" stripped_leaf "static function names without the debug file"
cprof_run stats report -i "$T/stripped.data" --stats
assert_text_contains "$T/stats.err" "$id" "--stats names the binary lacking symbols by build-id"
pass
