# The designed workload of python_read.sh: N worker threads, worker K
# running worker -> deep x K -> a -> b -> c, and c spinning; the main
# thread spinning in main_spin. Once every worker is in c, the native
# thread id of each is written to READY ("worker K TID", "main TID"),
# renamed into place whole. The lines marked "# @NAME" are where the
# frames of NAME stand: python_read.sh reads them from this file.
# Usage: python pyread.py N READY
import os
import sys
import threading

lock = threading.Lock()
registered = []


def c(k):
    with lock:
        registered.append((k, threading.get_native_id()))
    while True: pass  # @c


def b(k):
    c(k)  # @b


def a(k):
    b(k)  # @a


def deep(k, n):
    if n:
        deep(k, n - 1)  # @deep
    else:
        a(k)  # @deep_leaf


def worker(k):
    deep(k, k)  # @worker


def main_spin(n, ready):
    while len(registered) < n: pass  # @main_wait
    with open(ready + ".tmp", "w") as f:
        for k, tid in registered:
            f.write("worker %d %d\n" % (k, tid))
        f.write("main 0 %d\n" % threading.get_native_id())
    os.rename(ready + ".tmp", ready)
    while True: pass  # @main_spin


n = int(sys.argv[1])
for k in range(n):
    threading.Thread(target=worker, args=(k,), daemon=True).start()
main_spin(n, sys.argv[2])  # @module
