#!/bin/bash
# The top table is read on a terminal, and the names in it come from the
# profiled process: a binary it maps may be named with an escape sequence
# or a line break, and so may its threads and JIT symbols. `report --format
# top` shows such characters as '?': no ESC, C1 control or stray line
# reaches the terminal, and each function is one row.
. "$(dirname "$0")/../e2e/lib.sh"
CMD_TIMEOUT=30

esc=$'\e'
nl=$'\n'
c1=$'\xc2\x9b'
del=$'\x7f'
"$CRAFT" "$T/d" "/nonexistent/a${esc}]0;owned${esc}\\b${nl}fake row.so" \
	"/nonexistent/csi${c1}31m${esc}[2J.so" || fail "craft_data failed"

check_exit top 0 "" report -i "$T/d" --format top --limit 0
if LC_ALL=C grep -q "[$esc$del]" "$T/top.out" || grep -qF "$c1" "$T/top.out"; then
	fail "control characters reached the top table" "$(cat -v "$T/top.out")"
fi
# header, column titles, and one row per frame of the crafted stack
assert_eq "top table lines" "$(wc -l <"$T/top.out")" 4
assert_text_contains "$T/top.out" "[a?]0;owned?\\b?fake row.so]" "the name, its controls as '?'"
assert_text_contains "$T/top.out" "[csi?31m?[2J.so]" "C1 control and ESC as '?'"
# the folded output (the default, often read on a terminal) has no C0
# control or DEL either: they become '?', as in the top table
check_exit folded 0 "" report -i "$T/d"
if LC_ALL=C grep -q "[$esc$del]" "$T/folded.out"; then
	fail "control characters reached the folded output" "$(cat -v "$T/folded.out")"
fi
assert_text_contains "$T/folded.out" "[a?]0:owned?\\b fake row.so]" "folded: ESC as '?', ';' as ':', the line break as a space"
pass
