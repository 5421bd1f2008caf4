# A known Python call chain for cprof's trampoline test: outer() calls
# middle_a() -> leaf_a() and middle_b() -> leaf_b(), leaf_a doing twice
# leaf_b's work (on small ints, so the cost is linear), so of the time
# under outer 2/3 is in leaf_a and 1/3 in leaf_b. Runs for SECONDS
# (argv[1], default 2), or with "-n ROUNDS" that many rounds of the two
# (fixed work, ~40 ms of CPU a round, however busy the machine). Each call
# lasts many sampling periods, so the samples cannot fall in step with the
# loop.
import sys
import time


def leaf_a(n):
    s = 0
    for i in range(2 * n):
        s = (s + i * i) & 0xffff
    return s


def leaf_b(n):
    s = 0
    for i in range(n):
        s = (s + i * i) & 0xffff
    return s


def middle_a(n):
    return leaf_a(n)


def middle_b(n):
    return leaf_b(n)


def outer(seconds, rounds=-1):
    end = time.time() + seconds
    while rounds > 0 or (rounds < 0 and time.time() < end):
        middle_a(100000)
        middle_b(100000)
        rounds -= rounds > 0


if len(sys.argv) > 2 and sys.argv[1] == "-n":
    outer(0, int(sys.argv[2]))
else:
    outer(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
