#!/bin/bash
# JIT code without frame pointers, unwound while recording with the CFI of
# its jitdump's unwinding-info record: jit_cfi.c JIT-compiles a function
# that moves rsp and sets rbp to garbage, and calls a C leaf through it.
# At least 95 % of the leaf's samples have main;driver;jit_hot_function;
# jit_leaf, named from the jitdump the program removes as it ends (with
# --no-jit-unwind: frame pointers only, under 5 %), attached after the
# code was loaded as well as launched. Lying records before
# the true ones change nothing, nor does a flood of loads after them; a
# dump mapped by many processes is not read for each without end; a
# process with the pid of one that exited follows its own dump; a dump
# replaced by a symbolic link (or a FIFO) after it was mapped is not read
# through.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

cd "$T" || fail "no scratch directory"
"${CC:-cc}" -O2 -fomit-frame-pointer -I"$SYMSRC" -o jit_cfi "$SYMSRC/jit_cfi.c" ||
	fail "cannot build the fixture"
chain=$(chain_re main driver jit_hot_function jit_leaf)'$'
leaf='(^|;)jit_leaf$'

# chain_share NAME: % of NAME's jit_leaf samples with the whole chain
chain_share()
{
	share_of "$T/$1.folded" "$leaf" "$chain"
}

touch "$T/marker"
record_ok -F 999 -o "$T/cfi.data" -- "$T/jit_cfi" 2
[ -z "$(find /tmp -maxdepth 1 -name 'jit-*.dump' -newer "$T/marker")" ] ||
	fail "the fixture left its jitdump behind: the names could come from it"
report_ok "$T/cfi.data" "$T/cfi.folded"
# (100 samples are enough for the shares below: how many the 2 s give is the scheduler's)
assert_ge "cfi: samples in jit_leaf" "$(count "$T/cfi.folded" "$leaf")" 100
assert_ge "% of jit_leaf samples under main;driver;jit_hot_function" "$(chain_share cfi)" 95
assert_ge "% of them reaching _start" \
	"$(share_of "$T/cfi.folded" "$leaf" "(^|;)_start;.*$chain")" 95

record_ok -F 999 -o "$T/fp.data" --no-jit-unwind -- "$T/jit_cfi" 2
report_ok "$T/fp.data" "$T/fp.folded"
assert_ge "fp: samples in jit_leaf" "$(count "$T/fp.folded" "$leaf")" 100
assert_lt "% with the chain, --no-jit-unwind (frame pointers only)" "$(chain_share fp)" 5
assert_contains "$T/fp.folded" '(^|;)jit_hot_function;jit_leaf$' "the JIT frame named without its CFI"

# code loaded before cprof attaches (record -p) is named and unwound with its CFI too
start_bg jitp "$T/jit_cfi" 4 >"$T/attach.out"
wait_for 10 grep -q '^ready$' "$T/attach.out" || fail "attach: the fixture wrote no dump"
record_ok -F 999 -d 1.5 -o "$T/attach.data" -p "$jitp"
report_ok "$T/attach.data" "$T/attach.folded"
assert_ge "attach: samples in jit_leaf" "$(count "$T/attach.folded" "$leaf")" 100
assert_ge "% with the chain, attached after the code was loaded" "$(chain_share attach)" 95

# lies first: sizes past their record and past the file, garbage CFI, a size that wraps,
# garbage CFI over jit_leaf's code (refused) and over the JIT function (replaced by the truth)
record_ok -F 999 -o "$T/lie.data" -- "$T/jit_cfi" 2 lie
report_ok "$T/lie.data" "$T/lie.folded"
assert_ge "lie: samples in jit_leaf" "$(count "$T/lie.folded" "$leaf")" 100
assert_ge "% with the chain after lying records" "$(chain_share lie)" 95

# a flood of tiny loads with CFI, and code reloaded over them every 50 ms:
# libdwfl reports N modules in N^2 time, and each reload starts its session
# anew, so a process keeps few JIT images; the true one, first, still counts
record_ok -F 999 -o "$T/flood.data" -- "$T/jit_cfi" 2 flood
report_ok "$T/flood.data" "$T/flood.folded"
assert_ge "flood: samples in jit_leaf" "$(count "$T/flood.folded" "$leaf")" 100
assert_ge "% with the chain under a flood of loads" "$(chain_share flood)" 95
# (what it cost and lost is the machine's business: said, not asserted)
note "under the flood: $(sed -n 's/.*samples (\([0-9]* lost\)).*recorder CPU \([0-9.]* s\).*/\1, recorder CPU \2/p' "$T/record.err")"

# one dump of 200 MiB mapped by 9 processes: read for each, but 1 GiB of
# dumps at most in all, so 5 of them at most (their last load
# fanout_marker); fewer when processes exit before the recorder gets to them
record_ok -F 999 -o "$T/fanout.data" -- "$T/jit_cfi" 1 fanout
assert_between "processes whose dump was read whole (1 GiB in all)" \
	"$(grep -ao fanout_marker "$T/fanout.data" | wc -l)" 1 5
assert_lt "MiB of the data file with 9 x 200 MiB of dumps" \
	"$(($(stat -c %s "$T/fanout.data") / 1048576))" 1100

# a process given the pid of one that exited (ns_last_pid) has its own dump
# and its own unwind state, though the other's exit was in the same drain
if [ -w /proc/sys/kernel/ns_last_pid ]; then
	record_ok -F 999 -o "$T/reuse.data" -- "$T/jit_cfi" 1 reuse
	if grep -q ' again$' "$T/record.out"; then
		report_ok "$T/reuse.data" "$T/reuse.folded"
		assert_ge "reuse: samples in jit_leaf" "$(count "$T/reuse.folded" "$leaf")" 100
		assert_ge "% with the chain, in both lives of the pid" "$(chain_share reuse)" 95
	else
		note "the pid was not had again: pid reuse not checked"
	fi
else
	note "ns_last_pid not writable: pid reuse not checked"
fi

# the dump swapped for a link to another dump, or a FIFO: neither is opened
for m in link fifo; do
	touch "$T/marker"
	record_ok -F 999 -o "$T/$m.data" -- "$T/jit_cfi" 1 "$m"
	left=$(find /tmp -maxdepth 1 \( -name 'jit-*.dump' -o -name 'jit-cfi-secret-*.dump' \) \
		! -type d -newer "$T/marker")
	[ -n "$left" ] || fail "$m: the fixture put nothing in place of its dump"
	rm -f $left
	report_ok "$T/$m.data" "$T/$m.folded"
	assert_not_contains "$T/$m.folded" 'SECRET_FROM_LINK' "$m: nothing read through it"
	assert_eq "$m: JIT code unwound with CFI from it" "$(count "$T/$m.folded" "$chain")" 0
done
pass
