#!/bin/sh
# build.sh - build the libFuzzer harnesses: the data file reader and report,
# the perf map, kallsyms and /proc/PID/maps parsers.
#
# Usage: tests/fuzz/build.sh [OUTDIR]      (default: build-fuzz/ at the top)
#
# Compiles src/STAGE/*.c but the commands' src/cmd/ with clang and -fsanitize=fuzzer-no-link,
# address,undefined, links each tests/fuzz/fuzz_NAME.c with -fsanitize=fuzzer
# into OUTDIR/fuzz_NAME (NAME: report perfmap kallsyms maps; a scratch
# corpus directory OUTDIR/corpus-NAME for each), and builds OUTDIR/gen_seeds
# (plain), which writes the synthetic seeds. Needs clang-14 and libclang-rt-14-dev; libiberty.a
# is linked as shipped, without sanitizers. EXTRA_CFLAGS is added to every
# sanitized compile: to fuzz on past a known bug, make its check recoverable
# and suppress it (UBSAN_OPTIONS=halt_on_error=1:suppressions=FILE keeps
# every other report fatal), e.g. EXTRA_CFLAGS=-fsanitize-recover=alignment.
# SRC_DIR builds another copy of src/ (say, with a candidate fix applied).
#
# Examples:
#   tests/fuzz/build.sh
#   build-fuzz/fuzz_report -dict=tests/fuzz/fuzz.dict -jobs=1 -workers=1 \
#       -max_total_time=600 build-fuzz/corpus-report tests/fuzz/corpus </dev/null
#   build-fuzz/fuzz_maps -max_total_time=300 build-fuzz/corpus-maps \
#       tests/fuzz/corpus-maps </dev/null
#   build-fuzz/fuzz_report tests/fuzz/corpus/crash-*     # replay reproducers
#   build-fuzz/gen_seeds tests/fuzz/corpus               # rewrite the seeds
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build-fuzz}
cc=${CC:-clang-14}
iberty=${IBERTY:-/usr/lib/x86_64-linux-gnu/libiberty.a}
src_dir=${SRC_DIR:-$top/src}

common="-std=c11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -I$top/include -I/usr/include"
warn="-Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes"
san="address,undefined"
extra=${EXTRA_CFLAGS:-}
# every harness, fuzz_NAME.c with its seeds in corpus-NAME/ (report: corpus/)
TARGETS="report perfmap kallsyms maps folded pprof jitdump cpython"

rm -rf "$out/obj"
mkdir -p "$out/obj" "$out/proto"
# the pprof messages, generated as the CMake build does
protoc-c --c_out="$out/proto" -I"$top/src/formats/pprof" "$top/src/formats/pprof/profile.proto"
common="$common -I$out/proto"
for src in "$src_dir"/*/*.c "$out/proto/profile.pb-c.c"; do
	name=$(basename "$src" .c)
	# the command layer is not the library's (options, messages, the terminal UI)
	case $src in "$src_dir"/cmd/*) continue ;; esac
	# shellcheck disable=SC2086
	$cc $common $warn -fsanitize=fuzzer-no-link,$san -fno-sanitize-recover=all $extra \
		-c "$src" -o "$out/obj/$name.o"
done
for target in $TARGETS; do
	# shellcheck disable=SC2086
	$cc $common $warn -fsanitize=fuzzer,$san -fno-sanitize-recover=all $extra \
		"$here/fuzz_$target.c" "$here/fuzz_common.c" "$out"/obj/*.o \
		-ldw -lelf "$iberty" -lprotobuf-c -lmicrohttpd -lz -lm -lpthread -o "$out/fuzz_$target"
	mkdir -p "$out/corpus-$target"
done
# shellcheck disable=SC2086
$cc $common $warn "$here/gen_seeds.c" "$src_dir/datafile/datafile.c" "$src_dir/datafile/dfcodec.c" \
	"$src_dir/base/util.c" \
	"$src_dir/base/safefile.c" \
	-o "$out/gen_seeds"
echo "built fuzz_NAME for NAME in $TARGETS, and gen_seeds, in $out"
