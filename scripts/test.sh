#!/bin/sh
# Install dependencies, build cprof with warnings as errors, run every test.
# CPROF_REQUIRE_PERF=1 makes a refused perf_event_open a failure, not a skip.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPROF_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j1 "$@"
