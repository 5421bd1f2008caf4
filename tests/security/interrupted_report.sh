#!/bin/bash
# An interrupted `report -o FILE` leaves nothing behind: Ctrl-C (SIGINT),
# SIGTERM or SIGHUP while a long report is being resolved kills cprof as
# before (the signal's own exit status), FILE stays as it was and no
# FILE.PID-N.tmp is left beside it (docs/security.md: "a run that fails
# before that removes its temporary file").
. "$(dirname "$0")/../e2e/lib.sh"
: "${GENWIDE:?set GENWIDE to the gen_wide program of tests/views}"
CMD_TIMEOUT=120

# a report that takes a while: many distinct stacks named by a perf map
"$GENWIDE" "$T/wide.data" 300000 10 || fail "gen_wide failed"

for sig in INT TERM HUP; do
	out="$T/out-$sig.svg"
	echo keep >"$out"
	# `env --default-signal`: a background job of a script starts with SIGINT ignored
	env --default-signal="$sig" "$CPROF" report -i "$T/wide.data" -o "$out" \
		>/dev/null 2>"$T/$sig.err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	# the temporary file exists from the start of the report to its commit
	wait_for 20 compgen -G "$out.*.tmp" >/dev/null ||
		fail "no temporary file beside $out" "$(cat "$T/$sig.err")"
	kill -s "$sig" "$pid"
	wait_exit "$pid" 30 "report after SIG$sig"
	[ "$RC" = 0 ] && skip "the report finished before SIG$sig reached it (too fast a machine)"
	assert_eq "exit status after SIG$sig" "$RC" "$((128 + $(kill -l "$sig")))"
	left=$(cd "$T" && ls -A | grep -F "out-$sig.svg." || true)
	[ -z "$left" ] || fail "SIG$sig during report -o left files behind: $left"
	assert_eq "$out after SIG$sig" "$(cat "$out")" keep
	note "ok: SIG$sig: exit $RC, nothing left beside $out"
done
pass
