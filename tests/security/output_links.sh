#!/bin/bash
# Defect 1 of issue 8: an output name is never followed.  A link planted at
# the destination (another user's, in a shared directory) is refused with
# exit code 1 and its target is left alone, whether the run would have
# failed (-p of a missing PID) or not; a run that fails to start leaves the
# destination as it was (no truncation, no FILE.old, no temporary file); a
# new file is 0600.  (A character device output: device_outputs.sh.)
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

echo secret >"$T/target"
ln -s "$T/target" "$T/link"
nopid=4194000

cprof_run linkfail record -o "$T/link" -p "$nopid"
expect_rc 1 linkfail "record -o LINK -p MISSING"
assert_eq "link target after a failed record" "$(cat "$T/target")" secret
[ -L "$T/link" ] || fail "record -o LINK removed the link"
assert_text_contains "$T/linkfail.err" "symbolic link" "record -o LINK names the link"

cprof_run linkok record -F 99 -o "$T/link" -- true
expect_rc 1 linkok "record -o LINK -- true"
assert_eq "link target after record -o LINK" "$(cat "$T/target")" secret
assert_text_contains "$T/linkok.err" "cannot write '$T/link': is a symbolic link" "one line naming the output"
assert_eq "message lines" "$(wc -l <"$T/linkok.err")" 1

record_ok -F 199 -o "$T/d" -- true
cprof_run replink report -i "$T/d" -o "$T/link"
expect_rc 1 replink "report -o LINK"
assert_eq "link target after report -o LINK" "$(cat "$T/target")" secret

# a link at FILE.old is replaced by the rotation, its target untouched
ln -s "$T/target" "$T/rot.old"
echo previous >"$T/rot"
record_ok -F 99 -o "$T/rot" -- true
assert_eq "FILE.old link's target" "$(cat "$T/target")" secret
assert_eq "FILE.old holds the previous file" "$(cat "$T/rot.old")" previous

# a FIFO at FILE.old is replaced by the rotation, never opened: a writer
# waiting for a reader (another user's, in a shared directory) still waits.
# fifo.keep, a second name of the FIFO, outlives the rotation: reading it
# afterwards gets the writer's x only if the writer was still waiting (had
# the rotation opened it for reading, the writer would have written to that
# reader and gone, or died of SIGPIPE)
mkfifo "$T/fifo.old" || fail "mkfifo failed"
ln "$T/fifo.old" "$T/fifo.keep" || fail "ln fifo.old fifo.keep failed"
echo previous >"$T/fifo"
start_bg writer sh -c "exec 3>'$T/fifo.keep'; echo x >&3"
wait_for 10 fifo_waiting "$writer" ||
	fail "the writer is not waiting in open(fifo.keep) (wchan: $(cat "/proc/$writer/wchan" 2>&1))"
record_ok -F 99 -o "$T/fifo" -- true
assert_eq "what the writer still waiting on the FIFO wrote, read after the rotation" \
	"$(timeout 5 cat "$T/fifo.keep")" x
assert_eq "FILE.old holds the previous file" "$(cat "$T/fifo.old")" previous

# a failed start changes nothing at the destination
echo keep >"$T/out"
cprof_run abort record -o "$T/out" -p "$nopid"
expect_rc 1 abort "record -p MISSING"
assert_eq "output after a failed start" "$(cat "$T/out")" keep
[ -e "$T/out.old" ] && fail "a failed start rotated the output to FILE.old"
left=$(ls "$T" | grep -c '\.tmp$')
assert_eq "temporary files left behind" "$left" 0

# modes: the data file and a report are 0600 (they hold command lines, paths)
assert_eq "mode of a new data file" "$(stat -c %a "$T/d")" 600
cprof_run rep report -i "$T/d" -o "$T/rep"
expect_rc 0 rep "report -o NEW"
assert_eq "mode of a new report" "$(stat -c %a "$T/rep")" 600

# a directory is refused
mkdir "$T/dir"
cprof_run dir record -F 99 -o "$T/dir" -- true
expect_rc 1 dir "record -o DIRECTORY"
assert_text_contains "$T/dir.err" "is a directory" "record -o DIRECTORY message"
pass
