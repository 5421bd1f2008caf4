#!/bin/bash
# Issue 23, defect 14: the build-id cache names the frames of a deleted
# binary or a container's, by build-id. A cache another user can write to
# (a world-writable CPROF_CACHE_DIR) lets them plant an ELF file with the
# build-id of a victim's library and names of their choosing. The cache's
# directory, the directories below it and the file must be owned by root or
# the user running cprof and writable by no one else; a copy that is not is
# passed over with a warning, and --stats counts it.
# No kernel needed: a crafted data file maps a deleted library by build-id.
. "$(dirname "$0")/lib.sh"

id=5900f1e0cafe0123456789abcdef0123456789ab
printf 'void spoofed_by_attacker(void) { for (;;) ; }\n' >"$T/spoof.c"
"${CC:-cc}" -O1 -shared -fPIC -Wl,--build-id=0x$id -o "$T/spoof.so" "$T/spoof.c" ||
	fail "cannot build the spoofing library"
[ "$(readelf -n "$T/spoof.so" | awk '/Build ID/ { print $3 }')" = "$id" ] ||
	fail "the spoofing library does not have build-id $id"
sym=$(nm "$T/spoof.so" | awk '$3 == "spoofed_by_attacker" { print $1 }')
[ -n "$sym" ] || fail "no spoofed_by_attacker in the spoofing library"
# a deleted library of the victim (only the cache can name it), one frame in the function
"$CRAFT" "$T/d" "/usr/lib/libvictim.so.1|/proc/1/map_files/1000-2000|$id|$(printf '%x' $((0x$sym + 1)))" ||
	fail "craft_data failed"

cache=$T/cache
export CPROF_CACHE_DIR=$cache
mkdir -p "$cache/build-id/${id:0:2}"
chmod 700 "$cache" "$cache/build-id" "$cache/build-id/${id:0:2}"
entry=$cache/build-id/${id:0:2}/${id:2}
cp "$T/spoof.so" "$entry" && chmod 600 "$entry"

# report_named NAME: report --stats into NAME.out/.err, exit 0
report_named()
{
	check_exit "$1" 0 "" report -i "$T/d" --stats
}

# a cache of ours, 0700 and 0600: the copy names the frame (the check below can fail)
report_named ours
assert_text_contains "$T/ours.out" "spoofed_by_attacker" "a cache of ours is used"
grep -q "not using" "$T/ours.err" && fail "a warning about a cache of ours" "$(cat "$T/ours.err")"

# refused_when WHAT: the copy is not used, a warning names it, --stats counts it
refused_when()
{
	report_named "$1"
	if grep -q spoofed_by_attacker "$T/$1.out"; then
		fail "$1: a name from the planted file was used" "$(head -c 400 "$T/$1.out")"
	fi
	assert_text_contains "$T/$1.out" "libvictim.so.1" "$1: the frame shows the library's name"
	assert_text_contains "$T/$1.err" "warning: not using $entry" "$1: a warning names the copy"
	assert_eq "$1: warnings" "$(grep -c 'not using' "$T/$1.err")" 1
	assert_text_contains "$T/$1.err" "# build-id cache copies not used (not owned by root or you, or writable by others): 1" \
		"$1: --stats counts it"
}

chmod 777 "$cache"
refused_when world_writable_dir
chmod 770 "$cache"
refused_when group_writable_dir
chmod 700 "$cache"
chmod 1777 "$cache/build-id/${id:0:2}"
refused_when sticky_world_writable_subdir
chmod 700 "$cache/build-id/${id:0:2}"
chmod 622 "$entry"
refused_when world_writable_file
chmod 600 "$entry"

report_named ours_again
assert_text_contains "$T/ours_again.out" "spoofed_by_attacker" "the cache of ours is used again"
pass
