#!/bin/bash
# -o never replaces what is not a regular file: a device (think /dev/null)
# stays a device, a symbolic link is refused; a regular file that
# exists is kept as FILE.old by record and replaced only by a report that
# succeeds; a report killed by a signal leaves no FILE.*.tmp behind; a
# name of 253-255 bytes (NAME_MAX 255) is written, and refused up front
# only when the file there would have to be kept under a name too long.
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
# killed by SIGPIPE while its -o FILE is still a temporary: nothing is left behind.
# Its stderr is a pipe with no reader left: fd 9 writes to a FIFO whose only
# read end (fd 8, opened read-write so that neither open waits) is closed.
mkfifo "$T/epipe" || fail "mkfifo failed"
(
	exec 8<>"$T/epipe" 9>"$T/epipe" 8<&-
	"$CPROF" report -i "$T/d" -o "$T/piped" --stats 2>&9
	echo "rc $?" >"$T/piped-rc"
)
assert_eq "report's exit when its stderr pipe is closed" "$(cat "$T/piped-rc")" "rc 141"
leftovers=$(cd "$T" && echo piped*)
assert_eq "files left by a report killed by SIGPIPE" "$leftovers" piped-rc
cp "$T/d" "$T/again"
record_ok -F 499 -o "$T/again" -- "$WORKDIR/split_nofp" 0.3
cmp -s "$T/d" "$T/again.old" || fail "record did not keep the previous file as FILE.old"

# names near NAME_MAX: the temporary file is named shorter beside them
mkdir "$T/long"
long=$(printf 'n%.0s' $(seq 253))
record_ok -F 99 -o "$T/long/$long" -- true
report_ok "$T/d" "$T/long.folded"
cprof_run longrep report -i "$T/d" -o "$T/long/$long.x"
expect_rc 0 longrep "report -o a 255-byte name"
cmp -s "$T/long.folded" "$T/long/$long.x" || fail "report -o a 255-byte name wrote another report"
cp "$T/long/$long" "$T/long.before"
# a second record would have to keep it as NAME.old, 257 bytes: refused first
cprof_run longrec record -F 99 -o "$T/long/$long" -- true
expect_rc 1 longrec "record over a 253-byte name (its .old cannot be named)"
assert_text_contains "$T/longrec.err" "file name too long" "the refusal says why"
cmp -s "$T/long.before" "$T/long/$long" || fail "the refused record changed the file"
assert_eq "files in the directory" "$(ls -A "$T/long" | wc -l)" 2
pass
