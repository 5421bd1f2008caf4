#!/bin/bash
# Java without the user running jcmd: a launched JVM writes its perf map as
# it exits (cprof adds -XX:+DumpPerfMapAtExit to JAVA_TOOL_OPTIONS), an
# attached one is asked for it (jcmd PID Compiler.perfmap) when the
# recording ends; either way the compiled hot method is named.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf
command -v javac >/dev/null || fail "javac not found (scripts/install-deps.sh installs default-jdk-headless)"
javac -d "$T" "$SYMSRC/Hot.java" || fail "javac failed"

# a fixed number of hotLoop calls (~2 CPU seconds), against the JVM's fixed
# start-up: the share does not shrink when a busy machine slows the program
record_ok -F 999 -o "$T/launched" -- java -cp "$T" Hot -n 2000
report_ok "$T/launched" "$T/launched.folded"
assert_between "launched: share in Hot.hotLoop" "$(share "$T/launched.folded" 'Hot\.hotLoop')" 50 100

# attached: the JVM keeps running past the recording, so jcmd is asked
# (Hot prints "hot" once it has called hotLoop 100 times: past start-up)
java -cp "$T" Hot 30 >"$T/hot.attached" &
jpid=$!
BG_PIDS="$BG_PIDS $jpid"
wait_for 20 grep -qx hot "$T/hot.attached" || fail "Hot did not reach hotLoop within 20 s"
record_ok -F 999 -d 2 -o "$T/attached" -p "$jpid"
report_ok "$T/attached" "$T/attached.folded"
assert_between "attached: share in Hot.hotLoop" "$(share "$T/attached.folded" 'Hot\.hotLoop')" 50 100
kill "$jpid" 2>/dev/null

# --no-jit-support: nothing asked, nothing changed, no Java names
java -cp "$T" Hot 30 >"$T/hot.off" &
jpid=$!
BG_PIDS="$BG_PIDS $jpid"
wait_for 20 grep -qx hot "$T/hot.off" || fail "Hot did not reach hotLoop within 20 s"
record_ok -F 999 -d 1 -o "$T/off" --no-jit-support -p "$jpid"
kill "$jpid" 2>/dev/null
report_ok "$T/off" "$T/off.folded"
assert_eq "samples named Hot.hotLoop with --no-jit-support" "$(count "$T/off.folded" 'Hot\.hotLoop')" 0
pass
