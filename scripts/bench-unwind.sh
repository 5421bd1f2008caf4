#!/usr/bin/env bash
# bench-unwind.sh - cprof's libdw unwinder against libunwind's remote API.
#
# Builds cprof's core library (cmake, in $BUILD), bench/unwind-compare.c
# against it, and two target programs written here, both gcc -O2 -g without
# frame pointers:
#   mix   call chains 5 to 30 frames deep: a parser (7 frames), a recursive
#         tree walk of 20 to 30 frames with alloca'd (variable) frames, qsort
#         through libc with a comparator callback, snprintf/strtod inside libc,
#         clock_gettime in the vDSO;
#   deep  a 300-frame recursion (about 20 KiB of stack).
# On each, unwind-compare captures N perf samples (cpu-clock, user regs and
# stack), then unwinds every sample with cprof's unwinder and with libunwind
# (two ways to find the unwind tables, with and without its cache), and
# prints markdown tables: CPU µs/sample, frames/sample, how many reach main,
# agreement with libdw.  -L links another libunwind build instead of the
# system's (docs/unwinder.md says why one would).
#
# Runs in well under two minutes with the defaults. Needs gcc, cmake, libdw,
# libelf, libiberty and libunwind-dev (apt-get install -y libunwind-dev), and
# root or CAP_PERFMON + CAP_SYS_PTRACE.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-/tmp/ubench-build}
SAMPLES=5000
FREQ=999
STACK=32768
WARMUP=2
PASSES=3
EXAMPLES=3
LU_CACHE=0
LIBUNWIND=""
OUT=""
WORK=""
KEEP=0

usage() {
	cat <<EOF
Usage: scripts/bench-unwind.sh [OPTIONS]

Measure cprof's libdw unwinder against libunwind's remote API on the same
samples of two targets (mix: 5-30 frames with libc and vDSO; deep: 300 frames).

Options:
  -n, --samples N      samples per target (default $SAMPLES)
  -F, --freq HZ        sampling frequency (default $FREQ)
  -s, --stack-size B   user stack bytes per sample (default $STACK)
  -w, --warmup N       warm-up passes over the first half of the samples (default $WARMUP)
  -r, --passes N       timed passes per unwinder, median reported (default $PASSES)
  -e, --examples N     disagreements printed per unwinder and target (default $EXAMPLES)
  -c, --lu-cache N     libunwind register-state cache entries (default: its own)
  -L, --libunwind DIR  link against the libunwind installed in DIR (include/, lib/)
                       instead of the system's, e.g. one configured with
                       --disable-block-signals
  -o, --output FILE    also write the report to FILE
  -d, --workdir DIR    build the targets in DIR and keep it
  -h, --help           show this help

Environment:
  BUILD   cmake build directory of cprof's core library (default /tmp/ubench-build)

Examples:
  scripts/bench-unwind.sh
  scripts/bench-unwind.sh -n 2000 -r 5 -o /tmp/unwind.md
  scripts/bench-unwind.sh -L /tmp/libunwind-nosig     # see docs/unwinder.md
EOF
}

die() { echo "bench-unwind: $*" >&2; exit 1; }
note() { echo "bench-unwind: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	-n|--samples) SAMPLES=$2; shift 2 ;;
	-F|--freq) FREQ=$2; shift 2 ;;
	-s|--stack-size) STACK=$2; shift 2 ;;
	-w|--warmup) WARMUP=$2; shift 2 ;;
	-r|--passes) PASSES=$2; shift 2 ;;
	-e|--examples) EXAMPLES=$2; shift 2 ;;
	-c|--lu-cache) LU_CACHE=$2; shift 2 ;;
	-L|--libunwind) LIBUNWIND=$2; shift 2 ;;
	-o|--output) OUT=$2; shift 2 ;;
	-d|--workdir) WORK=$2; KEEP=1; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in "$SAMPLES" "$FREQ" "$STACK" "$WARMUP" "$PASSES"; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: '$v'"
done
[[ "$EXAMPLES" =~ ^[0-9]+$ ]] || die "not a number: '$EXAMPLES'"
[[ "$LU_CACHE" =~ ^[0-9]+$ ]] || die "not a number: '$LU_CACHE'"

