#!/bin/bash
# CPython 3.12+ perf trampolines: with -X perf, with 3.13's -X perf_jit
# (names in a jitdump, /tmp/jit-PID.dump, whose unwinding info unwinds the
# trampolines, or with --no-jit-unwind their template), and with no flag at all (
# since `cprof record -- CMD` sets PYTHONPERFSUPPORT=1 for a launched
# command), every Python frame of pychain.py is named py::FUNC:FILE, in
# call order, the stacks go on through the trampolines down to _start, and
# leaf_a/leaf_b take their designed 2/3 and 1/3 of the time under outer.
# These recordings are made with --no-python (the trampolines are the only
# source of names then); one more without it checks the one rule when both
# sources are there: Python frames read from the interpreter's memory,
# named FUNC alone, stand where the trampolines stood, and no py:: frame
# is left. Each CPython >= 3.12 found (pyenv's, or python3.12/3.13 on the
# PATH) is tried; none found is a skip.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

pythons=
for p in /root/.pyenv/versions/3.1[2-9]*/bin/python3.1[2-9] \
	"${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3.1[2-9] \
	"$(command -v python3.12)" "$(command -v python3.13)"; do
	[ -x "$p" ] || continue
	case $p in */shims/*) continue ;; esac # pyenv's shims are scripts
	case " $pythons " in *" $(readlink -f "$p") "*) continue ;; esac
	pythons="$pythons $(readlink -f "$p")"
done
[ -n "$pythons" ] || skip "no CPython >= 3.12 on this machine"

# py_chain FOLDED: each stack's Python frames, in order, with its count; frames
# read from memory (named FUNC alone) are given the trampolines' py:: prefix
py_chain()
{
	awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); o = ""
	       for (i = 1; i <= k; i++) {
		       if (f[i] ~ /^(<module>|outer|middle_[ab]|leaf_[ab])$/) f[i] = "py::" f[i] ":"
		       if (f[i] ~ /^py::/) { sub(/:[^:]*$/, "", f[i]); o = o ";" f[i] }
	       }
	       print substr(o, 2), n }' "$1"
}

check()
{
	local name=$1 under a b in_order to_start

	report_ok "$T/$name.data" "$T/$name.folded"
	py_chain "$T/$name.folded" >"$T/$name.chains"
	under=$(count "$T/$name.chains" '(^|;)py::outer(;|$)')
	# 60 rounds (1.2-2.4 CPU s): 1200-1900 samples here; 100 keeps a stray sample
	# from moving the shares below by more than a point
	assert_ge "$name: samples under py::outer" "$under" 100
	a=$(count "$T/$name.chains" '^py::<module>;py::outer;py::middle_a;py::leaf_a$')
	b=$(count "$T/$name.chains" '^py::<module>;py::outer;py::middle_b;py::leaf_b$')
	in_order=$(count "$T/$name.chains" '^py::<module>;py::outer(;py::middle_[ab](;py::leaf_[ab])?)?$')
	assert_ge "$name: % of samples under outer with the whole chain in call order" \
		"$(awk -v x="$in_order" -v u="$under" 'BEGIN { printf "%.1f", 100 * x / u }')" 95
	assert_between "$name: leaf_a's share of the chain (%)" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 100 * a / (a + b) }')" 63.7 69.7
	to_start=$(count "$T/$name.folded" '^[^;]*;_start;.*(py::outer:|;outer(;|$))')
	assert_ge "$name: % of samples under outer whose stack reaches _start" \
		"$(awk -v x="$to_start" -v u="$under" 'BEGIN { printf "%.1f", 100 * x / u }')" 95
}

for py in $pythons; do
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	note "CPython $v: $py"
	record_ok -F 999 -o "$T/x$v.data" --no-python -- "$py" -X perf "$SYMSRC/pychain.py" -n 60
	check "x$v"
	# both sources: the interpreter's memory names the Python frames, a trampoline is
	# left only in a sample whose Python stack could not be read (the interpreter
	# starting, a thread not yet Python's): at most 1 %. Read after the sample (a
	# fraction of a ms), a leaf's share spreads more than the trampolines': more rounds
	record_ok -F 999 -o "$T/mem$v.data" -- "$py" -X perf "$SYMSRC/pychain.py" -n 150
	check "mem$v"
	assert_between "$v: % of samples with py:: frames beside Python frames read from memory" \
		"$(awk -v x="$(count "$T/mem$v.folded" 'py::')" -v n="$(count "$T/mem$v.folded" .)" \
			'BEGIN { printf "%.1f", 100 * x / n }')" 0 1
	# 3.13+: -X perf_jit names the trampolines in a jitdump instead of a perf map
	if "$py" -X perf_jit -c '' 2>/dev/null && [ "${v#3.}" -ge 13 ]; then
		record_ok -F 999 -o "$T/jit$v.data" --no-python --no-jit-support -- "$py" -X perf_jit "$SYMSRC/pychain.py" -n 60
		check "jit$v"
		# its unwinding info is the trampolines' CFI; without it, their template is
		record_ok -F 999 -o "$T/jitfp$v.data" --no-python --no-jit-support --no-jit-unwind -- \
			"$py" -X perf_jit "$SYMSRC/pychain.py" -n 60
		check "jitfp$v"
	fi
	# no flag: cprof switches the trampolines on itself
	record_ok -F 999 -o "$T/auto$v.data" --no-python -- "$py" "$SYMSRC/pychain.py" -n 60
	check "auto$v"
	# attached to a CPython without perf support, not read (--no-python): the summary
	# says how to get names
	# (it runs past the recording, killed after; attached once it runs $py)
	"$py" "$SYMSRC/pychain.py" 20 &
	ppid=$!
	BG_PIDS="$BG_PIDS $ppid"
	wait_for 10 exe_is "$ppid" "$py" || fail "process $ppid did not exec $py within 10 s"
	record_ok -F 99 -d 1 -o "$T/att$v.data" --no-python -p "$ppid"
	assert_text_contains "$T/record.err" "PID $ppid is CPython 3.12+ without perf support" \
		"record's hint for $v"
	kill "$ppid" 2>/dev/null
	report_ok "$T/att$v.data" "$T/att$v.folded" --stats
	cp "$T/report.err" "$T/att$v.stats"
	assert_text_contains "$T/att$v.stats" "# PID $ppid is CPython 3.12+ without perf support" \
		"report --stats hint for $v"
	report_ok "$T/auto$v.data" "$T/auto$v.folded2" --stats
	cp "$T/report.err" "$T/auto$v.stats"
	! grep -q "without perf support" "$T/auto$v.stats" ||
		fail "report --stats hints at a CPython $v that had perf support" "$(cat "$T/auto$v.stats")"
	# and --no-jit-support leaves the environment alone: no Python names
	record_ok -F 999 -o "$T/off$v.data" --no-python --no-jit-support -- env -u PYTHONPERFSUPPORT "$py" "$SYMSRC/pychain.py" 1
	report_ok "$T/off$v.data" "$T/off$v.folded"
	assert_eq "py:: frames with --no-jit-support" "$(count "$T/off$v.folded" 'py::')" 0
done
pass
