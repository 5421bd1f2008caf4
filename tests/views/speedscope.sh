#!/bin/bash
# speedscope.sh - the speedscope, cpuprofile and folded outputs, as speedscope
# itself reads them.
#
# From one recording each of split_nofp (50/30/20% of its CPU time in three
# chains) and threads_nofp (workers early-1, early-2, late-3), cprof writes
# folded, speedscope (by the .speedscope.json extension) and cpuprofile
# (--format) files; speedscope.js loads each in the speedscope npm package's
# own importer in headless chromium and prints what it parsed (the importer
# it chose, the profiles it lists, its sandwich table). Checked:
#   - speedscope imports them as "speedscope json file", "Chrome CPU Profile"
#     and "collapsed stack format", without a page error or an alert;
#   - the speedscope files pass the package's file-format-schema.json;
#   - split: one profile, named split_nofp-PID/TID (speedscope JSON); the self
#     shares of split_{a,b,c}_leaf are 50/30/20 +-3 in every format and
#     within 1 point of the folded output's (2 for cpuprofile, whose weights
#     are the times between samples); the total is the folded sample count
#     (collapsed) or that many sampling periods of CPU time (speedscope JSON
#     and cpuprofile, where each sample lasts its period), within 1%
#     (speedscope shows 3 digits);
#   - threads: speedscope JSON lists exactly the three workers' profiles,
#     NAME-PID/TID (and besides at most threads_nofp-PID/TID ones of the main
#     thread or of a worker sampled before it named itself), each >= 98% in
#     its own spin function and with no other worker's; the cpuprofile has a node per worker thread under its root.
#   - off-CPU (offcpu_nofp 4 2 recorded with --wall: each worker computes
#     25 %, sleeps 50 %, waits on a pipe 25 % of its time): --value wall
#     speedscope JSON gives each worker's profile oc_compute / oc_sleep /
#     oc_wait totals within 1.5 points of the shares the worker measured
#     itself (its line in record.out: a busy machine stretches each wait by
#     its wake-up delays) and a total within 5 % of the worker's lifetime
#     (the wait is in the timeline); --value off-cpu gives oc_sleep / oc_wait
#     within 1.5 points of the worker's own sleep / (sleep + wait) and no
#     oc_compute; the off-cpu cpuprofile imports, with oc_sleep and oc_wait
#     and no oc_compute.
# Screenshots of speedscope's time-order view: $ARTIFACT_DIR/speedscope-*.png.
# Skipped (77) only when chromium, node or the npm packages are missing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

: "${BROWSER_DIR:?set BROWSER_DIR to tests/browser}"
: "${ARTIFACT_DIR:?set ARTIFACT_DIR to a directory for screenshots}"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "chromium not found at $CHROMIUM"
command -v node >/dev/null 2>&1 || skip "node not found"
for m in playwright-core speedscope/dist/release/index.html; do
	[ -e "$BROWSER_DIR/node_modules/$m" ] ||
		skip "$BROWSER_DIR/node_modules/$m missing (cd tests/browser && npm ci)"
done
mkdir -p "$ARTIFACT_DIR" || fail "cannot create $ARTIFACT_DIR"

require_workload split_nofp threads_nofp offcpu_nofp
require_perf

record_ok -F 999 -o "$T/split.data" -- "$WORKDIR/split_nofp" 3
report_ok "$T/split.data" "$T/split.folded"
cprof_run ss report -i "$T/split.data" -o "$T/split.speedscope.json"
expect_rc 0 ss "cprof report -o split.speedscope.json"
cprof_run cp report -i "$T/split.data" --format cpuprofile -o "$T/split.cpuprofile"
expect_rc 0 cp "cprof report --format cpuprofile"
assert_text_contains "$T/split.speedscope.json" '"exporter":"cprof ' "speedscope file names its exporter"

record_ok -F 999 -o "$T/threads.data" -- "$WORKDIR/threads_nofp" 3
report_ok "$T/threads.data" "$T/threads.folded"
cprof_run ss report -i "$T/threads.data" -o "$T/threads.speedscope.json"
expect_rc 0 ss "cprof report -o threads.speedscope.json"
cprof_run cp report -i "$T/threads.data" -f cpuprofile -o "$T/threads.cpuprofile"
expect_rc 0 cp "cprof report -f cpuprofile"
FOLDED=$T/split.folded

