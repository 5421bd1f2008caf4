#!/bin/bash
# Issue 8, defect 3: a crafted data file names files the report must not
# open: /etc/shadow, /proc/self/mem, /dev/zero, a FIFO, a link to
# /etc/shadow, paths that reach them roundabout, and host paths claiming a
# "container" whose root is ours. The report must finish promptly (a FIFO
# used to hang it), name nothing from those files, never open the FIFO, the
# device, the link or anything under /proc or /dev (checked with strace),
# and never map or read /etc/shadow beyond its first bytes (the ELF magic).
. "$(dirname "$0")/lib.sh"

[ -r /etc/shadow ] || skip "cannot read /etc/shadow (not root)"
mkfifo "$T/fifo"
ln -s /etc/shadow "$T/link"
mkdir "$T/dir" && ln -s /etc "$T/dir/etc"
id=0123456789abcdef0123456789abcdef01234567
"$CRAFT" "$T/d" \
	"/etc/shadow" \
	"/proc/self/mem" \
	"/dev/zero" \
	"$T/fifo" \
	"$T/link" \
	"/tmp/../etc/shadow" \
	"//proc/self/mem" \
	"/proc/1/root/etc/shadow" \
	"/usr/lib/libc.so.6|/proc/1/root/etc/shadow|$id" \
	"/usr/lib/libd.so.6|/proc/$$/root/etc/shadow|$id" \
	"/usr/lib/libm.so.6|/proc/$$/root/proc/self/mem|$id" \
	"/usr/lib/libz.so.1|/proc/1/map_files/400000-401000|$id" \
	"/usr/lib/libq.so.1|/proc/self/root/dev/zero|$id" \
	"$T/dir/etc/shadow" || fail "craft_data failed"

CMD_TIMEOUT=20
traced report open,openat,openat2,mmap,read,pread64 report -i "$T/d" --stats
expect_rc 0 report "cprof report of the crafted file"
grep -q 'victim' "$T/report.out" || fail "the report printed no stack" \
	"$(head -c 500 "$T/report.out")"
root_line=$(head -n 1 /etc/shadow | cut -d: -f1-2)
grep -qF "$root_line" "$T/report.out" "$T/report.err" &&
	fail "the report printed a line of /etc/shadow"

opened=$(grep -E 'open(at2?)?\(' "$T/report.strace" |
	grep -E "\"($T/fifo|$T/link|/dev/[^\"]*|//?proc/[^\"]*|/tmp/\.\./etc/shadow)\"" |
	grep -vE '"/proc/(self|[0-9]+)/(maps|stat|exe|root)"|"/dev/(null|tty|urandom)"')
[ -z "$opened" ] || fail "the report opened what it must refuse:" "$opened"
shadow=$(grep -F '</etc/shadow>' "$T/report.strace" |
	grep -vE ' (openat\(.*= [0-9]+</etc/shadow>$|pread64\([0-9]+</etc/shadow>, .*, 4, 0\) = 4$)')
[ -z "$shadow" ] || fail "the report read or mapped /etc/shadow beyond its ELF magic:" "$shadow"
note "strace: $(grep -cE 'open(at2?)?\(' "$T/report.strace") opens, none refused ones"
pass
