#!/bin/bash
# Defect 17 of issue 23: node --perf-prof --perf-prof-unwinding-info,
# attached (record -p) as soon as its server answers, under load from
# another process. cprof reads the whole jitdump as it attaches, before any
# sample, and gives the unwinder its CFI; but node writes its jitdump
# through a 4 KiB stdio buffer, so the records of the code it compiled last
# are not in the file while it runs (strace: every write 4096 bytes). So:
#  - with --perf-basic-prof as well (a perf map node writes line by line),
#    every function is named: under 5 % of the samples in hotHandler have
#    an [unknown] caller, and at least 95 % of them reach _start;
#  - with the jitdump alone, the stacks still reach _start (V8 keeps frame
#    pointers), and the summary says why the newest code may be [unknown]
#    and what names it.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

node=$(command -v node || command -v nodejs) || fail "node not found (scripts/install-deps.sh installs it)"
cd "$T" || fail "no scratch directory"

# unknown_callers FOLDED: % of the samples in hotHandler whose caller is [unknown]
unknown_callers()
{
	awk '{ n = $NF; sub(/ [0-9]+$/, ""); k = split($0, f, ";")
	       for (i = k; i > 1; i--) if (f[i] ~ /^JS:[*~^]?hotHandler /) break
	       if (i == 1) next
	       all += n; if (f[i - 1] == "[unknown]") u += n }
	     END { printf "%.1f\n", all ? 100 * u / all : 100 }' "$1"
}

# run NAME FLAGS...: start the server with FLAGS, load it from another
# process, attach to it once it has answered, record 2 s, report
run()
{
	local name=$1 srv cli i

	shift
	: >"$T/$name.port"
	start_bg srv "$node" "$@" "$SYMSRC/node_server.js" serve >"$T/$name.port"
	wait_for 20 grep -q '^port ' "$T/$name.port" || fail "$name: the server did not listen"
	wait_for 10 test -s "$T/jit-$srv.dump" || fail "$name: node wrote no jit-$srv.dump"
	: >"$T/$name.load"
	start_bg cli "$node" "$SYMSRC/node_server.js" load "$(awk '{ print $2 }' "$T/$name.port")" \
		>"$T/$name.load"
	wait_for 20 grep -q answered "$T/$name.load" || fail "$name: the server did not answer"
	record_ok -F 999 -d 2 -o "$T/$name.data" -p "$srv"
	cp "$T/record.err" "$T/$name.err"
	kill "$cli" "$srv"
	for i in $(seq 100); do kill -0 "$srv" 2>/dev/null || break; sleep 0.05; done
	rm -f "$T/jit-$srv.dump"
	report_ok "$T/$name.data" "$T/$name.folded"
}

run both --perf-basic-prof --perf-prof --perf-prof-unwinding-info
assert_ge "both: samples in hotHandler" "$(count "$T/both.folded" ';JS:[*~^]?hotHandler ')" 200
assert_lt "both: % of hotHandler samples with an [unknown] caller" \
	"$(unknown_callers "$T/both.folded")" 5
assert_ge "both: % of hotHandler samples reaching _start" \
	"$(share_of "$T/both.folded" ';JS:[*~^]?hotHandler ' '^[^;]*;_start;')" 95
assert_text_lacks "$T/both.err" "4 KiB blocks" "no note when a perf map names the code"

run dump --perf-prof --perf-prof-unwinding-info
assert_ge "dump: % of the samples in JavaScript reaching _start" \
	"$(share_of "$T/dump.folded" ';JS:' '^[^;]*;_start;')" 95
assert_text_contains "$T/dump.err" "writes in 4 KiB blocks" \
	"the summary says why node's newest code may be unnamed"
assert_text_contains "$T/dump.err" "--perf-basic-prof as well" "and what names it"
pass
