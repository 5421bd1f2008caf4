#!/bin/bash
# The folded writer's output, byte for byte: a recording of known content
# (gen_golden, over the split workload's functions) reported with each
# option set and compared with tests/golden/*.folded, which the report
# wrote before it was split into resolver, profile model and writers.
# With UPDATE_GOLDEN=1 the expected files are rewritten instead (only ever
# from a cprof whose folded output is known good).
. "$(dirname "$0")/../e2e/lib.sh"
here=$(dirname "$0")
bin=$(cd "$WORKDIR" && pwd)/split_nofp
read -r vaddr off size <<<"$(readelf -lW "$bin" | awk '$1 == "LOAD" && $8 == "E" { print $3, $2, $6 }')"
[ -n "$vaddr" ] || fail "no executable segment in $bin"
addrs=
for f in main split_b_outer split_b_mid split_b_leaf; do
	a=$(nm "$bin" | awk -v f="$f" '$3 == f { print "0x" $1 }')
	[ -n "$a" ] || fail "no symbol $f in $bin"
	addrs="$addrs $a"
done
"$GEN_GOLDEN" "$T/golden.data" "$bin" "$vaddr" "$off" "$size" $addrs || fail "gen_golden failed"
check()
{
	local name=$1
	shift
	"$CPROF" report -i "$T/golden.data" "$@" >"$T/$name.folded" 2>"$T/$name.err" ||
		fail "cprof report $* exited $?: $(cat "$T/$name.err")"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$T/$name.folded" "$here/$name.folded"
	elif ! diff -u "$here/$name.folded" "$T/$name.folded"; then
		fail "folded output of 'report $*' differs from $name.folded"
	fi
}
check plain
check annotate-lines --annotate --lines
check per-tid --per-tid
check per-pid-no-inline --per-pid --no-inline
check pid-filter --pid 10 --annotate
pass