record_ok --wall -F 999 -o "$T/oc.data" -- "$WORKDIR/offcpu_nofp" 4 2
for v in wall off-cpu; do
	cprof_run ss report -i "$T/oc.data" --value $v -o "$T/oc-$v.speedscope.json"
	expect_rc 0 ss "cprof report --value $v -o oc-$v.speedscope.json"
done
cprof_run cp report -i "$T/oc.data" --value off-cpu -f cpuprofile -o "$T/oc-off-cpu.cpuprofile"
expect_rc 0 cp "cprof report --value off-cpu -f cpuprofile"

files="split.speedscope.json split.cpuprofile split.folded threads.speedscope.json threads.cpuprofile"
files="$files oc-wall.speedscope.json oc-off-cpu.speedscope.json oc-off-cpu.cpuprofile"
note "speedscope.js: loading $files"
# shellcheck disable=SC2046 # one argument per file
NODE_PATH=$BROWSER_DIR/node_modules timeout -k 5 100 node "$(dirname "$0")/speedscope.js" \
	"$ARTIFACT_DIR" $(for f in $files; do echo "$T/$f"; done) >"$T/facts" 2>"$T/facts.err" ||
	fail "speedscope.js failed (exit $?)" "$(head -c 2000 "$T/facts.err")"
note "speedscope parsed: $(grep -c '^row' "$T/facts") table rows, profiles: $(awk -F '\t' '$1 == "profile" { printf "%s ", $3 }' "$T/facts")"

# fact KIND FILE: the third field of the KIND lines of FILE.
fact()
{
	awk -F '\t' -v k="$1" -v f="$2" '$1 == k && $2 == f { print $3 }' "$T/facts"
}

# share FILE PROFILE SYMBOL: SYMBOL's self value as a % of the profile's total
# (its biggest total), as speedscope's sandwich table shows them.
ss_share()
{
	awk -F '\t' -v f="$1" -v p="$2" -v s="$3" '
		$1 == "row" && $2 == f && $3 == p { if ($5 > t) t = $5; if ($4 == s) m += $6 }
		END { printf "%.1f\n", t ? 100 * m / t : 0 }' "$T/facts"
}

# ss_tshare FILE PROFILE SYMBOL: SYMBOL's total as a % of the profile's total.
ss_tshare()
{
	awk -F '\t' -v f="$1" -v p="$2" -v s="$3" '
		$1 == "row" && $2 == f && $3 == p { if ($5 > t) t = $5; if ($4 == s && $5 > m) m = $5 }
		END { printf "%.1f\n", t ? 100 * m / t : 0 }' "$T/facts"
}

# ss_total FILE PROFILE: the profile's total.
ss_total()
{
	awk -F '\t' -v f="$1" -v p="$2" '$1 == "row" && $2 == f && $3 == p && $5 > t { t = $5 }
		END { printf "%.0f\n", t }' "$T/facts"
}

for f in $files; do
	[ -s "$ARTIFACT_DIR/speedscope-$f.png" ] && [ "$(head -c 4 "$ARTIFACT_DIR/speedscope-$f.png" | tail -c 3)" = PNG ] ||
		fail "no screenshot $ARTIFACT_DIR/speedscope-$f.png"
	[ -z "$(fact error "$f")" ] || fail "speedscope reported errors loading $f" "$(fact error "$f")"
done
assert_eq "importer of split.speedscope.json" "$(fact importer split.speedscope.json)" "speedscope json file"
assert_eq "importer of threads.speedscope.json" "$(fact importer threads.speedscope.json)" "speedscope json file"
assert_eq "importer of split.cpuprofile" "$(fact importer split.cpuprofile)" "Chrome CPU Profile"
assert_eq "importer of threads.cpuprofile" "$(fact importer threads.cpuprofile)" "Chrome CPU Profile"
assert_eq "importer of split.folded" "$(fact importer split.folded)" "collapsed stack format"
assert_eq "schema check of split.speedscope.json" "$(fact schema split.speedscope.json)" ok
assert_eq "schema check of threads.speedscope.json" "$(fact schema threads.speedscope.json)" ok