command -v gcc >/dev/null || die "gcc not found"
command -v cmake >/dev/null || die "cmake not found"
if [ -n "$LIBUNWIND" ]; then
	LIBUNWIND=$(cd "$LIBUNWIND" && pwd) || die "no directory '$LIBUNWIND'"
	[ -f "$LIBUNWIND/include/libunwind-ptrace.h" ] && [ -d "$LIBUNWIND/lib" ] ||
		die "$LIBUNWIND has no include/libunwind-ptrace.h and lib/"
	LU_FLAGS=(-I "$LIBUNWIND/include" -L "$LIBUNWIND/lib" -Wl,-rpath,"$LIBUNWIND/lib")
	LU_VERSION="$(sed -n 's/^Version: *//p' "$LIBUNWIND/lib/pkgconfig/libunwind.pc" 2>/dev/null) from $LIBUNWIND"
else
	[ -f /usr/include/x86_64-linux-gnu/libunwind-ptrace.h ] || [ -f /usr/include/libunwind-ptrace.h ] ||
		die "libunwind-ptrace.h not found: apt-get install -y libunwind-dev"
	LU_FLAGS=()
	LU_VERSION="$(dpkg-query -W -f='${Version}' libunwind8 2>/dev/null || echo '?') (system)"
fi

if [ -z "$WORK" ]; then
	WORK=$(mktemp -d /tmp/bench-unwind.XXXXXX)
else
	mkdir -p "$WORK"
	WORK=$(cd "$WORK" && pwd)
