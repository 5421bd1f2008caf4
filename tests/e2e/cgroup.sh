#!/bin/bash
# cgroup.sh - record -a --cgroup PATH (perf's -G): only the processes of one
# cgroup are sampled.
#
# The test makes two cgroups (cgroup v2, where it is mounted) and starts a
# copy of split_nofp in each, under a name of its own, moved into its cgroup
# before its exec. Then:
#   record -a --cgroup A (its directory)     A's copy alone, its three chains
#   record -a --cgroup NAME (relative to the mount, when that is
#     /sys/fs/cgroup or /sys/fs/cgroup/unified)    the same for B
#   --cgroup of a directory that is no cgroup, --cgroup without -a: exit 2
#
# Needs CPU-wide events (as e2e.host) and a cgroup v2 mount where this user
# can make cgroups and move processes: root, or a delegated subtree. Without
# them the test skips (tests/allowed-skips.txt).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_workload split_nofp
require_perf

cprof_run notcg record -a --cgroup "$T" -d 1 -o "$T/notcg.data"
expect_rc 2 notcg "--cgroup of a directory that is no cgroup"
assert_text_contains "$T/notcg.err" "no such cgroup" "the refusal says why"
cprof_run noall record --cgroup / -d 1 -o "$T/noall.data" -- true
expect_rc 2 noall "--cgroup without -a"
require_all_cpus

mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$mnt" ] || skip "no cgroup v2 file system is mounted"
id=$(printf '%05d' $((RANDOM % 100000)))
CGA=$mnt/cprof-test-a$id CGB=$mnt/cprof-test-b$id
mkdir "$CGA" 2>"$T/mkdir.err" || skip "cannot make a cgroup under $mnt: $(cat "$T/mkdir.err")"
mkdir "$CGB" 2>"$T/mkdir.err" || { rmdir "$CGA"; skip "cannot make a second cgroup: $(cat "$T/mkdir.err")"; }

# the cgroups go once their processes have (a cgroup with a process cannot be removed)
cg_cleanup() { cgroups_remove "$CGA" "$CGB"; }
trap 'cg_cleanup; _lib_cleanup' EXIT

A=cga$id B=cgb$id
cp "$WORKDIR/split_nofp" "$T/$A" && cp "$WORKDIR/split_nofp" "$T/$B" ||
	fail "cannot copy the workload into $T"
# PROG 60 run from inside its cgroup (sh moves itself there, then execs PROG)
in_cgroup='echo $$ >"$1/cgroup.procs" && exec "$2" 60'
start_bg a sh -c "$in_cgroup" sh "$CGA" "$T/$A"
start_bg b sh -c "$in_cgroup" sh "$CGB" "$T/$B"
both_running() { exe_is "$a" "$(readlink -f "$T/$A")" && exe_is "$b" "$(readlink -f "$T/$B")"; }
wait_for 10 both_running || fail "$A and $B did not start within 10 s (moved into their cgroups?)"
assert_eq "$A's cgroup" "$(grep '^0::' "/proc/$a/cgroup")" "0::/${CGA#"$mnt"/}"
assert_eq "$B's cgroup" "$(grep '^0::' "/proc/$b/cgroup")" "0::/${CGB#"$mnt"/}"

a_re=$(chain_re main split_a_outer split_a_leaf)
b_re=$(chain_re main split_b_outer split_b_mid split_b_leaf)
c_re=$(chain_re main split_c_outer split_c_leaf)

# only_one NAME DATA PID: DATA's samples are PID's alone (NAME-PID), with split's chains
only_one()
{
	report_ok "$2" "$T/$1.folded" --per-pid
	assert_eq "processes of record -a --cgroup ($1)" "$(first_frames "$T/$1.folded" . | tr '\n' ' ')" \
		"$1-$3 "
	assert_ge "$1: samples" "$(total "$T/$1.folded")" 50
	for re in "$a_re" "$b_re" "$c_re"; do
		assert_contains "$T/$1.folded" "$re" "$1: chain /$re/"
	done
}

cprof_run ra record -a --cgroup "$CGA" -F 999 -d 2 -o "$T/a.data"
expect_rc 0 ra "cprof record -a --cgroup $CGA"
note "record stderr: $(cat "$T/ra.err")"
only_one "$A" "$T/a.data" "$a"

case $mnt in
/sys/fs/cgroup | /sys/fs/cgroup/unified) rel=${CGB#"$mnt"/} ;;
*) rel=$CGB ;; # not where a relative name is looked for
esac
cprof_run rb record -a --cgroup "$rel" -F 999 -d 2 -o "$T/b.data"
expect_rc 0 rb "cprof record -a --cgroup $rel"
only_one "$B" "$T/b.data" "$b"
pass
