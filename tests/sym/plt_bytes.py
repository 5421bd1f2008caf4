# Fixture: compares bytes objects for ARGV[1] seconds (memcmp through libpython's PLT).
import sys, time
a = b"x" * 64 + b"a"
b = b"x" * 64 + b"b"
end = time.time() + float(sys.argv[1])
n = 0
while time.time() < end:
    for _ in range(10000):
        n += a < b
