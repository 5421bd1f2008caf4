#!/bin/bash
# Defects 8 and 9 of issue 23: the JIT names `record` copies into the data
# file are bounded, and always fit its records.
#  - A perf map anyone can make huge (a 1 GiB sparse /tmp/perf-PID.map) is
#    read at most 64 MiB (strace counts the bytes read), 256 MiB of all the
#    maps of a recording (six such processes), and keeps at most 2^20 lines;
#    the line past the cap is not in the data file, the summary says the
#    names were cut, and the file stays small (the NULs name nothing).
#  - A jitdump whose names fill 24 MiB (a data-file record holds 16 MiB) is
#    recorded whole, in several records: the recording succeeds, ends with
#    its FINISH, and names its last load; a name longer than a perf-map line
#    the report reads is left out.
. "$(dirname "$0")/lib.sh"
require_perf
require_workload split_fp
command -v truncate >/dev/null || skip "truncate is not installed"

cd "$T" || fail "no scratch directory"
cut_msg="were cut at cprof's caps"

# strace_read NAME: bytes cprof read of perf maps in $T/NAME.strace
strace_read()
{
	awk '/^[0-9]+ +(read|pread64)\([0-9]+<[^>]*\/perf-[0-9]+\.map>/ {
		n = $NF; if (n ~ /^[0-9]+$/) s += n } END { print s + 0 }' "$T/$1.strace"
}

# a 1 GiB sparse map: a line first, a line past the cap at its end
sparse='f=/tmp/perf-$$.map; printf "1000 10 head_of_map\n" >"$f" &&
	truncate -s 1073741800 "$f" && printf "\n2000 10 past_the_cap\n" >>"$f" &&
	exec "$0" 1'
traced sparse read,pread64 record -F 99 -o "$T/sparse.data" -- \
	sh -c "$sparse" "$WORKDIR/split_fp"
expect_rc 0 sparse "record of a process with a 1 GiB sparse perf map"
assert_lt "bytes read of a 1 GiB sparse perf map (64 MiB + a chunk)" \
	"$(strace_read sparse)" $(((64 << 20) + 65537))
assert_lt "data file bytes" "$(stat -c %s "$T/sparse.data")" $((1 << 20))
assert_text_contains "$T/sparse.err" "$cut_msg" "the summary says the map was cut"
[ "$(grep -ac ' head_of_map$' "$T/sparse.data")" = 1 ] || fail "the map's first line is not kept"
[ "$(grep -ac ' past_the_cap$' "$T/sparse.data")" = 0 ] || fail "the map was read past its cap"
cprof_run sparse_report report -i "$T/sparse.data" --stats -o "$T/sparse.folded"
expect_rc 0 sparse_report "report of it"
assert_text_lacks "$T/sparse_report.err" "no end record" "the recording ends with its FINISH"

# six processes with one each: 256 MiB of them all
six='for i in 1 2 3 4 5 6; do sh -c "$1" "$0" & done; wait'
traced six read,pread64 record -F 99 -o "$T/six.data" -- \
	sh -c "$six" "$WORKDIR/split_fp" "$sparse"
expect_rc 0 six "record of six processes with a 1 GiB sparse perf map each"
assert_lt "bytes read of six such maps (256 MiB + a chunk each)" \
	"$(strace_read six)" $(((256 << 20) + 6 * 65537))
assert_text_contains "$T/six.err" "$cut_msg" "the summary says the maps were cut"

# 2^20 + 16 short lines: the first 2^20 are kept
lines='awk "BEGIN { for (i = 0; i < 1048592; i++) printf \"%x 10 l%d\\n\", 4096 + 16 * i, i }" \
	>/tmp/perf-$$.map && exec "$0" 1'
record_ok -F 99 -o "$T/lines.data" -- sh -c "$lines" "$WORKDIR/split_fp"
[ "$(grep -ac ' l1048575$' "$T/lines.data")" = 1 ] || fail "line 2^20 of the map is not kept"
[ "$(grep -ac ' l1048576$' "$T/lines.data")" = 0 ] || fail "line 2^20 + 1 of the map was kept"
assert_text_contains "$T/record.err" "$cut_msg" "the summary says the map was cut"

# a jitdump naming 24 MiB: whole, in several records
"${CC:-cc}" -O2 -fomit-frame-pointer -I"$SYMSRC" -o jit_cfi "$SYMSRC/jit_cfi.c" ||
	fail "cannot build the fixture"
record_ok -F 99 -o "$T/names.data" -- "$T/jit_cfi" 1 names
assert_text_lacks "$T/record.err" "$cut_msg" "a 24 MiB dump is not cut"
[ "$(grep -ac 'names_marker' "$T/names.data")" = 1 ] || fail "the dump's last load is not named"
assert_ge "names kept" "$(grep -ac ' names_[0-9]*_n*$' "$T/names.data")" 8389
[ "$(grep -ac 'nnnnnnnnnn\{4090\}' "$T/names.data")" = 0 ] ||
	fail "a name longer than a perf-map line the report reads was kept"
report_ok "$T/names.data" "$T/names.folded" --stats
assert_text_lacks "$T/report.err" "no end record" "the recording ends with its FINISH"
assert_contains "$T/names.folded" '(^|;)jit_hot_function;jit_leaf$' "the JIT function named"
pass
