#!/bin/bash
# pprof.sh [CXX] - the pprof writer, checked by `go tool pprof` itself.
#
# From one recording of split_nofp (50/30/20% over three chains), the folded
# and the pprof report must agree: pprof's sample total equals the folded
# total, its cpu total is that times the period, its top three functions are
# the folded output's top three leaves with flat shares within 1 point, and
# -traces shows each chain leaf first. The mapping of split_nofp carries its
# build-id and [FN][FL][LN]; every sample has pid, tid, thread and comm
# (its process's name) labels.
# An always-inline method (tests/sym/cxx_inline.cc) shows as two lines of one
# location, itself over its caller, in a mapping flagged [IN]. A recording
# with -k puts kernel frames in a [kernel.kallsyms] mapping whose range holds
# their addresses.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

CXX=${1:-${CXX:-g++}}
SYMSRC=$(cd "$(dirname "$0")/../sym" && pwd)

command -v go >/dev/null || skip "go is not installed (scripts/install-deps.sh installs golang-go)"
require_workload split_nofp
require_perf

mkdir -p "$T/home" "$T/gocache"

# gopprof NAME ARGS...: go tool pprof ARGS, offline, output to $T/NAME.
gopprof()
{
	local name=$1

	shift
	note "go tool pprof $*"
	HOME=$T/home GOCACHE=$T/gocache timeout -k 5 60 \
		go tool pprof -symbolize=none "$@" >"$T/$name" 2>"$T/$name.err" ||
		fail "go tool pprof $* failed" "$(head -c 2000 "$T/$name.err")"
}

# pprof_report DATA OUT: cprof report -i DATA -o OUT (a pprof file by its name).
pprof_report()
{
	cprof_run pprof report -i "$1" -o "$2"
	expect_rc 0 pprof "cprof report -i $1 -o $2"
	[ "$(od -An -tx1 -N2 "$2" | tr -d ' ')" = 1f8b ] || fail "$2 is not gzip data"
	gzip -t "$2" || fail "$2 is not a whole gzip file"
}

# raw_total RAW COLUMN: sum of value COLUMN (1: samples, 2: cpu) of -raw's samples.
raw_total()
{
	awk -v c="$2" '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		       on && $1 ~ /^[0-9]+$/ { v = $c; sub(/:$/, "", v); t += v }
		       END { printf "%.0f\n", t }' "$1"
}

# leaves FOLDED: "share name" of each leaf function, biggest first.
leaves()
{
	awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); sub(/.*;/, "", s)
	       c[s] += n; t += n }
	     END { for (s in c) printf "%.2f %s\n", 100 * c[s] / t, s }' "$1" | sort -k1,1nr
}

record_ok -F 999 -o "$T/data" -- "$WORKDIR/split_nofp" 2
report_ok "$T/data" "$T/folded"
pprof_report "$T/data" "$T/split.pb.gz"
want=$(total "$T/folded")

gopprof raw -raw "$T/split.pb.gz"
assert_eq "pprof sample total (samples/count)" "$(raw_total "$T/raw" 1)" "$want"
period=$(awk '/^Period:/ { print $2 }' "$T/raw")
assert_eq "pprof cpu total (cpu/nanoseconds)" "$(raw_total "$T/raw" 2)" \
	"$(awk -v n="$want" -v p="$period" 'BEGIN { printf "%.0f\n", n * p }')"
assert_text_contains "$T/raw" "PeriodType: cpu nanoseconds" "period type cpu/nanoseconds"
assert_text_contains "$T/raw" "samples/count cpu/nanoseconds[dflt]" \
	"sample types samples/count and cpu/nanoseconds, cpu the default"

# the same totals through -top, with the samples column
gopprof top -top -sample_index=samples "$T/split.pb.gz"
assert_text_contains "$T/top" "Total samples = $want " "-top's sample total"
leaves "$T/folded" | head -n 3 >"$T/leaves"
awk '/ flat%/ { on = 1; next } on && NF >= 6 { f = $2; sub(/%/, "", f); print f, $6 }' \
	"$T/top" | head -n 3 >"$T/topfuncs"
note "folded leaves: $(tr '\n' ',' <"$T/leaves"); pprof top: $(tr '\n' ',' <"$T/topfuncs")"
for k in 1 2 3; do
	fn=$(awk -v k=$k 'NR == k { print $2 }' "$T/leaves")
	assert_eq "pprof -top function $k" "$(awk -v k=$k 'NR == k { print $2 }' "$T/topfuncs")" "$fn"
	assert_between "pprof flat% of $fn minus its folded leaf share" \
		"$(paste -d' ' "$T/leaves" "$T/topfuncs" |
		   awk -v k=$k 'NR == k { printf "%.2f\n", $3 - $1 }')" -1 1
done

# -traces: each trace's frames joined leaf first
gopprof traces -traces "$T/split.pb.gz"
awk '/^-+\+/ { if (s != "") print s; s = ""; next }
     /:  / { next }
     { n = $NF; s = s == "" ? n : s ";" n }
     END { if (s != "") print s }' "$T/traces" >"$T/chains"
for chain in "split_a_leaf;split_a_outer;main" "split_b_leaf;split_b_mid;split_b_outer;main" \
	"split_c_leaf;split_c_outer;main"; do
	grep -q "^$chain;" "$T/chains" ||
		fail "no -traces stack starts $chain" "$(head -n 5 "$T/chains")"
	note "ok: -traces shows $chain"
done

