#!/bin/bash
# -o never replaces what is not a regular file: a device (think /dev/null)
# stays a device, a symbolic link is refused; a regular file that
# exists is kept as FILE.old by record and replaced only by a report that
# succeeds; a report killed by a signal leaves no FILE.*.tmp behind.
. "$(dirname "$0")/lib.sh"
require_perf
require_workload split_nofp

mknod "$T/null" c 1 3 2>/dev/null || skip "mknod not permitted here (needs root)"
record_ok -F 499 -o "$T/d" -- "$WORKDIR/split_nofp" 0.5

cprof_run devrec record -F 99 -d 0.2 -o "$T/null" -- true
[ -c "$T/null" ] || fail "record -o DEVICE replaced the device"
[ -e "$T/null.old" ] && fail "record -o DEVICE renamed the device to .old"
cprof_run devrep report -i "$T/d" -o "$T/null"
expect_rc 0 devrep "report -o DEVICE"
[ -c "$T/null" ] || fail "report -o DEVICE replaced the device"

echo keep >"$T/target"
ln -s "$T/target" "$T/link"
cprof_run linkrep report -i "$T/d" -o "$T/link"
expect_rc 1 linkrep "report -o LINK"
[ -L "$T/link" ] && [ "$(cat "$T/target")" = keep ] || fail "report -o LINK wrote through the link"

echo keep >"$T/out"
cprof_run badrep report -i "$T/missing" -o "$T/out"
expect_rc 3 badrep "report of a missing file"
assert_eq "output left alone by a failed report" "$(cat "$T/out")" keep
# killed by SIGPIPE while its -o FILE is still a temporary: nothing is left behind
{ sleep 0.2; "$CPROF" report -i "$T/d" -o "$T/piped" --stats; echo "rc $?" >"$T/piped-rc"; } 2>&1 | true
assert_eq "report's exit when its stderr pipe is closed" "$(cat "$T/piped-rc")" "rc 141"
leftovers=$(cd "$T" && echo piped*)
assert_eq "files left by a report killed by SIGPIPE" "$leftovers" piped-rc
cp "$T/d" "$T/again"
record_ok -F 499 -o "$T/again" -- "$WORKDIR/split_nofp" 0.3
cmp -s "$T/d" "$T/again.old" || fail "record did not keep the previous file as FILE.old"
pass
