#!/bin/bash
# dwarf_dlopen - a library mapped after the profile started.
#
# dlhost_nofp sleeps 0.3 s, dlopen()s plugin_nofp.so and then spends nearly
# all its time in it: main;host_loop;host_call_plugin;plugin_hot;plugin_spin
# (tests/workloads/dlhost.c; perf --call-graph dwarf puts 99.9% there).
#
#   cprof record -F 999 -- dlhost_nofp 2.5       (default -g dwarf)
#	>= 90% of samples in that whole chain, caller first; every plugin_hot
#	sample (>= 98%) sits under host_call_plugin; no frame is left as the
#	bare module [plugin_nofp.so].
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload dlhost_nofp
require_perf

record_ok -F 999 -o "$T/data" -- "$WORKDIR/dlhost_nofp" 2.5
report_ok "$T/data" "$T/folded"
assert_folded_shape "$T/folded"
assert_rate "$T/folded" 999
chain=$(chain_re main host_loop host_call_plugin plugin_hot plugin_spin)
assert_contains "$T/folded" "$chain" "plugin functions under the host's chain"
assert_ge "% of samples in main;host_loop;host_call_plugin;plugin_hot;plugin_spin" \
	"$(share "$T/folded" "$chain")" 90
assert_ge "% of plugin_hot samples under host_call_plugin" \
	"$(share_of "$T/folded" "$(frame_re plugin_hot)" "$(chain_re host_call_plugin plugin_hot)")" 98
assert_lt "% of samples with an unsymbolized plugin frame [plugin_nofp.so]" \
	"$(share "$T/folded" "$(frame_re '\[plugin_nofp\.so\]')")" 1
pass
