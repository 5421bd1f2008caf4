#!/bin/bash
# Defect 5 of issue 8: a write error is never ignored.  `report > /dev/full`
# exits 1 with one line naming the output (`report -o DEVICE` on a full
# device: device_outputs.sh).
. "$(dirname "$0")/../e2e/lib.sh"
require_perf
require_workload split_nofp
[ -w /dev/full ] || skip "/dev/full is missing"

record_ok -F 499 -o "$T/d" -- "$WORKDIR/split_nofp" 0.3

note "cprof report -i $T/d > /dev/full"
timeout -k 5 "$CMD_TIMEOUT" "$CPROF" report -i "$T/d" >/dev/full 2>"$T/full.err"
RC=$?
expect_rc 1 full "report > /dev/full"
assert_text_contains "$T/full.err" "cannot write standard output: No space left on device" \
	"message names standard output"
# (other lines may come before it: a note on the recording's truncated
# stacks, say, which a busy machine can push over its threshold)
assert_eq "lines naming the write error" "$(grep -c 'No space left on device' "$T/full.err")" 1

pass
