#!/bin/sh
# The stress job: every end-to-end, view and symbolizer test (the ones that
# profile real programs through the kernel) three times in a row, each
# failing on its first failure (ctest --repeat until-fail:3), through
# scripts/test.sh (so skips are checked as in the test command). Prints how
# long it took. .ci/run runs it after the test command.
#
# Usage: scripts/stress.sh [CTEST-ARGS...]
#   scripts/stress.sh -R 'views\.top'     # only some of them
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
rc=0
./scripts/test.sh -L 'e2e|views|sym' --repeat until-fail:3 "$@" || rc=$?
echo "stress.sh: e2e, views and sym tests 3 times each in $(($(date +%s) - start)) s (exit $rc)"
exit "$rc"
