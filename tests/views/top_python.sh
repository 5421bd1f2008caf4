#!/bin/bash
# cprof top names Python frames (CPython 3.12+'s perf trampolines, -X perf)
# as the report of the same session's data file does: pychain.py watched
# in batch mode with -o; leaf_a and leaf_b, 2/3 and 1/3 of the time under
# outer by design, hold the same total shares in top's last table as in
# the report, and a table drawn while Python runs names them already.
# Python frames are not read from memory here (--no-python): this checks
# the trampolines' perf map reaching top (views.python_attach checks top
# with frames read from memory). Each CPython >= 3.12 found (pyenv's) is
# tried; none found is a skip.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

pythons=
for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3.1[2-9] \
	"$(command -v python3.12)" "$(command -v python3.13)"; do
	[ -x "$p" ] || continue
	case $p in */shims/*) continue ;; esac # pyenv's shims are scripts
	case " $pythons " in *" $(readlink -f "$p") "*) continue ;; esac
	pythons="$pythons $(readlink -f "$p")"
done
[ -n "$pythons" ] || skip "no CPython >= 3.12 on this machine"

# total share of py::FUNC in the table FILE (rows: %self %total samples function)
top_share() { awk -v f="py::$2:" '$4 ~ "^" f { v = $2; sub(/%/, "", v); print v + 0; exit }' "$1"; }

for py in $pythons; do
	v=$(basename "$py")
	cprof_run "$v" top -F 499 -d 4 --limit 0 --no-python -o "$T/$v.data" -- "$py" -X perf "$SYMSRC/pychain.py" 8
	expect_rc 0 "$v" "cprof top of $v -X perf"
	report_ok "$T/$v.data" "$T/$v.folded"
	awk '/^# [0-9]+ samples in/ { n++ } { t[n] = t[n] $0 "\n" } END { printf "%s", t[n] }' \
		"$T/$v.out" >"$T/$v.last"
	awk '/^# [0-9]+ samples in/ { n++ } n == 3' "$T/$v.out" >"$T/$v.third"
	for f in leaf_a leaf_b; do
		want=$(share "$T/$v.folded" ";py::$f:")
		got=$(top_share "$T/$v.last" "$f")
		[ -n "$got" ] || fail "$v: py::$f, named by the report ($want %), missing from top's table" \
			"$(head -20 "$T/$v.last")"
		assert_between "$v: top's total share of $f ($got) vs the report's ($want)" "$got" \
			"$(awk -v w="$want" 'BEGIN { print w - 5 }')" "$(awk -v w="$want" 'BEGIN { print w + 5 }')"
		mid=$(top_share "$T/$v.third" "$f")
		[ -n "$mid" ] || fail "$v: py::$f not named in the third table, while Python ran" \
			"$(head -20 "$T/$v.third")"
	done
done
pass
