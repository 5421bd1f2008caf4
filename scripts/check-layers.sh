#!/bin/sh
# check-layers.sh - the shape of src/, checked (the test "layout.layers").
#
# Usage: scripts/check-layers.sh [TOP]       (TOP: the source tree, default ..)
#
# Fails, naming each offence, when:
#   - a folder of src/ is not a stage of src/stages.txt, or a stage has no
#     folder, or src/ holds a file but main.c and stages.txt;
#   - a file of a stage (its .c, or its header include/cprof/NAME.h, which
#     belongs to the stage of src/STAGE/NAME.c) includes the header of a
#     stage that stages.txt does not let it use: an arrow up;
#   - a header has no module (no src/STAGE/NAME.c), version.h apart;
#   - a source file or header is over 800 lines;
#   - code outside the command layer (src/cmd/, src/main.c) prints to the
#     user or exits: stdout, stderr, printf(), puts(), perror(), exit(),
#     or, outside the writers of src/formats/, fprintf() and the like;
#   - the man page names another version than include/cprof/version.h.
# Exit status: 0 when all hold, 1 otherwise.
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
table=src/stages.txt
max_lines=800
bad=0

fail()
{
	printf 'check-layers: %s\n' "$*"
	bad=1
}

stages=$(awk '/^[a-z]/ { print $1 }' "$table")

# allowed STAGE: the stages STAGE may include, itself among them
allowed()
{
	awk -v s="$1" '/^[a-z]/ && $1 == s { for (i = 1; i <= NF; i++) print $i }' "$table"
}

# stage_of NAME: the stage of header cprof/NAME.h (its module's), or nothing
stage_of()
{
	case $1 in version) echo base; return ;; esac
	for f in src/*/"$1".c; do
		[ -f "$f" ] || continue
		basename "$(dirname "$f")"
		return
	done
}

for d in src/*; do
	name=$(basename "$d")
	if [ -d "$d" ]; then
		echo "$stages" | grep -qx "$name" || fail "src/$name/ is not a stage of $table"
	else
		case $name in main.c | stages.txt) ;; *) fail "src/$name: only main.c and stages.txt sit at the top of src/" ;; esac
	fi
done
for s in $stages; do
	[ -d "src/$s" ] || fail "stage $s of $table has no folder src/$s/"
done

# a header names its module: one file of a name in all of src/
dups=$(ls src/*/*.c | sed 's:.*/::' | sort | uniq -d)
[ -z "$dups" ] || fail "files of one name in two stages: $dups"

for h in include/cprof/*.h; do
	n=$(basename "$h" .h)
	[ -n "$(stage_of "$n")" ] || fail "$h has no module src/STAGE/$n.c"
done

# check_includes FILE STAGE
check_includes()
{
	ok=$(allowed "$2")
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]cprof\/\([a-z0-9_]*\)\.h[>"].*/\1/p' "$1"); do
		to=$(stage_of "$inc")
		if [ -z "$to" ]; then
			fail "$1 includes cprof/$inc.h, which no module has"
		elif ! echo "$ok" | grep -qx "$to"; then
			fail "$1 ($2) includes cprof/$inc.h ($to): $table does not let $2 use $to"
		fi
	done
}

for s in $stages; do
	for f in src/"$s"/*.c; do
		[ -f "$f" ] || continue
		check_includes "$f" "$s"
		h=include/cprof/$(basename "$f" .c).h
		[ -f "$h" ] && check_includes "$h" "$s"
	done
done

for f in src/*.c src/*/*.c include/cprof/*.h; do
	n=$(wc -l <"$f")
	[ "$n" -le "$max_lines" ] || fail "$f has $n lines (at most $max_lines)"
done

# Modules return data; only the command layer speaks and exits (a launched
# child's _exit() after a failed exec is not cprof exiting), and only a
# writer of formats/ writes its format to the stream it is given.
for f in src/*/*.c; do
	case $f in src/cmd/*) continue ;; src/formats/*) stream= ;; *) stream='|v?fprintf|fputs|fputc|putc|fwrite' ;; esac
	sed 's://.*$::' "$f" | grep -nE "\\b(stdout|stderr)\\b|(^|[^a-z_.>])(printf|puts|perror|exit$stream)[[:space:]]*\\(" |
		while IFS= read -r line; do
			printf 'check-layers: %s:%s: only src/cmd/ and main.c print or exit\n' "$f" "$line"
		done | grep . && bad=1
done

v=$(sed -n 's/^#define CPROF_VERSION "\(.*\)"$/\1/p' include/cprof/version.h)
head -1 docs/cprof.1 | grep -q "\"cprof $v\"" || fail "docs/cprof.1 does not name version $v of include/cprof/version.h"

[ "$bad" = 0 ] && echo "check-layers: $(echo "$stages" | wc -l) stages, every include follows $table"
exit "$bad"
