#!/bin/bash
# The top table is read on a terminal, and the names in it come from the
# profiled process: a binary it maps may be named with an escape sequence
# or a line break, and so may its threads and JIT symbols. `report --format
# top` shows such characters as '?': no ESC, C1 control or stray line
# reaches the terminal, and each function is one row. The same holds for the
# folded output, the changed-binary warning and --stats.
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
# C1 controls are escape sequences too (U+009B is a CSI): '?' in folded output
assert_text_contains "$T/folded.out" "[csi?31m?[2J.so]" "folded: C1 control and ESC as '?'"

# A real binary whose file name holds escape sequences, recorded, then
# changed: the warning that names the changed file, the --stats lines that
# name its mapping and the thread name (its comm, from the file name) show
# the controls as '?' wherever cprof prints them.
require_perf
bad="prog${esc}[31mred${c1}2J${del}x"
"${CC:-cc}" -O2 -g -o "$T/$bad" "$SYMSRC/stripme.c" || fail "cannot build the fixture"
record_ok -F 999 -o "$T/rec" -- "$T/$bad" 0.5
"${CC:-cc}" -O0 -g -o "$T/$bad" "$SYMSRC/stripme.c" || fail "cannot rebuild the fixture"
check_exit changed 0 "" report -i "$T/rec" --stats
for f in "$T/changed.err" "$T/changed.out"; do
	if LC_ALL=C grep -q "[$esc$del]" "$f" || grep -qF "$c1" "$f"; then
		fail "control characters reached $(basename "$f")" "$(cat -v "$f")"
	fi
done
shown="prog?[31mred?2J?x"
assert_text_contains "$T/changed.err" "warning: $T/$shown changed since the recording" \
	"the changed-binary warning names the file, its controls as '?'"
assert_text_contains "$T/changed.err" "# file changed since the recording: $T/$shown" \
	"--stats names the changed file, its controls as '?'"
# the thread name is the file name's first 15 bytes
assert_text_contains "$T/changed.out" "prog?[31mred?" "the thread name, its controls as '?'"
check_exit changed_top 0 "" report -i "$T/rec" --format top --limit 0
if LC_ALL=C grep -q "[$esc$del]" "$T/changed_top.out" || grep -qF "$c1" "$T/changed_top.out"; then
	fail "control characters reached the top table" "$(cat -v "$T/changed_top.out")"
fi
assert_text_contains "$T/changed_top.out" "[$shown+0x" "the module's frames, its controls as '?'"
pass
