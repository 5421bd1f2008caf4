#!/bin/bash
# Defect 10 of issue 8: damaged data files get a message that says what is
# wrong and the documented exit code (3), and damage mid-file costs only
# the records it hit.  Also: the recorder's CPU share is never above 100%.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf
require_workload split_nofp

# put_u32 FILE OFFSET VALUE: overwrite 4 bytes, little-endian
put_u32()
{
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($3 & 255)) $((($3 >> 8) & 255)) \
		$((($3 >> 16) & 255)) $((($3 >> 24) & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

get_u32()
{
	od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '
}

record_ok -F 999 -o "$T/d" -- "$WORKDIR/split_nofp" 0.5
report_ok "$T/d" "$T/good.folded"

# the summary's CPU share of a very short run
pct=$(sed -n 's/.*recorder CPU [0-9.]* s (\([0-9.]*\)%).*/\1/p' "$T/record.err")
assert_lt "recorder CPU share of a 0.5 s run (%)" "${pct:-999}" 100.1
cprof_run short record -F 20000 -o "$T/short" -- true
expect_rc 0 short "record -- true"
pct=$(sed -n 's/.*recorder CPU [0-9.]* s (\([0-9.]*\)%).*/\1/p' "$T/short.err")
assert_lt "recorder CPU share of 'record -- true' (%)" "${pct:-999}" 100.1

cp "$T/d" "$T/v0"
put_u32 "$T/v0" 8 0
cprof_run v0 report -i "$T/v0"
expect_rc 3 v0 "report of version 0"
assert_text_contains "$T/v0.err" "'$T/v0' is damaged: format version 0 is not a valid version" \
	"version 0 message"

cp "$T/d" "$T/hs"
put_u32 "$T/hs" 12 4294967295
cprof_run hs report -i "$T/hs"
expect_rc 3 hs "report of header size 0xffffffff"
assert_text_contains "$T/hs.err" "'$T/hs' is damaged: header size out of range" \
	"header size message"

mkdir "$T/dir"
cprof_run dir report -i "$T/dir"
expect_rc 3 dir "report of a directory"
assert_text_contains "$T/dir.err" "cannot read data file '$T/dir': is a directory" \
	"directory message"

# a record size damaged mid-file: the first SAMPLE (type 7) after the 40th
# record gets a huge size (a STACK would take its samples along: the
# report refuses samples of an unknown stack)
pos=16 i=0
while [ "$i" -lt 40 ] || [ "$(get_u32 "$T/d" "$pos")" != 7 ]; do
	pos=$((pos + $(get_u32 "$T/d" $((pos + 4)))))
	i=$((i + 1))
done
cp "$T/d" "$T/bad"
put_u32 "$T/bad" $((pos + 4)) 1000000
note "record at offset $pos given size 1000000 (file: $(stat -c %s "$T/d") bytes)"
cprof_run bad report -i "$T/bad"
expect_rc 0 bad "report of a file damaged mid-way"
assert_text_contains "$T/bad.err" "is damaged: 1 records could not be read and were passed over" \
	"damage reported"
got=$(total "$T/bad.out") want=$(total "$T/good.folded")
assert_ge "samples read past the damage (of $want)" "$got" $((want - 1))
pass
