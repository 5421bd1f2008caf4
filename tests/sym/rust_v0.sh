#!/bin/bash
# A Rust program mangled with the v0 scheme shows demangled
# module::Type<T>::method names.
. "$(dirname "$0")/../e2e/lib.sh"
require_perf

command -v "${RUSTC:-rustc}" >/dev/null || fail "rustc not found (scripts/install-deps.sh installs it)"
"${RUSTC:-rustc}" -O -g -C symbol-mangling-version=v0 -o "$T/rust_v0" "$SYMSRC/rust_v0.rs" ||
	fail "cannot build the Rust fixture"
nm "$T/rust_v0" | grep -q ' _R.*checksum' || fail "the fixture has no v0-mangled checksum symbol"

record_ok -F 999 -o "$T/d" -- "$T/rust_v0" 2
report_ok "$T/d" "$T/folded"
assert_between "share in Grid<u32>::checksum under main" \
	"$(share "$T/folded" "$(ancestor_re 'rust_v0::main' '<rust_v0::shapes::Grid<u32>>::checksum')")" 90 100
assert_not_contains "$T/folded" '(^|;)_[RZ]' "mangled Rust names"
pass
