#!/bin/bash
# Outputs that are character devices (issue 8, defects 1 and 5): a device is
# written in place and stays one (record -o and report -o of a null device,
# no FILE.old), and report -o of a full device exits 1 with one line naming
# the output and leaves no file behind.  Apart from output_links.sh and write_errors.sh because making
# a device node needs CAP_MKNOD: where mknod is refused, this test skips
# (tests/allowed-skips.txt).
. "$(dirname "$0")/../e2e/lib.sh"
require_perf
require_workload split_nofp
mknod "$T/null" c 1 3 2>/dev/null || skip "mknod not permitted (needs CAP_MKNOD)"
mknod "$T/full" c 1 7 || fail "mknod of a null device worked, of a full one not"

record_ok -F 499 -o "$T/d" -- "$WORKDIR/split_nofp" 0.3

# a character device is written in place and stays one
cprof_run dev record -F 99 -o "$T/null" -- true
expect_rc 0 dev "record -o DEVICE"
[ -c "$T/null" ] || fail "record -o DEVICE replaced the device"
[ -e "$T/null.old" ] && fail "record -o DEVICE rotated the device"
cprof_run devrep report -i "$T/d" -o "$T/null"
expect_rc 0 devrep "report -o DEVICE"
[ -c "$T/null" ] || fail "report -o DEVICE replaced the device"

# a write error on it is never ignored
cprof_run devfull report -i "$T/d" -o "$T/full"
expect_rc 1 devfull "report -o FULL-DEVICE"
assert_text_contains "$T/devfull.err" "cannot write '$T/full': No space left on device" \
	"message names the output"
assert_eq "lines naming the write error" "$(grep -c 'No space left on device' "$T/devfull.err")" 1
[ -c "$T/full" ] || fail "report -o DEVICE replaced the device"
left=$(cd "$T" && ls -A | grep '^full\.' || true)
[ -z "$left" ] || fail "report -o FULL-DEVICE left files behind: $left"
pass
