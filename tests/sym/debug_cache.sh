#!/bin/bash
# The cache of inflated debug files: a debug file with compressed DWARF
# (in a .build-id tree) is inflated once into $CPROF_CACHE_DIR/inflated,
# 0700 directories and a 0600 file, and read from there by the next
# report, with the same output; what the cache holds is checked, not
# trusted: a file with another build-id or a symbolic link there is passed
# over, and a cache that cannot be written costs nothing but the cache; a
# FIFO planted as the debug file is not opened.
# No kernel needed: the recording is gen_golden's, over the fixture.
. "$(dirname "$0")/../e2e/lib.sh"
: "${GEN_GOLDEN:?set GEN_GOLDEN to the gen_golden helper}"

cd "$T" || fail "no scratch directory"
"${CC:-cc}" -O2 -g -gz=zlib -o full "$SYMSRC/stripme.c" || fail "cannot build the fixture"
id=$(readelf -n full | awk '/Build ID/ { print $3 }')
[ -n "$id" ] || fail "the fixture has no build-id"
mkdir -p "debug/.build-id/${id:0:2}"
dbg=debug/.build-id/${id:0:2}/${id:2}.debug
objcopy --only-keep-debug full "$dbg" || fail "objcopy --only-keep-debug failed"
readelf -SW "$dbg" | grep -q '\.debug_info .* C ' || fail "the fixture's DWARF is not compressed"
# the same build-id, its DWARF gone: only a cached copy can give lines
objcopy --remove-section='.debug_*' "$dbg" nodwarf.debug || fail "objcopy --remove-section failed"
cp "$dbg" compressed.debug
strip --strip-all -o stripped full

read -r vaddr off size <<<"$(readelf -lW stripped | awk '$1 == "LOAD" && $8 == "E" { print $3, $2, $6 }')"
addrs=
for f in main stripped_middle stripped_leaf; do
	a=$(nm full | awk -v f="$f" '$3 ~ "^" f "(\\.|$)" { print "0x" $1; exit }')
	[ -n "$a" ] || fail "no symbol $f in the fixture"
	addrs="$addrs $a"
done
"$GEN_GOLDEN" data "$T/stripped" "$vaddr" "$off" "$size" $addrs || fail "gen_golden failed"

cache=$T/cache
entry=$cache/inflated/${id:0:2}/${id:2}
report() # report NAME [CACHE_DIR]: folded stacks with lines into NAME.folded
{
	CPROF_CACHE_DIR=${2:-$cache} "$CPROF" report -i data --lines --debug-dir "$T/debug" \
		>"$1.folded" 2>"$1.err" || fail "cprof report ($1) exited $?: $(cat "$1.err")"
}
same() # same NAME WHAT: NAME.folded is the reference's
{
	cmp -s ref.folded "$1.folded" || fail "$2: the output differs" "$(diff ref.folded "$1.folded" | head)"
	note "ok: $2"
}

# a cache directory that cannot be made (a file is in the way)
: >not-a-dir
report ref "$T/not-a-dir"
grep -q 'stripme\.c:[0-9]' ref.folded || fail "no source lines: the debug file's DWARF was not read" "$(head -3 ref.folded)"
grep -q stripped_leaf ref.folded || fail "no static function names from the debug file"
[ "$(wc -l <ref.err)" -le 1 ] || fail "more than one warning without a cache" "$(cat ref.err)"
note "ok: an unusable cache directory, the report as before ($(wc -l <ref.err) warnings)"

report cold
same cold "first report, cache made"
[ -f "$entry" ] && [ ! -L "$entry" ] || fail "no inflated copy at $entry" "$(find "$cache" -ls)"
[ "$(stat -c %a "$entry")" = 600 ] || fail "the cached copy is mode $(stat -c %a "$entry"), not 600"
for d in "$cache/inflated" "$cache/inflated/${id:0:2}"; do
	[ "$(stat -c %a "$d")" = 700 ] || fail "$d is mode $(stat -c %a "$d"), not 700"
done
readelf -SW "$entry" | grep -q '\.debug_info' || fail "the cached copy has no .debug_info"
readelf -SW "$entry" | grep -q '\.debug_.* C ' && fail "the cached copy is still compressed"
[ "$(readelf -n "$entry" | awk '/Build ID/ { print $3 }')" = "$id" ] || fail "the cached copy lost its build-id"

# the debug file without DWARF: the lines can only come from the cache
cp nodwarf.debug "$dbg"
report nolines "$T/not-a-dir"
grep -q 'stripme\.c:[0-9]' nolines.folded && fail "lines without DWARF: the fixture does not tell"
report warm
same warm "second report, DWARF from the cache"

# a symbolic link in the cache is not followed, even to a good copy
mv "$entry" good.inflated
ln -s "$T/good.inflated" "$entry"
report link
cmp -s nolines.folded link.folded || fail "a symbolic link in the cache was followed" "$(head -3 link.folded)"
[ -L "$entry" ] || fail "the symbolic link in the cache was replaced"
note "ok: a symbolic link in the cache is passed over"
rm "$entry"

# another program's inflated debug file under this build-id: passed over
"${CC:-cc}" -O0 -g -gz=zlib -o other "$SYMSRC/stripme.c" || fail "cannot build the other fixture"
oid=$(readelf -n other | awk '/Build ID/ { print $3 }')
[ "$oid" != "$id" ] || fail "the two fixtures have one build-id"
objcopy --only-keep-debug --decompress-debug-sections other "$entry" || fail "objcopy failed"
chmod 600 "$entry"
cp compressed.debug "$dbg"
report wrongid
same wrongid "a cached file with another build-id passed over, the debug file read"
[ -f "$entry" ] || fail "the planted file was removed"

# a copy not ours to trust (group-readable, as a foreign tool might leave it)
rm "$entry"
cp good.inflated "$entry"
chmod 644 "$entry"
cp nodwarf.debug "$dbg"
report loose
cmp -s nolines.folded loose.folded || fail "a cached file of mode 644 was trusted"
note "ok: a cached file of mode 644 is passed over"
chmod 600 "$entry"
report restored
same restored "the same file, mode 600, is used"

# a FIFO where the debug file is, a writer waiting for a reader: never
# opened (the writer still waits), and the report still ends.  Reading the
# FIFO afterwards gets the writer's x only if it was still waiting (had the
# report opened it for reading, the writer would have written to that
# reader and gone, or died of SIGPIPE)
rm -f "$dbg"
mkfifo "$dbg"
sh -c "exec 3>'$dbg'; echo x >&3" &
writer=$!
BG_PIDS="$BG_PIDS $writer"
wait_for 10 fifo_waiting "$writer" ||
	fail "the writer is not waiting in open(FIFO) (wchan: $(cat "/proc/$writer/wchan" 2>&1))"
report fifo "$T/cache-fifo"
[ "$(timeout 5 cat "$dbg")" = x ] || fail "the report opened a FIFO planted as the debug file"
note "ok: a FIFO at the debug file's place is not opened"
pass
