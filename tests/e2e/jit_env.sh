#!/bin/bash
# jit_env - record and top give a command they launch the JIT runtimes'
# switches (PYTHONPERFSUPPORT=1, --perf-basic-prof in NODE_OPTIONS) unless
# --no-jit-support is given, one option of the same meaning in both (top
# used to accept --no-jit-support and ignore it, and launched commands
# without the switches). The launched command writes what it was given to
# a file; the command exits on its own, which ends both recordings.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_perf
cd "$T" || fail "cannot cd to $T"
RUN_UNDER=(env -u PYTHONPERFSUPPORT -u NODE_OPTIONS) # what cprof adds, not what it was given

# shellcheck disable=SC2016
show='echo "PYTHONPERFSUPPORT=${PYTHONPERFSUPPORT-} NODE_OPTIONS=${NODE_OPTIONS-}" >"$0"'

# launched NAME CMD [OPTIONS]: cprof CMD OPTIONS -- sh, which writes its environment to $T/NAME.env
launched()
{
	local name=$1 cmd=$2

	shift 2
	cprof_run "$name" "$cmd" -d 20 "$@" -- sh -c "$show" "$T/$name.env"
	expect_rc 0 "$name" "cprof $cmd $*"
	[ -s "$T/$name.env" ] || fail "cprof $cmd $*: the launched command wrote nothing"
	note "cprof $cmd $*: $(cat "$T/$name.env")"
}

for cmd in record top; do
	out=()
	[ "$cmd" = record ] && out=(-o "$T/$cmd.data")
	launched "$cmd-default" "$cmd" "${out[@]}"
	assert_text_contains "$T/$cmd-default.env" "PYTHONPERFSUPPORT=1 " \
		"cprof $cmd: the launched command gets PYTHONPERFSUPPORT=1"
	assert_text_contains "$T/$cmd-default.env" "NODE_OPTIONS=--perf-basic-prof" \
		"cprof $cmd: the launched command gets --perf-basic-prof"
	launched "$cmd-off" "$cmd" "${out[@]}" --no-jit-support
	assert_eq "cprof $cmd --no-jit-support: the environment left alone" \
		"$(cat "$T/$cmd-off.env")" "PYTHONPERFSUPPORT= NODE_OPTIONS="
done
pass
