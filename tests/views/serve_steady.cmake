# cprof serve left running: idle between scrapes, flat memory over the
# scrapes of a JIT target with a large perf map.
cprof_view(serve_steady serve_steady.sh)
