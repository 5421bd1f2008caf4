#!/bin/bash
# children.sh - attach to a wrapper whose work is done by its descendants.
#
# The wrapper (a shell script, as `npm start` or a service's start script
# would be) starts two split_nofp children and waits: child A directly with
# the default split 50/30/20, child B through one more shell with
# SPLIT_UNITS=2,3,5 (20/30/50). Four processes: wrapper, A, the inner sh, B.
# Every one of them runs before cprof attaches to the wrapper.
#
#   cprof record -p WRAPPER             the summary names A or B and --children
#   cprof record -p WRAPPER --children  the 4 processes sampled; per process
#                                       (--per-pid, report --pid) each child's
#                                       own split within 3 points
#   cprof top -p WRAPPER --children     batch mode shows the children's leaves
#   cprof serve -p WRAPPER --children   its profile, read by go tool pprof, has
#                                       the children's leaves and pid labels
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload split_nofp
require_perf

wr= # set by start_bg
prog=$WORKDIR/split_nofp
cat >"$T/wrapper.sh" <<'EOF'
#!/bin/sh
# wrapper.sh PROG SECONDS
"$1" "$2" &
sh -c 'SPLIT_UNITS=2,3,5 "$0" "$1"; true' "$1" "$2" &
wait
EOF

# descendants PID: every descendant of PID, one a line, from /proc
descendants()
{
	local c

	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
# both_running: the wrapper has two split_nofp descendants past their exec
# (into $T/kids: "pid units" lines) and the inner sh
both_running()
{
	local p n=0 all=0

	: >"$T/kids"
	for p in $(descendants "$wr"); do
		all=$((all + 1))
		exe_is "$p" "$(readlink -f "$prog")" || continue
		n=$((n + 1))
		if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'SPLIT_UNITS=2,3,5'; then
			echo "$p b" >>"$T/kids"
		else
			echo "$p a" >>"$T/kids"
		fi
	done
	[ "$n" = 2 ] && [ "$all" = 3 ]
}

# 40 s: outlives the four recordings however slow cprof starts; killed after.
start_bg wr sh "$T/wrapper.sh" "$prog" 40
wait_for 10 both_running || fail "the wrapper's two split_nofp children did not start within 10 s" \
	"descendants: $(descendants "$wr" | tr '\n' ' ')"
a=$(awk '$2 == "a" { print $1 }' "$T/kids")
b=$(awk '$2 == "b" { print $1 }' "$T/kids")
BG_PIDS="$BG_PIDS $(descendants "$wr" | tr '\n' ' ')"
note "wrapper $wr, child A $a (50/30/20), child B $b (20/30/50), tree: $(descendants "$wr" | tr '\n' ' ')"

# --- without --children: nothing of the children sampled, the summary says which and how
cprof_run plain record -F 999 -p "$wr" -d 2 -o "$T/plain.data"
expect_rc 0 plain "cprof record -p WRAPPER"
note "record stderr: $(cat "$T/plain.err")"
named=$(sed -n 's/.*its descendant PID \([0-9]*\) (split_nofp).*add --children.*/\1/p' "$T/plain.err")
[ "$named" = "$a" ] || [ "$named" = "$b" ] ||
	fail "the summary of 'record -p WRAPPER' names neither busy child ($a, $b) with --children" \
		"stderr: $(cat "$T/plain.err")"
note "ok: the summary names busy descendant $named and --children"

# --- with --children: every process of the tree, each child's own split
cprof_run tree record --children -F 999 -p "$wr" -d 3 -o "$T/tree.data"
expect_rc 0 tree "cprof record --children -p WRAPPER"
note "record stderr: $(cat "$T/tree.err")"
assert_text_contains "$T/tree.err" " threads in 4 processes" "the wrapper, both children and the inner sh attached"
assert_text_lacks "$T/tree.err" "add --children" "no hint once --children is given"

report_ok "$T/tree.data" "$T/folded.pid" --per-pid
assert_folded_shape "$T/folded.pid"
first_frames "$T/folded.pid" 'split_._leaf' >"$T/first"
assert_eq "first frames of the leaves' stacks (--per-pid)" "$(tr '\n' ' ' <"$T/first")" \
	"$(printf 'split_nofp-%s\n' "$a" "$b" | sort | tr '\n' ' ')"
a_re=$(chain_re main split_a_outer split_a_leaf)
b_re=$(chain_re main split_b_outer split_b_mid split_b_leaf)
c_re=$(chain_re main split_c_outer split_c_leaf)
for kid in "$a:50:30:20" "$b:20:30:50"; do
	IFS=: read -r p wa wb wc <<<"$kid"
	assert_ge "samples of PID $p" "$(count "$T/folded.pid" "^split_nofp-$p;")" 300
	for w in "a:$wa:$a_re" "b:$wb:$b_re" "c:$wc:$c_re"; do
		IFS=: read -r ch want re <<<"$w"
		assert_between "PID $p: share of chain $ch (--per-pid)" \
			"$(share_of "$T/folded.pid" "^split_nofp-$p;" "$re")" $((want - 3)) $((want + 3))
	done
	# report --pid: that process alone, named by its comm
	report_ok "$T/tree.data" "$T/folded.$p" --pid "$p"
	assert_eq "first frames of report --pid $p" "$(first_frames "$T/folded.$p" '.')" split_nofp
	assert_eq "samples of report --pid $p" "$(total "$T/folded.$p")" \
		"$(count "$T/folded.pid" "^split_nofp-$p;")"
	assert_between "report --pid $p: share of chain a" "$(share "$T/folded.$p" "$a_re")" \
		$((wa - 3)) $((wa + 3))
done

# --- top, batch mode: the children's functions in its table
cprof_run top top --children -F 999 -a --limit 0 -p "$wr" -d 3
expect_rc 0 top "cprof top --children -p WRAPPER"
assert_top_leaves "$T/top.out" 90

# --- serve: a scrape's profile, as go tool pprof reads it
command -v go >/dev/null || fail "go not found (scripts/install-deps.sh installs golang-go)"
command -v curl >/dev/null || fail "curl not found"
start_bg srv "$CPROF" serve --children -F 999 -p "$wr" --listen 127.0.0.1:0 2>"$T/serve.err"
wait_for 10 grep -q 'serving .* on http://127.0.0.1:[0-9]*/debug/pprof/' "$T/serve.err" ||
	fail "cprof serve did not say where it listens" "$(cat "$T/serve.err")"
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")
assert_eq "status of serve's profile?seconds=2" \
	"$(curl -s -m 30 -o "$T/serve.pb.gz" -w '%{http_code}' \
		"http://127.0.0.1:$port/debug/pprof/profile?seconds=2")" 200
kill "$srv"
mkdir -p "$T/home" "$T/gocache"
for v in top raw; do
	HOME=$T/home GOCACHE=$T/gocache timeout -k 5 60 go tool pprof -symbolize=none -$v \
		"$T/serve.pb.gz" >"$T/serve.$v" 2>"$T/serve.$v.err" ||
		fail "go tool pprof -$v of serve's profile failed" "$(head -c 1500 "$T/serve.$v.err")"
done
leaves=$(awk '$6 ~ /^split_[abc]_leaf$/ { v = $2; sub(/%/, "", v); s += v; n++ }
	      END { printf "%d %.1f\n", n, s }' "$T/serve.top")
note "serve's profile: $(grep -E 'split_|flat%' "$T/serve.top" | tr -s ' ' | tr '\n' '|')"
assert_eq "leaves in serve's profile (go tool pprof -top)" "${leaves% *}" 3
assert_ge "flat % of the three leaves together in serve's profile" "${leaves#* }" 90
assert_text_contains "$T/serve.raw" "pid:[$a]" "serve's samples of child A have its pid label"
assert_text_contains "$T/serve.raw" "pid:[$b]" "serve's samples of child B have its pid label"
pass
