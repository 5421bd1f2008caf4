# The designed workload of python_attach.sh, run with no flag and attached
# to. Modes (argv[1]), each writing READY (argv[2]) once it runs, renamed
# into place whole:
#   split: handle_request -> leaf_a / leaf_b, leaf_a doing twice leaf_b's
#          work on small ints (2/3 and 1/3 of the time under handle_request)
#   zlib:  handle_blob -> pack_blob -> zlib.compress (a C extension under
#          its Python caller)
#   threads N: N threads, thread K in worker -> deep x K -> spin; READY
#          lists "K TID" for each (native thread ids)
# The lines marked "# @NAME" are where frames stand: the test reads them.
import os
import sys
import threading
import zlib


# the same cost per iteration whatever i (small ints only), so leaf_a is
# twice leaf_b; each call lasts tens of sampling periods
def leaf_a(n):
    s = 0
    for i in range(2 * n):
        s = (s + (i & 0xff) * 3) & 0xffff  # @leaf_a
    return s


def leaf_b(n):
    s = 0
    for i in range(n):
        s = (s + (i & 0xff) * 3) & 0xffff  # @leaf_b
    return s


def handle_request():
    leaf_a(500000)  # @call_a
    leaf_b(500000)  # @call_b


def pack_blob(blob):
    return zlib.compress(blob, 9)  # @pack


def handle_blob(blob):
    pack_blob(blob)  # @call_pack


registered = []
lock = threading.Lock()


def spin(k):
    with lock:
        registered.append((k, threading.get_native_id()))
    while True:
        pass  # @spin


def deep(k, n):
    if n:
        deep(k, n - 1)
    else:
        spin(k)


def worker(k):
    deep(k, k)


def ready(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


mode, path = sys.argv[1], sys.argv[2]
if mode == "split":
    ready(path, "split\n")
    while True:
        handle_request()
elif mode == "zlib":
    blob = os.urandom(1 << 16) + bytes(1 << 16)
    ready(path, "zlib\n")
    while True:
        handle_blob(blob)
elif mode == "threads":
    n = int(sys.argv[3])
    for k in range(n):
        threading.Thread(target=worker, args=(k,), daemon=True).start()
    while len(registered) < n:
        pass
    ready(path, "".join("%d %d\n" % kt for kt in registered))
    threading.Event().wait()
