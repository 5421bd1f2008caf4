#!/bin/bash
# CPython frames read from memory (cpython.h), by the test tool pystack
# attached to a running python started with no flag: pyread.py's N worker
# threads, worker K in worker -> deep x K -> a -> b -> c with c spinning,
# and its main thread in main_spin. Each thread (by its native id, which
# the script writes down) must show its own chain, innermost first, each
# frame with the line the source marks for it ("# @NAME") and the script's
# file name. Debian's /usr/bin/python3 (3.11) must pass; every pyenv
# CPython 3.8 to 3.13 found is tried too. A CPython cprof does not read
# (pyenv's 2.7, 3.6, 3.7) gets its one line and exit 3, a process without
# python exit 4, and neither crashes the reader.
. "$(dirname "$0")/../e2e/lib.sh"
: "${PYSTACK:?set PYSTACK to the pystack test tool}"
N=4
pyenv=${PYENV_ROOT:-$HOME/.pyenv}/versions

[ -x /usr/bin/python3 ] || fail "no /usr/bin/python3: Debian's python3 is the one that must pass"
cp "$SYMSRC/pyread.py" "$T/pyread.py"
src=$T/pyread.py

# line_of NAME: the line marked "# @NAME" in the script
line_of()
{
	grep -n "# @$1\$" "$src" | cut -d: -f1
}

# expected ROLE K: the script's frames of that thread, innermost first
expected()
{
	local s i

	if [ "$1" = main ]; then
		echo "main_spin:$(line_of main_spin) <module>:$(line_of module)"
		return
	fi
	s="c:$(line_of c) b:$(line_of b) a:$(line_of a) deep:$(line_of deep_leaf)"
	for ((i = 0; i < $2; i++)); do
		s="$s deep:$(line_of deep)"
	done
	echo "$s worker:$(line_of worker)"
}

# got TID: the script's frames of thread TID in pystack's output, innermost first
got()
{
	awk -v tid="$1" -v f="$src" '
		/^thread / { on = ($2 == tid); next }
		on && /^  / { i = match($2, /:[0-9]+$/)
			      if (i && substr($2, 1, i - 1) == f) s = s " " $1 ":" substr($2, i + 1) }
		END { print substr(s, 2) }' "$T/stacks"
}

# stacks_match PID READY: pystack reads PID whole and each thread's stack is
# the one designed (a worker may be caught between its registration and its loop)
stacks_match()
{
	local role k tid

	timeout 10 "$PYSTACK" "$1" >"$T/stacks" 2>"$T/stacks.err" || return 1
	[ "$(grep -c '^thread ' "$T/stacks")" = $((N + 1)) ] || return 1
	while read -r role k tid; do
		[ "$(got "$tid")" = "$(expected "$role" "$k")" ] || return 1
	done <"$2"
}

check_python()
{
	local py=$1 v pid ready role k tid

	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	ready=$T/ready.$v.$RANDOM
	start_bg pid "$py" "$src" "$N" "$ready"
	wait_for 20 test -e "$ready" || fail "CPython $v ($py): its threads did not start within 20 s"
	if ! wait_for 10 stacks_match "$pid" "$ready"; then
		grep -q 'Operation not permitted' "$T/stacks.err" && skip "process_vm_readv refused (ptrace_scope?)"
		while read -r role k tid; do
			echo "    thread $tid ($role $k): expected $(expected "$role" "$k")"
			echo "    thread $tid ($role $k): got      $(got "$tid")"
		done <"$ready"
		fail "CPython $v ($py): the stacks read are not the designed ones" \
			"$(cat "$T/stacks" "$T/stacks.err" | head -60)"
	fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	note "CPython $v ($py): $((N + 1)) threads, each its own stack, lines as in the source"
}

check_python /usr/bin/python3
for v in 3.8 3.9 3.10 3.11 3.12 3.13; do
	found=
	for py in "$pyenv"/$v.*/bin/python$v; do
		[ -x "$py" ] || continue
		found=1
		check_python "$py"
	done
	[ -n "$found" ] || note "no pyenv CPython $v: not tried"
done

# a CPython cprof does not read: one line naming it, exit 3
unknown=0
for py in "$pyenv"/2.7.*/bin/python2.7 "$pyenv"/3.6.*/bin/python3.6 "$pyenv"/3.7.*/bin/python3.7; do
	[ -x "$py" ] || continue
	ready=$T/ready.old.$RANDOM
	start_bg pid "$py" -c $'import sys\nopen(sys.argv[1], "w").close()\nwhile True: pass' "$ready"
	wait_for 20 test -e "$ready" || fail "$py did not start within 20 s"
	timeout 10 "$PYSTACK" "$pid" >"$T/old.out" 2>&1
	rc=$?
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	[ "$rc" = 3 ] || fail "$py: pystack exit $rc, expected 3" "$(cat "$T/old.out")"
	assert_text_contains "$T/old.out" "python $v (" "pystack's line for $py"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	note "CPython $v ($py): refused as a version not read"
	unknown=$((unknown + 1))
done
[ "$unknown" -gt 0 ] || note "no pyenv 2.7, 3.6 or 3.7: the refusal of an unknown version not tried here (unit_cpython tries it)"

# no python at all
start_bg pid sleep 60
wait_for 10 exe_is "$pid" "$(readlink -f "$(command -v sleep)")" || fail "sleep did not start"
timeout 10 "$PYSTACK" "$pid" >"$T/none.out" 2>&1
rc=$?
[ "$rc" = 4 ] || fail "a process without python: pystack exit $rc, expected 4" "$(cat "$T/none.out")"
pass
