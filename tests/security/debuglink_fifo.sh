#!/bin/bash
# Issue 8, defect 3: libdwfl looks for a binary's debug file beside it
# (.gnu_debuglink) and opens what it finds without O_NONBLOCK. A crafted
# data file naming an ELF file whose debuglink is a FIFO (or a debuglink
# climbing out with "../") hung the report forever. The report must finish,
# still name the function from the binary's own symbol table, and never
# open the FIFO.
. "$(dirname "$0")/lib.sh"

mkdir "$T/bin"
"$CC" -O2 -g -o "$T/prog" "$SYMSRC/stripme.c" || fail "cannot build the fixture"
objcopy --only-keep-debug "$T/prog" "$T/bin/prog.debug"
objcopy --strip-debug --add-gnu-debuglink="$T/bin/prog.debug" "$T/prog" "$T/bin/prog"
rm "$T/bin/prog.debug" && mkfifo "$T/bin/prog.debug"
leaf=$(nm "$T/bin/prog" | awk '$3 ~ /^stripped_leaf/ { print $1; exit }')
[ -n "$leaf" ] || fail "no stripped_leaf symbol in the fixture"
"$CRAFT" "$T/d" "$T/bin/prog||$(readelf -n "$T/bin/prog" | awk '/Build ID/ { print $3 }')|$leaf" ||
	fail "craft_data failed"

CMD_TIMEOUT=20
traced report open,openat,openat2 report -i "$T/d" --stats
expect_rc 0 report "cprof report of a binary whose debuglink is a FIFO"
grep -q 'stripped_leaf' "$T/report.out" || fail "the binary's symbols were not used" \
	"$(head -c 500 "$T/report.out")"
opened=$(grep -F "$T/bin/prog.debug" "$T/report.strace")
[ -z "$opened" ] || fail "the report opened the FIFO:" "$opened"
pass