fi
cleanup() {
	if [ "$KEEP" = 1 ]; then note "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
START=$(date +%s)

# ---- build ------------------------------------------------------------------

note "building cprof's core library in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DBUILD_TESTING=OFF >/dev/null || die "cmake configure failed"
cmake --build "$BUILD" -j"$(nproc)" --target cprof_record >/dev/null || die "cmake build failed"
IBERTY=/usr/lib/x86_64-linux-gnu/libiberty.a
[ -f "$IBERTY" ] || IBERTY=-liberty

gcc -std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	"${LU_FLAGS[@]}" -I "$ROOT/include" -o "$WORK/unwind-compare" "$ROOT/bench/unwind-compare.c" \
	-Wl,--start-group "$BUILD"/libcprof_*.a -Wl,--end-group -ldw -lelf "$IBERTY" \
	-lunwind-ptrace -lunwind-generic -lunwind ||
	die "cannot build bench/unwind-compare.c"

cat >"$WORK/ubench-mix.c" <<'EOF'
/* Call chains 5 to 30 frames deep, some through libc and the vDSO. */
#include <alloca.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOT __attribute__((noinline, noipa))

static volatile unsigned long sink;

HOT static unsigned long spin(unsigned long x, int n)
{
	while (n--)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

/* a parser: main > parse_file > parse_block > parse_stmt > parse_expr > lex_token > hash_bytes */
HOT static unsigned long hash_bytes(const char *s, size_t n)
{
	unsigned long h = 1469598103934665603ULL;
	int round;

	for (round = 0; round < 40; round++)
		for (size_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}
HOT static unsigned long lex_token(const char *s) { return hash_bytes(s, strlen(s)) + 1; }
HOT static unsigned long parse_expr(const char *s) { return lex_token(s) * 3; }
HOT static unsigned long parse_stmt(const char *s) { return parse_expr(s) ^ 7; }
HOT static unsigned long parse_block(const char *s)
{
	unsigned long r = 0;

	for (int i = 0; i < 4; i++)
		r += parse_stmt(s + i);
	return r;
}
HOT static unsigned long parse_file(void)
{
	static const char text[] = "let x = frobnicate(y, 42) + z * 7; return x;";
	unsigned long r = 0;

	for (int i = 0; i < 150; i++)
		r += parse_block(text + (i & 7));
	return r;
}

/* a tree walk 20 to 30 deep; alloca makes gcc keep a frame pointer in visit */
HOT static unsigned long visit(int depth)
{
	volatile char *scratch = alloca(16 + (depth & 7) * 16);

	scratch[0] = (char)depth;
	if (!depth)
		return spin(scratch[0], 3000);
	return visit(depth - 1) + scratch[0];
}
HOT static unsigned long walk_tree(void)
{
	unsigned long r = 0;

	for (int round = 0; round < 12; round++)
		for (int d = 20; d <= 30; d++)
			r += visit(d);
	return r;
}

/* qsort through libc with a comparator callback */
struct rec { unsigned long key; char name[24]; };
HOT static unsigned long key_of(const struct rec *r) { return spin(r->key, 8); }
HOT static int cmp_rec(const void *a, const void *b)
{
	unsigned long x = key_of(a), y = key_of(b);

	return (x > y) - (x < y);
}
HOT static unsigned long sort_batch(void)
{
	static struct rec recs[3000];
	unsigned long x = sink;

	for (int i = 0; i < 3000; i++)
		recs[i].key = x = spin(x, 1);
	qsort(recs, 3000, sizeof(recs[0]), cmp_rec);
	return recs[0].key;
}

/* libc's own deep internals: printf and strtod */
HOT static unsigned long format_numbers(void)
{
	char buf[64];
	unsigned long r = 0;

	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "%.6f %d", i * 1.37, i);
		r += (unsigned long)strtod(buf, NULL);
	}
	return r;
}

/* the vDSO */
HOT static unsigned long read_clock(void)
{
	struct timespec ts;
	unsigned long r = 0;

	for (int i = 0; i < 20000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r += (unsigned long)ts.tv_nsec;
	}
	return r;
}

int main(void)
{
	for (;;) {
		sink += parse_file();
		sink += walk_tree();
		sink += sort_batch();
		sink += format_numbers();
		sink += read_clock();
	}
}
EOF

cat >"$WORK/ubench-deep.c" <<'EOF'
/* A 300-frame recursion: main > deep_down x300 > deep_bottom. */
#define HOT __attribute__((noinline, noipa))
#define DEPTH 300

static volatile unsigned long sink;

HOT static unsigned long spin(unsigned long x, int n)
{
	while (n--)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}
HOT static unsigned long deep_bottom(unsigned long x) { return spin(x, 200000); }
HOT static unsigned long deep_down(int level, unsigned long x)
{
	volatile char pad[24];

	pad[0] = (char)level;
	x = spin(x, 200);
	x = level ? deep_down(level - 1, x) : deep_bottom(x);
	return x + pad[0];
}

int main(void)
{
	for (;;)
		sink += deep_down(DEPTH - 1, sink);
}
EOF

for t in mix deep; do
	gcc -O2 -g -fomit-frame-pointer -o "$WORK/ubench-$t" "$WORK/ubench-$t.c" ||
		die "cannot build the $t target"
done

# ---- run --------------------------------------------------------------------

REPORT=$WORK/report.md
{
	echo "## unwind-compare, $(date -u +%Y-%m-%d)"
	echo
	echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs, Linux $(uname -r)"
	echo "- $(gcc --version | head -1); elfutils libdw $(dpkg-query -W -f='${Version}' libdw1 2>/dev/null || echo '?'); libunwind $LU_VERSION"
	echo "- $SAMPLES samples per target at $FREQ Hz, $STACK-byte stack copies; CPU time of the unwinding thread, µs per sample:"
	echo "  *cold*: setup and a first pass over the first half of the samples; *unseen*: after $WARMUP passes over the first half, one over the second;"
	echo "  *median*: of $PASSES passes over all samples, seen before"
	echo "- libunwind cache: $( [ "$LU_CACHE" = 0 ] && echo "default size" || echo "$LU_CACHE entries")"
	echo
} >"$REPORT"

for t in mix deep; do
	note "sampling and unwinding the $t target"
	"$WORK/unwind-compare" -n "$SAMPLES" -F "$FREQ" -s "$STACK" -w "$WARMUP" -r "$PASSES" \
		-e "$EXAMPLES" -c "$LU_CACHE" -l "$t (ubench-$t)" -- "$WORK/ubench-$t" >>"$REPORT" ||
		die "unwind-compare failed on the $t target"
done

cat "$REPORT"
[ -z "$OUT" ] || cp "$REPORT" "$OUT"
note "done in $(( $(date +%s) - START )) s"
