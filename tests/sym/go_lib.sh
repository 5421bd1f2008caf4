# go_lib.sh - building the Go fixtures of tests/sym, sourced after lib.sh.
#
#	go_build OUT SRC [GO BUILD FLAGS...]
# builds $SYMSRC/SRC into $T/OUT with the go found on PATH, offline and
# apart from the user's caches and modules; no go is a failure (the tests
# are on the list of what must run).

go_build()
{
	local out=$1 src=$2 go

	shift 2
	go=$(command -v go) || fail "go not found (scripts/install-deps.sh installs golang-go)"
	mkdir -p "$T/gosrc-$out" && cp "$SYMSRC/$src" "$T/gosrc-$out/main.go" ||
		fail "cannot copy $src"
	(cd "$T/gosrc-$out" &&
		GOCACHE=$T/gocache GOPATH=$T/gopath GOFLAGS= GO111MODULE=off GOPROXY=off \
		GOTOOLCHAIN=local "$go" build "$@" -o "$T/$out" main.go) ||
		fail "cannot build the Go fixture $src"
}
