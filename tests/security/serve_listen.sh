#!/bin/bash
# cprof serve: who may ask, and where it listens (issue 23).
#   - --listen unix:PATH makes a socket of mode 0600 that serves the index
#     and a profile (curl --unix-socket) and is removed at SIGTERM; a
#     socket left by a killed server is replaced, one a server listens on
#     is not; a regular file, a directory or a symbolic link at PATH is
#     refused with exit status 1 and left as it was (the link not
#     followed);
#   - a --token-file others may read or write, the group may write, or
#     that is not ours is refused with one line and exit status 2; a 0640
#     file of ours is taken;
#   - a TCP address in use is refused with exit status 1, naming the
#     address and suggesting --listen.
# shellcheck source=tests/security/lib.sh
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
require_workload split_nofp
require_perf
CMD_TIMEOUT=10 # a refusal is at once; a server that starts instead is a failure

start_bg WL "$WORKDIR/split_nofp" 60
SOCK=$T/cprof.sock

# serving NAME: wait until cprof serve said (in $T/NAME.err) where it listens.
serving()
{
	wait_for 10 grep -q 'serving ' "$T/$1.err" ||
		fail "cprof serve did not start" "$(cat "$T/$1.err")"
}

# ucode NAME URL: the HTTP status of URL through $SOCK, body in $T/NAME.
ucode()
{
	curl -s -m 30 --unix-socket "$SOCK" -o "$T/$1" -w '%{http_code}' "$2"
}

# --- a Unix socket
start_bg SRV "$CPROF" serve -p "$WL" --listen "unix:$SOCK" 2>"$T/unix.err"
serving unix
assert_text_contains "$T/unix.err" "serving 1 process on unix:$SOCK" "it says where it listens"
assert_eq "type and mode of the socket" "$(stat -c '%F %a' "$SOCK")" "socket 600"
assert_eq "index through the socket" "$(ucode index http://localhost/debug/pprof/)" 200
assert_text_contains "$T/index" "$WL running" "the index names the target"
assert_eq "a profile through the socket" \
	"$(ucode folded 'http://localhost/debug/pprof/profile?seconds=1&format=folded')" 200
grep -q ';split_a_leaf ' "$T/folded" || fail "no split_a_leaf in the profile" "$(head -5 "$T/folded")"

check_exit busy 1 "in use" serve -p "$WL" --listen "unix:$SOCK"
assert_eq "index after a second server was refused the socket" \
	"$(ucode index2 http://localhost/debug/pprof/)" 200
kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"
assert_eq "exit code after SIGTERM" "$RC" 0
[ -e "$SOCK" ] && fail "the socket is still there after SIGTERM"
note "ok: the socket was removed at SIGTERM"

# a socket left behind by a server that was killed is replaced
start_bg SRV "$CPROF" serve -p "$WL" --listen "unix:$SOCK" 2>"$T/unix2.err"
serving unix2
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
[ -S "$SOCK" ] || fail "a SIGKILLed server left no socket (the test needs one)"
start_bg SRV "$CPROF" serve -p "$WL" --listen "unix:$SOCK" 2>"$T/unix3.err"
serving unix3
assert_eq "index through a replaced stale socket" "$(ucode index3 http://localhost/debug/pprof/)" 200
kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"

# what is not a socket is not replaced; a link is not followed
printf 'precious\n' >"$T/file"
check_exit file 1 "not a socket" serve -p "$WL" --listen "unix:$T/file"
assert_eq "the file at the path" "$(cat "$T/file")" precious
mkdir "$T/dir"
check_exit dir 1 "not a socket" serve -p "$WL" --listen "unix:$T/dir"
[ -d "$T/dir" ] || fail "the directory at the path is gone"
ln -s "$T/file" "$T/link"
ln -s "$T/nowhere" "$T/dangling"
for l in link dangling; do
	check_exit "$l" 1 "symbolic link" serve -p "$WL" --listen "unix:$T/$l"
	[ -L "$T/$l" ] || fail "the link $l was replaced"
done
assert_eq "the file behind the link" "$(cat "$T/file")" precious
[ -e "$T/nowhere" ] && fail "something was made where the dangling link points"
note "ok: nothing at the links' targets changed"

# --- the token file
printf 'sekrit\n' >"$T/token"
for mode in 644 604 602 620; do
	chmod "$mode" "$T/token"
	check_exit "tok$mode" 2 "refused" serve -p "$WL" --listen 127.0.0.1:0 --token-file "$T/token"
	assert_eq "lines of the refusal of a token file of mode $mode" "$(wc -l <"$T/tok$mode.err")" 1
	assert_text_contains "$T/tok$mode.err" "0$mode" "the refusal gives the mode"
done
if [ "$(id -u)" = 0 ]; then
	chmod 600 "$T/token"
	chown 65534 "$T/token"
	check_exit tokown 2 "belongs to uid 65534" serve -p "$WL" --listen 127.0.0.1:0 \
		--token-file "$T/token"
	chown 0 "$T/token"
else
	note "not root: a token file of another user is not tried"
fi
chmod 640 "$T/token"
start_bg SRV "$CPROF" serve -p "$WL" --listen 127.0.0.1:0 --token-file "$T/token" 2>"$T/tok.err"
serving tok
PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$T/tok.err")
assert_eq "index with the token of a 0640 file" \
	"$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit' \
		"http://127.0.0.1:$PORT/debug/pprof/")" 200

# --- an address in use (the server above holds PORT)
check_exit inuse 1 "127.0.0.1:$PORT" serve -p "$WL" --listen "127.0.0.1:$PORT"
assert_text_contains "$T/inuse.err" "in use" "the refusal says the address is in use"
assert_text_contains "$T/inuse.err" "--listen" "the refusal suggests --listen"
kill -TERM "$SRV"
wait_exit "$SRV" 10 "cprof serve after SIGTERM"
pass
