#!/bin/bash
# Memory and time of `cprof diff A A` on folded stacks of one distinct
# function a line ("t;f123 1": the most profile model per input byte), for
# two cprof binaries side by side in the same run (issue 23, defect 11).
# Each size is run ROUNDS times per binary, the binaries alternating; the
# table gives the median peak RSS (/usr/bin/time %M), wall and user+sys
# seconds, and the input's size.
#
#   scripts/bench-folded.sh OLD_CPROF NEW_CPROF [LINES...]   (default: 100000 400000)
#   ROUNDS=5 scripts/bench-folded.sh ...
set -eu
[ $# -ge 2 ] || { echo "usage: bench-folded.sh OLD_CPROF NEW_CPROF [LINES...]" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-folded: needs GNU time (/usr/bin/time)" >&2; exit 1; }
old=$1 new=$2
shift 2
sizes=${*:-100000 400000}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "| lines | input | binary | peak RSS | RSS / input | wall s | CPU s |"
echo "|---|---|---|---|---|---|---|"
for n in $sizes; do
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "t;f%d 1\n", i }' >"$tmp/in.folded"
	size=$(stat -c %s "$tmp/in.folded")
	for r in $(seq "$rounds"); do
		for which in old new; do
			bin=$old
			[ $which = new ] && bin=$new
			/usr/bin/time -o "$tmp/t" -f '%M %e %U %S' "$bin" diff "$tmp/in.folded" \
				"$tmp/in.folded" >/dev/null
			echo "[$n lines, round $r] $which: $(cat "$tmp/t")" >&2
			cat "$tmp/t" >>"$tmp/$which.$n"
		done
	done
	for which in old new; do
		rss=$(awk '{ print $1 }' "$tmp/$which.$n" | median)
		wall=$(awk '{ print $2 }' "$tmp/$which.$n" | median)
		cpu=$(awk '{ print $3 + $4 }' "$tmp/$which.$n" | median)
		awk -v n="$n" -v size="$size" -v which="$which" -v rss="$rss" -v wall="$wall" \
			-v cpu="$cpu" 'BEGIN { printf "| %d | %.2f MB | %s | %.0f MB | %.0fx | %s | %.2f |\n",
				n, size / 1e6, which, rss * 1024 / 1e6, rss * 1024 / size, wall, cpu }'
	done
done
