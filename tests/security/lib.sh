# lib.sh - tests/e2e/lib.sh and what the security tests add to it.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

# traced NAME SYSCALLS ARGS...: cprof ARGS under strace -f -y (each
# descriptor shown with its file), limited to SYSCALLS, the trace in
# $T/NAME.strace; otherwise as cprof_run (output in $T/NAME.out/.err, RC).
traced()
{
	local name=$1 calls=$2

	shift 2
	command -v strace >/dev/null || skip "strace is not installed"
	note "strace cprof $*"
	timeout -k 5 "$CMD_TIMEOUT" strace -f -y -o "$T/$name.strace" -e trace="$calls" \
		"$CPROF" "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
	[ "$RC" = 124 ] && fail "cprof $* did not finish within ${CMD_TIMEOUT}s" \
		"stderr: $(head -c 2000 "$T/$name.err")"
	return 0
}
