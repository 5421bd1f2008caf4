#!/bin/bash
# dwarf_recurse - DWARF unwinding through a deep stack.
#
# recurse_nofp keeps 300 frames of recurse_down (64 bytes each, ~19 KiB from
# the bottom to main) on the stack nearly all the time (tests/workloads/
# recurse.c; perf --call-graph dwarf,65528 sees 300 frames and main in 100% of
# samples, dwarf,16384 256 frames, dwarf,8192 128 frames).
#
#   cprof record -F 499 -- recurse_nofp 2
#	>= 95% of samples reach main; the heaviest stack holds exactly 300
#	recurse_down frames under main;recurse_loop.
#   cprof record -F 499 --stack-size 8192 -- recurse_nofp 2
#	fewer samples reach main than with the default (8 KiB holds ~128
#	frames); the leaf is still named in >= 90% of samples.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload recurse_nofp
require_perf

# depth FOLDED: recurse_down frames in the heaviest stack.
depth()
{
	awk '{ print $NF "\t" $0 }' "$1" | sort -t '	' -k1,1nr | head -n 1 |
		cut -f2- | tr ';' '\n' | grep -c '^recurse_down$'
}

record_ok -F 499 -o "$T/data" -- "$WORKDIR/recurse_nofp" 2
report_ok "$T/data" "$T/folded"
assert_folded_shape "$T/folded"
assert_rate "$T/folded" 499
full=$(share "$T/folded" "$(frame_re main)")
assert_ge "% of samples reaching main (default stack size)" "$full" 95
assert_eq "recurse_down frames in the heaviest stack" "$(depth "$T/folded")" 300
assert_contains "$T/folded" "$(chain_re main recurse_loop recurse_down recurse_down)" \
	"main;recurse_loop;recurse_down;recurse_down chain"
assert_contains "$T/folded" "$(chain_re recurse_down recurse_bottom)" \
	"recurse_down;recurse_bottom at the bottom"

record_ok -F 499 --stack-size 8192 -o "$T/data8k" -- "$WORKDIR/recurse_nofp" 2
report_ok "$T/data8k" "$T/folded8k"
assert_folded_shape "$T/folded8k"
cut8k=$(share "$T/folded8k" "$(frame_re main)")
note "with --stack-size 8192: $cut8k% of samples reach main (default: $full%)," \
	"heaviest stack has $(depth "$T/folded8k") recurse_down frames"
assert_lt "% of samples reaching main with --stack-size 8192" "$cut8k" "$full"
assert_ge "% of samples naming recurse_bottom with --stack-size 8192" \
	"$(share "$T/folded8k" "$(frame_re recurse_bottom)")" 90
pass
