#!/bin/bash
# Defect 4 of issue 8: a FIFO (or socket) never hangs cprof.  As input it
# is refused at once with exit code 3, as output with exit code 1, each
# with one line naming the file; a directory as input is "is a directory".
. "$(dirname "$0")/../e2e/lib.sh"
CMD_TIMEOUT=10

mkfifo "$T/fifo" || skip "mkfifo failed"
cprof_run repin report -i "$T/fifo"
expect_rc 3 repin "report -i FIFO"
assert_text_contains "$T/repin.err" "'$T/fifo': is a FIFO" "report -i FIFO message"
assert_eq "message lines" "$(wc -l <"$T/repin.err")" 1

mkdir "$T/dir"
cprof_run repdir report -i "$T/dir"
expect_rc 3 repdir "report -i DIRECTORY"
assert_text_contains "$T/repdir.err" "'$T/dir': is a directory" "report -i DIRECTORY message"

cprof_run repout report -i "$T/fifo" -o "$T/fifo"
expect_rc 1 repout "report -o FIFO"
assert_text_contains "$T/repout.err" "cannot write '$T/fifo': is a FIFO" "report -o FIFO message"

# a FIFO with a reader attached would not block an open either: still
# refused, and never opened (the reader, blocked in open() until a writer
# comes, still waits)
start_bg reader sh -c "exec cat '$T/fifo' >/dev/null"
wait_for 10 fifo_waiting "$reader" ||
	fail "the reader is not waiting in open(FIFO) (wchan: $(cat "/proc/$reader/wchan" 2>&1))"
cprof_run recout record -F 99 -o "$T/fifo" -- true
expect_rc 1 recout "record -o FIFO"
assert_text_contains "$T/recout.err" "cannot write '$T/fifo': is a FIFO" "record -o FIFO message"
[ -p "$T/fifo" ] || fail "record -o FIFO replaced the FIFO"
fifo_waiting "$reader" || fail "record -o FIFO opened the FIFO (its reader no longer waits)"
pass
