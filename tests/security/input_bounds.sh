#!/bin/bash
# Issue 23: crafted inputs to `cprof report` and `cprof diff` cost time and
# memory within a small multiple of their size, or are refused with a clear
# error and the documented exit code. Peak RSS (/usr/bin/time's %M) is
# checked against a bound of the input's size, far below what the old
# code took:
#   - data files that defeat the resynchronisation (4 MiB, three kinds):
#     over 100 s before, now read in one pass;
#   - 2000 FORK records of a process with 20k mappings (1.7 MB): 3.09 GB;
#   - a pprof gzip bomb (64 KB, 64 MiB inflated): 4.0 GB;
#   - folded stacks of 200k distinct functions (2.3 MB) diffed with
#     themselves: 306 MB, over 40 times the input plus 32 MiB (the bound
#     here), when the profile model kept a copy of every key;
#   - a data file of 200k distinct frames (13.6 MB) through report: 130 MB,
#     over 6 times the input plus 32 MiB;
# and a --wall file whose intervals and LOST counts overflow a sum is
# reported with saturated, non-negative totals.
. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/time ] || skip "/usr/bin/time missing (GNU time, to measure peak RSS)"
# a regression must not take the machine's memory: 4 GiB of address space
ulimit -v $((4 << 20))

# rss_run NAME ARGS...: cprof_run under /usr/bin/time; RSS is its peak in KiB.
rss_run()
{
	local name=$1

	shift
	RUN_UNDER=(/usr/bin/time -o "$T/$name.rss" -f %M)
	cprof_run "$name" "$@"
	RUN_UNDER=()
	RSS=$(tail -n 1 "$T/$name.rss")
	case $RSS in
	'' | *[!0-9]*) fail "no peak RSS for $name" "$(cat "$T/$name.rss")" ;;
	esac
}

# assert_rss NAME FILE BASE_MIB PER_BYTE: the last rss_run's peak is below
# BASE_MIB MiB plus PER_BYTE times FILE's size.
assert_rss()
{
	local size

	size=$(stat -c %s "$2")
	assert_lt "$1: peak RSS (KiB) for $size bytes of input" "$RSS" \
		$(($3 * 1024 + $4 * size / 1024))
}

CMD_TIMEOUT=30
for kind in past-end strings damaged-chain; do
	"$CRAFT" --resync "$kind" $((4 << 20)) "$T/$kind" || fail "craft_data --resync $kind"
	rss_run "$kind" report -i "$T/$kind" -o "$T/$kind.folded"
	expect_rc 0 "$kind" "report of a 4 MiB file crafted against the resync ($kind)"
	assert_text_contains "$T/$kind.err" "ends inside a record" "$kind: the damage is reported"
	assert_rss "$kind" "$T/$kind" 32 4
done

"$CRAFT" --forks "$T/forks" 20000 2000 || fail "craft_data --forks"
rss_run forks report -i "$T/forks" -o "$T/forks.folded"
expect_rc 0 forks "report of 2000 forks of 20k mappings"
assert_eq "samples of the forked children" "$(total "$T/forks.folded")" 2000
assert_rss forks "$T/forks" 32 16

"$CRAFT" --pprof-bomb "$T/bomb.pb.gz" $((64 << 20)) || fail "craft_data --pprof-bomb"
rss_run bomb diff "$T/bomb.pb.gz" "$T/bomb.pb.gz"
expect_rc 3 bomb "diff of a gzip bomb"
assert_text_contains "$T/bomb.err" "too large once inflated or decoded" "the bomb is named"
assert_rss bomb "$T/bomb.pb.gz" 32 100

# one distinct function a line, the smallest line that is one: the most
# model per byte of input (a frame, a stack and a row each)
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "t;f%d 1\n", i }' > "$T/distinct.folded" ||
	fail "cannot write the folded input"
rss_run distinct_diff diff "$T/distinct.folded" "$T/distinct.folded"
expect_rc 0 distinct_diff "diff of 200k distinct functions with themselves"
assert_eq "lines of the diff" "$(wc -l < "$T/distinct_diff.out")" 200000
assert_eq "the last function, once before and once after" \
	"$(grep -c '^t;f199999 1 1$' "$T/distinct_diff.out")" 1
assert_rss distinct_diff "$T/distinct.folded" 32 40

"$CRAFT" --distinct "$T/distinct.data" 200000 || fail "craft_data --distinct"
rss_run distinct_report report -i "$T/distinct.data" -f top
expect_rc 0 distinct_report "report of 200k distinct frames"
assert_text_contains "$T/distinct_report.out" "200000 samples" "every sample is reported"
assert_rss distinct_report "$T/distinct.data" 32 6

"$CRAFT" --overflow "$T/overflow" 10000 || fail "craft_data --overflow"
cprof_run overflow report -i "$T/overflow" -f top
expect_rc 0 overflow "report of intervals and LOST counts that overflow a sum"
wall=$(sed -n 's/.*(wall: \([-0-9.]*\) s).*/\1/p' "$T/overflow.out")
assert_ge "wall seconds of 10000 intervals of 2^50 ns (saturated at 2^62 ns)" "${wall:--1}" \
	4611686018
assert_text_contains "$T/overflow.out" ", 18446744073709551615 lost," "LOST counts saturate"
cprof_run overflow_folded report -i "$T/overflow" -o "$T/overflow.folded"
expect_rc 0 overflow_folded "folded report of the overflowing file"
assert_eq "folded wall total (ns)" "$(total "$T/overflow.folded")" 4611686018427387904
pass
