#!/bin/sh
# Install dependencies, build cprof with warnings as errors, run every test.
#
# Usage: scripts/test.sh [--sanitize] [CTEST-ARGS...]
#
# CPROF_REQUIRE_PERF=1 makes a refused perf_event_open a failure, not a skip.
# A test that skips fails the run unless tests/allowed-skips.txt names it
# with a reason. --sanitize then also builds build-san with ASan+UBSan
# (CPROF_SANITIZE) and runs there the unit tests, the fuzz corpus replays
# and the end-to-end tests that SAN_TESTS names, with any sanitizer report
# fatal. CTEST-ARGS (e.g. -R unit_) go to both ctest runs.
#
# Examples:
#   scripts/test.sh
#   scripts/test.sh -R 'e2e\.' --repeat until-fail:3
#   CPROF_REQUIRE_PERF=1 scripts/test.sh --sanitize     # what .ci/run does
set -eu
cd "$(dirname "$0")/.."

SAN_TESTS='^unit_|^fuzz\.|^e2e\.(dwarf_split|errors|errors_perf|interrupted|output_files)$|^sym\.(cxx_inline|container)$|^security\.(serve_requests|serve_listen|serve_slow_clients|terminal_escapes|cache_owner)$'

sanitize=0
if [ "${1:-}" = --sanitize ]; then
	sanitize=1
	shift
fi

# check_skips JUNIT: fail if a test of ctest's JUnit report did not run and
# is not in tests/allowed-skips.txt with a reason.
check_skips()
{
	allowed=tests/allowed-skips.txt
	bad=$(awk '!/^#/ && NF == 1 { print "    " $1 " (no reason given)" }' "$allowed")
	[ -z "$bad" ] || { printf 'test.sh: %s lists skips without a reason:\n%s\n' "$allowed" "$bad"; return 1; }
	skipped=$(sed -n 's/.*<testcase name="\([^"]*\)".* status="\(notrun\|disabled\)".*/\1/p' "$1")
	bad=
	for t in $skipped; do
		reason=$(awk -v t="$t" '$1 == t { $1 = ""; sub(/^ +/, ""); print; exit }' "$allowed")
		if [ -n "$reason" ]; then
			echo "test.sh: $t skipped, allowed: $reason"
		else
			bad="$bad $t"
		fi
	done
	[ -z "$bad" ] && return 0
	echo "test.sh: FAILED: tests skipped that are not in $allowed:$bad"
	return 1
}

# run_ctest DIR ARGS...: run ctest in DIR, then check its skips.
run_ctest()
{
	dir=$1
	shift
	rc=0
	rm -f "$dir/junit.xml"
	ctest --test-dir "$dir" --output-on-failure -j1 --output-junit junit.xml "$@" || rc=$?
	check_skips "$dir/junit.xml" || rc=1
	return "$rc"
}

sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPROF_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
run_ctest build "$@"
[ "$sanitize" = 1 ] || exit 0

cmake -S . -B build-san -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPROF_WERROR=ON \
	-DCPROF_SANITIZE=ON >/dev/null
cmake --build build-san -j"$(nproc)"
# ASan's default exit code 1 would read as cprof's "runtime failure": 86 is
# neither a cprof exit code nor a signal's. UBSan halts at its first report.
export ASAN_OPTIONS=exitcode=86:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=exitcode=86:halt_on_error=1:print_stacktrace=1
echo "test.sh: sanitizer build: tests matching $SAN_TESTS"
run_ctest build-san -R "$SAN_TESTS" "$@"
