#!/bin/bash
# container.sh - the container of a process (record -a, serve -a): read
# from /proc/PID/cgroup, a pprof sample label, report --container and
# serve's ?container= (a prefix of the id, or a systemd unit's name).
#
# The test makes two cgroups (cgroup v2) named as docker and systemd name
# theirs: SLICE/system.slice/docker-<64 hex>.scope and
# SLICE/cprof-test-uNNNNN.service, and starts a copy of split_nofp in each
# (moved there before its exec) and a third left where the test runs. Then:
#   record -a: go tool pprof -tags of its pprof labels the docker copy's
#     samples container=<the 64 hex>, the unit's container=<unit>, the
#     third's neither
#   report --container <first 12 hex> --per-pid   the docker copy alone
#   report --container <unit>                      the unit's copy alone
#   serve -a, profile?container=<first 12 hex>     the docker copy alone
#
# Needs what e2e.cgroup needs (CPU-wide events, a cgroup v2 mount where
# this user can make cgroups): without them it skips (tests/allowed-skips.txt).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload split_nofp
require_perf
command -v go >/dev/null || fail "go not found (scripts/install-deps.sh installs golang-go)"
command -v curl >/dev/null || fail "curl not found"
require_all_cpus

mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$mnt" ] || skip "no cgroup v2 file system is mounted"
id=$(printf '%05d' $((RANDOM % 100000)))
hex=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
[ ${#hex} = 64 ] || fail "no 64 hex digits from /dev/urandom: '$hex'"
UNIT=cprof-test-u$id.service
made_slice=
[ -d "$mnt/system.slice" ] || { mkdir "$mnt/system.slice" 2>"$T/mkdir.err" && made_slice=1; } ||
	skip "cannot make a cgroup under $mnt: $(cat "$T/mkdir.err")"
CGD=$mnt/system.slice/docker-$hex.scope CGU=$mnt/$UNIT
mkdir "$CGD" 2>"$T/mkdir.err" || skip "cannot make a cgroup under $mnt: $(cat "$T/mkdir.err")"
mkdir "$CGU" 2>"$T/mkdir.err" || { rmdir "$CGD"; skip "cannot make a second cgroup: $(cat "$T/mkdir.err")"; }

# the cgroups go once their processes have (a cgroup with a process cannot be removed)
# shellcheck disable=SC2317 # called by the trap
ct_cleanup()
{
	cgroups_remove "$CGD" "$CGU"
	[ -z "$made_slice" ] || rmdir "$mnt/system.slice" 2>/dev/null
}
trap 'ct_cleanup; _lib_cleanup' EXIT

D=ctrd$id U=unit$id O=outs$id
for n in $D $U $O; do
	cp "$WORKDIR/split_nofp" "$T/$n" || fail "cannot copy the workload into $T"
done
in_cgroup='echo $$ >"$1/cgroup.procs" && exec "$2" 60'
start_bg d sh -c "$in_cgroup" sh "$CGD" "$T/$D"
start_bg u sh -c "$in_cgroup" sh "$CGU" "$T/$U"
start_bg o "$T/$O" 60
all_running()
{
	exe_is "$d" "$(readlink -f "$T/$D")" && exe_is "$u" "$(readlink -f "$T/$U")" &&
		exe_is "$o" "$(readlink -f "$T/$O")"
}
wait_for 10 all_running || fail "$D, $U and $O did not start within 10 s (moved into their cgroups?)"
assert_eq "$D's cgroup" "$(grep '^0::' "/proc/$d/cgroup")" "0::/${CGD#"$mnt"/}"
note "$D $d (docker-like scope), $U $u ($UNIT), $O $o ($(grep '^0::' "/proc/$o/cgroup"))"

mkdir -p "$T/home" "$T/gocache"
# gopprof NAME.VIEW [ARGS]: go tool pprof -VIEW ARGS of $T/NAME, into $T/NAME.VIEW.
gopprof()
{
	local f=$1

	shift
	HOME=$T/home GOCACHE=$T/gocache timeout -k 5 60 go tool pprof -symbolize=none \
		"-${f##*.}" "$@" "$T/${f%.*}" >"$T/$f" 2>"$T/$f.err" ||
		fail "go tool pprof -${f##*.} of ${f%.*} failed" "$(head -c 1500 "$T/$f.err")"
}
# tags FILE KEY: the values of tag KEY in go tool pprof -tags output, one a line.
tags()
{
	awk -v k="$2:" '/^ [a-z]+: Total/ { on = ($1 == k); next } on && NF { print $NF }' "$1" |
		sort -u
}

cprof_run rec record -a -F 999 -d 2 -o "$T/all.data"
expect_rc 0 rec "cprof record -a"
note "record stderr: $(head -c 600 "$T/rec.err")"

# container labels per process: report --pid P -f pprof, its -tags
for p in "$d:$hex" "$u:$UNIT" "$o:"; do
	pid=${p%%:*} want=${p#*:}
	cprof_run "pp$pid" report -i "$T/all.data" --pid "$pid" -f pprof -o "$T/p$pid.pb.gz"
	expect_rc 0 "pp$pid" "cprof report --pid $pid -f pprof"
	gopprof "p$pid.pb.gz.tags"
	got=$(tags "$T/p$pid.pb.gz.tags" container | tr '\n' ' ')
	if [ -n "$want" ]; then
		assert_eq "container label of pid $pid" "$got" "$want "
	else
		assert_not_contains "$T/p$pid.pb.gz.tags" "$hex" "pid $pid: no docker id"
		assert_not_contains "$T/p$pid.pb.gz.tags" "$UNIT" "pid $pid: no unit"
	fi
done
assert_eq "pid labels of the docker copy" "$(tags "$T/p$d.pb.gz.tags" pid | tr '\n' ' ')" "$d "

# --container: a prefix of the id, a unit's name
report_ok "$T/all.data" "$T/d.folded" --container "${hex:0:12}" --per-pid
assert_eq "processes of --container ${hex:0:12}" "$(first_frames "$T/d.folded" . | tr '\n' ' ')" "$D-$d "
assert_ge "--container ${hex:0:12}: samples" "$(total "$T/d.folded")" 50
report_ok "$T/all.data" "$T/u.folded" --container "$UNIT" --per-pid
assert_eq "processes of --container $UNIT" "$(first_frames "$T/u.folded" . | tr '\n' ' ')" "$U-$u "

# serve -a, ?container=
start_bg srv "$CPROF" serve -a -F 999 --listen 127.0.0.1:0 2>"$T/serve.err"
wait_for 10 grep -q 'serving every process on http://127.0.0.1:[0-9]*/debug/pprof/' \
	"$T/serve.err" || fail "cprof serve -a did not say where it listens" "$(cat "$T/serve.err")"
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")
url="http://127.0.0.1:$port/debug/pprof/profile?seconds=2&container=${hex:0:12}"
assert_eq "status of ?container=" "$(curl -s -m 30 -o "$T/s.pb.gz" -w '%{http_code}' "$url")" 200
gopprof s.pb.gz.tags
assert_eq "pid labels of ?container=${hex:0:12}" "$(tags "$T/s.pb.gz.tags" pid | tr '\n' ' ')" "$d "
assert_eq "container labels of ?container=" "$(tags "$T/s.pb.gz.tags" container | tr '\n' ' ')" "$hex "
assert_eq "status of an empty ?container=" \
	"$(curl -s -m 30 -o "$T/bad" -w '%{http_code}' "${url%=*}=")" 400
pass
