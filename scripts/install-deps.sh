#!/bin/sh
# Install what cprof needs to build and test on Debian 12 (run as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential cmake pkg-config \
	libelf-dev libdw-dev libiberty-dev zlib1g-dev liblzma-dev \
	libcmocka-dev elfutils binutils xz-utils time debuginfod linux-perf perl procps \
	protobuf-c-compiler libprotobuf-c-dev libncurses-dev libmicrohttpd-dev tmux >/dev/null
# Real clients of the output formats, for the tests: go tool pprof, xmllint,
# headless Chromium (driven by playwright-core, with speedscope's importer).
apt-get install -y -qq --no-install-recommends golang-go libxml2-utils chromium >/dev/null
# Language toolchains for the symbolizer's end-to-end tests: use the ones
# the machine has, else Debian's.
command -v rustc >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends rustc >/dev/null
command -v javac >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends default-jdk-headless >/dev/null
command -v node >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends nodejs >/dev/null
command -v npm >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends npm >/dev/null
(cd "$(dirname "$0")/../tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "cprof: dependencies installed"
