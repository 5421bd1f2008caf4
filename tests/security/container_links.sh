#!/bin/bash
# Issue 8, defect 2: a process in a chroot maps ELF files, then replaces the
# components of their paths by links out of its root (an absolute link to
# /etc for a directory, one to /etc/shadow for a file, a relative one
# climbing above the root). Reading /proc/PID/root/... naively would follow
# them on the host and copy /etc/shadow and /etc/passwd into the build-id
# cache. The cache must hold exactly the workload's own binary (read inside
# the root, build-id checked), as a 0600 file in 0700 directories, and the
# report must still name the workload's function.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

export CPROF_CACHE_DIR="$T/cache"
R=$T/root
mkdir -p "$R/lib" "$R/opt" "$R/etc"
"$CC" -static -O2 -g -o "$R/swaproot" "$SECSRC/swaproot.c" ||
	fail "cannot build the static workload (libc6-dev's libc.a missing?)"
# three ELF files with build-ids of their own, as the kernel will report them
for f in lib/shadow opt/tool opt/rel; do
	echo "int f_$(basename "$f")(void) { return $RANDOM; }" >"$T/$(basename "$f").c"
	"$CC" -shared -fPIC -Wl,--build-id -o "$R/$f" "$T/$(basename "$f").c" ||
		fail "cannot build $f"
done
# what the links reach inside the root: not ELF, so nothing is copied
echo "container's own shadow" >"$R/etc/shadow"
echo "container's own passwd" >"$R/etc/passwd"

record_ok -F 499 -o "$T/d" -- chroot "$R" /swaproot 1.5
[ -L "$R/lib" ] && [ -L "$R/opt/tool" ] || fail "the workload did not swap its links in"

id=$(readelf -n "$R/swaproot" | awk '/Build ID/ { print $3 }')
[ -n "$id" ] || fail "the workload has no build-id"
got=$(cd "$T/cache" && find . -type f | sort)
want="./build-id/${id:0:2}/${id:2}"
[ "$got" = "$want" ] || fail "the build-id cache holds other files than the workload's" \
	"want: $want" "got: $(echo "$got" | tr '\n' ' ')"
for f in $(find "$T/cache" -type f); do
	for host in /etc/shadow /etc/passwd "$R/etc/shadow"; do
		cmp -s "$f" "$host" && fail "$host was copied into the cache as $f"
	done
done
modes=$(find "$T/cache" -type d -printf '%m %p\n' | grep -v '^700 ')
[ -z "$modes" ] || fail "cache directories not 0700:" "$modes"
modes=$(find "$T/cache" -type f -printf '%m %p\n' | grep -v '^600 ')
[ -z "$modes" ] || fail "cache files not 0600:" "$modes"
note "cache: $got, modes 0600/0700"

# the copy is what the report reads once the process is gone
report_ok "$T/d" "$T/folded"
assert_between "share in hot_loop" "$(share "$T/folded" "$(frame_re 'hot_loop[.a-z0-9]*')")" 80 100
pass
