#!/bin/bash
# A Go program built with -ldflags=-w (no DWARF, as production Go binaries
# often are) still has file:line and inlined frames: cprof reads Go's own
# pclntab (pc-file, pc-line tables and the inline tree). The hot loop's
# line and the inlined body's line are taken from the source by their
# markers; Go's own CPU profile of the same run (runtime/pprof, read by go
# tool pprof) puts its hot lines where cprof's pprof does (issue 21).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/go_lib.sh"
require_perf

go_build go_lines go_lines.go -ldflags=-w
readelf -SW "$T/go_lines" >"$T/sections" || fail "readelf -S failed"
assert_text_lacks "$T/sections" ".debug_line" "the -ldflags=-w build has no DWARF line table"
assert_text_contains "$T/sections" ".gopclntab" "the build has Go's pclntab"
loop=$(grep -n '// HOT-LOOP$' "$SYMSRC/go_lines.go" | cut -d: -f1)
inl=$(grep -n '// HOT-INL$' "$SYMSRC/go_lines.go" | cut -d: -f1)
[ -n "$loop" ] && [ -n "$inl" ] || fail "no HOT-LOOP / HOT-INL marker in go_lines.go"
note "the hot loop is at main.go:$loop, the inlined body at main.go:$inl"

record_ok -F 999 -o "$T/d" -- "$T/go_lines" 2 "$T/own.pb"
report_ok "$T/d" "$T/folded" --lines --annotate
# the loop body is all but the loop's own increment and test (Go's pprof: ~87 %)
assert_ge "share in mix's body inlined at the hot loop's line" \
	"$(share "$T/folded" "main\\.hot \\(main\\.go:$loop\\);main\\.mix_\\[i\\] \\(main\\.go:$inl\\)$")" 50
report_ok "$T/d" "$T/noinline" --lines --no-inline
assert_ge "share of main.hot at the hot loop's line, inlined calls not expanded" \
	"$(share "$T/noinline" "main\\.hot \\(main\\.go:$loop\\)$")" 50

# the same lines in pprof, as go tool pprof reads them, and in Go's own profile
cprof_run pprof report -i "$T/d" -o "$T/cprof.pb.gz"
expect_rc 0 pprof "cprof report -o cprof.pb.gz"
gotop()
{
	HOME=$T/home GOCACHE=$T/gocache timeout -k 5 60 go tool pprof -lines -top "$@" \
		>"$T/top.out" 2>"$T/top.err" || fail "go tool pprof -lines -top $* failed" \
		"$(head -c 2000 "$T/top.err")"
	# "main.mix /path/main.go:17 (inline)" of the rows of main.* with flat >= 5 %
	awk '$2 ~ /%$/ && $6 ~ /^main\./ { sub(/%/, "", $2); if ($2 + 0 >= 5) {
		sub(/.*\//, "", $7); print $6 " " $7 ($8 == "" ? "" : " " $8) } }' "$T/top.out"
}
gotop "$T/cprof.pb.gz" >"$T/cprof.lines"
gotop "$T/go_lines" "$T/own.pb" >"$T/own.lines"
note "cprof's lines: $(tr '\n' ',' <"$T/cprof.lines")"
note "Go's own lines: $(tr '\n' ',' <"$T/own.lines")"
assert_eq "the hottest line in cprof's pprof" "$(head -1 "$T/cprof.lines")" \
	"main.mix main.go:$inl (inline)"
assert_eq "the hottest line in Go's own profile" "$(head -1 "$T/own.lines")" \
	"main.mix main.go:$inl (inline)"
while read -r line; do
	grep -qxF -- "$line" "$T/cprof.lines" ||
		fail "Go's own profile has '$line' at >= 5 % flat, cprof's pprof not" \
			"cprof's: $(cat "$T/cprof.lines")"
done <"$T/own.lines"
pass
