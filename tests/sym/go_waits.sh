#!/bin/bash
# --off-cpu / --wall of a Go program say in one line that its goroutines'
# waits are not its OS threads' (the off-CPU stacks are Go's scheduler
# parking threads) and point at Go's block and mutex profiles: a launched
# Go command, an attached one, and one under a wrapper shell with
# --children; not a C program, nor a Go program recorded without
# --off-cpu (issue 21).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/go_lib.sh"
require_workload split_nofp
require_perf

note_text='is a Go program: its goroutines wait in'
go_build go_lines go_lines.go

has_note()
{
	assert_text_contains "$T/record.err" "$note_text" "$1: the note"
	assert_text_contains "$T/record.err" "/debug/pprof/block" "$1: it points at the block profile"
	assert_text_contains "$T/record.err" '"mutex"' "$1: and at the mutex profile"
	[ "$(grep -c "$note_text" "$T/record.err")" = 1 ] || fail "$1: the note is not one line" \
		"$(cat "$T/record.err")"
}

record_ok --off-cpu -o "$T/a.data" -- "$T/go_lines" 0.3
assert_text_lacks "$T/record.err" "was refused" "the context-switch event is allowed"
has_note "--off-cpu -- GO"
assert_text_contains "$T/record.err" "note: $T/go_lines is a Go program" "it names the command"

# attached: the process runs Go's binary (its exec done) before cprof looks
start_bg gopid "$T/go_lines" 20
wait_for 10 exe_is "$gopid" "$T/go_lines" || fail "the Go program did not start"
record_ok --wall -d 0.3 -o "$T/b.data" -p "$gopid"
has_note "--wall -p GO"
assert_text_contains "$T/record.err" "note: PID $gopid is a Go program" "it names the pid"
kill "$gopid"

# a wrapper shell whose child is the Go program
start_bg shpid sh -c "\"$T/go_lines\" 20; true"
child=
kid()
{
	child=$(cat /proc/"$shpid"/task/*/children 2>/dev/null | awk '{ print $1 }')
	[ -n "$child" ] && exe_is "$child" "$T/go_lines"
}
wait_for 10 kid || fail "the wrapper's Go child did not start"
record_ok --off-cpu --children -d 0.3 -o "$T/c.data" -p "$shpid"
has_note "--off-cpu --children -p WRAPPER"
assert_text_contains "$T/record.err" "note: PID $child is a Go program" "it names the child"
kill "$child" "$shpid" 2>/dev/null

record_ok --off-cpu -o "$T/d.data" -- "$WORKDIR/split_nofp" 0.3
assert_text_lacks "$T/record.err" "$note_text" "--off-cpu of a C program: no Go note"
record_ok -o "$T/e.data" -- "$T/go_lines" 0.3
assert_text_lacks "$T/record.err" "$note_text" "a Go program without --off-cpu: no note"
pass