# split: one thread, the three chains' shares, the totals.
prof=$(fact profile split.speedscope.json)
[[ $prof =~ ^split_nofp-[0-9]+/[0-9]+$ ]] || fail "split.speedscope.json profiles: '$prof', want one split_nofp-PID/TID"
n=$(total "$T/split.folded")
for f in split.speedscope.json split.folded split.cpuprofile; do
	p=$(fact profile "$f")
	tol=1
	[ "$f" = split.cpuprofile ] && tol=2
	for w in a:50 b:30 c:20; do
		leaf=split_${w%%:*}_leaf want=${w#*:}
		got=$(ss_share "$f" "$p" "$leaf")
		folded=$(share "$T/split.folded" "$(frame_re "$leaf")")
		assert_between "$f: speedscope's self share of $leaf" "$got" $((want - 3)) $((want + 3))
		assert_between "$f: $leaf's share against folded's $folded" "$got" \
			"$(awk -v a="$folded" -v t=$tol 'BEGIN { print a - t }')" \
			"$(awk -v a="$folded" -v t=$tol 'BEGIN { print a + t }')"
	done
done
got=$(ss_total split.folded split.folded)
assert_between "collapsed stacks: speedscope's total (folded: $n samples)" "$got" \
	"$(awk -v n="$n" 'BEGIN { print n * 0.99 }')" "$(awk -v n="$n" 'BEGIN { print n * 1.01 }')"
got=$(ss_total split.speedscope.json "$prof")
want=$(awk -v n="$n" 'BEGIN { printf "%.0f\n", n * 1e9 / 999 }')
assert_between "speedscope JSON: total ns ($n samples of $((1000000000 / 999)) ns = $want)" "$got" \
	"$(awk -v n="$want" 'BEGIN { print n * 0.99 }')" "$(awk -v n="$want" 'BEGIN { print n * 1.01 }')"
got=$(ss_total split.cpuprofile split.cpuprofile)
assert_between "cpuprofile: split_nofp's total ns (each sample lasts its period: $want)" "$got" \
	"$(awk -v n="$want" 'BEGIN { print n * 0.99 }')" "$(awk -v n="$want" 'BEGIN { print n * 1.01 }')"


# threads: one profile per worker, each its own.
# (the main thread only starts them and sleeps: a sample of it, if any, is its
# own profile; so is a sample of a worker taken before it named itself, under
# the process's name: threads_nofp-PID/TID of the main thread or a worker)
fact profile threads.speedscope.json | sort >"$T/profiles.all"
pid=$(sed -n 's/^[^-]*-[0-9]*-\([0-9]*\)\/.*/\1/p' "$T/profiles.all" | head -n 1)
grep -v "^threads_nofp-$pid/" "$T/profiles.all" >"$T/profiles"
for p in $(grep "^threads_nofp-$pid/" "$T/profiles.all"); do
	[ "${p#*/}" = "$pid" ] || grep -q -- "-$pid/${p#*/}\$" "$T/profiles" ||
		fail "threads.speedscope.json: profile $p is neither the main thread nor a worker" \
			"$(tr '\n' ' ' <"$T/profiles.all")"
done
sed "s|-$pid/[0-9]*\$|-PID/TID|" "$T/profiles" >"$T/profiles.names"
assert_eq "threads.speedscope.json profiles" "$(tr '\n' ' ' <"$T/profiles.names")" \
	"early-1-PID/TID early-2-PID/TID late-3-PID/TID "
while read -r p; do
	fn=$(echo "$p" | sed 's/^\([a-z]*\)-\([0-9]\).*/\1\2/')
	assert_ge "threads.speedscope.json: profile $p in thr_${fn}_spin (%)" \
		"$(ss_share threads.speedscope.json "$p" "thr_${fn}_spin")" 98
	other=$(awk -F '\t' -v p="$p" -v s="thr_${fn}_spin" \
		'$1 == "row" && $2 == "threads.speedscope.json" && $3 == p && $4 ~ /^thr_.*_spin$/ && $4 != s { print $4 }' "$T/facts")
	[ -z "$other" ] || fail "profile $p holds other threads' functions: $other"
done <"$T/profiles"
for name in early-1 early-2 late-3; do
	awk -F '\t' -v n="$name" -v pid="$pid" '$1 == "row" && $2 == "threads.cpuprofile" &&
		index($4, n "-" pid "/") == 1 { f = 1 } END { exit !f }' "$T/facts" ||
		fail "threads.cpuprofile: no node $name-$pid/TID in speedscope's table" \
			"$(awk -F '\t' '$2 == "threads.cpuprofile" { print $4 }' "$T/facts" | head -n 20 | tr '\n' ' ')"
done
note "ok: threads.cpuprofile has a node per worker"

# off-CPU: the wall and off-cpu columns as timelines.
assert_eq "schema check of oc-wall.speedscope.json" "$(fact schema oc-wall.speedscope.json)" ok
assert_eq "importer of oc-off-cpu.cpuprofile" "$(fact importer oc-off-cpu.cpuprofile)" "Chrome CPU Profile"
nworkers=0
for p in $(fact profile oc-wall.speedscope.json | grep '^worker-'); do
	nworkers=$((nworkers + 1))
	# the worker's own measure of oc_F: "worker-N compute C sleep S wait W"
	# (seconds), as a % of C + S + W (wall) or of S + W (off-cpu)
	for w in wall:compute:3 wall:sleep:5 wall:wait:7 off-cpu:sleep:5 off-cpu:wait:7; do
		v=${w%%:*} f=${w#*:} f=${f%:*} col=${w##*:}
		seen=$(awk -v n="${p%-*/*}" -v v="$v" -v c="$col" \
			'$1 == n { t = $5 + $7 + (v == "wall" ? $3 : 0); printf "%.1f\n", t ? 100 * $c / t : -100 }' \
			"$T/record.out")
		[ -n "$seen" ] || fail "no timing line of ${p%-*/*} in the workload's output" "$(cat "$T/record.out")"
		got=$(ss_tshare "oc-$v.speedscope.json" "$p" "oc_$f")
		assert_between "oc-$v.speedscope.json: $p's total share of oc_$f ($got) minus its own measure $seen" \
			"$(awk -v a="$got" -v b="$seen" 'BEGIN { printf "%.1f\n", a - b }')" -1.5 1.5
	done
	# the worker's own line: "worker-N compute C sleep S wait W" (seconds)
	life=$(awk -v n="${p%-*/*}" '$1 == n { printf "%.0f\n", ($3 + $5 + $7) * 1e9 }' "$T/record.out")
	[ -n "$life" ] || fail "no timing line of ${p%-*/*} in the workload's output" "$(cat "$T/record.out")"
	assert_between "oc-wall.speedscope.json: $p's total ns against its lifetime $life" \
		"$(ss_total oc-wall.speedscope.json "$p")" \
		"$(awk -v n="$life" 'BEGIN { print n * 0.95 }')" "$(awk -v n="$life" 'BEGIN { print n * 1.05 }')"
	assert_eq "oc-off-cpu.speedscope.json: $p's oc_compute" \
		"$(ss_tshare oc-off-cpu.speedscope.json "$p" oc_compute)" 0.0
done
assert_eq "worker profiles in oc-wall.speedscope.json" "$nworkers" 2
for f in oc_sleep oc_wait; do
	awk -F '\t' -v f="$f" '$1 == "row" && $2 == "oc-off-cpu.cpuprofile" && $4 == f { ok = 1 }
		END { exit !ok }' "$T/facts" || fail "oc-off-cpu.cpuprofile: no $f in speedscope's table"
done
! awk -F '\t' '$1 == "row" && $2 == "oc-off-cpu.cpuprofile" && $4 == "oc_compute" && $5 > 0 { bad = 1 }
	END { exit !bad }' "$T/facts" || fail "oc-off-cpu.cpuprofile has oc_compute time"
note "ok: wall and off-cpu timelines (speedscope JSON, cpuprofile)"
note "screenshots: $(cd "$ARTIFACT_DIR" && echo speedscope-*.png)"
pass