# the mapping of split_nofp: its build-id and what its locations were given
bid=$(readelf -n "$WORKDIR/split_nofp" | awk '/Build ID/ { print $3 }')
[ -n "$bid" ] || fail "split_nofp has no build-id to compare"
map=$(awk -v f="$WORKDIR/split_nofp" '/^Mappings/ { on = 1; next } on && $3 == f' "$T/raw")
note "mapping: $map"
assert_eq "build-id of the split_nofp mapping" "$(echo "$map" | awk '{ print $4 }')" "$bid"
# [IN] only when one of its locations has several lines (wl_now may be inlined in main)
multi=$(awk -v m="M=${map%%:*}" '/^Locations/ { on = 1; next } /^Mappings/ { on = 0 }
				  on && $1 ~ /:$/ { mine = $3 == m; next }
				  on && mine { n++ } END { print n + 0 }' "$T/raw")
want_flags="[FN][FL][LN]"
[ "$multi" -gt 0 ] && want_flags="${want_flags}[IN]"
assert_eq "flags of the split_nofp mapping ($multi inlined lines)" \
	"$(echo "$map" | awk '{ print $5 }')" "$want_flags"

# labels: every sample is of thread split_nofp, with its pid and tid
gopprof tags -tags -sample_index=samples "$T/split.pb.gz"
for key in pid tid thread comm; do
	assert_eq "samples with a $key label" \
		"$(awk -v k="$key:" '$1 == k && $2 == "Total" { print $3 }' "$T/tags")" "$want.0"
done
assert_eq "thread label of all samples" \
	"$(awk '$1 == "thread:" { on = 1; next } on { print $NF; exit }' "$T/tags")" split_nofp
assert_eq "comm label of all samples" \
	"$(awk '$1 == "comm:" { on = 1; next } on { print $NF; exit }' "$T/tags")" split_nofp
assert_eq "samples whose pid label equals their tid label (split has one thread)" \
	"$(grep -cE '^ +pid:\[([0-9]+)\] tid:\[\1\]$' "$T/raw")" "$(grep -cE '^ +pid:\[' "$T/raw")"

# inlined calls: lines of one location, the inlined method first
"$CXX" -O2 -g -o "$T/cxx_inline" "$SYMSRC/cxx_inline.cc" || fail "cannot build the C++ fixture"
record_ok -F 999 -o "$T/inline.data" -- "$T/cxx_inline" 1
pprof_report "$T/inline.data" "$T/inline.pprof"
gopprof inline.raw -raw "$T/inline.pprof"
inl=$(awk '/^Locations/ { on = 1; next } /^Mappings/ { on = 0 }
	   on && $1 ~ /^[0-9]+:$/ { id = $1; sub(/:$/, "", id); first = $4; next }
	   on && first == "calc::Accum<long>::add_many" && $1 == "hot_driver" { print id }' \
	   "$T/inline.raw" | head -n 1)
[ -n "$inl" ] || fail "no location lists calc::Accum<long>::add_many over hot_driver" \
	"$(sed -n '/^Locations/,$p' "$T/inline.raw" | head -n 12)"
note "ok: location $inl lists add_many, then its caller hot_driver"
assert_eq "flags of the cxx_inline mapping" \
	"$(awk -v f="$T/cxx_inline" '/^Mappings/ { on = 1; next } on && $3 == f { print $5 }' \
		"$T/inline.raw")" "[FN][FL][LN][IN]"
gopprof inline.top -top -sample_index=samples "$T/inline.pprof"
assert_ge "pprof flat% of calc::Accum<long>::add_many" \
	"$(awk '$6 == "calc::Accum<long>::add_many" { sub(/%/, "", $2); print $2 }' \
		"$T/inline.top")" 90

# kernel frames: under a [kernel.kallsyms] mapping that holds their addresses
record_ok -k -F 999 -o "$T/kernel.data" -- dd if=/dev/zero of=/dev/null bs=1 count=1500000
report_ok "$T/kernel.data" "$T/kernel.folded"
pprof_report "$T/kernel.data" "$T/kernel.pb.gz"
gopprof kernel.raw -raw "$T/kernel.pb.gz"
assert_eq "pprof sample total with -k" "$(raw_total "$T/kernel.raw" 1)" \
	"$(total "$T/kernel.folded")"
kmap=$(awk '/^Mappings/ { on = 1; next } on && $3 == "[kernel.kallsyms]"' "$T/kernel.raw")
[ -n "$kmap" ] || fail "no [kernel.kallsyms] mapping" "$(sed -n '/^Mappings/,$p' "$T/kernel.raw")"
note "kernel mapping: $kmap"
assert_ge "kernel locations inside the kernel mapping's range" \
	"$(awk -v m="$kmap" 'BEGIN { split(m, f, " "); id = f[1]; sub(/:$/, "", id)
				     split(f[2], r, "/"); lo = r[1] ""; hi = r[2] "" }
			     # 0x and 16 hex digits, the top one 8-f: compared as text
			     # (mawk would read them as numbers, doubles that round)
			     function high(x) { return length(x) == 18 && x ~ /^0x[89a-f][0-9a-f]*$/ }
			     /^Locations/ { on = 1; next } /^Mappings/ { on = 0 }
			     on && $3 == "M=" id { a = $2 ""
						   if (high(a) && high(lo) && a >= lo && a < hi) n++
						   else bad++ }
			     END { print bad ? -bad : n + 0 }' "$T/kernel.raw")" 1
pass
