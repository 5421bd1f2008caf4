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
# (8 s here after its temporary file appears); where the report still ends
# before the signal lands, again with 4 times the stacks, up to 3 times
stacks=300000
# tmp_or_done OUT PID: OUT's temporary file exists, or PID is over
tmp_or_done()
{
	compgen -G "$1.*.tmp" >/dev/null || ! kill -0 "$2" 2>/dev/null ||
		[ "$(awk '{ print $3 }' "/proc/$2/stat" 2>/dev/null)" = Z ]
}
"$GENWIDE" "$T/wide.data" "$stacks" 10 || fail "gen_wide failed"

for sig in INT TERM HUP; do
	out="$T/out-$sig.svg"
	echo keep >"$out"
	for try in 1 2 3 4; do
		# `env --default-signal`: a background job of a script starts with SIGINT ignored
		env --default-signal="$sig" "$CPROF" report -i "$T/wide.data" -o "$out" \
			>/dev/null 2>"$T/$sig.err" &
		pid=$!
		BG_PIDS="$BG_PIDS $pid"
		# the temporary file exists from the start of the report to its commit
		# (or the report is over already: then it is run again, larger)
		wait_for 20 tmp_or_done "$out" "$pid" ||
			fail "no temporary file beside $out" "$(cat "$T/$sig.err")"
		kill -s "$sig" "$pid" 2>/dev/null
		wait_exit "$pid" 30 "report after SIG$sig"
		[ "$RC" = 0 ] || break
		[ "$try" = 4 ] && fail "the report of $stacks stacks finished before SIG$sig reached it, 4 times"
		stacks=$((stacks * 4))
		note "the report finished before SIG$sig reached it: again with $stacks stacks"
		echo keep >"$out"
		"$GENWIDE" "$T/wide.data" "$stacks" 10 || fail "gen_wide failed"
	done
	assert_eq "exit status after SIG$sig" "$RC" "$((128 + $(kill -l "$sig")))"
	left=$(cd "$T" && ls -A | grep -F "out-$sig.svg." || true)
	[ -z "$left" ] || fail "SIG$sig during report -o left files behind: $left"
	assert_eq "$out after SIG$sig" "$(cat "$out")" keep
	note "ok: SIG$sig: exit $RC, nothing left beside $out"
done
pass
